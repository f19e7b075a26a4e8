/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/refresh.c's state file: the agent's counters as it
 * writes them, read back by egressc stats, and what the reader refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/refresh.h"

static void test_round_trip(void **state)
{
	struct refresh_name names[3] = { { .failing = true }, { .failing = true, .closed = true },
					 { 0 } };
	struct refresh r = { .names = names, .n = 3, .nadded = 4, .added_total = 9,
			     .removed_total = 5, .rounds = 12, .failed_rounds = 2,
			     .last_round = 1796000000, .last_success = 1795999990 };
	uint64_t v[REFRESH_METRICS];
	char *text;
	size_t len;

	(void)state;
	refresh_state_format(&r, 7, &text, &len);
	assert_int_equal(strlen(text), len);
	assert_int_equal(refresh_state_parse(text, v), 0);
	assert_int_equal(v[REFRESH_NAMES], 3);
	/* A name failed closed is counted as closed, not as failing. */
	assert_int_equal(v[REFRESH_NAMES_FAILING], 1);
	assert_int_equal(v[REFRESH_NAMES_CLOSED], 1);
	assert_int_equal(v[REFRESH_ADDRESSES_ADDED], 4);
	assert_int_equal(v[REFRESH_ADDED_TOTAL], 9);
	assert_int_equal(v[REFRESH_REMOVED_TOTAL], 5);
	assert_int_equal(v[REFRESH_ROUNDS_TOTAL], 12);
	assert_int_equal(v[REFRESH_FAILED_ROUNDS_TOTAL], 2);
	assert_int_equal(v[REFRESH_LAST_ROUND], 1796000000);
	assert_int_equal(v[REFRESH_LAST_SUCCESS], 1795999990);
	assert_int_equal(v[REFRESH_CGROUP_REBINDS], 7);
	free(text);
}

/* An agent that does not refresh (it watches cgroups only) writes the
 * same file: the refresh's counters 0, its rebinds counted. */
static void test_no_refresh(void **state)
{
	uint64_t v[REFRESH_METRICS];
	char *text;
	size_t len;

	(void)state;
	refresh_state_format(NULL, 2, &text, &len);
	assert_int_equal(refresh_state_parse(text, v), 0);
	for (int i = 0; i < REFRESH_METRICS; i++)
		assert_int_equal(v[i], i == REFRESH_CGROUP_REBINDS ? 2 : 0);
	assert_non_null(strstr(text, "egressc_cgroup_rebinds_total 2\n"));
	free(text);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",							/* every counter missing */
		"egressc_refresh_names 3\n",				/* the rest missing */
		"egressc_refresh_nam 3\n",				/* a prefix of a name */
		"egressc_refresh_names -3\n",
		"egressc_refresh_names 3x\n",
		"egressc_refresh_names\n",
		"egressc_refresh_names 99999999999999999999999\n",	/* out of range */
		"egressc_blocked_packets_total 1\n",			/* not the agent's */
	};
	uint64_t v[REFRESH_METRICS];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(refresh_state_parse(bad[i], v), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_no_refresh),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
