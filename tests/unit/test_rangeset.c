/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/rangeset.c: merging prefixes into maximal
 * disjoint, non-adjacent spans, each naming exactly the prefixes behind it;
 * the compact storage read back through the accessors, sorted the same
 * whatever the insertion order; replacing the spans; counting the prefixes
 * the spans need. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/rangeset.h"

/* ---- helpers ---------------------------------------------------------- */

#define V4_MAX ((addr_t)0xffffffffu)
#define V6_MAX (~(addr_t)0)
#define ORIGIN_TOP (RANGESET_MAX_ORIGINS - 1)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static uint64_t rng64(void)
{
	return (uint64_t)rng() << 32 | rng();
}

static addr_t rng128(void)
{
	return (addr_t)rng64() << 64 | rng64();
}

/* The prefix ADDR/LEN of family F, which must have no host bits. */
static struct prefix pfx(enum family f, addr_t addr, unsigned len)
{
	struct prefix p = { .addr = addr, .len = (unsigned char)len, .family = (unsigned char)f };

	assert_true(len <= family_bits(f));
	assert_true(addr <= family_max(f));
	if (addr & prefix_hostmask(f, len)) {
		char buf[PREFIX_STRLEN];
		fail_msg("test bug: %s/%u has host bits", addr_format(f, addr, buf), len);
	}
	return p;
}

static void add(struct rangeset *s, addr_t addr, unsigned len, uint32_t origin)
{
	struct prefix p = pfx(s->family, addr, len);

	rangeset_add(s, &p, origin);
}

static void expect_span(const struct rangeset *s, size_t i, addr_t lo, addr_t hi,
			size_t first, size_t count)
{
	assert_true(i < s->nspans);
	struct span sp = rangeset_span(s, i);
	if (sp.lo != lo || sp.hi != hi) {
		char a[PREFIX_STRLEN], b[PREFIX_STRLEN], c[PREFIX_STRLEN], d[PREFIX_STRLEN];
		fail_msg("span %zu is [%s, %s], want [%s, %s]", i,
			 addr_format(s->family, sp.lo, a), addr_format(s->family, sp.hi, b),
			 addr_format(s->family, lo, c), addr_format(s->family, hi, d));
	}
	assert_int_equal(sp.first, first);
	assert_int_equal(sp.count, count);
}

/* Range I is the prefix ADDR/LEN from ORIGIN. */
static void expect_range(const struct rangeset *s, size_t i, addr_t addr, unsigned len,
			 uint32_t origin)
{
	assert_true(i < s->nranges);
	struct range r = rangeset_range(s, i);
	struct prefix p = pfx(s->family, addr, len);
	if (r.lo != p.addr || r.hi != prefix_last(&p)) {
		char a[PREFIX_STRLEN], b[PREFIX_STRLEN], c[PREFIX_STRLEN];
		fail_msg("range %zu is [%s, %s], want %s", i, addr_format(s->family, r.lo, a),
			 addr_format(s->family, r.hi, b), prefix_format(&p, c));
	}
	assert_int_equal(r.origin, origin);
}

/* The minimal prefix cover of [LO, HI], counted the slow, obvious way: the
 * widest aligned block at LO that stays within HI, again and again. */
static size_t naive_cover(enum family f, addr_t lo, addr_t hi)
{
	size_t n = 0;

	for (;;) {
		unsigned len = 0;
		addr_t mask;
		for (;; len++) {
			mask = prefix_hostmask(f, len);
			if ((lo & mask) == 0 && (lo | mask) <= hi)
				break;
		}
		n++;
		if ((lo | mask) == hi)
			return n;
		lo = (lo | mask) + 1;
	}
}

struct tiling {
	enum family family;
	addr_t next;		/* where the next prefix must start */
	size_t n;
};

static void tile(const struct prefix *p, void *arg)
{
	struct tiling *t = arg;

	assert_int_equal(p->family, t->family);
	assert_true(p->len <= family_bits(t->family));
	assert_true((p->addr & prefix_hostmask(t->family, p->len)) == 0);
	assert_true(p->addr == t->next);
	t->next = prefix_last(p) + 1;
	t->n++;
}

/* The prefixes range_to_prefixes() gives for the spans, checked to tile
 * each span exactly; rangeset_prefix_count() must agree. */
static size_t spans_prefixes(const struct rangeset *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		struct tiling t = { .family = s->family, .next = sp.lo };
		range_to_prefixes(s->family, sp.lo, sp.hi, tile, &t);
		/* Nothing left over (at the top of IPv6, both wrap to 0). */
		assert_true(t.next == sp.hi + 1);
		n += t.n;
	}
	return n;
}

static size_t spans_naive_prefixes(const struct rangeset *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		n += naive_cover(s->family, sp.lo, sp.hi);
	}
	return n;
}

/* The invariants every finished set keeps, whatever went in: every range
 * a prefix of the family with an origin in bounds; ranges sorted by
 * address, then length (so a wider prefix first), then origin; spans
 * sorted, disjoint and non-adjacent, each found at both its ends and not
 * just outside them; each span's contributors a contiguous run of ranges
 * that lie inside it, the runs following each other and together covering
 * every range once; each span exactly the union of its contributors (its
 * ends are some contributor's ends, and no gap inside). */
static void check_invariants(const struct rangeset *s)
{
	const addr_t max = family_max(s->family);
	size_t next_first = 0;
	struct range prev = { 0 };

	for (size_t i = 0; i < s->nranges; i++) {
		struct range r = rangeset_range(s, i);
		addr_t size = r.hi - r.lo;
		assert_true(r.lo <= r.hi);
		assert_true(r.hi <= max);
		assert_true((size & (size + 1)) == 0);	/* 2^k - 1 ... */
		assert_true((r.lo & size) == 0);	/* ... and aligned */
		assert_true(r.origin < RANGESET_MAX_ORIGINS);
		if (i > 0)
			assert_true(prev.lo < r.lo || (prev.lo == r.lo && prev.hi > r.hi) ||
				    (prev.lo == r.lo && prev.hi == r.hi && prev.origin <= r.origin));
		prev = r;
	}
	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		assert_true(sp.lo <= sp.hi);
		assert_true(sp.hi <= max);
		if (i + 1 < s->nspans) {
			/* Disjoint and non-adjacent: a gap of at least one address. */
			struct span next = rangeset_span(s, i + 1);
			assert_true(sp.hi < next.lo);
			assert_true(sp.hi + 1 < next.lo);
		}
		assert_int_equal(rangeset_find(s, sp.lo), i);
		assert_int_equal(rangeset_find(s, sp.hi), i);
		if (sp.lo > 0)
			assert_int_equal(rangeset_find(s, sp.lo - 1), -1);
		if (sp.hi < max)
			assert_int_equal(rangeset_find(s, sp.hi + 1), -1);
		assert_int_equal(sp.first, next_first);
		assert_true(sp.count > 0);
		addr_t reach = sp.lo;
		bool hi_seen = false;
		for (size_t j = sp.first; j < sp.first + sp.count; j++) {
			struct range r = rangeset_range(s, j);
			assert_true(r.lo >= sp.lo && r.hi <= sp.hi);
			/* Sorted by start, each contributor starts inside or right
			 * after what the earlier ones reach: no hole in the span. */
			if (j > sp.first)
				assert_true(r.lo <= reach || r.lo - 1 == reach);
			if (j == sp.first || r.hi > reach)
				reach = r.hi;
			hi_seen |= r.hi == sp.hi;
		}
		assert_true(rangeset_range(s, sp.first).lo == sp.lo);
		assert_true(hi_seen);
		next_first = sp.first + sp.count;
	}
	assert_int_equal(next_first, s->nranges);
}

