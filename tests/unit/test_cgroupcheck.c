/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/cgroupcheck.c: apply names a cgroup the ruleset's
 * rules need and this machine does not have, in nft's form and in
 * iptables's, comments aside; a ruleset whose cgroups all exist passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/diag.h"
#include "host/cgroupcheck.h"
#include "lib/arena.h"

static const char nft[] =
	"table inet egressc {\n"
	"\tchain egress_local {\n"
	"\t\t# socket cgroupv2 level 1 \"commented\" is not a rule\n"
	"\t\tsocket cgroupv2 level 2 \"system.slice/docker.service\" ip daddr @a_v4 accept\n"
	"\t}\n"
	"}\n";
static const char ipt[] =
	"*filter\n"
	"# -A EGRESSC-LOCAL -m cgroup --path commented -j RETURN\n"
	"-A EGRESSC-LOCAL -d 192.0.2.1/32 -m cgroup --path system.slice/docker.service -j RETURN\n"
	"COMMIT\n";

/* Checks TEXT against ROOT; the message, if any, into MSG. */
static int check(const char *text, bool is_nft, const char *root, char *msg, size_t size)
{
	struct arena a;
	struct diags d;
	FILE *fp = fmemopen(msg, size, "w");

	assert_non_null(fp);
	arena_init(&a);
	diags_init(&d, &a);
	int rc = ruleset_cgroups_check(text, is_nft, root, false, "ruleset.nft", "nothing was changed",
				       &d);
	diags_print(&d, fp);
	fclose(fp);
	arena_release(&a);
	return rc;
}

static void test_missing_cgroup_named(void **state)
{
	char root[] = "/tmp/egressc-cgroupcheck-XXXXXX", dir[128], msg[1024] = "";

	(void)state;
	assert_non_null(mkdtemp(root));
	assert_int_equal(check(nft, true, root, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "cgroup 'system.slice/docker.service' does not exist"));
	assert_int_equal(check(ipt, false, root, msg, sizeof(msg)), -1);
	assert_non_null(strstr(msg, "iptables looks up"));
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/system.slice/docker.service", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* The commented cgroups do not exist, and do not count. */
	assert_int_equal(check(nft, true, root, msg, sizeof(msg)), 0);
	assert_int_equal(check(ipt, false, root, msg, sizeof(msg)), 0);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	rmdir(dir);
	rmdir(root);
}

/* A rule for a cgroup in either form; a comment naming one is none. */
static void test_names_cgroups(void **state)
{
	(void)state;
	assert_true(ruleset_names_cgroups(nft, true));
	assert_true(ruleset_names_cgroups(ipt, false));
	assert_false(ruleset_names_cgroups("\t\t# socket cgroupv2 level 1 \"a\" ip daddr 192.0.2.1 accept\n"
					   "\t\tmeta skuid 0 accept\n", true));
	assert_false(ruleset_names_cgroups("-A EGRESSC-LOCAL -m owner --uid-owner 0 -j RETURN\n", false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_cgroup_named),
		cmocka_unit_test(test_names_cgroups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
