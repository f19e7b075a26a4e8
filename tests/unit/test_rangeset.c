/* Unit tests for compiler/rangeset.c: merging ranges into maximal disjoint,
 * non-adjacent spans, each naming exactly the ranges behind it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rangeset.h"

/* ---- helpers ---------------------------------------------------------- */

#define V4_MAX ((addr_t)0xffffffffu)
#define V6_MAX (~(addr_t)0)

static void expect_span(const struct rangeset *s, size_t i, addr_t lo, addr_t hi,
			size_t first, size_t count)
{
	assert_true(i < s->nspans);
	const struct span *sp = &s->spans[i];
	if (sp->lo != lo || sp->hi != hi)
		fail_msg("span %zu has the wrong bounds", i);
	assert_int_equal(sp->first, first);
	assert_int_equal(sp->count, count);
}

static void expect_range(const struct rangeset *s, size_t i, addr_t lo, addr_t hi,
			 uint32_t origin)
{
	assert_true(i < s->nranges);
	const struct range *r = &s->ranges[i];
	if (r->lo != lo || r->hi != hi)
		fail_msg("range %zu has the wrong bounds", i);
	assert_int_equal(r->origin, origin);
}

/* The invariants every finished set keeps, whatever went in: ranges sorted
 * by (lo, hi, origin); spans sorted, disjoint and non-adjacent; each span's
 * contributors a contiguous run of ranges that lie inside it, the runs
 * following each other and together covering every range once; each span
 * exactly the union of its contributors (its ends are some contributor's
 * ends, and no gap inside). */
static void check_invariants(const struct rangeset *s)
{
	size_t next_first = 0;

	for (size_t i = 0; i + 1 < s->nranges; i++) {
		const struct range *a = &s->ranges[i], *b = &s->ranges[i + 1];
		assert_true(a->lo < b->lo || (a->lo == b->lo && a->hi < b->hi) ||
			    (a->lo == b->lo && a->hi == b->hi && a->origin <= b->origin));
	}
	for (size_t i = 0; i < s->nspans; i++) {
		const struct span *sp = &s->spans[i];
		assert_true(sp->lo <= sp->hi);
		assert_true(sp->hi <= family_max(s->family));
		if (i + 1 < s->nspans) {
			/* Disjoint and non-adjacent: a gap of at least one address. */
			assert_true(sp->hi < s->spans[i + 1].lo);
			assert_true(sp->hi + 1 < s->spans[i + 1].lo);
		}
		assert_int_equal(sp->first, next_first);
		assert_true(sp->count > 0);
		addr_t reach = sp->lo;
		bool hi_seen = false;
		for (size_t j = sp->first; j < sp->first + sp->count; j++) {
			const struct range *r = &s->ranges[j];
			assert_true(r->lo >= sp->lo && r->hi <= sp->hi);
			/* Sorted by start, each contributor starts inside or right
			 * after what the earlier ones reach: no hole in the span. */
			if (j > sp->first)
				assert_true(r->lo <= reach || r->lo - 1 == reach);
			if (j == sp->first || r->hi > reach)
				reach = r->hi;
			hi_seen |= r->hi == sp->hi;
		}
		assert_true(s->ranges[sp->first].lo == sp->lo);
		assert_true(hi_seen);
		next_first = sp->first + sp->count;
	}
	assert_int_equal(next_first, s->nranges);
}

/* ---- basic merging ------------------------------------------------------ */

/* An empty set has no spans and finds nothing; releasing it is harmless. */
static void test_empty(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_finish(&s);
	assert_int_equal(s.nranges, 0);
	assert_int_equal(s.nspans, 0);
	assert_null(rangeset_find(&s, 0));
	assert_null(rangeset_find(&s, V4_MAX));
	rangeset_release(&s);
	assert_int_equal(s.family, FAMILY_V4);
	assert_null(s.ranges);
	assert_null(s.spans);
}

/* The same range from several origins is one span with every origin as a
 * contributor, ordered by origin (deterministic, not insertion order). */
static void test_duplicates(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 10, 20, 2);
	rangeset_add(&s, 10, 20, 0);
	rangeset_add(&s, 10, 20, 1);
	rangeset_add(&s, 10, 20, 1);
	rangeset_finish(&s);
	assert_int_equal(s.nranges, 4);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 10, 20, 0, 4);
	expect_range(&s, 0, 10, 20, 0);
	expect_range(&s, 1, 10, 20, 1);
	expect_range(&s, 2, 10, 20, 1);
	expect_range(&s, 3, 10, 20, 2);
	check_invariants(&s);
	rangeset_release(&s);
}

/* Ranges inside another one add no addresses but are still contributors;
 * a range that extends the span must be compared with the span's end, not
 * with the end of the range just before it. */