/* ---- basic merging ------------------------------------------------------ */

/* An empty set has no spans, finds nothing and needs no prefixes;
 * releasing it is harmless, and a released set can be used again. */
static void test_empty(void **state)
{
	struct rangeset s;

	(void)state;
	for (int f = 0; f < FAMILY_COUNT; f++) {
		rangeset_init(&s, (enum family)f);
		rangeset_finish(&s);
		assert_int_equal(s.nranges, 0);
		assert_int_equal(s.nspans, 0);
		assert_int_equal(rangeset_find(&s, 0), -1);
		assert_int_equal(rangeset_find(&s, family_max((enum family)f)), -1);
		assert_int_equal(rangeset_prefix_count(&s), 0);
		rangeset_release(&s);
		assert_int_equal(s.family, f);
		assert_int_equal(s.nranges, 0);
		assert_int_equal(s.nspans, 0);
		assert_int_equal(rangeset_find(&s, 0), -1);

		/* Reuse after release. */
		add(&s, 0, family_bits((enum family)f), 7);
		rangeset_finish(&s);
		assert_int_equal(s.nspans, 1);
		expect_span(&s, 0, 0, 0, 0, 1);
		expect_range(&s, 0, 0, family_bits((enum family)f), 7);
		rangeset_release(&s);
		rangeset_release(&s);
		assert_int_equal(s.nranges, 0);
	}
}

/* The same prefix from several origins is one span with every origin as a
 * contributor, ordered by origin (deterministic, not insertion order). */
/* Room reserved ahead, for nothing or for more than is added, changes
 * nothing of what the set holds. */
static void test_reserve(void **state)
{
	struct rangeset s, plain;

	(void)state;
	for (int f = 0; f < FAMILY_COUNT; f++) {
		rangeset_init(&s, (enum family)f);
		rangeset_init(&plain, (enum family)f);
		rangeset_reserve(&s, 0);
		assert_int_equal(s.nranges, 0);
		rangeset_reserve(&s, 1000);
		assert_true(s.cap >= 1000);
		for (unsigned i = 0; i < 100; i++) {
			add(&s, (addr_t)i * 4, family_bits((enum family)f) - 1, i);
			add(&plain, (addr_t)i * 4, family_bits((enum family)f) - 1, i);
		}
		rangeset_reserve(&s, 10);
		add(&s, 1000, family_bits((enum family)f), 100);
		add(&plain, 1000, family_bits((enum family)f), 100);
		rangeset_finish(&s);
		rangeset_finish(&plain);
		assert_int_equal(s.nranges, plain.nranges);
		assert_int_equal(s.nspans, plain.nspans);
		for (size_t i = 0; i < s.nranges; i++) {
			struct range a = rangeset_range(&s, i), b = rangeset_range(&plain, i);
			assert_true(a.lo == b.lo && a.hi == b.hi && a.origin == b.origin);
		}
		rangeset_release(&s);
		rangeset_release(&plain);
	}
}

static void test_duplicates(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 16, 28, 2);	/* [16, 31] */
	add(&s, 16, 28, 0);
	add(&s, 16, 28, 1);
	add(&s, 16, 28, 1);
	rangeset_finish(&s);
	assert_int_equal(s.nranges, 4);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 16, 31, 0, 4);
	expect_range(&s, 0, 16, 28, 0);
	expect_range(&s, 1, 16, 28, 1);
	expect_range(&s, 2, 16, 28, 1);
	expect_range(&s, 3, 16, 28, 2);
	check_invariants(&s);
	assert_int_equal(rangeset_prefix_count(&s), 1);
	rangeset_release(&s);
}

/* Prefixes inside another one add no addresses but are still contributors;
 * a prefix that extends the span must be compared with the span's end, not
 * with the end of the prefix just before it. */
static void test_containment(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 64, 32, 3);	/* [64, 64] */
	add(&s, 0, 25, 0);	/* [0, 127] */
	add(&s, 16, 29, 1);	/* [16, 23] */
	add(&s, 32, 28, 2);	/* [32, 47]: after a gap in [16, 23], inside [0, 127] */
	add(&s, 128, 30, 4);	/* [128, 131]: adjacent to 127, far from 64 */
	add(&s, 133, 32, 5);	/* a gap of one: separate */
	add(&s, 64, 26, 6);	/* [64, 127]: same start as [64, 64], wider: first */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 131, 0, 6);
	expect_span(&s, 1, 133, 133, 6, 1);
	expect_range(&s, 0, 0, 25, 0);
	expect_range(&s, 1, 16, 29, 1);
	expect_range(&s, 2, 32, 28, 2);
	expect_range(&s, 3, 64, 26, 6);
	expect_range(&s, 4, 64, 32, 3);
	expect_range(&s, 5, 128, 30, 4);
	expect_range(&s, 6, 133, 32, 5);
	check_invariants(&s);
	/* [0, 131] is 0/25 and 128/30; 133 one more. */
	assert_int_equal(rangeset_prefix_count(&s), 3);
	rangeset_release(&s);
}

/* Overlapping prefixes (one inside the other) merge, in any insertion
 * order; a prefix covering several earlier spans joins them all. */
static void test_overlap(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 24, 30, 0);	/* [24, 27] */
	add(&s, 16, 28, 1);	/* [16, 31] */
	add(&s, 64, 28, 2);	/* [64, 79] */
	add(&s, 96, 28, 3);	/* [96, 111] */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 3);
	expect_span(&s, 0, 16, 31, 0, 2);
	expect_span(&s, 1, 64, 79, 2, 1);
	expect_span(&s, 2, 96, 111, 3, 1);
	expect_range(&s, 0, 16, 28, 1);
	expect_range(&s, 1, 24, 30, 0);
	check_invariants(&s);

	/* Finishing again after more prefixes recomputes everything. */
	add(&s, 0, 25, 4);	/* [0, 127] */
	rangeset_finish(&s);
	assert_int_equal(s.nranges, 5);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, 127, 0, 5);
	expect_range(&s, 0, 0, 25, 4);
	assert_int_equal(rangeset_find(&s, 50), 0);
	check_invariants(&s);

	/* And finishing twice without adding changes nothing. */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, 127, 0, 5);
	check_invariants(&s);
	rangeset_release(&s);
}

