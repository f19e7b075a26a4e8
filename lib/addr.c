/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/addr.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int addr_sort_cmp(const void *pa, const void *pb)
{
	const struct prefix *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* The block ::ffff:0:0/96, as the top 96 bits of an address. */
#define V4_MAPPED_TOP 0xffff

void prefix_canonical(struct prefix *p)
{
	if (p->family != FAMILY_V6 || p->len < 96 || p->addr >> 32 != V4_MAPPED_TOP)
		return;
	p->family = FAMILY_V4;
	p->addr &= 0xffffffffu;
	p->len = (unsigned char)(p->len - 96);
}

/* The address as written, before prefix_canonical(). */
static bool parse_written(const char *text, enum family *f, addr_t *a)
{
	unsigned char buf[16];

	if (inet_pton(AF_INET, text, buf) == 1) {
		*f = FAMILY_V4;
		*a = (addr_t)buf[0] << 24 | (addr_t)buf[1] << 16 | (addr_t)buf[2] << 8 | buf[3];
		return true;
	}
	if (strchr(text, ':') && inet_pton(AF_INET6, text, buf) == 1) {
		*f = FAMILY_V6;
		*a = 0;
		for (int i = 0; i < 16; i++)
			*a = *a << 8 | buf[i];
		return true;
	}
	return false;
}

bool addr_parse(const char *text, enum family *f, addr_t *a)
{
	struct prefix p;

	if (!parse_written(text, f, &p.addr))
		return false;
	p.family = (unsigned char)*f;
	p.len = (unsigned char)family_bits(*f);
	prefix_canonical(&p);
	*f = p.family;
	*a = p.addr;
	return true;
}

enum prefix_status prefix_parse(const char *text, struct prefix *out)
{
	enum prefix_status st = prefix_parse_written(text, out);

	if (st == PREFIX_OK || st == PREFIX_HOST_BITS)
		prefix_canonical(out);
	return st;
}

enum prefix_status prefix_parse_written(const char *text, struct prefix *out)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	enum family f;
	addr_t a;

	if (alen == 0 || alen >= sizeof(addr))
		return PREFIX_BAD_ADDRESS;
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (!parse_written(addr, &f, &a))
		return PREFIX_BAD_ADDRESS;

	unsigned len = family_bits(f);
	if (slash) {
		const char *p = slash + 1;
		/* Digits only, no sign, no leading zeros: "/08" is a typo, not 8. */
		if (!*p || strlen(p) > 3 || (p[0] == '0' && p[1]))
			return PREFIX_BAD_LENGTH;
		len = 0;
		for (; *p; p++) {
			if (*p < '0' || *p > '9')
				return PREFIX_BAD_LENGTH;
			len = len * 10 + (unsigned)(*p - '0');
		}
		if (len > family_bits(f))
			return PREFIX_BAD_LENGTH;
	}
	out->family = (unsigned char)f;
	out->len = (unsigned char)len;
	out->addr = a & ~prefix_hostmask(f, len);
	return out->addr == a ? PREFIX_OK : PREFIX_HOST_BITS;
}

/* RFC 5952: lower-case hex without leading zeros, the longest run of two or
 * more zero groups (the first, on a tie) as "::", and dotted quads only for
 * IPv4-mapped addresses. glibc's inet_ntop also writes the deprecated
 * IPv4-compatible form (::192.0.2.1), which this avoids. */
static char *format_v6(addr_t a, char *buf)
{
	unsigned g[8];
	int best = -1, best_len = 1;
	char *o = buf;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)(a >> (112 - 16 * i)) & 0xffff;
	if (a >> 32 == 0xffff) {
		sprintf(buf, "::ffff:%u.%u.%u.%u", g[6] >> 8, g[6] & 0xff, g[7] >> 8,
			g[7] & 0xff);
		return buf;
	}
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			o = stpcpy(o, "::");
			i += best_len - 1;
			continue;
		}
		if (o > buf && o[-1] != ':')
			*o++ = ':';
		/* Hex without leading zeros, by hand (see put_decimal). */
		for (int shift = 12; shift >= 0; shift -= 4)
			if (g[i] >> shift || shift == 0)
				*o++ = "0123456789abcdef"[(g[i] >> shift) & 0xf];
	}
	*o = '\0';
	return buf;
}

