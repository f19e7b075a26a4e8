/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * probe - traffic source and sink for the egressc traffic tests.
 *
 *	probe serve PORT[,PORT...]
 *	probe tcp ADDR PORT [TIMEOUT_MS]
 *	probe udp ADDR PORT [TIMEOUT_MS]
 *
 * "serve" runs in the server namespace: it accepts and closes TCP
 * connections and echoes UDP datagrams on every PORT, over IPv4 and IPv6.
 *
 * "tcp" and "udp" run in the client namespace behind the ruleset under test
 * and print exactly one word that says what the kernel did to the attempt:
 *
 *	connected, echoed	it got through (exit 0)
 *	refused			TCP reset or ICMP port unreachable
 *	unreachable		ICMP unreachable or administratively prohibited
 *	eperm			our own output hook dropped it
 *	timeout			no answer within TIMEOUT_MS (default 1500)
 *	error			anything else, explained on stderr
 *
 * Exit status: 0 when the traffic got through, 1 when it did not, 2 on
 * usage errors.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS		128
#define DEFAULT_TIMEOUT_MS	1500
#define EPERM_GRACE_MS		100

static const char payload[] = "egressc-probe";

static int usage(void)
{
	fprintf(stderr,
		"usage: probe serve PORT[,PORT...]\n"
		"       probe tcp|udp ADDR PORT [TIMEOUT_MS]\n");
	return 2;
}

static int parse_num(const char *s, long min, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < min || *out > max ? -1 : 0;
}

/*
 * One socket per port and protocol, bound to :: with V6ONLY off, so that a
 * single process answers the IPv4 and the IPv6 probes alike.
 */
static int bind_any(int type, unsigned short port)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	int on = 1, off = 0;
	int fd;

	fd = socket(AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)))
		goto fail;
	/*
	 * The server owns many addresses; the echo must leave from the one
	 * the probe was sent to, or the client's connected socket ignores it.
	 * The destination comes with each datagram as IPV6_PKTINFO (v4-mapped
	 * for IPv4) and is handed back to sendmsg() as the source.
	 */
	if (type == SOCK_DGRAM &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)))
		goto fail;
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 64))
		goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static void echo_one(int fd)
{
	char buf[2048];
	union {				/* cmsg buffers must be aligned */
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cbuf;
	struct sockaddr_in6 peer;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr msg = {
		.msg_name = &peer,
		.msg_namelen = sizeof(peer),
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf.buf,
		.msg_controllen = sizeof(cbuf.buf),
	};
	ssize_t n;

	n = recvmsg(fd, &msg, 0);
	if (n < 0)
		return;
	/* The received pktinfo cmsg is exactly what sendmsg() wants back. */
	iov.iov_len = n;
	msg.msg_flags = 0;
	if (sendmsg(fd, &msg, 0) < 0)
		perror("probe: echo");
}

static int serve(char *ports)
{
	struct pollfd pfd[2 * MAX_PORTS];
	int nfd = 0;
	char *tok, *save;
	long port;

	for (tok = strtok_r(ports, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (nfd == 2 * MAX_PORTS || parse_num(tok, 1, 65535, &port))
			return usage();
		pfd[nfd].fd = bind_any(SOCK_STREAM, port);
		pfd[nfd + 1].fd = bind_any(SOCK_DGRAM, port);
		if (pfd[nfd].fd < 0 || pfd[nfd + 1].fd < 0) {
			fprintf(stderr, "probe: port %ld: %s\n", port,
				strerror(errno));
			return 1;
		}
		pfd[nfd].events = pfd[nfd + 1].events = POLLIN;
		nfd += 2;
	}
	if (!nfd)
		return usage();

	/* The harness waits for this line before it sends any probe. */
	printf("ready\n");
	fflush(stdout);

	for (;;) {
		if (poll(pfd, nfd, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("probe: poll");
			return 1;
		}
		for (int i = 0; i < nfd; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			if (i % 2 == 0) {
				/* Connected is all a TCP probe wants to see. */
				int c = accept4(pfd[i].fd, NULL, NULL,
						SOCK_CLOEXEC);

				if (c >= 0)
					close(c);
			} else {
				echo_one(pfd[i].fd);
			}
		}
	}
}

/* Map the error of a failed attempt to the word the harness matches on. */
static const char *outcome(int err)
{
	switch (err) {
	case ECONNREFUSED:
	case ECONNRESET:
		return "refused";
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EACCES:		/* ICMPv6 administratively prohibited */
		return "unreachable";
	case EPERM:		/* dropped or rejected by our own output hook */
		return "eperm";
	case ETIMEDOUT:
		return "timeout";
	default:
		fprintf(stderr, "probe: %s\n", strerror(err));
		return "error";
	}
}

/*
 * try_tcp() and try_udp() return 0 when the traffic got through, -1 when
 * the timeout expired and else the errno value that stopped it.
 */
static int try_tcp(int fd, const struct addrinfo *ai, int timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err;

	/* Non-blocking, so that a silently dropped SYN costs only timeout. */
	if (!connect(p.fd, ai->ai_addr, ai->ai_addrlen))
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	switch (poll(&p, 1, timeout)) {
	case -1:
		return errno;
	case 0:
		return -1;
	}
	if (getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

static int try_udp(int fd, const struct addrinfo *ai, int timeout)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[sizeof(payload) + 1];
	socklen_t len = sizeof(int);
	ssize_t n;
	int err;

	/* Connected, so that ICMP errors are reported back to the socket. */
	if (connect(p.fd, ai->ai_addr, ai->ai_addrlen))
		return errno;
	if (send(p.fd, payload, sizeof(payload), 0) < 0) {
		if (errno != EPERM)
			return errno;
		/*
		 * Our own output hook refused the datagram, whether it was
		 * rejected or dropped.  A reject has also sent us an ICMP
		 * error, normally queued on the socket before send()
		 * returns: report that, and plain EPERM only for a drop.
		 */
		if (poll(&p, 1, timeout < EPERM_GRACE_MS ? timeout :
			 EPERM_GRACE_MS) <= 0 ||
		    getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) || !err)
			return EPERM;
		return err;
	}
	switch (poll(&p, 1, timeout)) {
	case -1:
		return errno;
	case 0:
		return -1;
	}
	n = recv(p.fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return errno;
	if (n != sizeof(payload) || memcmp(buf, payload, n))
		return EBADMSG;
	return 0;
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	struct addrinfo *ai;
	long port, timeout = DEFAULT_TIMEOUT_MS;
	int tcp, fd, err;

	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc < 4 || argc > 5)
		return usage();
	tcp = !strcmp(argv[1], "tcp");
	if (!tcp && strcmp(argv[1], "udp"))
		return usage();
	if (parse_num(argv[3], 1, 65535, &port) ||
	    (argc == 5 && parse_num(argv[4], 0, 600000, &timeout)))
		return usage();
	hints.ai_socktype = tcp ? SOCK_STREAM : SOCK_DGRAM;
	err = getaddrinfo(argv[2], argv[3], &hints, &ai);
	if (err) {
		fprintf(stderr, "probe: %s: %s\n", argv[2], gai_strerror(err));
		return usage();
	}

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    (tcp ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		err = errno;
	else if (tcp)
		err = try_tcp(fd, ai, timeout);
	else
		err = try_udp(fd, ai, timeout);
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	if (!err) {
		puts(tcp ? "connected" : "echoed");
		return 0;
	}
	puts(err < 0 ? "timeout" : outcome(err));
	return 1;
}