/* hi + 1 == lo merges (the spans would touch); hi + 2 == lo does not. */
static void test_adjacency(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 8, 29, 0);	/* [8, 15] */
	add(&s, 16, 28, 1);	/* [16, 31] */
	add(&s, 33, 32, 2);	/* 31 + 2: separate */
	add(&s, 34, 31, 3);	/* [34, 35] */
	add(&s, 37, 32, 4);	/* 35 + 2: separate */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 3);
	expect_span(&s, 0, 8, 31, 0, 2);
	expect_span(&s, 1, 33, 35, 2, 2);
	expect_span(&s, 2, 37, 37, 4, 1);
	check_invariants(&s);
	/* 8/29 16/28; 33/32 34/31; 37/32 */
	assert_int_equal(rangeset_prefix_count(&s), 5);
	rangeset_release(&s);

	/* Adjacency at address 0 and between single hosts. */
	rangeset_init(&s, FAMILY_V6);
	add(&s, 1, 128, 0);
	add(&s, 0, 128, 1);
	add(&s, 2, 128, 2);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, 2, 0, 3);
	expect_range(&s, 0, 0, 128, 1);
	expect_range(&s, 2, 2, 128, 2);
	check_invariants(&s);
	rangeset_release(&s);

	/* Adjacency across the 64-bit halves of an IPv6 address. */
	rangeset_init(&s, FAMILY_V6);
	add(&s, (addr_t)1 << 64, 64, 0);
	add(&s, ((addr_t)1 << 64) - 256, 120, 1);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, ((addr_t)1 << 64) - 256, ((addr_t)2 << 64) - 1, 0, 2);
	check_invariants(&s);
	rangeset_release(&s);
}

/* Prefixes that end at the top of the space stay there: nothing wraps to
 * 0, and later prefixes inside a span ending at the top still merge into
 * it. */
static void test_top_of_space(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V6);
	add(&s, 0, 126, 0);		/* [0, 3] */
	add(&s, V6_MAX - 15, 124, 1);	/* [MAX - 15, MAX] */
	add(&s, V6_MAX - 7, 125, 2);	/* [MAX - 7, MAX] */
	add(&s, V6_MAX, 128, 3);
	add(&s, V6_MAX - 7, 126, 4);	/* [MAX - 7, MAX - 4] */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 3, 0, 1);
	expect_span(&s, 1, V6_MAX - 15, V6_MAX, 1, 4);
	expect_range(&s, 1, V6_MAX - 15, 124, 1);
	expect_range(&s, 2, V6_MAX - 7, 125, 2);
	expect_range(&s, 3, V6_MAX - 7, 126, 4);
	expect_range(&s, 4, V6_MAX, 128, 3);
	assert_int_equal(rangeset_find(&s, V6_MAX), 1);
	assert_int_equal(rangeset_find(&s, 0), 0);
	assert_int_equal(rangeset_find(&s, 4), -1);
	assert_int_equal(rangeset_find(&s, V6_MAX - 16), -1);
	check_invariants(&s);
	assert_int_equal(rangeset_prefix_count(&s), 2);
	rangeset_release(&s);

	rangeset_init(&s, FAMILY_V4);
	add(&s, V4_MAX, 32, 0);
	add(&s, 0, 32, 1);
	add(&s, V4_MAX - 1, 31, 2);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 0, 0, 1);
	expect_span(&s, 1, V4_MAX - 1, V4_MAX, 1, 2);
	expect_range(&s, 1, V4_MAX - 1, 31, 2);
	expect_range(&s, 2, V4_MAX, 32, 0);
	assert_int_equal(rangeset_find(&s, V4_MAX), 1);
	assert_int_equal(rangeset_find(&s, V4_MAX - 2), -1);
	/* An IPv4 set finds nothing past the IPv4 space. */
	assert_int_equal(rangeset_find(&s, V4_MAX + 1), -1);
	check_invariants(&s);
	rangeset_release(&s);

	/* The whole space is one span, in both families. */
	rangeset_init(&s, FAMILY_V6);
	add(&s, 0, 0, 0);
	add(&s, 5, 128, 1);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, V6_MAX, 0, 2);
	assert_int_equal(rangeset_find(&s, V6_MAX), 0);
	assert_int_equal(rangeset_find(&s, 0), 0);
	check_invariants(&s);
	rangeset_release(&s);

	rangeset_init(&s, FAMILY_V4);
	add(&s, 5, 32, 1);
	add(&s, 0, 0, 0);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, V4_MAX, 0, 2);
	expect_range(&s, 0, 0, 0, 0);
	expect_range(&s, 1, 5, 32, 1);
	assert_int_equal(rangeset_find(&s, V4_MAX), 0);
	assert_int_equal(rangeset_find(&s, V4_MAX + 1), -1);
	check_invariants(&s);
	rangeset_release(&s);
}

/* rangeset_find() returns the span containing the address, at both ends of
 * every span, and -1 just outside each and in every gap. */
static void test_find_boundaries(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 32, 28, 0);		/* [32, 47] */
	add(&s, 16, 29, 1);		/* [16, 23] */
	add(&s, 64, 32, 2);
	add(&s, 0x80000000u, 1, 3);	/* [2^31, MAX] */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 4);
	assert_int_equal(rangeset_find(&s, 0), -1);
	assert_int_equal(rangeset_find(&s, 15), -1);
	assert_int_equal(rangeset_find(&s, 16), 0);
	assert_int_equal(rangeset_find(&s, 20), 0);
	assert_int_equal(rangeset_find(&s, 23), 0);
	assert_int_equal(rangeset_find(&s, 24), -1);
	assert_int_equal(rangeset_find(&s, 31), -1);
	assert_int_equal(rangeset_find(&s, 32), 1);
	assert_int_equal(rangeset_find(&s, 47), 1);
	assert_int_equal(rangeset_find(&s, 48), -1);
	assert_int_equal(rangeset_find(&s, 63), -1);
	assert_int_equal(rangeset_find(&s, 64), 2);
	assert_int_equal(rangeset_find(&s, 65), -1);
	assert_int_equal(rangeset_find(&s, 0x7fffffffu), -1);
	assert_int_equal(rangeset_find(&s, 0x80000000u), 3);
	assert_int_equal(rangeset_find(&s, V4_MAX), 3);
	/* Spans know their contributors by origin. */
	assert_int_equal(rangeset_range(&s, rangeset_span(&s, 0).first).origin, 1);
	assert_int_equal(rangeset_range(&s, rangeset_span(&s, 1).first).origin, 0);
	assert_int_equal(rangeset_range(&s, rangeset_span(&s, 3).first).origin, 3);
	check_invariants(&s);
	rangeset_release(&s);

	/* One span of one address. */
	rangeset_init(&s, FAMILY_V4);
	add(&s, 7, 32, 0);
	rangeset_finish(&s);
	assert_int_equal(rangeset_find(&s, 6), -1);
	assert_int_equal(rangeset_find(&s, 7), 0);
	assert_int_equal(rangeset_find(&s, 8), -1);
	rangeset_release(&s);

	/* IPv6, with spans on both sides of 2^64. */
	const addr_t h = (addr_t)1 << 64;
	rangeset_init(&s, FAMILY_V6);
	add(&s, h - 16, 124, 0);
	add(&s, h, 127, 1);
	add(&s, h + 4, 128, 2);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	assert_int_equal(rangeset_find(&s, h - 17), -1);
	assert_int_equal(rangeset_find(&s, h - 16), 0);
	assert_int_equal(rangeset_find(&s, h - 1), 0);
	assert_int_equal(rangeset_find(&s, h), 0);
	assert_int_equal(rangeset_find(&s, h + 1), 0);
	assert_int_equal(rangeset_find(&s, h + 2), -1);
	assert_int_equal(rangeset_find(&s, h + 4), 1);
	assert_int_equal(rangeset_find(&s, h + 5), -1);
	/* The high half of the address counts: same low half, elsewhere. */
	assert_int_equal(rangeset_find(&s, (uint64_t)(h + 1)), -1);
	assert_int_equal(rangeset_find(&s, (addr_t)2 << 64 | (uint64_t)(h - 16)), -1);
	check_invariants(&s);
	rangeset_release(&s);
}

