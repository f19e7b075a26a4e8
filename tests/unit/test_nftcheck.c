/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/nftcheck.c: nft itself, in dry-run mode in a
 * child (in its own network namespace, as root), accepts good scripts and
 * rejects bad ones with its own message; the parent is left as it was. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/nftcheck.h"

/* ---- helpers ---------------------------------------------------------- */

static const char valid_one_line[] =
	"table inet egressc { chain c { type filter hook output priority 0; policy accept; }; }";

static const char valid_script[] =
	"table inet egressc {\n"
	"\tset allow_tcp_443_v4 {\n"
	"\t\ttype ipv4_addr\n"
	"\t\tflags interval\n"
	"\t\telements = { 192.0.2.0/24, 198.51.100.7 }\n"
	"\t}\n"
	"\tchain output {\n"
	"\t\ttype filter hook output priority 0; policy drop;\n"
	"\t\toifname \"lo\" accept\n"
	"\t\tct state established,related accept\n"
	"\t\tip daddr @allow_tcp_443_v4 tcp dport 443 accept\n"
	"\t\tmeta l4proto udp reject\n"
	"\t}\n"
	"}\n";

/* Runs the check; returns its result, with the message in *MSG. */
static int check(const char *script, size_t len, char **msg)
{
	*msg = (char *)"not touched";
	return nft_check_script(script, len, msg);
}

static void expect_accepted(const char *script)
{
	char *msg;

	if (check(script, strlen(script), &msg) != 0)
		fail_msg("nft rejected:\n%s\n%s", script, msg ? msg : "(no message)");
	assert_null(msg);
}

/* Expects SCRIPT rejected with a message containing WANT. */
static void expect_rejected(const char *script, const char *want)
{
	char *msg;

	assert_int_equal(check(script, strlen(script), &msg), -1);
	assert_non_null(msg);
	if (!strstr(msg, want))
		fail_msg("message lacks '%s':\n%s", want, msg);
	free(msg);
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Unprivileged, nft cannot talk to the kernel and the child cannot
 * unshare: these tests need root, as make check runs them. */
static void need_root(void)
{
	if (geteuid() != 0)
		skip();
}

/* ---- tests -------------------------------------------------------------- */

/* Valid scripts - one line, and the shape egressc emits - are accepted
 * and leave *MESSAGE NULL. */
static void test_accepts_valid(void **state)
{
	(void)state;
	need_root();
	expect_accepted(valid_one_line);
	expect_accepted(valid_script);
	/* A dry run may say anything: flushing is not done for real. */
	expect_accepted("flush ruleset\n");
}

/* Broken scripts are rejected with nft's own error, which quotes the
 * offending line. */
static void test_rejects_broken(void **state)
{
	(void)state;
	need_root();
	expect_rejected("table inet egressc { chain c { type filter hook output priority 0; "
			"policy bogus; }; }",
			"Error: syntax error");
	expect_rejected("table inet egressc { chain c { type filter hook output priority 0; "
			"policy bogus; }; }",
			"policy bogus");
	expect_rejected("tabel inet egressc { }\n", "Error:");
	/* Past the syntax: the kernel's checks run too (in the namespace). */
	expect_rejected("table inet t {\n chain c {\n  jump nowhere\n }\n}\n", "Error:");
	expect_rejected("table inet t {\n set s { type ipv4_addr; flags interval; "
			"elements = { 10.0.0.0/8, 10.1.0.0/16 } }\n}\n",
			"conflicting intervals");
}

/* Only LEN bytes of the script count: what follows is not read. */
static void test_length_respected(void **state)
{
	char buf[1024];
	char *msg;

	(void)state;
	need_root();
	snprintf(buf, sizeof(buf), "%s this is not nft }}}", valid_script);
	assert_int_equal(check(buf, strlen(valid_script), &msg), 0);
	assert_null(msg);
	assert_int_equal(check(buf, strlen(buf), &msg), -1);
	assert_non_null(msg);
	free(msg);
	/* An unterminated buffer: the check copies, it does not run off. */
	char raw[] = { 'f', 'l', 'u', 's', 'h', ' ', 'r', 'u', 'l', 'e', 's', 'e', 't' };
	assert_int_equal(check(raw, sizeof(raw), &msg), 0);
	assert_null(msg);
}

/* The parent is left as it was: no file descriptor leaks, no zombie, and
 * it can check again and again. */
static void test_no_leftovers(void **state)
{
	int before = count_fds();
	char *msg;

	(void)state;
	need_root();
	for (int i = 0; i < 5; i++) {
		assert_int_equal(check(valid_script, strlen(valid_script), &msg), 0);
		assert_int_equal(check("nonsense", 8, &msg), -1);
		free(msg);
	}
	assert_int_equal(count_fds(), before);
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_valid),
		cmocka_unit_test(test_rejects_broken),
		cmocka_unit_test(test_length_respected),
		cmocka_unit_test(test_no_leftovers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
