/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * connrate - new TCP connections per second between two network
 * namespaces, for bench/packets.sh: every connection's first packet meets
 * the whole ruleset, which is what a rule per prefix costs.
 *
 *	connrate serve PORT TIMEOUT_S
 *	connrate connect ADDR PORT MS
 *
 * "serve" runs in the server namespace: it prints "ready" once it
 * listens, then accepts and closes connections until an alarm ends it
 * after TIMEOUT_S (exit status 0: being ended is its way to stop).
 *
 * "connect" runs in the client namespace, behind the ruleset under test:
 * for MS milliseconds it opens a connection, waits until it is
 * established and closes it again, one at a time, and prints
 *
 *	connections N seconds T connections/s R
 *
 * One at a time, so that R is one over the time a connection takes to
 * start - the ruleset's cost per new connection shows in full, and not
 * hidden behind others in flight. Each is closed with a reset (SO_LINGER
 * zero), so no TIME_WAIT piles up and the ports never run out.
 *
 * Exit status: 0 on success, 1 on any failure (a refused or blocked
 * connection among them), 2 on usage errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define GRACE_S		10		/* beyond MS, for the alarm */
#define MAX_CONNECTIONS	(1L << 30)

static int usage(void)
{
	fprintf(stderr,
		"usage: connrate serve PORT TIMEOUT_S\n"
		"       connrate connect ADDR PORT MS\n");
	return 2;
}

static int fail(const char *what)
{
	fprintf(stderr, "connrate: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < min || *out > max ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* IPv4 only: the benchmark's addresses are all IPv4. */
static int make_addr(const char *addr, long port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "connrate: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	return 0;
}

static void ended(int sig)
{
	(void)sig;
	_exit(0);
}

static int serve(long port, long timeout)
{
	struct sockaddr_in sin;
	int one = 1, lfd;

	if (make_addr("0.0.0.0", port, &sin) < 0)
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		return fail("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(lfd, 4096) < 0)
		return fail("listen");
	signal(SIGALRM, ended);
	alarm((unsigned)timeout);
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		/* A client's reset can come before the accept: not an error. */
		if (fd >= 0)
			close(fd);
		else if (errno != ECONNABORTED && errno != EINTR)
			return fail("accept");
	}
}

static int connect_loop(const char *addr, long port, long ms)
{
	const struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	struct sockaddr_in sin;
	long n = 0;
	double t0, t;

	if (make_addr(addr, port, &sin) < 0)
		return 1;
	alarm((unsigned)(ms / 1000 + GRACE_S));
	t0 = now();
	do {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return fail("socket");
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			return fail("connect");
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof(reset));
		close(fd);
		n++;
		t = now();
	} while ((t - t0) * 1000 < ms && n < MAX_CONNECTIONS);
	printf("connections %ld seconds %.4f connections/s %.1f\n", n, t - t0, n / (t - t0));
	return 0;
}

int main(int argc, char **argv)
{
	long port, v;

	if (argc == 4 && strcmp(argv[1], "serve") == 0 &&
	    parse_num(argv[2], 1, 65535, &port) == 0 && parse_num(argv[3], 1, 3600, &v) == 0)
		return serve(port, v);
	if (argc == 5 && strcmp(argv[1], "connect") == 0 &&
	    parse_num(argv[3], 1, 65535, &port) == 0 && parse_num(argv[4], 1, 600000, &v) == 0)
		return connect_loop(argv[2], port, v);
	return usage();
}