/* ---- randomized against a bitmap ---------------------------------------- */

#define SPACE 4096

/* Adds N random prefixes of at most 2^MAXHOST addresses in [BASE, BASE +
 * SPACE) and compares the finished set with a bitmap of the same prefixes:
 * every point's membership, that the span found contains it, that the
 * spans are exactly the maximal runs of the bitmap, that the prefix count
 * is the minimal cover of those runs, and that every added prefix is still
 * there with its origin. */
static void random_round(enum family f, addr_t base, size_t n, unsigned maxhost)
{
	static bool bitmap[SPACE];
	struct rangeset s;
	unsigned *lo = calloc(n, sizeof(*lo)), *hi = calloc(n, sizeof(*hi));
	size_t *seen = calloc(n, sizeof(*seen));

	assert_non_null(lo);
	assert_non_null(hi);
	assert_non_null(seen);
	memset(bitmap, 0, sizeof(bitmap));
	rangeset_init(&s, f);
	for (size_t i = 0; i < n; i++) {
		unsigned host = rng() % (maxhost + 1);
		/* Stay aligned where BASE is not aligned to SPACE. */
		while (host && (base & (((addr_t)1 << host) - 1)))
			host--;
		unsigned size = 1u << host;
		lo[i] = (rng() % SPACE) & ~(size - 1);
		/* Now and then, pin a prefix to an end of the space. */
		if (rng() % 16 == 0)
			lo[i] = SPACE - size;
		if (rng() % 16 == 0)
			lo[i] = 0;
		hi[i] = lo[i] + size - 1;
		for (unsigned a = lo[i]; a <= hi[i]; a++)
			bitmap[a] = true;
		add(&s, base + lo[i], family_bits(f) - host, (uint32_t)i);
	}
	rangeset_finish(&s);
	assert_int_equal(s.nranges, n);
	check_invariants(&s);

	size_t runs = 0, cover = 0;
	unsigned run_lo = 0;
	for (unsigned a = 0; a < SPACE; a++) {
		long i = rangeset_find(&s, base + a);
		if (bitmap[a] != (i >= 0))
			fail_msg("address %u: bitmap says %d, rangeset says %ld", a, bitmap[a], i);
		if (i < 0)
			continue;
		struct span sp = rangeset_span(&s, (size_t)i);
		assert_true(sp.lo <= base + a && base + a <= sp.hi);
		if (a == 0 || !bitmap[a - 1]) {
			/* A run starts here: it must be a span's start, in order. */
			assert_int_equal(i, runs);
			assert_true(sp.lo == base + a);
			run_lo = a;
			runs++;
		}
		if (a == SPACE - 1 || !bitmap[a + 1]) {
			assert_true(sp.hi == base + a);
			cover += naive_cover(f, base + run_lo, base + a);
		}
	}
	assert_int_equal(runs, s.nspans);
	if (base > 0)
		assert_int_equal(rangeset_find(&s, base - 1), -1);
	if (base + SPACE - 1 < family_max(f))
		assert_int_equal(rangeset_find(&s, base + SPACE), -1);
	assert_int_equal(rangeset_prefix_count(&s), cover);
	assert_int_equal(spans_prefixes(&s), cover);

	for (size_t i = 0; i < s.nranges; i++) {
		struct range r = rangeset_range(&s, i);
		uint32_t o = r.origin;
		assert_true(o < n);
		assert_true(r.lo == base + lo[o] && r.hi == base + hi[o]);
		seen[o]++;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	rangeset_release(&s);
	free(lo);
	free(hi);
	free(seen);
}

/* Many random sets, sparse to dense, at the bottom of both spaces, at the
 * top of both (where an off-by-one would wrap), and across 2^64 in IPv6. */
static void test_random(void **state)
{
	static const struct {
		size_t n;
		unsigned maxhost;
	} shapes[] = {
		{ 1, 0 }, { 2, 1 }, { 10, 3 }, { 100, 2 }, { 300, 4 },
		{ 2000, 0 }, { 2000, 1 }, { 2000, 2 }, { 500, 6 }, { 40, 12 },
	};
	const addr_t bases[][2] = {
		{ FAMILY_V4, 0 },
		{ FAMILY_V4, V4_MAX - (SPACE - 1) },
		{ FAMILY_V4, 0x80000000u - SPACE / 2 },
		{ FAMILY_V6, 0 },
		{ FAMILY_V6, V6_MAX - (SPACE - 1) },
		{ FAMILY_V6, ((addr_t)1 << 64) - SPACE / 2 },
	};

	(void)state;
	for (int round = 0; round < 4; round++)
		for (size_t i = 0; i < ARRAY_SIZE(shapes); i++)
			for (size_t b = 0; b < ARRAY_SIZE(bases); b++)
				random_round((enum family)bases[b][0], bases[b][1], shapes[i].n,
					     shapes[i].maxhost);
}

/* ---- compact storage ---------------------------------------------------- */

/* A packed IPv4 entry keeps address, length and origin apart at their
 * extremes: the first and last address, lengths 0 and 32, origin 0 and the
 * largest one; no field bleeds into another. */
static void test_v4_packing_extremes(void **state)
{
	static const struct {
		uint32_t addr;
		unsigned len;
	} prefixes[] = {
		{ 0, 0 }, { 0, 32 }, { 0xffffffffu, 32 }, { 0x80000000u, 1 },
		{ 0xfffffffeu, 31 }, { 0, 31 }, { 0x00000001u, 32 }, { 0xfc000000u, 6 },
		{ 0x03ffffffu, 32 }, { 0x04000000u, 6 },
	};
	static const uint32_t origins[] = {
		0, 1, 0x3ffffffu & 0x2aaaaaau, 0x1555555u, RANGESET_MAX_ORIGINS / 2,
		ORIGIN_TOP - 1, ORIGIN_TOP,
	};
	struct rangeset s;

	(void)state;
	assert_int_equal(ORIGIN_TOP, 0x3ffffffu);
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(origins); j++) {
			struct prefix p = pfx(FAMILY_V4, prefixes[i].addr, prefixes[i].len);
			rangeset_init(&s, FAMILY_V4);
			rangeset_add(&s, &p, origins[j]);
			rangeset_finish(&s);
			assert_int_equal(s.nranges, 1);
			struct range r = rangeset_range(&s, 0);
			assert_true(r.lo == p.addr);
			assert_true(r.hi == prefix_last(&p));
			assert_int_equal(r.origin, origins[j]);
			assert_int_equal(s.nspans, 1);
			expect_span(&s, 0, p.addr, prefix_last(&p), 0, 1);
			check_invariants(&s);
			assert_int_equal(rangeset_prefix_count(&s), 1);
			rangeset_release(&s);
		}
	}

	/* All of the extremes at once, added in an order that is not theirs:
	 * by address, then length, then origin, with the origin bits all set
	 * or all clear. One span covers everything. */
	rangeset_init(&s, FAMILY_V4);
	add(&s, V4_MAX, 32, ORIGIN_TOP);
	add(&s, 0, 32, 0);
	add(&s, 0, 0, ORIGIN_TOP);
	add(&s, V4_MAX, 32, 0);
	add(&s, 0, 32, ORIGIN_TOP);
	add(&s, 0, 0, 0);
	rangeset_finish(&s);
	assert_int_equal(s.nranges, 6);
	expect_range(&s, 0, 0, 0, 0);
	expect_range(&s, 1, 0, 0, ORIGIN_TOP);
	expect_range(&s, 2, 0, 32, 0);
	expect_range(&s, 3, 0, 32, ORIGIN_TOP);
	expect_range(&s, 4, V4_MAX, 32, 0);
	expect_range(&s, 5, V4_MAX, 32, ORIGIN_TOP);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, V4_MAX, 0, 6);
	check_invariants(&s);
	assert_int_equal(rangeset_prefix_count(&s), 1);
	rangeset_release(&s);

	/* Without the /0: the two hosts at the ends are two spans. */
	rangeset_init(&s, FAMILY_V4);
	add(&s, V4_MAX, 32, ORIGIN_TOP);
	add(&s, 0, 32, ORIGIN_TOP);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 0, 0, 1);
	expect_span(&s, 1, V4_MAX, V4_MAX, 1, 1);
	expect_range(&s, 0, 0, 32, ORIGIN_TOP);
	expect_range(&s, 1, V4_MAX, 32, ORIGIN_TOP);
	check_invariants(&s);
	rangeset_release(&s);
}