static void test_containment(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 50, 50, 3);
	rangeset_add(&s, 0, 100, 0);
	rangeset_add(&s, 10, 20, 1);
	rangeset_add(&s, 22, 30, 2);	/* after a gap in [10,20], but inside [0,100] */
	rangeset_add(&s, 101, 110, 4);	/* adjacent to 100, far from 50 */
	rangeset_add(&s, 112, 120, 5);	/* a gap of one: separate */
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 110, 0, 5);
	expect_span(&s, 1, 112, 120, 5, 1);
	expect_range(&s, 0, 0, 100, 0);
	expect_range(&s, 1, 10, 20, 1);
	expect_range(&s, 2, 22, 30, 2);
	expect_range(&s, 3, 50, 50, 3);
	expect_range(&s, 4, 101, 110, 4);
	check_invariants(&s);
	rangeset_release(&s);
}

/* Overlapping ranges merge, in any insertion order; a range covering
 * several earlier spans joins them all. */
static void test_overlap(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 15, 30, 0);
	rangeset_add(&s, 10, 20, 1);
	rangeset_add(&s, 40, 50, 2);
	rangeset_add(&s, 60, 70, 3);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 3);
	expect_span(&s, 0, 10, 30, 0, 2);
	expect_span(&s, 1, 40, 50, 2, 1);
	expect_span(&s, 2, 60, 70, 3, 1);
	check_invariants(&s);

	/* Finishing again after more ranges recomputes everything. */
	rangeset_add(&s, 25, 65, 4);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 10, 70, 0, 5);
	check_invariants(&s);
	rangeset_release(&s);
}

/* hi + 1 == lo merges (the spans would touch); hi + 2 == lo does not. */
static void test_adjacency(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 10, 20, 0);
	rangeset_add(&s, 21, 30, 1);
	rangeset_add(&s, 32, 40, 2);
	rangeset_add(&s, 41, 41, 3);
	rangeset_add(&s, 43, 43, 4);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 3);
	expect_span(&s, 0, 10, 30, 0, 2);
	expect_span(&s, 1, 32, 41, 2, 2);
	expect_span(&s, 2, 43, 43, 4, 1);
	check_invariants(&s);
	rangeset_release(&s);

	/* Adjacency at address 0 and between single hosts. */
	rangeset_init(&s, FAMILY_V6);
	rangeset_add(&s, 1, 1, 0);
	rangeset_add(&s, 0, 0, 1);
	rangeset_add(&s, 2, 2, 2);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, 2, 0, 3);
	rangeset_release(&s);
}

/* Ranges that end at the top of the space stay there: nothing wraps to 0,
 * and later ranges inside a span ending at the top still merge into it. */
static void test_top_of_space(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V6);
	rangeset_add(&s, 0, 3, 0);
	rangeset_add(&s, V6_MAX - 10, V6_MAX, 1);
	rangeset_add(&s, V6_MAX - 5, V6_MAX, 2);
	rangeset_add(&s, V6_MAX, V6_MAX, 3);
	rangeset_add(&s, V6_MAX - 5, V6_MAX - 1, 4);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 3, 0, 1);
	expect_span(&s, 1, V6_MAX - 10, V6_MAX, 1, 4);
	assert_ptr_equal(rangeset_find(&s, V6_MAX), &s.spans[1]);
	assert_ptr_equal(rangeset_find(&s, 0), &s.spans[0]);
	assert_null(rangeset_find(&s, 4));
	assert_null(rangeset_find(&s, V6_MAX - 11));
	check_invariants(&s);
	rangeset_release(&s);

	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, V4_MAX, V4_MAX, 0);
	rangeset_add(&s, 0, 0, 1);
	rangeset_add(&s, V4_MAX - 1, V4_MAX, 2);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 2);
	expect_span(&s, 0, 0, 0, 0, 1);
	expect_span(&s, 1, V4_MAX - 1, V4_MAX, 1, 2);
	check_invariants(&s);
	rangeset_release(&s);

	/* The whole space is one span. */
	rangeset_init(&s, FAMILY_V6);
	rangeset_add(&s, 0, V6_MAX, 0);
	rangeset_add(&s, 5, 5, 1);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 1);
	expect_span(&s, 0, 0, V6_MAX, 0, 2);
	assert_non_null(rangeset_find(&s, V6_MAX));
	assert_non_null(rangeset_find(&s, 0));
	rangeset_release(&s);
}

/* rangeset_find() returns the span containing the address, at both ends of
 * every span, and NULL just outside each and in every gap. */
