/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/cgroupcheck.c: a rule for a cgroup this machine
 * does not have is left out of what loads, and said, in nft's form and in
 * iptables's, comments aside; a ruleset whose cgroups all exist loads as
 * it is. */
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

/* TEXT bound under ROOT (not a cgroup v2 mount here: any directory);
 * what was said into SAID. */
static char *bind(const char *text, bool is_nft, const char *root, char *said, size_t size)
{
	struct arena a;
	struct diags d;
	FILE *fp = fmemopen(said, size, "w");

	assert_non_null(fp);
	arena_init(&a);
	diags_init(&d, &a);
	char *out = ruleset_bind_cgroups(text, is_nft, root, false, "ruleset.nft",
					 "nothing was changed", fp, &d);
	diags_print(&d, fp);
	fclose(fp);
	arena_release(&a);
	return out;
}

/* A rule for a cgroup not there is left out, and said; once it is there,
 * the text is as it was; a comment naming one is no rule. */
static void test_missing_cgroup_left_out(void **state)
{
	char root[] = "/tmp/egressc-cgroupcheck-XXXXXX", dir[128], said[2048] = "";
	char *out;

	(void)state;
	assert_non_null(mkdtemp(root));
	out = bind(nft, true, root, said, sizeof(said));
	assert_non_null(out);
	assert_null(strstr(out, "ip daddr @a_v4"));
	assert_non_null(strstr(out, "# socket cgroupv2 level 1 \"commented\" is not a rule"));
	assert_non_null(strstr(said, "cgroup 'system.slice/docker.service' does not exist here"));
	free(out);
	out = bind(ipt, false, root, said, sizeof(said));
	assert_non_null(out);
	assert_null(strstr(out, "-d 192.0.2.1/32"));
	assert_non_null(strstr(out, "COMMIT\n"));
	free(out);
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(dir, sizeof(dir), "%s/system.slice/docker.service", root);
	assert_int_equal(mkdir(dir, 0700), 0);
	said[0] = '\0';
	out = bind(nft, true, root, said, sizeof(said));
	assert_string_equal(out, nft);
	assert_string_equal(said, "");
	free(out);
	out = bind(ipt, false, root, said, sizeof(said));
	assert_string_equal(out, ipt);
	free(out);
	rmdir(dir);
	snprintf(dir, sizeof(dir), "%s/system.slice", root);
	rmdir(dir);
	rmdir(root);
}

/* nft needs cgroup v2 where it looks: refused, naming the way out;
 * iptables's are the kernel's to find, and pass as they are. */
static void test_not_v2(void **state)
{
	struct arena a;
	struct diags d;
	char said[1024] = "";
	FILE *fp = fmemopen(said, sizeof(said), "w");

	(void)state;
	arena_init(&a);
	diags_init(&d, &a);
	assert_null(ruleset_bind_cgroups(nft, true, "/tmp", true, "ruleset.nft", "nothing was changed",
					 fp, &d));
	char *out = ruleset_bind_cgroups(ipt, false, "/tmp", true, "rules.v4", "nothing was changed",
					 fp, &d);
	assert_string_equal(out, ipt);
	free(out);
	diags_print(&d, fp);
	fclose(fp);
	arena_release(&a);
	assert_non_null(strstr(said, "cgroup v2 is not mounted at /tmp"));
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
		cmocka_unit_test(test_missing_cgroup_left_out),
		cmocka_unit_test(test_not_v2),
		cmocka_unit_test(test_names_cgroups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