/* The same extremes for IPv6 entries. */
static void test_v6_extremes(void **state)
{
	const struct {
		addr_t addr;
		unsigned len;
	} prefixes[] = {
		{ 0, 0 }, { 0, 128 }, { V6_MAX, 128 }, { (addr_t)1 << 127, 1 },
		{ V6_MAX - 1, 127 }, { (addr_t)1 << 64, 64 }, { ((addr_t)1 << 64) - 1, 128 },
		{ (addr_t)0xffffffffu, 128 }, { (addr_t)1 << 32, 96 },
	};
	static const uint32_t origins[] = { 0, 1, ORIGIN_TOP - 1, ORIGIN_TOP };
	struct rangeset s;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(prefixes); i++) {
		for (size_t j = 0; j < ARRAY_SIZE(origins); j++) {
			struct prefix p = pfx(FAMILY_V6, prefixes[i].addr, prefixes[i].len);
			rangeset_init(&s, FAMILY_V6);
			rangeset_add(&s, &p, origins[j]);
			rangeset_finish(&s);
			assert_int_equal(s.nranges, 1);
			struct range r = rangeset_range(&s, 0);
			assert_true(r.lo == p.addr);
			assert_true(r.hi == prefix_last(&p));
			assert_int_equal(r.origin, origins[j]);
			expect_span(&s, 0, p.addr, prefix_last(&p), 0, 1);
			check_invariants(&s);
			assert_int_equal(rangeset_prefix_count(&s), 1);
			rangeset_release(&s);
		}
	}

	rangeset_init(&s, FAMILY_V6);
	add(&s, V6_MAX, 128, ORIGIN_TOP);
	add(&s, 0, 128, 0);
	add(&s, 0, 0, ORIGIN_TOP);
	add(&s, V6_MAX, 128, 0);
	add(&s, 0, 128, ORIGIN_TOP);
	add(&s, 0, 0, 0);
	rangeset_finish(&s);
	expect_range(&s, 0, 0, 0, 0);
	expect_range(&s, 1, 0, 0, ORIGIN_TOP);
	expect_range(&s, 2, 0, 128, 0);
	expect_range(&s, 3, 0, 128, ORIGIN_TOP);
	expect_range(&s, 4, V6_MAX, 128, 0);
	expect_range(&s, 5, V6_MAX, 128, ORIGIN_TOP);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, V6_MAX, 0, 6);
	check_invariants(&s);
	rangeset_release(&s);
}

/* ---- sort order --------------------------------------------------------- */

struct entry {
	addr_t addr;
	unsigned len;
	uint32_t origin;
};

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->origin < b->origin ? -1 : a->origin > b->origin;
}

static void shuffle(struct entry *e, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(rng64() % i);
		struct entry t = e[i - 1];
		e[i - 1] = e[j];
		e[j] = t;
	}
}

/* Adds LIST in its own order, then in two shuffles of it, and checks each
 * finished set holds exactly LIST sorted by address, length and origin
 * (compared with qsort), with the same spans every time. */
static void sort_round(enum family f, const struct entry *list, size_t n)
{
	struct entry *want = malloc(n * sizeof(*want)), *order = malloc(n * sizeof(*order));
	struct rangeset s[3];

	assert_non_null(want);
	assert_non_null(order);
	memcpy(want, list, n * sizeof(*want));
	qsort(want, n, sizeof(*want), entry_cmp);
	memcpy(order, list, n * sizeof(*order));
	for (int k = 0; k < 3; k++) {
		if (k)
			shuffle(order, n);
		rangeset_init(&s[k], f);
		for (size_t i = 0; i < n; i++)
			add(&s[k], order[i].addr, order[i].len, order[i].origin);
		rangeset_finish(&s[k]);
		assert_int_equal(s[k].nranges, n);
		for (size_t i = 0; i < n; i++) {
			struct range r = rangeset_range(&s[k], i);
			struct prefix p = pfx(f, want[i].addr, want[i].len);
			if (r.lo != p.addr || r.hi != prefix_last(&p) || r.origin != want[i].origin) {
				char a[PREFIX_STRLEN], b[PREFIX_STRLEN], c[PREFIX_STRLEN];
				fail_msg("order %d, range %zu: [%s, %s] origin %u, want %s origin %u",
					 k, i, addr_format(f, r.lo, a), addr_format(f, r.hi, b),
					 r.origin, prefix_format(&p, c), want[i].origin);
			}
		}
		check_invariants(&s[k]);
		assert_int_equal(rangeset_prefix_count(&s[k]), spans_prefixes(&s[k]));
		if (k == 0)
			continue;
		assert_int_equal(s[k].nspans, s[0].nspans);
		for (size_t i = 0; i < s[0].nspans; i++) {
			struct span a = rangeset_span(&s[0], i), b = rangeset_span(&s[k], i);
			assert_true(a.lo == b.lo && a.hi == b.hi);
			assert_int_equal(a.first, b.first);
			assert_int_equal(a.count, b.count);
		}
	}
	for (int k = 0; k < 3; k++)
		rangeset_release(&s[k]);
	free(want);
	free(order);
}

/* A few prefixes whose order every rule of the sort decides: address
 * first (9/8 before 10/8 whatever the origins), then length (10.0.0.0/16
 * with a large origin before 10.0.0.0/32 with a small one), then origin,
 * including origins that differ only in their high bits. */