/* "00" to "99", for writing two digits at once. */
static const char digit_pairs[] = "00010203040506070809"
				  "10111213141516171819"
				  "20212223242526272829"
				  "30313233343536373839"
				  "40414243444546474849"
				  "50515253545556575859"
				  "60616263646566676869"
				  "70717273747576777879"
				  "80818283848586878889"
				  "90919293949596979899";

/* Writes V (< 1000) in decimal at O; returns the end. By hand, because
 * printf costs more than everything else when a list has a million lines;
 * two digits at a time, because an nft set of a list prints four numbers
 * a prefix. */
static char *put_decimal(char *o, unsigned v)
{
	if (v < 10) {
		*o = (char)('0' + v);
		return o + 1;
	}
	if (v >= 100) {
		*o++ = (char)('0' + v / 100);
		v %= 100;
	}
	memcpy(o, digit_pairs + 2 * v, 2);
	return o + 2;
}

/* The dotted quad at O, without a NUL; returns the end. */
static char *put_v4(char *o, addr_t a)
{
	for (int shift = 24; shift > 0; shift -= 8) {
		o = put_decimal(o, (unsigned)(a >> shift) & 0xff);
		*o++ = '.';
	}
	return put_decimal(o, (unsigned)a & 0xff);
}

char *addr_format(enum family f, addr_t a, char buf[PREFIX_STRLEN])
{
	if (f == FAMILY_V6)
		return format_v6(a, buf);
	*put_v4(buf, a) = '\0';
	return buf;
}

char *prefix_put(char *o, const struct prefix *p)
{
	if (p->family == FAMILY_V6) {
		format_v6(p->addr, o);
		o += strlen(o);
	} else {
		o = put_v4(o, p->addr);
	}
	if (p->len != family_bits(p->family)) {
		*o++ = '/';
		o = put_decimal(o, p->len);
	}
	return o;
}

char *prefix_format(const struct prefix *p, char buf[PREFIX_STRLEN])
{
	*prefix_put(buf, p) = '\0';
	return buf;
}

static unsigned ctz128(addr_t a)
{
	uint64_t lo = (uint64_t)a, hi = (uint64_t)(a >> 64);

	if (lo)
		return (unsigned)__builtin_ctzll(lo);
	return hi ? 64 + (unsigned)__builtin_ctzll(hi) : 128;
}

/* floor(log2(A)) for A > 0. */
static unsigned log2_128(addr_t a)
{
	uint64_t hi = (uint64_t)(a >> 64);

	if (hi)
		return 127 - (unsigned)__builtin_clzll(hi);
	return 63 - (unsigned)__builtin_clzll((uint64_t)a);
}

void range_to_prefixes(enum family f, addr_t lo, addr_t hi,
		       void (*fn)(const struct prefix *p, void *arg), void *arg)
{
	const unsigned bits = family_bits(f);

	for (;;) {
		/* The widest block that starts at LO (its alignment) and
		 * stays within HI (the size of what is left). */
		unsigned k = ctz128(lo);
		addr_t left = hi - lo;
		unsigned fits = left == ~(addr_t)0 ? 128 : log2_128(left + 1);
		if (fits < k)
			k = fits;
		if (k > bits)
			k = bits;
		struct prefix p = { .addr = lo, .len = (unsigned char)(bits - k),
				    .family = (unsigned char)f };
		fn(&p, arg);
		addr_t mask = prefix_hostmask(f, bits - k);
		/* Stop before LO | MASK + 1 could wrap past the top of the space. */
		if ((lo | mask) == hi)
			return;
		lo = (lo | mask) + 1;
	}
}
