/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/keepstate.c: what an apply carries over. A member of
 * a run-time set is carried into the set of the same name that the new
 * script declares with a timeout, with the time it had left (wrapped
 * element lists, prefixes and ranges, nft's "1h2m3s4ms" spelling), never
 * more than the new timeout; sets the new script lacks, or has without a
 * timeout, carry nothing (the shared allow lookup among them: the refresh
 * agent puts its refreshed elements back itself). ipset texts lose the flush lines of run-time
 * sets only. The kernel side is tests/keepstate.sh's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/keepstate.h"

static const char listing[] =
	"table inet egressc {\n"
	"\tset allow_tcp_443_v4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 203.0.113.0/24 }\n"
	"\t}\n"
	"\n"
	"\tset allow_v4 {\n"
	"\t\ttype ipv4_addr . inet_proto . inet_service\n"
	"\t\tflags interval\n"
	"\t\telements = { 192.0.2.20/30 . tcp . 21, 203.0.113.11 . tcp . 8080 }\n"
	"\t}\n"
	"\n"
	"\tset dyn_builders_v4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval,timeout\n"
	"\t\ttimeout 30m\n"
	"\t\telements = { 198.51.100.0/25 expires 4m59s968ms, 203.0.113.9 timeout 1h expires 59m1s,\n"
	"\t\t\t     192.0.2.10-192.0.2.12 expires 1d }\n"
	"\t}\n"
	"\n"
	"\tset dyn_gone_v4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval,timeout\n"
	"\t\ttimeout 30m\n"
	"\t\telements = { 203.0.113.1 expires 10m }\n"
	"\t}\n"
	"}\n";

static const char script[] = "table inet egressc {\n"
			     "\tset allow_tcp_443_v4 {\n"
			     "\t\ttype ipv4_addr\n"
			     "\t\tflags interval\n"
			     "\t}\n"
			     "\tset allow_v4 {\n"
			     "\t\ttype ipv4_addr . inet_proto . inet_service\n"
			     "\t\tflags interval\n"
			     "\t}\n"
			     "\tset dyn_builders_v4 {\n"
			     "\t\ttype ipv4_addr\n"
			     "\t\tflags interval, timeout\n"
			     "\t\ttimeout 30m\n"
			     "\t}\n"
			     "}\n";

static void test_members_carried(void **state)
{
	char *keep = keep_nft_members(listing, script);

	assert_string_equal(keep,
			    "add element inet egressc dyn_builders_v4 { 198.51.100.0/25 timeout 1800s expires 300s }\n"
			    "add element inet egressc dyn_builders_v4 { 203.0.113.9 timeout 1800s expires 1800s }\n"
			    "add element inet egressc dyn_builders_v4 { 192.0.2.10-192.0.2.12 timeout 1800s expires 1800s }\n");
	free(keep);
}

static void test_nothing_to_keep(void **state)
{
	char *keep = keep_nft_members("", script);

	assert_string_equal(keep, "");
	free(keep);
	keep = keep_nft_members(listing, "table inet egressc {\n}\n");
	assert_string_equal(keep, "");
	free(keep);
}

/* What apply lists of the old table: the new script's run-time sets by
 * name, not its static ones (nor the recording's), each listed alone, and
 * those listings, one after the other, carry as the whole table's do. */
static void test_runtime_set_names(void **state)
{
	static const char with_record[] = "table inet egressc {\n"
					  "\tset record_v4 {\n"
					  "\t\ttype ipv4_addr . inet_proto . inet_service\n"
					  "\t\tflags dynamic, timeout\n"
					  "\t\ttimeout 1h\n"
					  "\t}\n"
					  "}\n";
	static const char one_by_one[] =
		"table inet egressc {\n"
		"\tset dyn_builders_v4 {\n"
		"\t\ttype ipv4_addr\n"
		"\t\tflags interval,timeout\n"
		"\t\ttimeout 30m\n"
		"\t\telements = { 198.51.100.0/25 expires 4m59s968ms }\n"
		"\t}\n"
		"}\n"
		"table inet egressc {\n"
		"\tset dyn_other_v4 {\n"
		"\t\ttype ipv4_addr\n"
		"\t\tflags interval,timeout\n"
		"\t\ttimeout 30m\n"
		"\t\telements = { 192.0.2.1 expires 1m }\n"
		"\t}\n"
		"}\n";
	char *names = keep_nft_set_names(script);

	assert_string_equal(names, "dyn_builders_v4\n");
	free(names);
	names = keep_nft_set_names(with_record);
	assert_string_equal(names, "");
	free(names);
	names = keep_nft_set_names("");
	assert_string_equal(names, "");
	free(names);

	char *keep = keep_nft_members(one_by_one, script);
	assert_string_equal(keep,
			    "add element inet egressc dyn_builders_v4 { 198.51.100.0/25 timeout 1800s expires 300s }\n");
	free(keep);
}

static void test_ipset_flush_lines(void **state)
{
	char *kept = keep_ipset_members("create egressc_dyn_b_30m_v4 hash:net family inet timeout 1800\n"
					"flush egressc_dyn_b_30m_v4\n"
					"create egressc_static_v4 hash:net family inet\n"
					"flush egressc_static_v4\n"
					"add egressc_static_v4 192.0.2.0/24\n");

	assert_string_equal(kept, "create egressc_dyn_b_30m_v4 hash:net family inet timeout 1800\n"
				  "create egressc_static_v4 hash:net family inet\n"
				  "flush egressc_static_v4\n"
				  "add egressc_static_v4 192.0.2.0/24\n");
	free(kept);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_carried),
		cmocka_unit_test(test_nothing_to_keep),
		cmocka_unit_test(test_runtime_set_names),
		cmocka_unit_test(test_ipset_flush_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