static void test_sort_order(void **state)
{
	static const struct entry v4[] = {
		{ 0x0a000000u, 8, 1 },
		{ 0x0a000000u, 8, 5 },
		{ 0x09000000u, 8, 9 },
		{ 0x0a000000u, 16, 0 },
		{ 0x0a000000u, 16, 1u << 16 },
		{ 0x0a000000u, 16, 1u << 20 },
		{ 0x0a000000u, 16, ORIGIN_TOP },
		{ 0x0a000000u, 32, 3 },
		{ 0x0a000001u, 32, 0 },
		{ 0x0b000000u, 8, 0 },
	};
	const struct entry v6[] = {
		{ (addr_t)9 << 120, 8, 9 },
		{ (addr_t)10 << 120, 8, 1 },
		{ (addr_t)10 << 120, 8, 5 },
		{ (addr_t)10 << 120, 16, 0 },
		{ (addr_t)10 << 120, 16, 1u << 16 },
		{ (addr_t)10 << 120, 16, ORIGIN_TOP },
		{ (addr_t)10 << 120, 128, 3 },
		{ (addr_t)10 << 120 | 1, 128, 0 },
		{ (addr_t)11 << 120, 8, 0 },
	};
	const struct {
		enum family f;
		const struct entry *e;
		size_t n;
		addr_t lo, hi;
	} cases[] = {
		{ FAMILY_V4, v4, ARRAY_SIZE(v4), 0x09000000u, 0x0bffffffu },
		{ FAMILY_V6, v6, ARRAY_SIZE(v6), (addr_t)9 << 120, ((addr_t)12 << 120) - 1 },
	};

	(void)state;
	assert_true(v4[0].addr > v4[2].addr);	/* the table is not already sorted */
	for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
		/* Forwards, backwards and interleaved; expect the same order. */
		for (int order = 0; order < 3; order++) {
			const size_t n = cases[c].n;
			struct rangeset s;
			struct entry want[16];
			rangeset_init(&s, cases[c].f);
			for (size_t i = 0; i < n; i++) {
				size_t j = order == 0 ? i : order == 1 ? n - 1 - i : (i * 7) % n;
				add(&s, cases[c].e[j].addr, cases[c].e[j].len, cases[c].e[j].origin);
			}
			rangeset_finish(&s);
			memcpy(want, cases[c].e, n * sizeof(*want));
			qsort(want, n, sizeof(*want), entry_cmp);
			assert_int_equal(s.nranges, n);
			for (size_t i = 0; i < n; i++)
				expect_range(&s, i, want[i].addr, want[i].len, want[i].origin);
			assert_int_equal(s.nspans, 1);
			expect_span(&s, 0, cases[c].lo, cases[c].hi, 0, n);
			check_invariants(&s);
			rangeset_release(&s);
		}
	}
	/* The hand-written expectation, so qsort's view is not the only one. */
	struct rangeset s;
	rangeset_init(&s, FAMILY_V4);
	for (size_t i = ARRAY_SIZE(v4); i-- > 0;)
		add(&s, v4[i].addr, v4[i].len, v4[i].origin);
	rangeset_finish(&s);
	expect_range(&s, 0, 0x09000000u, 8, 9);
	expect_range(&s, 1, 0x0a000000u, 8, 1);
	expect_range(&s, 2, 0x0a000000u, 8, 5);
	expect_range(&s, 3, 0x0a000000u, 16, 0);
	expect_range(&s, 4, 0x0a000000u, 16, 1u << 16);
	expect_range(&s, 5, 0x0a000000u, 16, 1u << 20);
	expect_range(&s, 6, 0x0a000000u, 16, ORIGIN_TOP);
	expect_range(&s, 7, 0x0a000000u, 32, 3);
	expect_range(&s, 8, 0x0a000001u, 32, 0);
	expect_range(&s, 9, 0x0b000000u, 8, 0);
	rangeset_release(&s);
}

#define NSORT 100000

static unsigned random_len(unsigned bits)
{
	/* Mostly long prefixes, some short, now and then the whole space. */
	unsigned r = rng() % 64;
	if (r == 0)
		return 0;
	if (r < 8)
		return rng() % (bits + 1);
	return bits / 2 + rng() % (bits / 2 + 1);
}

/* ~100k random IPv4 prefixes, in shapes that exercise each pass of the
 * radix sort and the skipping of passes whose digit never changes: fully
 * random; one origin for all and one /16 (only the middle passes sort);
 * one address and length (only the origin sorts); addresses that agree in
 * their low 16 bits (that pass is skipped); many exact duplicates; and a
 * common digit in every pass that is still not every key's. */
static void test_sort_v4_shuffled(void **state)
{
	struct entry *list = malloc(NSORT * sizeof(*list));

	(void)state;
	assert_non_null(list);
	for (int shape = 0; shape < 6; shape++) {
		for (size_t i = 0; i < NSORT; i++) {
			struct entry *e = &list[i];
			switch (shape) {
			case 0:
				e->len = random_len(32);
				e->addr = rng();
				e->origin = rng() % RANGESET_MAX_ORIGINS;
				break;
			case 1:
				e->len = 16 + rng() % 17;
				e->addr = 0xc6330000u | (rng() & 0xffff);
				e->origin = ORIGIN_TOP;
				break;
			case 2:
				e->len = 24;
				e->addr = 0xc0000200u;
				e->origin = rng() % RANGESET_MAX_ORIGINS;
				break;
			case 3:
				e->len = rng() % 17;
				e->addr = rng() & 0xffff0000u;
				e->origin = rng() % 1024;
				break;
			case 4:
				/* Few distinct prefixes, few origins: many equal keys. */
				e->len = 28 + rng() % 5;
				e->addr = 0x0a000000u | (rng() & 0x3ff);
				e->origin = rng() % 4 ? rng() % 3 : ORIGIN_TOP;
				break;
			default:
				/* Most, not all, in one /16 with one origin: every
				 * pass has a common digit, and no pass may be skipped. */
				e->len = random_len(32);
				e->addr = rng() % 4 ? 0xc6330000u | (rng() & 0xffff) : rng();
				e->origin = rng() % 4 ? 7 : rng() % RANGESET_MAX_ORIGINS;
				break;
			}
			e->addr &= ~prefix_hostmask(FAMILY_V4, e->len) & 0xffffffffu;
			if (shape == 0 && i && rng() % 50 == 0)
				*e = list[i - 1];
		}
		sort_round(FAMILY_V4, list, NSORT);
	}
	/* Tiny lists too. */
	list[0] = (struct entry){ 0xffffffffu, 32, ORIGIN_TOP };
	list[1] = (struct entry){ 0, 0, 0 };
	sort_round(FAMILY_V4, list, 1);
	sort_round(FAMILY_V4, list, 2);
	free(list);
}

/* A list's keys added in one copy hold what rangeset_add() of each holds,
 * beside prefixes added one by one, at the packing's extremes. */
