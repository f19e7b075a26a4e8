/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/addr.c: parsing, canonical formatting and the
 * minimal prefix cover of an address range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/addr.h"

/* ---- helpers ---------------------------------------------------------- */

static addr_t v4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (addr_t)a << 24 | (addr_t)b << 16 | (addr_t)c << 8 | d;
}

/* Builds an IPv6 address from its eight 16-bit groups. */
static addr_t v6(unsigned g0, unsigned g1, unsigned g2, unsigned g3,
		 unsigned g4, unsigned g5, unsigned g6, unsigned g7)
{
	unsigned g[8] = { g0, g1, g2, g3, g4, g5, g6, g7 };
	addr_t a = 0;

	for (int i = 0; i < 8; i++)
		a = a << 16 | (g[i] & 0xffff);
	return a;
}

static void expect_prefix(const char *text, enum prefix_status want, enum family f,
			  addr_t addr, unsigned len)
{
	struct prefix p;

	memset(&p, 0xa5, sizeof(p));
	enum prefix_status st = prefix_parse(text, &p);
	if (st != want)
		fail_msg("prefix_parse(\"%s\") = %d, want %d", text, st, want);
	assert_int_equal(p.family, f);
	assert_int_equal(p.len, len);
	if (p.addr != addr)
		fail_msg("prefix_parse(\"%s\"): wrong address", text);
}

static void expect_status(const char *text, enum prefix_status want)
{
	struct prefix p;
	enum prefix_status st = prefix_parse(text, &p);

	if (st != want)
		fail_msg("prefix_parse(\"%s\") = %d, want %d", text, st, want);
}

/* Parses TEXT (which must be valid) and formats it back. */
static void expect_format(const char *text, const char *want)
{
	struct prefix p;
	char buf[PREFIX_STRLEN];

	if (prefix_parse(text, &p) != PREFIX_OK)
		fail_msg("prefix_parse(\"%s\") failed", text);
	assert_string_equal(prefix_format(&p, buf), want);
}

/* A small deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static addr_t rng_addr(enum family f)
{
	addr_t a = (addr_t)rng() << 64 | rng();

	/* Bias towards interesting values: runs of zeros and ones. */
	switch (rng() % 4) {
	case 0:
		a &= ~(addr_t)0 << (rng() % 128);
		break;
	case 1:
		a |= ((addr_t)1 << (rng() % 128)) - 1;
		break;
	default:
		break;
	}
	return a & family_max(f);
}

/* Collects what range_to_prefixes() emits. */
struct cover {
	struct prefix *p;
	size_t n, cap;
};

static void cover_add(const struct prefix *p, void *arg)
{
	struct cover *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->p = realloc(c->p, c->cap * sizeof(*c->p));
		assert_non_null(c->p);
	}
	c->p[c->n++] = *p;
}

/* The size of the minimal prefix cover of [LO, HI], counted independently
 * of the code under test: walk the binary trie of the space; a node wholly
 * inside the range is one prefix, a node outside is none, anything else
 * splits into its two halves. */
static size_t brute_count(addr_t node_lo, unsigned host_bits, addr_t lo, addr_t hi)
{
	addr_t node_hi = host_bits == 128 ? ~(addr_t)0 :
			 node_lo + (((addr_t)1 << host_bits) - 1);

	if (node_hi < lo || node_lo > hi)
		return 0;
	if (node_lo >= lo && node_hi <= hi)
		return 1;
	addr_t half = (addr_t)1 << (host_bits - 1);
	return brute_count(node_lo, host_bits - 1, lo, hi) +
	       brute_count(node_lo + half, host_bits - 1, lo, hi);
}

/* Runs range_to_prefixes() and checks the prefixes tile [LO, HI] exactly:
 * in order, each aligned to its length, each starting right after the
 * previous one ends, the first at LO, the last ending at HI - and that
 * there are no more of them than the minimal cover needs. */
