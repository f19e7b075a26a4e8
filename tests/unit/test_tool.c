/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for host/tool.c: a tool's exit status and what it printed
 * come back; a tool that stops reading early fails the run instead of
 * killing the caller with SIGPIPE (apply has yet to put things back
 * then); a signal that interrupts the run cuts neither the tool's input
 * nor its output nor its status short; a tool that is not there is an
 * error; the tool holds no pipe of ours but its own three. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/tool.h"

static void test_status_and_output(void **state)
{
	char *argv[] = { "sh", "-c", "cat; echo to-stderr >&2; exit 3", NULL };
	char *out;

	(void)state;
	assert_int_equal(tool_run(argv, "in\n", 3, &out), 3);
	assert_string_equal(out, "in\nto-stderr\n");
	free(out);
}

/* 4 MiB into a tool that reads nothing: more than a pipe holds. */
static void test_early_exit_is_no_sigpipe(void **state)
{
	char *argv[] = { "sh", "-c", "exit 4", NULL };
	size_t len = 4u << 20;
	char *big = malloc(len), *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', len);
	assert_int_equal(tool_run(argv, big, len, &out), 4);
	assert_string_equal(out, "");
	free(out);
	/* The caller's disposition of SIGPIPE is as it was. */
	struct sigaction now;
	sigaction(SIGPIPE, NULL, &now);
	assert_true(now.sa_handler == SIG_DFL);
	free(big);
}

static void on_tick(int sig)
{
	(void)sig;
}

/* The agent's SIGTERM handler does not restart system calls, so a signal
 * may interrupt a write to a tool that has not read all yet: 1 MiB into a
 * tool that reads nothing for 300 ms, with a signal every 20 ms. A write
 * cut short would hand the tool a script that ends early - one an ipset
 * restore runs as far as it goes, and nft or iptables-restore may take as
 * whole when it ends at a line - and a wait cut short would return before
 * the tool's status. */
static void test_signals_cut_nothing_short(void **state)
{
	char *argv[] = { "sh", "-c", "sleep 0.3; wc -c", NULL };
	size_t len = 1u << 20;
	char *big = malloc(len), *out;
	struct sigaction tick = { .sa_handler = on_tick }, was;	/* no SA_RESTART */
	struct itimerval every = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };

	(void)state;
	assert_non_null(big);
	memset(big, 'x', len);
	sigaction(SIGALRM, &tick, &was);
	setitimer(ITIMER_REAL, &every, NULL);
	int rc = tool_run(argv, big, len, &out);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &was, NULL);
	assert_int_equal(rc, 0);
	assert_int_equal(strtoul(out, NULL, 10), len);
	free(out);
	free(big);
}

static void test_missing_tool(void **state)
{
	char *argv[] = { "egressc-no-such-tool", NULL };
	char *out;

	(void)state;
	assert_int_equal(tool_run(argv, "", 0, &out), 127);
	free(out);
}

/* The tool has the pipes' ends only as 0, 1 and 2: one more left open in
 * it would keep its input from ending or a reader of its output waiting
 * after it is gone. Each other descriptor it holds must be one we hold
 * too (what the test was started with), not one of tool_run()'s. */
static void test_no_stray_pipes(void **state)
{
	char *argv[] = { "sh", "-c",
			 "for f in /proc/$$/fd/*; do n=${f##*/}; [ \"$n\" -gt 2 ] && "
			 "{ printf '%s ' \"$n\"; readlink \"$f\"; }; done; exit 0", NULL };
	char *out, *save = NULL;

	(void)state;
	assert_int_equal(tool_run(argv, "", 0, &out), 0);
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char ours[64], target[256] = "";
		int fd = atoi(line);
		snprintf(ours, sizeof(ours), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(ours, target, sizeof(target) - 1);
		if (n > 0)
			target[n] = '\0';
		if (strstr(line, "pipe:") && strcmp(strchr(line, ' ') + 1, target) != 0)
			fail_msg("the tool holds a pipe that is not ours: %s", line);
	}
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_stray_pipes),
		cmocka_unit_test(test_status_and_output),
		cmocka_unit_test(test_early_exit_is_no_sigpipe),
		cmocka_unit_test(test_signals_cut_nothing_short),
		cmocka_unit_test(test_missing_tool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
