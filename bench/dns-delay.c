/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dns-delay PORT DELAY_MS [RCVBUF [DROP_EVERY]] - a UDP DNS responder on
 * 127.0.0.1:PORT that answers every query DELAY_MS after it arrived, so a
 * benchmark sees a resolver's round trip rather than loopback's
 * microseconds. dnsmasq answers at once and cannot be told to wait. With
 * DROP_EVERY N (> 0), every Nth query is read and never answered, as a
 * lossy network would lose it (10: a tenth of them).
 *
 * Names under bench.test (the apex included) resolve: A to an address in
 * 198.51.100.0/24 or 203.0.113.0/24 and AAAA to one in 2001:db8::/32, both
 * derived from the name, TTL 300; other types get NOERROR and no answers.
 * Names elsewhere are REFUSED: nothing leaves this process but answers.
 *
 * Answers wait in a FIFO: the delay is constant and the clock monotonic,
 * so arrival order is due order and the head is always the next one due.
 * One ppoll() waits for a query or for the head's due time, whichever
 * comes first, so a waiting answer never holds up the queries behind it.
 *
 * Prints "ready" on stdout once bound. SIGTERM or SIGINT stop it; so does
 * its own deadline (ten minutes), so a benchmark that dies cannot leave it
 * running. SIGUSR1 prints the counters since the last SIGUSR1 to stderr
 * and starts them again, so a script can account for each run apart.
 *
 * RCVBUF (bytes, default 4 MiB, 0: the kernel's default) sizes the socket's
 * receive buffer: a compiler sends thousands of queries in one burst and
 * the default buffer holds only a few hundred, so without it the drops
 * would be this responder's, not the client's. Real resolvers raise it
 * too (unbound's so-rcvbuf). The kernel caps it at net.core.rmem_max.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LIFETIME_S	600
#define MSG_MAX		512	/* a question is at most 255+4 bytes: always fits */
#define MAX_PENDING	(1u << 20)
#define READ_BATCH	256	/* queries read before due answers are looked at */

enum { T_A = 1, T_AAAA = 28, C_IN = 1 };
enum { R_NOERROR = 0, R_FORMERR = 1, R_NOTIMP = 4, R_REFUSED = 5 };

struct answer {
	uint64_t due;		/* CLOCK_MONOTONIC, ns */
	struct sockaddr_in peer;
	uint16_t len;
	unsigned char msg[MSG_MAX];
};

/* The pending answers, a ring that doubles when full. */
static struct answer *ring;
static size_t ring_head, ring_count, ring_cap;

/* Since the last SIGUSR1: what a run cost the responder. */
static struct {
	unsigned long queries, answers, refused, formerr, notimp, ignored;
	unsigned long queue_drops, send_errors, lost;
	size_t peak_pending;
	uint64_t max_late_ns;
} st;
/* SO_RXQ_OVFL reports the socket's drops since it was opened. */
static uint32_t kernel_drops, kernel_drops_reported;

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void print_report(void)
{
	fprintf(stderr,
		"dns-delay: queries %lu answers %lu refused %lu formerr %lu notimp %lu "
		"ignored %lu kernel-drops %lu queue-drops %lu send-errors %lu "
		"peak-pending %zu max-late-us %llu lost %lu\n",
		st.queries, st.answers, st.refused, st.formerr, st.notimp, st.ignored,
		(unsigned long)(kernel_drops - kernel_drops_reported), st.queue_drops,
		st.send_errors, st.peak_pending, (unsigned long long)(st.max_late_ns / 1000),
		st.lost);
	fflush(stderr);
	kernel_drops_reported = kernel_drops;
	memset(&st, 0, sizeof(st));
	st.peak_pending = ring_count;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Does the label at p (length byte first) spell s, ignoring case? */
static bool label_is(const unsigned char *p, const char *s)
{
	size_t n = strlen(s);

	if (p[0] != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(p[1 + i]) != s[i])
			return false;
	return true;
}

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/*
 * Builds the response to the query q into r. Returns its length, or 0 to
 * stay silent: a datagram too short for a header, or a response (answering
 * those could start a loop with another responder).
 */
static size_t respond(const unsigned char *q, size_t qlen, unsigned char *r)
{
	if (qlen < 12 || (q[2] & 0x80))
		return 0;

	memset(r, 0, 12);
	memcpy(r, q, 2);			/* the id */
	/* QR, the query's opcode and RD, AA: the zone is ours. RA, so a
	 * client asking for recursion is not warned it is unavailable. */
	r[2] = (unsigned char)(0x80 | (q[2] & 0x79) | 0x04);
	r[3] = 0x80;

	if ((q[2] >> 3 & 0xf) != 0) {
		r[3] |= R_NOTIMP;
		st.notimp++;
		return 12;
	}
	if (q[4] != 0 || q[5] != 1)
		goto formerr;

	/* The name, label by label. Compression is for answers; a query
	 * whose question points elsewhere is malformed for this purpose. */
	size_t off = 12, wire = 0, last = 0, prev = 0;
	for (;;) {
		if (off >= qlen)
			goto formerr;
		unsigned len = q[off];
		if (len == 0)
			break;
		if (len & 0xc0)
			goto formerr;
		wire += len + 1;
		if (wire + 1 > 255 || off + 1 + len > qlen)
			goto formerr;
		prev = last;
		last = off;
		off += 1 + len;
	}
	off++;					/* the root label */
	if (off + 4 > qlen)
		goto formerr;
	unsigned qtype = (unsigned)q[off] << 8 | q[off + 1];
	unsigned qclass = (unsigned)q[off + 2] << 8 | q[off + 3];
	off += 4;
	/* The rest (EDNS OPT in the additional section, from dig) is
	 * ignored: we answer plain DNS, so ARCOUNT stays 0. */

	/* The question goes back byte for byte: clients that randomize the
	 * name's case (0x20) compare it exactly. */
	memcpy(r + 12, q + 12, off - 12);
	put16(r + 4, 1);
	size_t n = off;

	bool ours = prev && label_is(q + prev, "bench") && label_is(q + last, "test");
	if (qclass != C_IN || !ours) {
		r[3] |= R_REFUSED;
		st.refused++;
		return n;
	}
	if (qtype != T_A && qtype != T_AAAA)
		return n;			/* NOERROR, no data */

	/* FNV-1a over the lower-cased name: the same name always gets the
	 * same addresses, so two tools' answers can be compared. */
	uint64_t h = 0xcbf29ce484222325u;
	for (size_t i = 12; i < off - 4; i++) {
		h ^= (unsigned char)lower(q[i]);
		h *= 0x100000001b3u;
	}

	unsigned char *a = r + n;
	put16(a, 0xc000 | 12);			/* the name: the question's */
	put16(a + 2, qtype);
	put16(a + 4, C_IN);
	put16(a + 6, 0);
	put16(a + 8, 300);			/* TTL */
	if (qtype == T_A) {
		put16(a + 10, 4);
		a[12] = (h & 1) ? 203 : 198;
		a[13] = (h & 1) ? 0 : 51;
		a[14] = (h & 1) ? 113 : 100;
		a[15] = (unsigned char)(1 + (h >> 1) % 254);	/* never .0 or .255 */
		n += 16;
	} else {
		static const unsigned char pfx[8] = { 0x20, 0x01, 0x0d, 0xb8 };
		put16(a + 10, 16);
		memcpy(a + 12, pfx, 8);
		for (int i = 0; i < 8; i++)
			a[20 + i] = (unsigned char)(h >> (56 - 8 * i));
		n += 28;
	}
	put16(r + 6, 1);
	return n;

formerr:
	r[3] |= R_FORMERR;
	st.formerr++;
	return 12;
}

static struct answer *ring_push(void)
{
	if (ring_count == ring_cap) {
		if (ring_cap == MAX_PENDING)
			return NULL;
		size_t cap = ring_cap ? ring_cap * 2 : 1024;
		struct answer *n = malloc(cap * sizeof(*n));
		if (!n)
			return NULL;
		/* Unwrapped into the new ring, oldest first. */
		for (size_t i = 0; i < ring_count; i++)
			n[i] = ring[(ring_head + i) % ring_cap];
		free(ring);
		ring = n;
		ring_cap = cap;
		ring_head = 0;
	}
	struct answer *a = &ring[(ring_head + ring_count) % ring_cap];
	ring_count++;
	if (ring_count > st.peak_pending)
		st.peak_pending = ring_count;
	return a;
}

/* Reads what has arrived, up to a batch, queueing the answers. */
/* DROP_EVERY: every Nth answerable query is lost (0: none). */
static long drop_every;
static unsigned long drop_count;

static void read_queries(int fd, uint64_t delay_ns)
{
	for (int i = 0; i < READ_BATCH; i++) {
		unsigned char q[MSG_MAX];
		struct sockaddr_in peer;
		char cbuf[CMSG_SPACE(sizeof(uint32_t))];
		struct iovec iov = { q, sizeof(q) };
		struct msghdr mh = {
			.msg_name = &peer, .msg_namelen = sizeof(peer),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
		};
		ssize_t len = recvmsg(fd, &mh, MSG_DONTWAIT);
		if (len < 0)
			return;			/* EAGAIN: all read */
		uint64_t due = now_ns() + delay_ns;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
				memcpy(&kernel_drops, CMSG_DATA(c), sizeof(kernel_drops));

		unsigned char r[MSG_MAX];
		size_t n = respond(q, (mh.msg_flags & MSG_TRUNC) ? 0 : (size_t)len, r);
		if (!n) {
			st.ignored++;
			continue;
		}
		if (drop_every && ++drop_count % (unsigned long)drop_every == 0) {
			st.lost++;
			continue;
		}
		st.queries++;
		struct answer *a = ring_push();
		if (!a) {
			st.queue_drops++;
			continue;
		}
		a->due = due;
		a->peer = peer;
		a->len = (uint16_t)n;
		memcpy(a->msg, r, n);
	}
}

/* Sends every answer now due. False when the socket is full: wait for it. */
static bool send_due(int fd)
{
	uint64_t now = now_ns();

	while (ring_count && ring[ring_head].due <= now) {
		struct answer *a = &ring[ring_head];
		ssize_t w = sendto(fd, a->msg, a->len, MSG_DONTWAIT,
				   (struct sockaddr *)&a->peer, sizeof(a->peer));
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS))
			return false;
		if (w < 0)
			st.send_errors++;	/* the client is gone: drop it */
		else
			st.answers++;
		if (now - a->due > st.max_late_ns)
			st.max_late_ns = now - a->due;
		ring_head = (ring_head + 1) % ring_cap;
		ring_count--;
	}
	return true;
}

static int parse_num(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	long port, delay_ms, rcvbuf = 4 << 20;

	if (argc < 3 || argc > 5 || parse_num(argv[1], 1, 65535, &port) < 0 ||
	    parse_num(argv[2], 0, 60000, &delay_ms) < 0 ||
	    (argc >= 4 && parse_num(argv[3], 0, INT_MAX, &rcvbuf) < 0) ||
	    (argc == 5 && parse_num(argv[4], 0, INT_MAX, &drop_every) < 0)) {
		fprintf(stderr, "usage: dns-delay PORT DELAY_MS [RCVBUF [DROP_EVERY]]\n");
		return 2;
	}

	/* The signals wait while we work and arrive only inside ppoll(),
	 * so a SIGTERM between a check and the wait cannot be lost. */
	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("dns-delay: socket");
		return 1;
	}
	int one = 1, buf = (int)rcvbuf;
	if (buf && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf)) < 0)
		perror("dns-delay: SO_RCVBUF");
	/* Answers go out in bursts as large as the queries came in. */
	if (buf && setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf)) < 0)
		perror("dns-delay: SO_SNDBUF");
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)) < 0)
		perror("dns-delay: SO_RXQ_OVFL");
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		perror("dns-delay: bind");
		return 1;
	}
	socklen_t sl = sizeof(buf);
	getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, &sl);
	fprintf(stderr, "dns-delay: 127.0.0.1:%ld, %ld ms, receive buffer %d bytes\n", port,
		delay_ms, buf);
	printf("ready\n");
	fflush(stdout);

	uint64_t delay_ns = (uint64_t)delay_ms * 1000000u;
	uint64_t deadline = now_ns() + (uint64_t)LIFETIME_S * 1000000000u;
	bool writable = true;
	while (!stop) {
		if (report) {
			report = 0;
			print_report();
		}
		writable = send_due(fd);
		uint64_t now = now_ns();
		if (now >= deadline) {
			fprintf(stderr, "dns-delay: %d s are up, exiting\n", LIFETIME_S);
			break;
		}
		uint64_t wait = deadline - now;
		if (writable && ring_count)
			wait = ring[ring_head].due > now ? ring[ring_head].due - now : 0;
		struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN | (writable ? 0 : POLLOUT) };
		int ready = ppoll(&pfd, 1, &ts, &waitmask);
		if (ready < 0 && errno != EINTR) {
			perror("dns-delay: ppoll");
			return 1;
		}
		if (ready > 0 && (pfd.revents & POLLIN))
			read_queries(fd, delay_ns);
	}
	print_report();
	close(fd);
	free(ring);
	return 0;
}