static size_t check_cover(enum family f, addr_t lo, addr_t hi)
{
	struct cover c = { 0 };
	addr_t next = lo;

	range_to_prefixes(f, lo, hi, cover_add, &c);
	assert_true(c.n > 0);
	for (size_t i = 0; i < c.n; i++) {
		const struct prefix *p = &c.p[i];
		assert_int_equal(p->family, f);
		assert_true(p->len <= family_bits(f));
		assert_true((p->addr & prefix_hostmask(f, p->len)) == 0);
		assert_true(p->addr == next);
		assert_true(prefix_last(p) <= hi);
		assert_true(prefix_last(p) >= p->addr);
		if (i + 1 < c.n)
			next = prefix_last(p) + 1;
		else
			assert_true(prefix_last(p) == hi);
	}
	size_t n = c.n;
	size_t want = brute_count(0, family_bits(f), lo, hi);
	if (n != want)
		fail_msg("cover of range has %zu prefixes, minimal is %zu", n, want);
	free(c.p);
	return n;
}

/* ---- prefix_parse: valid input ------------------------------------------ */

/* Addresses and prefixes that are valid come back with the right family,
 * value and length; a bare address is a host prefix of its family. */
static void test_parse_ok(void **state)
{
	(void)state;
	expect_prefix("192.0.2.1", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 1), 32);
	expect_prefix("192.0.2.1/32", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 1), 32);
	expect_prefix("10.0.0.0/8", PREFIX_OK, FAMILY_V4, v4(10, 0, 0, 0), 8);
	expect_prefix("0.0.0.0/0", PREFIX_OK, FAMILY_V4, 0, 0);
	expect_prefix("0.0.0.0", PREFIX_OK, FAMILY_V4, 0, 32);
	expect_prefix("255.255.255.255", PREFIX_OK, FAMILY_V4, 0xffffffffu, 32);
	expect_prefix("198.51.100.128/25", PREFIX_OK, FAMILY_V4, v4(198, 51, 100, 128), 25);
	expect_prefix("2001:db8::/32", PREFIX_OK, FAMILY_V6, v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32);
	expect_prefix("2001:DB8::1", PREFIX_OK, FAMILY_V6, v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), 128);
	expect_prefix("::/0", PREFIX_OK, FAMILY_V6, 0, 0);
	expect_prefix("::", PREFIX_OK, FAMILY_V6, 0, 128);
	expect_prefix("::1/128", PREFIX_OK, FAMILY_V6, 1, 128);
	expect_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PREFIX_OK, FAMILY_V6,
		      ~(addr_t)0, 128);
	expect_prefix("fe80::/10", PREFIX_OK, FAMILY_V6, v6(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10);
}

/* The family comes from the value's meaning, not only the syntax: an
 * IPv4-mapped IPv6 address is the IPv4 address it maps (a connection to
 * it leaves as IPv4), and a mapped prefix the IPv4 prefix. A small IPv6
 * value is not IPv4, nor is a prefix that merely contains the mapped
 * block. */
