/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * stream - one TCP stream or one stream of small UDP datagrams between two
 * network namespaces, for bench/replies.sh.
 *
 *	stream sink tcp|udp PORT TIMEOUT_S
 *	stream send tcp ADDR PORT MS
 *	stream send udp ADDR PORT MS SIZE
 *
 * "sink" runs in the server namespace. It prints "ready" once it listens,
 * takes one stream, prints "tcp|udp received N cpu-seconds C" and exits;
 * an alarm ends it after TIMEOUT_S whatever happens. TCP: reads to EOF,
 * writes the byte count back, closes. UDP: echoes the first datagram (so
 * that the sender's conntrack entry is established), counts the rest until
 * an "end" datagram or a second without any.
 *
 * "send" runs in the client namespace, behind the ruleset under test, for
 * MS milliseconds and prints one line:
 *
 *	tcp bytes N seconds T bytes/s R cpu-seconds C
 *	udp packets N seconds T packets/s R cpu-seconds C
 *
 * TCP writes 128 KiB at a time, then half-closes and waits for the sink's
 * count, which must equal what it sent: R is bytes delivered, buffers
 * drained, over the whole time. UDP first sends a datagram and waits for
 * the echo, then sends SIZE-byte datagrams; R counts the sends the kernel
 * took (the output hook's work is done in the sender's send call). Both
 * stop after MS or at a count cap, and an alarm ends a stuck run. C is the
 * process's CPU time (user and system; the sender's over the same span):
 * on a busy machine the rate falls when other work takes the CPU, the rate
 * per CPU second much less.
 *
 * Exit status: 0 on success, 1 on any failure (a blocked stream among
 * them), 2 on usage errors.
 */
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TCP_CHUNK	(128 * 1024)
#define TCP_MAX_BYTES	(1ULL << 40)
#define UDP_MAX_PACKETS	(1ULL << 32)
#define UDP_MAX_SIZE	1400
#define UDP_CLOCK_EVERY	64		/* sends between clock reads */
#define UDP_IDLE_MS	1000
#define GRACE_S		10		/* beyond MS, for the alarm */

static const char hello[] = "hello", end[] = "end";

static int usage(void)
{
	fprintf(stderr,
		"usage: stream sink tcp|udp PORT TIMEOUT_S\n"
		"       stream send tcp ADDR PORT MS\n"
		"       stream send udp ADDR PORT MS SIZE\n");
	return 2;
}

static int fail(const char *what)
{
	fprintf(stderr, "stream: %s: %s\n", what, strerror(errno));
	return 1;
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end_ptr;

	errno = 0;
	*out = strtol(s, &end_ptr, 10);
	return errno || end_ptr == s || *end_ptr || *out < min || *out > max ? -1 : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_time(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* IPv4 only: the benchmark's addresses are all IPv4. */
static int make_addr(const char *addr, long port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "stream: '%s' is not an IPv4 address\n", addr);
		return -1;
	}
	return 0;
}

static int sink_tcp(int lfd)
{
	static char buf[TCP_CHUNK];
	unsigned long long got = 0;
	char reply[32];
	ssize_t n;
	int fd, len;

	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return fail("accept");
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		got += (unsigned long long)n;
	if (n < 0)
		return fail("read");
	len = snprintf(reply, sizeof(reply), "%llu\n", got);
	if (write(fd, reply, (size_t)len) != len)
		return fail("write");
	close(fd);
	printf("tcp received %llu cpu-seconds %.3f\n", got, cpu_time());
	return 0;
}

static int sink_udp(int fd)
{
	char buf[2048];
	struct sockaddr_in peer;
	socklen_t plen;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long long got = 0;
	ssize_t n;
	int started = 0;

	for (;;) {
		/* Before the first datagram only the alarm ends the wait. */
		int r = poll(&pfd, 1, started ? UDP_IDLE_MS : -1);

		if (r < 0)
			return fail("poll");
		if (r == 0)
			break;
		plen = sizeof(peer);
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen);
		if (n < 0)
			return fail("recvfrom");
		if (n == sizeof(hello) - 1 && !memcmp(buf, hello, (size_t)n)) {
			if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen) < 0)
				return fail("echo");
			started = 1;
		} else if (n == sizeof(end) - 1 && !memcmp(buf, end, (size_t)n)) {
			break;
		} else {
			got++;
		}
	}
	printf("udp received %llu cpu-seconds %.3f\n", got, cpu_time());
	return 0;
}

