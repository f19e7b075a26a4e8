/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for lib/window.c: weekly windows as a policy writes them,
 * their minutes of the week in UTC, the pieces the kernels match, and
 * the errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/window.h"

#define MIN(d, h, m) ((d) * 1440u + (h) * 60u + (m))

static struct window parse(const char *text)
{
	struct window w;
	const char *why = NULL;
	size_t at = 0;

	if (window_parse(text, &w, &why, &at) != 0)
		fail_msg("'%s': %s at %zu", text, why, at);
	return w;
}

static void expect_spans(const char *text, const struct week_span *want, size_t n)
{
	struct window w = parse(text);

	if (w.n != n)
		fail_msg("'%s': %zu spans, not %zu", text, w.n, n);
	for (size_t i = 0; i < n; i++)
		if (w.spans[i].lo != want[i].lo || w.spans[i].hi != want[i].hi)
			fail_msg("'%s': span %zu is [%u, %u), not [%u, %u)", text, i, w.spans[i].lo,
				 w.spans[i].hi, want[i].lo, want[i].hi);
}

static void test_forms(void **state)
{
	(void)state;
	/* Days and times; a range of days; a list. */
	expect_spans("Mon-Fri 01:00-03:00",
		     (const struct week_span[]){ { MIN(0, 1, 0), MIN(0, 3, 0) },
						 { MIN(1, 1, 0), MIN(1, 3, 0) },
						 { MIN(2, 1, 0), MIN(2, 3, 0) },
						 { MIN(3, 1, 0), MIN(3, 3, 0) },
						 { MIN(4, 1, 0), MIN(4, 3, 0) } }, 5);
	expect_spans("sat,SUN", (const struct week_span[]){ { MIN(5, 0, 0), MIN(7, 0, 0) } }, 1);
	/* Whole days that wrap the week join at neither end: sorted spans. */
	expect_spans("Sun-Mon", (const struct week_span[]){ { 0, MIN(1, 0, 0) },
							    { MIN(6, 0, 0), MIN(7, 0, 0) } }, 2);
	/* Past midnight: the next day's; Sunday's into Monday's. */
	expect_spans("Fri 22:00-02:00", (const struct week_span[]){ { MIN(4, 22, 0), MIN(5, 2, 0) } }, 1);
	expect_spans("Sun 23:00-01:00", (const struct week_span[]){ { 0, MIN(0, 1, 0) },
								    { MIN(6, 23, 0), MIN(7, 0, 0) } }, 2);
	/* A zone east of UTC moves the window earlier; 24:00 ends a day. */
	expect_spans("Mon 01:00-24:00 UTC+02:00",
		     (const struct week_span[]){ { 0, MIN(0, 22, 0) },
						 { MIN(6, 23, 0), MIN(7, 0, 0) } }, 2);
	expect_spans("Mon 00:00-01:00 -01:30", (const struct week_span[]){ { MIN(0, 1, 30), MIN(0, 2, 30) } }, 1);
	/* Times without days: every day, which joins into one span a day. */
	struct window w = parse("00:00-24:00");
	assert_int_equal(w.n, 1);
	assert_int_equal(w.spans[0].lo, 0);
	assert_int_equal(w.spans[0].hi, WEEK_MINUTES);
}

static void expect_error(const char *text, const char *why_part, size_t at)
{
	struct window w;
	const char *why = NULL;
	size_t got_at = 0;

	if (window_parse(text, &w, &why, &got_at) == 0)
		fail_msg("'%s' parsed", text);
	if (!strstr(why, why_part) || got_at != at)
		fail_msg("'%s': '%s' at %zu, not '%s' at %zu", text, why, got_at, why_part, at);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("Mon-Fry 01:00-03:00", "unknown weekday", 4);
	expect_error("Mon 01:00-01:00", "empty window", 0);
	expect_error("Mon 24:00-01:00", "bad time", 4);
	expect_error("Mon 01:00", "expected '-'", 9);
	expect_error("", "expected days, times or both", 0);
	expect_error("Mon 01:00-02:00 Europe/Berlin", "unknown zone", 16);
	expect_error("Mon 01:00-02:00 UTC+14:01", "bad offset", 16);
	expect_error("Mon 01:00-02:00 UTC x", "unexpected text", 20);
}

static void test_pieces(void **state)
{
	struct window_piece p[WINDOW_MAX_PIECES];

	(void)state;
	/* One piece for five days. */
	struct window w = parse("Mon-Fri 01:00-03:00");
	assert_int_equal(window_pieces(&w, p), 1);
	assert_int_equal(p[0].days, 0x1f);
	assert_int_equal(p[0].lo, 60);
	assert_int_equal(p[0].hi, 180);
	/* Past midnight: the start's days, then the end's, by time of day. */
	w = parse("Fri,Sun 22:00-02:00");
	assert_int_equal(window_pieces(&w, p), 2);
	assert_int_equal(p[0].days, 1u << 0 | 1u << 5);	/* Mon, Sat: 00:00-02:00 */
	assert_int_equal(p[0].lo, 0);
	assert_int_equal(p[0].hi, 120);
	assert_int_equal(p[1].days, 1u << 4 | 1u << 6);	/* Fri, Sun: 22:00-24:00 */
	assert_int_equal(p[1].lo, 1320);
	assert_int_equal(p[1].hi, 1440);
}

static void test_holds_and_instants(void **state)
{
	(void)state;
	struct window w = parse("Tue 23:30-00:30");
	assert_true(window_holds(&w, MIN(1, 23, 30)));
	assert_true(window_holds(&w, MIN(2, 0, 29)));
	assert_false(window_holds(&w, MIN(2, 0, 30)));
	assert_false(window_holds(&w, MIN(1, 23, 29)));
	assert_int_equal(window_parse_instant("Wed 00:29"), (int)MIN(2, 0, 29));
	assert_int_equal(window_parse_instant("sun 23:59"), (int)MIN(6, 23, 59));
	assert_int_equal(window_parse_instant("Wed"), -1);
	assert_int_equal(window_parse_instant("Wed 24:00"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_holds_and_instants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