static void test_parse_family(void **state)
{
	enum family f;
	addr_t a;

	(void)state;
	expect_prefix("::ffff:192.0.2.1", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 1), 32);
	expect_prefix("::FFFF:c000:0201", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 1), 32);
	expect_prefix("0:0:0:0:0:ffff:192.0.2.1/128", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 1), 32);
	expect_prefix("::ffff:192.0.2.0/120", PREFIX_OK, FAMILY_V4, v4(192, 0, 2, 0), 24);
	expect_prefix("::ffff:0:0/96", PREFIX_OK, FAMILY_V4, 0, 0);
	expect_prefix("::ffff:169.254.0.0/112", PREFIX_OK, FAMILY_V4, v4(169, 254, 0, 0), 16);
	/* Lengths are checked in the family written; a suggested network
	 * is canonical too. */
	expect_status("::ffff:192.0.2.1/129", PREFIX_BAD_LENGTH);
	expect_prefix("::ffff:192.0.2.1/120", PREFIX_HOST_BITS, FAMILY_V4, v4(192, 0, 2, 0), 24);
	/* Not mapped: containing the block, beside it, IPv4-compatible. */
	expect_prefix("::fffe:0:0/95", PREFIX_OK, FAMILY_V6, v6(0, 0, 0, 0, 0, 0xfffe, 0, 0), 95);
	expect_prefix("::/0", PREFIX_OK, FAMILY_V6, 0, 0);
	expect_prefix("::fffe:c000:201", PREFIX_OK, FAMILY_V6,
		      v6(0, 0, 0, 0, 0, 0xfffe, 0xc000, 0x0201), 128);
	expect_prefix("::1:ffff:c000:201", PREFIX_OK, FAMILY_V6,
		      v6(0, 0, 0, 0, 1, 0xffff, 0xc000, 0x0201), 128);
	expect_prefix("::c000:201", PREFIX_OK, FAMILY_V6, v4(192, 0, 2, 1), 128);

	assert_true(addr_parse("192.0.2.1", &f, &a));
	assert_int_equal(f, FAMILY_V4);
	assert_true(a == v4(192, 0, 2, 1));
	assert_true(addr_parse("::ffff:169.254.169.254", &f, &a));
	assert_int_equal(f, FAMILY_V4);
	assert_true(a == v4(169, 254, 169, 254));
	assert_true(addr_parse("2001:db8::1", &f, &a));
	assert_int_equal(f, FAMILY_V6);
	assert_true(a == v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
	assert_false(addr_parse("192.0.2.1/32", &f, &a));
	assert_false(addr_parse("example.com", &f, &a));
	expect_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", PREFIX_HOST_BITS,
		      FAMILY_V6, 0, 0);
}

/* Addresses that arrive as bytes (DNS answers) are made canonical alike. */
static void test_canonical(void **state)
{
	struct prefix p = { .family = FAMILY_V6, .len = 128,
			    .addr = v6(0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe) };

	(void)state;
	prefix_canonical(&p);
	assert_int_equal(p.family, FAMILY_V4);
	assert_int_equal(p.len, 32);
	assert_true(p.addr == v4(169, 254, 169, 254));
	prefix_canonical(&p);
	assert_int_equal(p.family, FAMILY_V4);
	assert_true(p.addr == v4(169, 254, 169, 254));

	p = (struct prefix){ .family = FAMILY_V6, .len = 95,
			     .addr = v6(0, 0, 0, 0, 0, 0xfffe, 0, 0) };
	prefix_canonical(&p);
	assert_int_equal(p.family, FAMILY_V6);
	assert_int_equal(p.len, 95);
	p = (struct prefix){ .family = FAMILY_V6, .len = 128,
			     .addr = v6(0x2001, 0xdb8, 0, 0, 0, 0xffff, 0, 1) };
	prefix_canonical(&p);
	assert_int_equal(p.family, FAMILY_V6);
}

/* ---- prefix_parse: invalid input ---------------------------------------- */

/* Anything that is not exactly an IPv4 or IPv6 address before the '/' is a
 * bad address - including leading zeros, which some parsers read as octal. */