static void test_find_boundaries(void **state)
{
	struct rangeset s;

	(void)state;
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 30, 40, 0);
	rangeset_add(&s, 10, 20, 1);
	rangeset_add(&s, 50, 50, 2);
	rangeset_add(&s, 1000, V4_MAX, 3);
	rangeset_finish(&s);
	assert_int_equal(s.nspans, 4);
	assert_null(rangeset_find(&s, 0));
	assert_null(rangeset_find(&s, 9));
	assert_ptr_equal(rangeset_find(&s, 10), &s.spans[0]);
	assert_ptr_equal(rangeset_find(&s, 15), &s.spans[0]);
	assert_ptr_equal(rangeset_find(&s, 20), &s.spans[0]);
	assert_null(rangeset_find(&s, 21));
	assert_null(rangeset_find(&s, 29));
	assert_ptr_equal(rangeset_find(&s, 30), &s.spans[1]);
	assert_ptr_equal(rangeset_find(&s, 40), &s.spans[1]);
	assert_null(rangeset_find(&s, 41));
	assert_null(rangeset_find(&s, 49));
	assert_ptr_equal(rangeset_find(&s, 50), &s.spans[2]);
	assert_null(rangeset_find(&s, 51));
	assert_null(rangeset_find(&s, 999));
	assert_ptr_equal(rangeset_find(&s, 1000), &s.spans[3]);
	assert_ptr_equal(rangeset_find(&s, V4_MAX), &s.spans[3]);
	/* Spans know their contributors by origin. */
	assert_int_equal(s.ranges[s.spans[0].first].origin, 1);
	assert_int_equal(s.ranges[s.spans[1].first].origin, 0);
	rangeset_release(&s);

	/* One span of one address. */
	rangeset_init(&s, FAMILY_V4);
	rangeset_add(&s, 7, 7, 0);
	rangeset_finish(&s);
	assert_null(rangeset_find(&s, 6));
	assert_ptr_equal(rangeset_find(&s, 7), &s.spans[0]);
	assert_null(rangeset_find(&s, 8));
	rangeset_release(&s);
}

/* ---- randomized against a bitmap ---------------------------------------- */

#define SPACE 4096

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

/* Adds N random ranges of at most MAXLEN addresses in [BASE, BASE + SPACE)
 * and compares the finished set with a bitmap of the same ranges: every
 * point's membership, that the span found contains it, that the spans are
 * exactly the maximal runs of the bitmap, and that every added range is
 * still there with its origin. */
static void random_round(enum family f, addr_t base, size_t n, unsigned maxlen)
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
		unsigned len = rng() % maxlen;
		lo[i] = rng() % SPACE;
		hi[i] = lo[i] + len < SPACE ? lo[i] + len : SPACE - 1;
		/* Now and then, pin a range to an end of the space. */
		if (rng() % 16 == 0)
			hi[i] = SPACE - 1;
		if (rng() % 16 == 0)
			lo[i] = 0;
		for (unsigned a = lo[i]; a <= hi[i]; a++)
			bitmap[a] = true;
		rangeset_add(&s, base + lo[i], base + hi[i], (uint32_t)i);
	}
	rangeset_finish(&s);
	assert_int_equal(s.nranges, n);
	check_invariants(&s);

	size_t runs = 0;
	for (unsigned a = 0; a < SPACE; a++) {
		const struct span *sp = rangeset_find(&s, base + a);
		if (bitmap[a] != (sp != NULL))
			fail_msg("address %u: bitmap says %d, rangeset says %d", a, bitmap[a],
				 sp != NULL);
		if (!sp)
			continue;
		assert_true(sp->lo <= base + a && base + a <= sp->hi);
		if (a == 0 || !bitmap[a - 1]) {
			/* A run starts here: it must be a span's start, in order. */
			assert_ptr_equal(sp, &s.spans[runs]);
			assert_true(sp->lo == base + a);
			runs++;
		}
		if (a == SPACE - 1 || !bitmap[a + 1])
			assert_true(sp->hi == base + a);
	}
	assert_int_equal(runs, s.nspans);
	if (base > 0)
		assert_null(rangeset_find(&s, base - 1));
	if (base + SPACE - 1 < family_max(f))
		assert_null(rangeset_find(&s, base + SPACE));

	for (size_t i = 0; i < s.nranges; i++) {
		uint32_t o = s.ranges[i].origin;
		assert_true(o < n);
		assert_true(s.ranges[i].lo == base + lo[o] && s.ranges[i].hi == base + hi[o]);
		seen[o]++;
	}
	for (size_t i = 0; i < n; i++)
		assert_int_equal(seen[i], 1);
	rangeset_release(&s);
	free(lo);
	free(hi);
	free(seen);
}

/* Many random sets, sparse to dense, at the bottom of the IPv4 space and at
 * the top of both spaces (where an off-by-one would wrap). */
static void test_random(void **state)
{
	static const struct {
		size_t n;
		unsigned maxlen;
	} shapes[] = {
		{ 1, 1 }, { 2, 3 }, { 10, 8 }, { 100, 4 }, { 300, 16 },
		{ 2000, 1 }, { 2000, 2 }, { 2000, 4 }, { 500, 64 },
	};

	(void)state;
	for (int round = 0; round < 4; round++) {
		for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			random_round(FAMILY_V4, 0, shapes[i].n, shapes[i].maxlen);
			random_round(FAMILY_V4, V4_MAX - (SPACE - 1), shapes[i].n, shapes[i].maxlen);
			random_round(FAMILY_V6, V6_MAX - (SPACE - 1), shapes[i].n, shapes[i].maxlen);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_containment),
		cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_adjacency),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_find_boundaries),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
