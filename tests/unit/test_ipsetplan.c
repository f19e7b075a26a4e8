/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for ipset_plan() and ipset_runtime_names(): a static set the
 * kernel has whole is left out, one it has in part is emptied and filled
 * again, one it lacks is loaded; run-time sets are loaded as written; a
 * refresh set the kernel has is filled aside and swapped in, after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/ipsetplan.h"

static const char text[] =
	"# Compiled by egressc\n"
	"create egressc_allow_tcp_880e0aca_v4 hash:net family inet timeout 3600\n"
	"flush egressc_allow_tcp_880e0aca_v4\n"
	"# allow_tcp_443: t.eg:3\n"
	"create egressc_allow_tcp_a3601e9c_v4 hash:net family inet hashsize 64 maxelem 2\n"
	"add egressc_allow_tcp_a3601e9c_v4 192.0.2.0/24\n"
	"add egressc_allow_tcp_a3601e9c_v4 203.0.113.7/32\n"
	"# deny_1 (deny_all): t.eg:2\n"
	"create egressc_deny_1_f4a1443c_v4 hash:net family inet hashsize 64 maxelem 2\n"
	"add egressc_deny_1_f4a1443c_v4 192.0.2.66/32\n"
	"add egressc_deny_1_f4a1443c_v4 192.0.2.70/31\n"
	"# allow_tcp_443: its pinned names' addresses\n"
	"create egressc_pin_allow_tcp_443_v4 hash:net family inet hashsize 64 maxelem 65536\n"
	"flush egressc_pin_allow_tcp_443_v4\n"
	"add egressc_pin_allow_tcp_443_v4 203.0.113.10/32\n"
	"add egressc_pin_allow_tcp_443_v4 203.0.113.12/32\n";

/* As 'ipset list -t' prints them. */
static const char *listing_of(unsigned allow_entries, unsigned deny_entries)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "Name: egressc_allow_tcp_880e0aca_v4\n"
		 "Type: hash:net\n"
		 "Revision: 7\n"
		 "Header: family inet hashsize 1024 maxelem 65536 timeout 3600 bucketsize 12 initval 0x1\n"
		 "Size in memory: 456\n"
		 "References: 1\n"
		 "Number of entries: 2\n"
		 "Name: egressc_allow_tcp_a3601e9c_v4\n"
		 "Type: hash:net\n"
		 "Revision: 7\n"
		 "Header: family inet hashsize 64 maxelem 2 bucketsize 12 initval 0x2\n"
		 "Size in memory: 600\n"
		 "References: 1\n"
		 "Number of entries: %u\n"
		 "Name: egressc_deny_1_f4a1443c_v4\n"
		 "Type: hash:net\n"
		 "Revision: 7\n"
		 "Header: family inet hashsize 64 maxelem 2 bucketsize 12 initval 0x3\n"
		 "Size in memory: 600\n"
		 "References: 1\n"
		 "Number of entries: %u\n"
		 "Name: egressc_pin_allow_tcp_443_v4\n"
		 "Type: hash:net\n"
		 "Revision: 7\n"
		 "Header: family inet hashsize 64 maxelem 65536 bucketsize 12 initval 0x4\n"
		 "Size in memory: 600\n"
		 "References: 1\n"
		 "Number of entries: 5\n",
		 allow_entries, deny_entries);
	return buf;
}

static void test_no_sets_loads_all(void **state)
{
	(void)state;
	char *swap;
	char *plan = ipset_plan(text, NULL, &swap);
	assert_string_equal(plan, text);
	assert_string_equal(swap, "");
	free(plan);
	free(swap);
	plan = ipset_plan(text, "", &swap);
	assert_string_equal(plan, text);
	assert_string_equal(swap, "");
	free(plan);
	free(swap);
}

static void test_whole_sets_left_out(void **state)
{
	(void)state;
	char *swap;
	char *plan = ipset_plan(text, listing_of(2, 1), &swap);
	/* The whole one: neither created nor filled. */
	assert_null(strstr(plan, "egressc_allow_tcp_a3601e9c_v4"));
	/* The one lacking a member: emptied and filled again. */
	assert_non_null(strstr(plan, "create egressc_deny_1_f4a1443c_v4 hash:net family inet hashsize 64 maxelem 2\n"
				     "flush egressc_deny_1_f4a1443c_v4\n"
				     "add egressc_deny_1_f4a1443c_v4 192.0.2.66/32\n"
				     "add egressc_deny_1_f4a1443c_v4 192.0.2.70/31\n"));
	/* The run-time set, as written, though the kernel has it. */
	assert_non_null(strstr(plan, "create egressc_allow_tcp_880e0aca_v4 hash:net family inet timeout 3600\n"
				     "flush egressc_allow_tcp_880e0aca_v4\n"));
	/* The refresh set: left as it is before the rules (never flushed),
	 * then filled aside and swapped in. */
	assert_null(strstr(plan, "egressc_pin_allow_tcp_443_v4"));
	assert_string_equal(swap,
			    "create egressc_pin_allow_tcp_443_s4 hash:net family inet hashsize 64 maxelem 65536\n"
			    "flush egressc_pin_allow_tcp_443_s4\n"
			    "add egressc_pin_allow_tcp_443_s4 203.0.113.10/32\n"
			    "add egressc_pin_allow_tcp_443_s4 203.0.113.12/32\n"
			    "swap egressc_pin_allow_tcp_443_s4 egressc_pin_allow_tcp_443_v4\n"
			    "destroy egressc_pin_allow_tcp_443_s4\n");
	free(plan);
	free(swap);
}

static void test_runtime_names(void **state)
{
	(void)state;
	char *names = ipset_runtime_names(listing_of(2, 2), "egressc_");
	assert_string_equal(names, "egressc_allow_tcp_880e0aca_v4\n");
	free(names);
	names = ipset_runtime_names("", "egressc_");
	assert_string_equal(names, "");
	free(names);
}

static void test_refresh_saved_and_swapped_back(void **state)
{
	(void)state;
	char *names = ipset_refresh_names(text, listing_of(2, 1));
	assert_string_equal(names, "egressc_pin_allow_tcp_443_v4\n");
	free(names);
	names = ipset_refresh_names(text, "");
	assert_string_equal(names, "");
	free(names);
	/* As 'ipset save' prints one, with what the agent added. */
	char *back = ipset_swap_back(
		"create egressc_pin_allow_tcp_443_v4 hash:net family inet hashsize 64 maxelem 65536 bucketsize 12 initval 0x5\n"
		"add egressc_pin_allow_tcp_443_v4 203.0.113.10\n"
		"add egressc_pin_allow_tcp_443_v4 203.0.113.11\n");
	assert_string_equal(back,
			    "create egressc_pin_allow_tcp_443_s4 hash:net family inet hashsize 64 maxelem 65536 bucketsize 12 initval 0x5\n"
			    "flush egressc_pin_allow_tcp_443_s4\n"
			    "add egressc_pin_allow_tcp_443_s4 203.0.113.10\n"
			    "add egressc_pin_allow_tcp_443_s4 203.0.113.11\n"
			    "swap egressc_pin_allow_tcp_443_s4 egressc_pin_allow_tcp_443_v4\n"
			    "destroy egressc_pin_allow_tcp_443_s4\n");
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_sets_loads_all),
		cmocka_unit_test(test_whole_sets_left_out),
		cmocka_unit_test(test_runtime_names),
		cmocka_unit_test(test_refresh_saved_and_swapped_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