static void test_parse_bad_address(void **state)
{
	static const char *const bad[] = {
		"", "/8", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "01.2.3.4",
		"1.2.3.04", "1.02.3.4", "0x1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "example.com",
		"1.2.3.-4", "::g", "1:2:3:4:5:6:7:8:9", "12345::", "1::2::3", ":::",
		"2001:db8::1%eth0", "192.0.2.1:80",
		/* longer than any address: must not overflow the copy */
		"1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:bbbb/64",
		"00000000000000000000000000000000000000000000000000000000000000000001",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_status(bad[i], PREFIX_BAD_ADDRESS);
}

/* After the '/': one to three decimal digits, no leading zero, no sign, no
 * blanks, at most the family's width. */
static void test_parse_bad_length(void **state)
{
	static const char *const bad[] = {
		"10.0.0.0/", "10.0.0.0/08", "10.0.0.0/00", "10.0.0.0/33", "10.0.0.0/128",
		"10.0.0.0/129", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/8x", "10.0.0.0/ 8",
		"10.0.0.0/8 ", "10.0.0.0/1000", "10.0.0.0/0008", "10.0.0.0//8",
		"10.0.0.0/8/8", "10.0.0.0/4294967304",
		"2001:db8::/", "2001:db8::/032", "2001:db8::/129", "2001:db8::/256",
		"::/1280",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_status(bad[i], PREFIX_BAD_LENGTH);
	/* The boundaries themselves are fine. */
	expect_status("10.0.0.0/0", PREFIX_HOST_BITS);
	expect_status("0.0.0.0/0", PREFIX_OK);
	expect_status("10.0.0.1/32", PREFIX_OK);
	expect_status("2001:db8::1/128", PREFIX_OK);
	expect_status("2001:db8::/32", PREFIX_OK);
}

/* Host bits past the length are refused, and OUT then holds the network the
 * user probably meant, for the "did you mean" hint. */
static void test_parse_host_bits(void **state)
{
	(void)state;
	expect_prefix("10.1.2.3/8", PREFIX_HOST_BITS, FAMILY_V4, v4(10, 0, 0, 0), 8);
	expect_prefix("192.0.2.1/24", PREFIX_HOST_BITS, FAMILY_V4, v4(192, 0, 2, 0), 24);
	expect_prefix("192.0.2.255/31", PREFIX_HOST_BITS, FAMILY_V4, v4(192, 0, 2, 254), 31);
	expect_prefix("255.255.255.255/0", PREFIX_HOST_BITS, FAMILY_V4, 0, 0);
	expect_prefix("2001:db8::1/32", PREFIX_HOST_BITS, FAMILY_V6,
		      v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32);
	expect_prefix("2001:db8:1:2:3:4:5:6/64", PREFIX_HOST_BITS, FAMILY_V6,
		      v6(0x2001, 0xdb8, 1, 2, 0, 0, 0, 0), 64);
	expect_prefix("::1/127", PREFIX_HOST_BITS, FAMILY_V6, 0, 127);
	expect_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/1", PREFIX_HOST_BITS,
		      FAMILY_V6, (addr_t)1 << 127, 1);
	expect_prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", PREFIX_HOST_BITS,
		      FAMILY_V6, 0, 0);
}

/* ---- formatting --------------------------------------------------------- */

/* IPv6 text follows RFC 5952: lower case, no leading zeros, the longest run
 * of zero groups (the first one on a tie, never a single group) as "::",
 * and IPv4-mapped addresses in dotted form - but not the rest of ::/96,
 * which glibc's inet_ntop() writes in the deprecated IPv4-compatible form
 * ("::1:0" as "::0.1.0.0"). */
static void test_format_addr(void **state)
{
	char buf[PREFIX_STRLEN];

	(void)state;
	assert_string_equal(addr_format(FAMILY_V4, 0, buf), "0.0.0.0");
	assert_string_equal(addr_format(FAMILY_V4, 0xffffffffu, buf), "255.255.255.255");
	assert_string_equal(addr_format(FAMILY_V4, v4(192, 0, 2, 1), buf), "192.0.2.1");
	assert_string_equal(addr_format(FAMILY_V6, 0, buf), "::");
	assert_string_equal(addr_format(FAMILY_V6, 1, buf), "::1");
	assert_string_equal(addr_format(FAMILY_V6, ~(addr_t)0, buf),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_string_equal(addr_format(FAMILY_V6, v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1), buf),
			    "2001:db8::1");
	assert_string_equal(addr_format(FAMILY_V6, v6(0x2001, 0xdb8, 0, 0, 1, 0, 0, 1), buf),
			    "2001:db8::1:0:0:1");
	assert_string_equal(addr_format(FAMILY_V6, v6(0x2001, 0xdb8, 0, 1, 1, 1, 1, 1), buf),
			    "2001:db8:0:1:1:1:1:1");
	assert_string_equal(addr_format(FAMILY_V6, v6(0x2001, 0, 0, 1, 0, 0, 0, 1), buf),
			    "2001:0:0:1::1");
	assert_string_equal(addr_format(FAMILY_V6, v6(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x201), buf),
			    "::ffff:192.0.2.1");
	assert_string_equal(addr_format(FAMILY_V6, v6(0xfe80, 0, 0, 0, 0, 0, 0, 0), buf),
			    "fe80::");
	assert_string_equal(addr_format(FAMILY_V6, v6(1, 0, 0, 0, 0, 0, 0, 0), buf), "1::");
	assert_string_equal(addr_format(FAMILY_V6, v6(0, 0, 0, 0, 0, 0, 1, 0), buf), "::1:0");
	assert_string_equal(addr_format(FAMILY_V6, v6(0, 0, 0, 0, 0, 0, 0xc000, 0x201), buf),
			    "::c000:201");
	assert_string_equal(addr_format(FAMILY_V6, v6(0, 0, 0, 0, 0, 1, 0, 0), buf), "::1:0:0");
}