static void test_add_v4_keys(void **state)
{
	static const struct entry given[] = {
		{ 0xffffffffu, 32, 0 }, { 0, 0, 0 }, { 0xc0000200u, 24, 0 },
		{ 0x80000000u, 1, 0 }, { 0xc6336400u, 31, 0 }, { 0xc0000200u, 24, 0 },
	};
	const uint32_t origins[] = { 0, 1, ORIGIN_TOP };
	uint64_t keys[ARRAY_SIZE(given)];
	struct rangeset bulk, one;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(given); i++) {
		keys[i] = rangeset_v4_key((uint32_t)given[i].addr, given[i].len);
		struct prefix p = rangeset_v4_key_prefix(keys[i]);
		assert_true(p.family == FAMILY_V4 && p.addr == given[i].addr && p.len == given[i].len);
	}
	for (size_t k = 0; k < ARRAY_SIZE(origins); k++) {
		struct prefix before = { .addr = 0x0a000000u, .len = 8, .family = FAMILY_V4 };
		rangeset_init(&bulk, FAMILY_V4);
		rangeset_init(&one, FAMILY_V4);
		rangeset_add(&bulk, &before, 5);
		rangeset_add(&one, &before, 5);
		rangeset_add_v4_keys(&bulk, keys, 0, origins[k]);
		rangeset_add_v4_keys(&bulk, keys, ARRAY_SIZE(keys), origins[k]);
		for (size_t i = 0; i < ARRAY_SIZE(given); i++) {
			struct prefix p = { .addr = given[i].addr, .len = (unsigned char)given[i].len,
					    .family = FAMILY_V4 };
			rangeset_add(&one, &p, origins[k]);
		}
		assert_int_equal(bulk.nranges, one.nranges);
		rangeset_finish(&bulk);
		rangeset_finish(&one);
		for (size_t i = 0; i < one.nranges; i++) {
			struct range a = rangeset_range(&bulk, i), b = rangeset_range(&one, i);
			assert_true(a.lo == b.lo && a.hi == b.hi);
			assert_int_equal(a.origin, b.origin);
		}
		assert_int_equal(bulk.nspans, one.nspans);
		rangeset_release(&bulk);
		rangeset_release(&one);
	}
}

/* The same for IPv6 (also a radix sort): random prefixes; prefixes of
 * addresses from a small pool, so that addresses tie and lengths and
 * origins decide; one address with every length; and most, not all, in one
 * /32 with one origin. */
static void test_sort_v6_shuffled(void **state)
{
	struct entry *list = malloc(NSORT * sizeof(*list));
	addr_t pool[1024];

	(void)state;
	assert_non_null(list);
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++)
		pool[i] = rng128();
	pool[0] = 0;
	pool[1] = V6_MAX;
	for (int shape = 0; shape < 4; shape++) {
		for (size_t i = 0; i < NSORT; i++) {
			struct entry *e = &list[i];
			switch (shape) {
			case 0:
				e->len = random_len(128);
				e->addr = rng128();
				e->origin = rng() % RANGESET_MAX_ORIGINS;
				break;
			case 1:
				e->len = random_len(128);
				e->addr = pool[rng() % ARRAY_SIZE(pool)];
				e->origin = rng() % 64;
				break;
			case 2:
				e->len = rng() % 129;
				e->addr = pool[1];
				e->origin = rng() % 2 ? ORIGIN_TOP : rng() % RANGESET_MAX_ORIGINS;
				break;
			default:
				/* Most, not all, in one /32 (a provider's) with one
				 * origin: no pass may be skipped. */
				e->len = 32 + rng() % 97;
				e->addr = rng() % 4 ? (addr_t)0x20010db8u << 96 | (rng128() >> 32) :
						      rng128();
				e->origin = rng() % 4 ? 0 : rng() % RANGESET_MAX_ORIGINS;
				break;
			}
			e->addr &= ~prefix_hostmask(FAMILY_V6, e->len);
		}
		sort_round(FAMILY_V6, list, NSORT);
	}
	free(list);
}

/* ---- replacing the spans ------------------------------------------------ */

static void spans_equal(const struct rangeset *s, const struct span *want, size_t n)
{
	assert_int_equal(s->nspans, n);
	for (size_t i = 0; i < n; i++)
		expect_span(s, i, want[i].lo, want[i].hi, want[i].first, want[i].count);
}

/* After rangeset_set_spans(), the accessors, rangeset_find() and
 * rangeset_prefix_count() see the new spans, trimmed, split or fewer,
 * while the contributing prefixes stay as they were; finishing again
 * recomputes the spans from them. */
static void test_set_spans(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	add(&s, 0x0a000000u, 24, 0);	/* 10.0.0.0/24 */
	add(&s, 0x0a000100u, 24, 1);	/* 10.0.1.0/24 */
	add(&s, 0x0a000300u, 24, 2);	/* 10.0.3.0/24 */
	add(&s, 0xffffff00u, 24, 3);	/* 255.255.255.0/24 */
	rangeset_finish(&s);
	const struct span before[] = {
		{ 0x0a000000u, 0x0a0001ffu, 0, 2 },
		{ 0x0a000300u, 0x0a0003ffu, 2, 1 },
		{ 0xffffff00u, 0xffffffffu, 3, 1 },
	};
	spans_equal(&s, before, ARRAY_SIZE(before));
	assert_int_equal(rangeset_prefix_count(&s), 3);

	/* Trim the first span at both ends and split it; shrink the second
	 * to one address; keep the top half of the last. */
	const struct span after[] = {
		{ 0x0a000005u, 0x0a000009u, 0, 2 },
		{ 0x0a000020u, 0x0a0001c8u, 0, 2 },
		{ 0x0a000300u, 0x0a000300u, 2, 1 },
		{ 0xffffff80u, 0xffffffffu, 3, 1 },
	};
	rangeset_set_spans(&s, after, ARRAY_SIZE(after));
	spans_equal(&s, after, ARRAY_SIZE(after));
	assert_int_equal(rangeset_find(&s, 0x0a000000u), -1);
	assert_int_equal(rangeset_find(&s, 0x0a000004u), -1);
	assert_int_equal(rangeset_find(&s, 0x0a000005u), 0);
	assert_int_equal(rangeset_find(&s, 0x0a000009u), 0);
	assert_int_equal(rangeset_find(&s, 0x0a00000au), -1);
	assert_int_equal(rangeset_find(&s, 0x0a00001fu), -1);
	assert_int_equal(rangeset_find(&s, 0x0a000020u), 1);
	assert_int_equal(rangeset_find(&s, 0x0a0001c8u), 1);
	assert_int_equal(rangeset_find(&s, 0x0a0001c9u), -1);
	assert_int_equal(rangeset_find(&s, 0x0a0002ffu), -1);
	assert_int_equal(rangeset_find(&s, 0x0a000300u), 2);
	assert_int_equal(rangeset_find(&s, 0x0a000301u), -1);
	assert_int_equal(rangeset_find(&s, 0xffffff7fu), -1);
	assert_int_equal(rangeset_find(&s, 0xffffff80u), 3);
	assert_int_equal(rangeset_find(&s, V4_MAX), 3);
	assert_int_equal(rangeset_prefix_count(&s), spans_naive_prefixes(&s));
	assert_int_equal(rangeset_prefix_count(&s), spans_prefixes(&s));
	/* The prefixes are untouched. */
	assert_int_equal(s.nranges, 4);
	expect_range(&s, 0, 0x0a000000u, 24, 0);
	expect_range(&s, 3, 0xffffff00u, 24, 3);

	/* No spans at all. */
	rangeset_set_spans(&s, NULL, 0);
	assert_int_equal(s.nspans, 0);
	assert_int_equal(rangeset_find(&s, 0x0a000005u), -1);
	assert_int_equal(rangeset_find(&s, V4_MAX), -1);
	assert_int_equal(rangeset_prefix_count(&s), 0);
	assert_int_equal(s.nranges, 4);

	/* More spans than before (the storage grows). */
	struct span many[40];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct span){ 0x0a000000u + 2 * i, 0x0a000000u + 2 * i, 0, 2 };
	rangeset_set_spans(&s, many, ARRAY_SIZE(many));
	spans_equal(&s, many, ARRAY_SIZE(many));
	for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
		assert_int_equal(rangeset_find(&s, 0x0a000000u + 2 * i), i);
		assert_int_equal(rangeset_find(&s, 0x0a000000u + 2 * i + 1), -1);
	}
	assert_int_equal(rangeset_prefix_count(&s), ARRAY_SIZE(many));

	/* Finishing recomputes the spans of the prefixes. */
	rangeset_finish(&s);
	spans_equal(&s, before, ARRAY_SIZE(before));
	check_invariants(&s);
	rangeset_release(&s);

	/* IPv6: addresses past 64 bits survive, and so do the contributors. */
	const addr_t net = (addr_t)0x20010db8u << 96, h = (addr_t)1 << 64;
	rangeset_init(&s, FAMILY_V6);
	add(&s, net, 32, 0);
	add(&s, net | h, 64, 1);
	add(&s, V6_MAX - 255, 120, 2);
	add(&s, net | 1, 128, 3);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	const struct span after6[] = {
		{ net | 1, net | (h - 1), 0, 3 },
		{ net | (h + 5), net | (3 * h), 0, 3 },
		{ V6_MAX, V6_MAX, 3, 1 },
	};
	rangeset_set_spans(&s, after6, ARRAY_SIZE(after6));
	spans_equal(&s, after6, ARRAY_SIZE(after6));
	assert_int_equal(rangeset_find(&s, net), -1);
	assert_int_equal(rangeset_find(&s, net | 1), 0);
	assert_int_equal(rangeset_find(&s, net | (h - 1)), 0);
	assert_int_equal(rangeset_find(&s, net | h), -1);
	assert_int_equal(rangeset_find(&s, net | (h + 4)), -1);
	assert_int_equal(rangeset_find(&s, net | (h + 5)), 1);
	assert_int_equal(rangeset_find(&s, net | (3 * h)), 1);
	assert_int_equal(rangeset_find(&s, net | (3 * h + 1)), -1);
	assert_int_equal(rangeset_find(&s, V6_MAX - 1), -1);
	assert_int_equal(rangeset_find(&s, V6_MAX), 2);
	assert_int_equal(rangeset_prefix_count(&s), spans_naive_prefixes(&s));
	assert_int_equal(rangeset_prefix_count(&s), spans_prefixes(&s));
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, net, net | (((addr_t)1 << 96) - 1), 0, 3);
	expect_span(&s, 1, V6_MAX - 255, V6_MAX, 3, 1);
	check_invariants(&s);
	rangeset_release(&s);
}

