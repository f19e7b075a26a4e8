/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * gen-prefixes - deterministic address lists for benchmarking egressc.
 *
 *   gen-prefixes v4|v6 COUNT [SEED]
 *
 * Prints COUNT prefixes, one a line, shaped like real blocklists and cloud
 * range dumps: duplicates, prefixes containing others, runs of neighbouring
 * blocks that merge, and scattered entries over the whole address space.
 * Every network has its host bits clear.
 *
 * The PRNG (splitmix64) and the IPv6 formatter (RFC 5952) are our own, so
 * the output depends on nothing but the arguments: no libc rand(), no
 * inet_ntop() whose compression choices could differ between libcs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SEED 0x65677265737363ULL	/* "egressc" */
#define RING_SIZE 4096				/* recent prefixes, for duplicates */

/*
 * Both families live in one 128-bit space: IPv4 addresses sit in the low
 * 32 bits and their prefix lengths are offset by 96, so one set of mask
 * and step helpers serves both.
 */
struct addr {
	uint64_t hi, lo;
};

struct pfx {
	struct addr a;
	unsigned len;		/* 0..128, in the 128-bit space */
};

static uint64_t rng_state;
static int v6;
static unsigned base;		/* 96 for IPv4, 0 for IPv6 */
static unsigned long long left;	/* lines still to print */
static struct pfx ring[RING_SIZE];
static unsigned ring_n, ring_pos;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); the modulo bias is irrelevant for test data. */
static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static unsigned between(unsigned lo, unsigned hi)
{
	return lo + below(hi - lo + 1);
}

static struct addr rnd_addr(void)
{
	struct addr a = { 0, rnd() };

	if (v6)
		a.hi = rnd();
	else
		a.lo &= 0xffffffffULL;
	return a;
}

/* Bits of a 64-bit half that lie inside the first LEN bits of the half. */
static uint64_t half_mask(int len)
{
	if (len <= 0)
		return 0;
	if (len >= 64)
		return ~0ULL;
	return ~0ULL << (64 - len);
}

static struct addr mask(struct addr a, unsigned len)
{
	a.hi &= half_mask((int)len);
	a.lo &= half_mask((int)len - 64);
	return a;
}

/* A random address inside the prefix P. */
static struct addr inside(struct pfx p)
{
	struct addr r = rnd_addr();

	r.hi = (p.a.hi & half_mask((int)p.len)) | (r.hi & ~half_mask((int)p.len));
	r.lo = (p.a.lo & half_mask((int)p.len - 64)) |
	       (r.lo & ~half_mask((int)p.len - 64));
	return r;
}

/* The next block of the same size; wraps at the top of the family. */
static struct addr next_block(struct addr a, unsigned len)
{
	unsigned shift = 128 - len;

	if (shift >= 64) {
		a.hi += 1ULL << (shift - 64);
	} else {
		uint64_t old = a.lo;

		a.lo += 1ULL << shift;
		if (a.lo < old)
			a.hi++;
	}
	if (!v6)
		a.lo &= 0xffffffffULL;
	return a;
}

static void print_v6(struct addr a)
{
	unsigned w[8], i, best = 0, best_len = 0;
	char s[48], *p = s;

	for (i = 0; i < 4; i++) {
		w[i] = (unsigned)(a.hi >> (48 - 16 * i)) & 0xffff;
		w[i + 4] = (unsigned)(a.lo >> (48 - 16 * i)) & 0xffff;
	}
	/* RFC 5952: the first longest run of two or more zero groups is "::". */
	for (i = 0; i < 8; i++) {
		unsigned j = i;

		while (j < 8 && !w[j])
			j++;
		if (j - i >= 2 && j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		if (j > i)
			i = j;
	}
	for (i = 0; i < 8; i++) {
		if (best_len && i == best) {
			p += sprintf(p, "::");
			i += best_len - 1;
			continue;
		}
		if (i && !(best_len && i == best + best_len))
			*p++ = ':';
		p += sprintf(p, "%x", w[i]);
	}
	*p = 0;
	fputs(s, stdout);
}

static void emit(struct pfx p)
{
	if (!left)
		return;
	left--;
	if (v6)
		print_v6(p.a);
	else
		printf("%u.%u.%u.%u", (unsigned)(p.a.lo >> 24) & 255,
		       (unsigned)(p.a.lo >> 16) & 255,
		       (unsigned)(p.a.lo >> 8) & 255, (unsigned)p.a.lo & 255);
	/* Lists in the wild write host routes both ways. */
	if (p.len < 128 || below(2))
		printf("/%u", p.len - base);
	putchar('\n');

	ring[ring_pos] = p;
	ring_pos = (ring_pos + 1) % RING_SIZE;
	if (ring_n < RING_SIZE)
		ring_n++;
}

static struct pfx make(struct addr a, unsigned len)
{
	struct pfx p = { mask(a, len), len };

	return p;
}

/* Prefix lengths as lists have them: mostly hosts and a few usual sizes. */
static unsigned rnd_len(void)
{
	unsigned r = below(100);

	if (!v6) {
		if (r < 50)
			return 128;
		if (r < 65)
			return 96 + 24;
		return 96 + between(25, 31);
	}
	if (r < 40)
		return 128;
	if (r < 60)
		return 64;
	if (r < 75)
		return 48;
	if (r < 85)
		return 56;
	return between(32, 127);
}

/* A network and a few smaller prefixes inside it (all redundant). */
static void containment(void)
{
	unsigned lo = base + (v6 ? 32 : 24), hi = base + (v6 ? 64 : 28);
	struct pfx parent = make(rnd_addr(), between(lo, hi));
	unsigned n = between(1, 8), i;
	int parent_last = below(2);

	if (!parent_last)
		emit(parent);
	for (i = 0; i < n; i++) {
		unsigned len = between(parent.len + 1, 128);

		emit(make(inside(parent), len));
	}
	if (parent_last)
		emit(parent);
}

/* Neighbouring blocks of one size: consecutive hosts, sibling /25s... */
static void adjacency(void)
{
	unsigned len = v6 ? rnd_len() : base + between(24, 32);
	unsigned n = between(2, 16), i;
	struct pfx p = make(rnd_addr(), len);

	for (i = 0; i < n; i++) {
		emit(p);
		p.a = next_block(p.a, len);
	}
}

static int parse_ull(const char *s, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	unsigned long long seed = DEFAULT_SEED;

	if (argc < 3 || argc > 4 ||
	    (strcmp(argv[1], "v4") && strcmp(argv[1], "v6")) ||
	    parse_ull(argv[2], &left) || (argc == 4 && parse_ull(argv[3], &seed))) {
		fprintf(stderr, "usage: gen-prefixes v4|v6 COUNT [SEED]\n");
		return 2;
	}
	v6 = argv[1][1] == '6';
	base = v6 ? 0 : 96;
	/* Different families from one seed should not share a stream. */
	rng_state = seed ^ (v6 ? 0x6666ULL : 0x4444ULL);
	setvbuf(stdout, buf, _IOFBF, sizeof(buf));

	while (left) {
		unsigned r = below(100);

		if (r < 10 && ring_n)
			emit(ring[below(ring_n)]);	/* duplicate */
		else if (r < 25)
			containment();
		else if (r < 45)
			adjacency();
		else
			emit(make(rnd_addr(), rnd_len()));	/* scattered */
	}
	if (fflush(stdout) || ferror(stdout)) {
		perror("gen-prefixes: stdout");
		return 1;
	}
	return 0;
}