/* Prefix text is the canonical address, with "/LEN" only when the prefix is
 * shorter than a host; text round-trips to its canonical form. */
static void test_format_prefix(void **state)
{
	struct prefix p = { 0 };
	char buf[PREFIX_STRLEN];
	char *r;

	(void)state;
	expect_format("10.0.0.0/8", "10.0.0.0/8");
	expect_format("192.0.2.1/32", "192.0.2.1");
	expect_format("192.0.2.1", "192.0.2.1");
	expect_format("0.0.0.0/0", "0.0.0.0/0");
	expect_format("::/0", "::/0");
	expect_format("::/128", "::");
	expect_format("2001:DB8:0000::/32", "2001:db8::/32");
	expect_format("2001:db8:0:0:0:0:0:1/128", "2001:db8::1");
	expect_format("2001:0db8:0000:0000:0001:0000:0000:0000/80", "2001:db8:0:0:1::/80");
	expect_format("::ffff:192.0.2.0/120", "192.0.2.0/24");

	/* The longest text fits PREFIX_STRLEN, and the buffer is the result. */
	p.family = FAMILY_V6;
	p.len = 127;
	p.addr = ~(addr_t)1;
	r = prefix_format(&p, buf);
	assert_ptr_equal(r, buf);
	assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127");
	assert_true(strlen(buf) < PREFIX_STRLEN);

	/* A v4 prefix of length 32 is a host; a v6 prefix of length 32 is not. */
	p.family = FAMILY_V4;
	p.len = 32;
	p.addr = v4(203, 0, 113, 7);
	assert_string_equal(prefix_format(&p, buf), "203.0.113.7");
	p.family = FAMILY_V6;
	p.addr = v6(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0);
	assert_string_equal(prefix_format(&p, buf), "2001:db8::/32");
}

/* ---- range_to_prefixes -------------------------------------------------- */

/* Whole spaces are one prefix each (no wrap at the top of the space). */
static void test_cover_full_space(void **state)
{
	struct cover c = { 0 };

	(void)state;
	range_to_prefixes(FAMILY_V4, 0, 0xffffffffu, cover_add, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.p[0].addr == 0);
	assert_int_equal(c.p[0].len, 0);
	assert_int_equal(c.p[0].family, FAMILY_V4);
	c.n = 0;
	range_to_prefixes(FAMILY_V6, 0, ~(addr_t)0, cover_add, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.p[0].addr == 0);
	assert_int_equal(c.p[0].len, 0);
	assert_int_equal(c.p[0].family, FAMILY_V6);
	free(c.p);
}