/* ---- prefix count ------------------------------------------------------- */

struct adder {
	struct rangeset *s;
	uint32_t origin;
};

static void add_cb(const struct prefix *p, void *arg)
{
	struct adder *a = arg;

	rangeset_add(a->s, p, a->origin++);
}

/* Builds a set of the prefixes covering [LO, HI] and checks its one span
 * needs WANT prefixes, as many as went in. */
static void expect_cover(enum family f, addr_t lo, addr_t hi, size_t want)
{
	struct rangeset s;
	struct adder a = { &s, 0 };

	rangeset_init(&s, f);
	range_to_prefixes(f, lo, hi, add_cb, &a);
	assert_int_equal(s.nranges, want);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, lo, hi, 0, want);
	check_invariants(&s);
	assert_int_equal(rangeset_prefix_count(&s), want);
	assert_int_equal(spans_prefixes(&s), want);
	assert_int_equal(spans_naive_prefixes(&s), want);
	rangeset_release(&s);
}

/* rangeset_prefix_count() is the number of prefixes range_to_prefixes()
 * gives for the spans, the minimal cover: the whole space is one prefix,
 * in either family, however it was put together. */
static void test_prefix_count(void **state)
{
	struct rangeset s;

	(void)state;
	/* 0.0.0.0/0 and ::/0, alone and as two halves. */
	for (int f = 0; f < FAMILY_COUNT; f++) {
		const unsigned bits = family_bits((enum family)f);
		const addr_t max = family_max((enum family)f);
		rangeset_init(&s, (enum family)f);
		add(&s, 0, 0, 0);
		rangeset_finish(&s);
		expect_span(&s, 0, 0, max, 0, 1);
		assert_int_equal(rangeset_prefix_count(&s), 1);
		assert_int_equal(spans_prefixes(&s), 1);
		rangeset_release(&s);

		rangeset_init(&s, (enum family)f);
		add(&s, (addr_t)1 << (bits - 1), 1, 0);
		add(&s, 0, 1, 1);
		rangeset_finish(&s);
		expect_span(&s, 0, 0, max, 0, 2);
		assert_int_equal(rangeset_prefix_count(&s), 1);
		assert_int_equal(spans_prefixes(&s), 1);
		rangeset_release(&s);

		/* All but one address at either end, or at both. */
		expect_cover((enum family)f, 0, max, 1);
		expect_cover((enum family)f, 1, max, bits);
		expect_cover((enum family)f, 0, max - 1, bits);
		expect_cover((enum family)f, 1, max - 1, 2 * bits - 2);
		expect_cover((enum family)f, max, max, 1);
		expect_cover((enum family)f, 0, 0, 1);
	}
	expect_cover(FAMILY_V4, 0x0a000001u, 0x0a0000feu, 14);
	expect_cover(FAMILY_V6, ((addr_t)1 << 64) - 1, (addr_t)1 << 64, 2);

	/* Several spans add up. */
	rangeset_init(&s, FAMILY_V4);
	add(&s, 0, 32, 0);			/* 1 */
	add(&s, 2, 31, 1);			/* [2, 3] ... */
	add(&s, 4, 30, 2);			/* ... [2, 7]: 2 */
	add(&s, 0x80000000u, 1, 3);		/* 1 */
	add(&s, 0x7ffffffeu, 31, 4);		/* [2^31 - 2, MAX]: 2 with the one above */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 3);
	assert_int_equal(rangeset_prefix_count(&s), 1 + 2 + 2);
	assert_int_equal(spans_prefixes(&s), 5);
	assert_int_equal(spans_naive_prefixes(&s), 5);
	rangeset_release(&s);

	/* Random spans, against the obvious algorithm. */
	for (int round = 0; round < 200; round++) {
		enum family f = round % 2 ? FAMILY_V6 : FAMILY_V4;
		rangeset_init(&s, f);
		for (int i = 0; i < 20; i++) {
			unsigned len = f == FAMILY_V4 ? 20 + rng() % 13 : 100 + rng() % 29;
			addr_t a = (f == FAMILY_V4 ? (addr_t)(0xc0000000u | (rng() & 0xfffff)) :
						     rng128()) & ~prefix_hostmask(f, len);
			add(&s, a, len, (uint32_t)i);
		}
		rangeset_finish(&s);
		check_invariants(&s);
		assert_int_equal(rangeset_prefix_count(&s), spans_naive_prefixes(&s));
		assert_int_equal(rangeset_prefix_count(&s), spans_prefixes(&s));
		rangeset_release(&s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_containment),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_adjacency),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_find_boundaries),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_v4_packing_extremes),
		cmocka_unit_test(test_v6_extremes),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_sort_v4_shuffled),
		cmocka_unit_test(test_add_v4_keys),
		cmocka_unit_test(test_sort_v6_shuffled),
		cmocka_unit_test(test_set_spans),
		cmocka_unit_test(test_prefix_count),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
