/* SPDX-License-Identifier: GPL-2.0-or-later */
/* newconn PREFIX NADDRS PORT0 NPORTS N: sends N one-byte UDP datagrams,
 * each from a socket of its own (so each is a new connection to
 * conntrack), round-robin over the addresses PREFIX.1 .. PREFIX.NADDRS and
 * the ports PORT0 .. PORT0+NPORTS-1; prints the seconds it took. For
 * bench/record.sh: the per-connection cost of a ruleset. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct timespec t0, t1;

	if (argc != 6) {
		fprintf(stderr, "usage: newconn PREFIX NADDRS PORT0 NPORTS N\n");
		return 2;
	}
	long naddrs = atol(argv[2]), port0 = atol(argv[3]), nports = atol(argv[4]);
	long n = atol(argv[5]);
	if (naddrs < 1 || naddrs > 254 || port0 < 1 || nports < 1 || port0 + nports > 65536 || n < 1) {
		fprintf(stderr, "newconn: bad arguments\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < n; i++) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		char addr[32];
		snprintf(addr, sizeof(addr), "%s.%ld", argv[1], 1 + i % naddrs);
		if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
			fprintf(stderr, "newconn: bad address %s\n", addr);
			return 2;
		}
		sa.sin_port = htons((unsigned short)(port0 + (i / naddrs) % nports));
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0 || sendto(fd, "x", 1, 0, (struct sockaddr *)&sa, sizeof(sa)) != 1) {
			perror("newconn");
			return 1;
		}
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%.6f\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}