/* Single hosts, at both ends of both spaces, are one full-length prefix. */
static void test_cover_single_hosts(void **state)
{
	static const struct {
		enum family f;
		addr_t a;
	} hosts[] = {
		{ FAMILY_V4, 0 },
		{ FAMILY_V4, 1 },
		{ FAMILY_V4, 0x7fffffffu },
		{ FAMILY_V4, 0x80000000u },
		{ FAMILY_V4, 0xfffffffeu },
		{ FAMILY_V4, 0xffffffffu },
		{ FAMILY_V6, 0 },
		{ FAMILY_V6, 1 },
		{ FAMILY_V6, ~(addr_t)0 >> 1 },
		{ FAMILY_V6, ~(addr_t)0 - 1 },
		{ FAMILY_V6, ~(addr_t)0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct cover c = { 0 };
		range_to_prefixes(hosts[i].f, hosts[i].a, hosts[i].a, cover_add, &c);
		assert_int_equal(c.n, 1);
		assert_true(c.p[0].addr == hosts[i].a);
		assert_int_equal(c.p[0].len, family_bits(hosts[i].f));
		assert_int_equal(c.p[0].family, hosts[i].f);
		free(c.p);
	}
}

/* Ranges that need many prefixes get the minimal number, exactly tiling the
 * range; [1, max-1] is the worst case: one prefix per length on each side. */
static void test_cover_odd_ranges(void **state)
{
	(void)state;
	assert_int_equal(check_cover(FAMILY_V4, 1, 0xfffffffeu), 62);
	assert_int_equal(check_cover(FAMILY_V6, 1, ~(addr_t)0 - 1), 254);
	assert_int_equal(check_cover(FAMILY_V4, 0, 0xfffffffeu), 32);
	assert_int_equal(check_cover(FAMILY_V4, 1, 0xffffffffu), 32);
	assert_int_equal(check_cover(FAMILY_V6, 0, ~(addr_t)0 - 1), 128);
	assert_int_equal(check_cover(FAMILY_V6, 1, ~(addr_t)0), 128);
	assert_int_equal(check_cover(FAMILY_V4, v4(10, 0, 0, 0), v4(10, 255, 255, 255)), 1);
	assert_int_equal(check_cover(FAMILY_V4, v4(192, 0, 2, 1), v4(192, 0, 2, 2)), 2);
	assert_int_equal(check_cover(FAMILY_V4, v4(192, 0, 2, 0), v4(192, 0, 3, 0)), 2);
	assert_int_equal(check_cover(FAMILY_V4, v4(192, 0, 2, 255), v4(192, 0, 3, 255)), 2);
	assert_int_equal(check_cover(FAMILY_V4, 0x7fffffffu, 0x80000000u), 2);
	assert_int_equal(check_cover(FAMILY_V4, 0, 0x7fffffffu), 1);
	assert_int_equal(check_cover(FAMILY_V4, 0x80000000u, 0xffffffffu), 1);
	assert_int_equal(check_cover(FAMILY_V6, ~(addr_t)0 >> 1, (addr_t)1 << 127), 2);
	check_cover(FAMILY_V4, 3, 0xfffffffcu);
	check_cover(FAMILY_V6, 0xff, ~(addr_t)0 - 0xff);
}

/* Random ranges (fixed seed) in both families are covered minimally and
 * tiled exactly; exhaustively, every range in a small corner of the space. */
static void test_cover_random(void **state)
{
	(void)state;
	for (int i = 0; i < 3000; i++) {
		enum family f = i % 2 ? FAMILY_V6 : FAMILY_V4;
		addr_t a = rng_addr(f), b = rng_addr(f);
		if (a > b) {
			addr_t t = a;
			a = b;
			b = t;
		}
		check_cover(f, a, b);
	}
	for (addr_t lo = 0; lo < 64; lo++)
		for (addr_t hi = lo; hi < 64; hi++)
			check_cover(FAMILY_V4, lo, hi);
	for (addr_t lo = 0xffffffc0u; lo <= 0xffffffffu; lo++)
		for (addr_t hi = lo; hi <= 0xffffffffu; hi++)
			check_cover(FAMILY_V4, lo, hi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_family),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_parse_bad_address),
		cmocka_unit_test(test_parse_bad_length),
		cmocka_unit_test(test_parse_host_bits),
		cmocka_unit_test(test_format_addr),
		cmocka_unit_test(test_format_prefix),
		cmocka_unit_test(test_cover_full_space),
		cmocka_unit_test(test_cover_single_hosts),
		cmocka_unit_test(test_cover_odd_ranges),
		cmocka_unit_test(test_cover_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