static int sink(const char *proto, long port, long timeout)
{
	struct sockaddr_in sin;
	int tcp = !strcmp(proto, "tcp");
	int on = 1, rcvbuf = 8 << 20;
	int fd;

	alarm((unsigned)timeout);
	make_addr("0.0.0.0", port, &sin);
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (!tcp)	/* capped by net.core.rmem_max; drops only cost the sink */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return fail("bind");
	if (tcp && listen(fd, 1))
		return fail("listen");
	/* The harness starts the sender only after this line. */
	printf("ready\n");
	fflush(stdout);
	return tcp ? sink_tcp(fd) : sink_udp(fd);
}

static int send_tcp(int fd, double seconds)
{
	static char buf[TCP_CHUNK];
	unsigned long long sent = 0, acked;
	char reply[32];
	double t0, c0, t;
	ssize_t n;
	size_t have = 0;

	memset(buf, 'x', sizeof(buf));
	t0 = now();
	c0 = cpu_time();
	do {
		n = write(fd, buf, sizeof(buf));
		if (n < 0)
			return fail("write");
		sent += (unsigned long long)n;
	} while (now() - t0 < seconds && sent < TCP_MAX_BYTES);
	if (shutdown(fd, SHUT_WR))
		return fail("shutdown");
	while (have < sizeof(reply) - 1 &&
	       (n = read(fd, reply + have, sizeof(reply) - 1 - have)) > 0)
		have += (size_t)n;
	if (n < 0)
		return fail("read");
	t = now() - t0;
	c0 = cpu_time() - c0;
	reply[have] = '\0';
	acked = strtoull(reply, NULL, 10);
	if (acked != sent) {
		fprintf(stderr, "stream: sent %llu bytes, the sink got %llu\n", sent, acked);
		return 1;
	}
	printf("tcp bytes %llu seconds %.3f bytes/s %.0f cpu-seconds %.3f\n",
	       sent, t, sent / t, c0);
	return 0;
}

/* The hello and its echo: the sender's conntrack entry becomes established. */
static int udp_handshake(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[64];
	int i;

	for (i = 0; i < 3; i++) {
		if (send(fd, hello, sizeof(hello) - 1, 0) < 0)
			return fail("send hello");
		if (poll(&pfd, 1, 500) > 0 && recv(fd, buf, sizeof(buf), 0) > 0)
			return 0;
	}
	fprintf(stderr, "stream: no echo from the sink\n");
	return 1;
}

static int send_udp(int fd, double seconds, long size)
{
	static char buf[UDP_MAX_SIZE];
	unsigned long long sent = 0, full = 0, i = 0;
	double t0, c0, t;

	if (udp_handshake(fd))
		return 1;
	memset(buf, 'x', sizeof(buf));
	t0 = now();
	c0 = cpu_time();
	do {
		if (send(fd, buf, (size_t)size, 0) >= 0)
			sent++;
		else if (errno == ENOBUFS || errno == EAGAIN)
			full++;
		else
			return fail("send");
	} while ((++i % UDP_CLOCK_EVERY || now() - t0 < seconds) && i < UDP_MAX_PACKETS);
	t = now() - t0;
	c0 = cpu_time() - c0;
	/* Let the sink drain before it is told to stop. */
	for (i = 0; i < 3; i++) {
		usleep(20 * 1000);
		send(fd, end, sizeof(end) - 1, 0);
	}
	printf("udp packets %llu seconds %.3f packets/s %.0f cpu-seconds %.3f",
	       sent, t, sent / t, c0);
	if (full)
		printf(" refused-full %llu", full);
	printf("\n");
	return 0;
}

static int sender(int argc, char **argv)
{
	struct sockaddr_in sin;
	long port, ms, size = 0;
	int tcp, fd;

	if (argc < 4 || parse_num(argv[2], 1, 65535, &port) ||
	    parse_num(argv[3], 1, 600000, &ms))
		return usage();
	tcp = !strcmp(argv[0], "tcp");
	if (tcp ? argc != 4 : argc != 5 || parse_num(argv[4], 1, UDP_MAX_SIZE, &size))
		return usage();
	if (make_addr(argv[1], port, &sin))
		return 2;
	alarm((unsigned)(ms / 1000 + GRACE_S));
	fd = socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return fail("connect");
	return tcp ? send_tcp(fd, ms / 1e3) : send_udp(fd, ms / 1e3, size);
}

int main(int argc, char **argv)
{
	long port, timeout;

	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "sink")) {
		if (argc != 5 || (strcmp(argv[2], "tcp") && strcmp(argv[2], "udp")) ||
		    parse_num(argv[3], 1, 65535, &port) ||
		    parse_num(argv[4], 1, 3600, &timeout))
			return usage();
		return sink(argv[2], port, timeout);
	}
	if (!strcmp(argv[1], "send") && argc >= 3 &&
	    (!strcmp(argv[2], "tcp") || !strcmp(argv[2], "udp")))
		return sender(argc - 2, argv + 2);
	return usage();
}
