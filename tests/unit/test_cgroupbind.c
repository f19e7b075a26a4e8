/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/cgroupbind.c's reading of the local chain out of a
 * ruleset as egressc writes it, what apply records and the agent loads
 * again when a cgroup is made again; and the counters iptables's rules
 * keep across that load. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/cgroupbind.h"

static void test_nft_chain_block(void **state)
{
	static const char ruleset[] =
		"table inet egressc\n"
		"delete table inet egressc\n"
		"table inet egressc {\n"
		"\tchain egress {\n"
		"\t\tip daddr @allow_tcp_80_v4 tcp dport 80 accept\n"
		"\t}\n"
		"\n"
		"\t# The policy again, with the rules for cgroups.\n"
		"\tchain egress_local {\n"
		"\t\tsocket cgroupv2 level 1 \"ci.slice\" ip daddr @deny_1_v4 "
		"counter name \"deny_1\" goto blocked\n"
		"\t\tip daddr @allow_tcp_80_v4 tcp dport 80 accept\n"
		"\t}\n"
		"\n"
		"\tchain output {\n"
		"\t\tgoto egress_local\n"
		"\t}\n"
		"}\n";
	char *rules = cgroup_bind_local_rules(ruleset, true);

	(void)state;
	assert_non_null(rules);
	assert_string_equal(rules,
			    "\tchain egress_local {\n"
			    "\t\tsocket cgroupv2 level 1 \"ci.slice\" ip daddr @deny_1_v4 "
			    "counter name \"deny_1\" goto blocked\n"
			    "\t\tip daddr @allow_tcp_80_v4 tcp dport 80 accept\n"
			    "\t}\n");
	free(rules);
	/* A chain that only starts alike, or none: no local chain. */
	assert_null(cgroup_bind_local_rules("table inet egressc {\n\tchain egress_localx {\n\t}\n}\n",
					    true));
	assert_null(cgroup_bind_local_rules("", true));
}

static void test_iptables_rules(void **state)
{
	static const char rules_v4[] =
		"*filter\n"
		":EGRESSC - [0:0]\n"
		":EGRESSC-LOCAL - [0:0]\n"
		"-A EGRESSC -d 203.0.113.9/32 -p tcp -m tcp --dport 80 -j RETURN\n"
		"# deny_1 (deny_all_cgroup_74ea8f19): golden/cgroups.eg:10\n"
		"-A EGRESSC-LOCAL -d 203.0.113.9/32 -m cgroup --path ci.slice -g EGRESSC-deny_1\n"
		"-A EGRESSC-LOCAL -g EGRESSC-default\n"
		"-A EGRESSC-LOCALX -j RETURN\n"
		"-A EGRESSC-deny_1 -j EGRESSC-BLOCK\n"
		"COMMIT\n";
	char *rules = cgroup_bind_local_rules(rules_v4, false);

	(void)state;
	assert_non_null(rules);
	/* The chain's rules alone: no comment, no declaration, no other chain. */
	assert_string_equal(rules,
			    "-A EGRESSC-LOCAL -d 203.0.113.9/32 -m cgroup --path ci.slice -g EGRESSC-deny_1\n"
			    "-A EGRESSC-LOCAL -g EGRESSC-default\n");
	free(rules);
	/* Without a trailing newline, the last rule still counts. */
	rules = cgroup_bind_local_rules("-A EGRESSC-LOCAL -j RETURN", false);
	assert_string_equal(rules, "-A EGRESSC-LOCAL -j RETURN\n");
	free(rules);
	assert_null(cgroup_bind_local_rules("*filter\n:EGRESSC-LOCAL - [0:0]\nCOMMIT\n", false));
}

static void test_counters(void **state)
{
	static const char rules[] =
		"-A EGRESSC-LOCAL -d 203.0.113.9/32 -m cgroup --path ci.slice -g EGRESSC-deny_1\n"
		"-A EGRESSC-LOCAL -g EGRESSC-default\n";
	static const char saved[] =
		"*filter\n"
		":EGRESSC-LOCAL - [0:0]\n"
		"[7:420] -A EGRESSC -j RETURN\n"
		"[3:180] -A EGRESSC-LOCAL -d 203.0.113.9/32 -m cgroup --path ci.slice -g EGRESSC-deny_1\n"
		"[12:960] -A EGRESSC-LOCAL -g EGRESSC-default\n"
		"[1:60] -A EGRESSC-LOCALX -j RETURN\n"
		"COMMIT\n";
	char *got;

	(void)state;
	got = cgroup_bind_with_counters(rules, saved);
	assert_string_equal(got,
			    "[3:180] -A EGRESSC-LOCAL -d 203.0.113.9/32 -m cgroup --path ci.slice -g EGRESSC-deny_1\n"
			    "[12:960] -A EGRESSC-LOCAL -g EGRESSC-default\n");
	free(got);
	/* Not as many rules loaded as to load (a chain changed by hand), or
	 * no listing: the rules as they are, their counters from 0. */
	got = cgroup_bind_with_counters(rules, "[3:180] -A EGRESSC-LOCAL -g EGRESSC-default\n");
	assert_string_equal(got, rules);
	free(got);
	got = cgroup_bind_with_counters(rules, "");
	assert_string_equal(got, rules);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nft_chain_block),
		cmocka_unit_test(test_iptables_rules),
		cmocka_unit_test(test_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
