/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/rangeset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/vec.h"
#include "lib/xalloc.h"

struct rangeset6_entry {
	addr_t addr;
	uint32_t origin;
	unsigned char len;
};

struct rangeset4_span {
	uint32_t lo, hi;
	uint32_t first, count;
};

struct rangeset6_span {
	addr_t lo, hi;
	uint32_t first, count;
};

#define V4_ADDR(k) ((uint32_t)((k) >> 32))
#define V4_LEN(k) ((unsigned)((k) >> 26) & 0x3f)
#define V4_ORIGIN(k) ((uint32_t)(k) & (RANGESET_MAX_ORIGINS - 1))

void rangeset_init(struct rangeset *s, enum family f)
{
	memset(s, 0, sizeof(*s));
	s->family = f;
}

void rangeset_reserve(struct rangeset *s, size_t n)
{
	if (!n || n > SIZE_MAX - s->nranges)
		return;
	/* One count and one capacity: a set uses one of the arrays. */
	if (s->family == FAMILY_V4)
		VEC_GROW(s->v4, s->nranges + n, s->cap);
	else
		VEC_GROW(s->v6, s->nranges + n, s->cap);
}

void rangeset_add(struct rangeset *s, const struct prefix *p, uint32_t origin)
{
	/* model.c refuses policies with more origins: reaching this is a bug. */
	if (origin >= RANGESET_MAX_ORIGINS || p->family != s->family) {
		fputs("egressc: BUG: rangeset_add: origin or family out of range\n", stderr);
		abort();
	}
	/* One count and one capacity: a set uses one of the arrays. */
	if (s->family == FAMILY_V4)
		VEC_PUSH(s->v4, s->nranges, s->cap, rangeset_v4_key((uint32_t)p->addr, p->len) | origin);
	else
		VEC_PUSH(s->v6, s->nranges, s->cap,
			 (struct rangeset6_entry){ p->addr, origin, p->len });
}

void rangeset_add_v4_keys(struct rangeset *s, const uint64_t *keys, size_t n, uint32_t origin)
{
	if (origin >= RANGESET_MAX_ORIGINS || s->family != FAMILY_V4) {
		fputs("egressc: BUG: rangeset_add_v4_keys: origin or family out of range\n", stderr);
		abort();
	}
	if (!n)
		return;
	VEC_GROW(s->v4, s->nranges + n, s->cap);
	for (size_t i = 0; i < n; i++)
		s->v4[s->nranges + i] = keys[i] | origin;
	s->nranges += n;
}

struct range rangeset_range(const struct rangeset *s, size_t i)
{
	struct prefix p = { .family = (unsigned char)s->family };
	uint32_t origin;

	if (s->family == FAMILY_V4) {
		p.addr = V4_ADDR(s->v4[i]);
		p.len = (unsigned char)V4_LEN(s->v4[i]);
		origin = V4_ORIGIN(s->v4[i]);
	} else {
		p.addr = s->v6[i].addr;
		p.len = s->v6[i].len;
		origin = s->v6[i].origin;
	}
	return (struct range){ .lo = p.addr, .hi = prefix_last(&p), .origin = origin };
}

struct span rangeset_span(const struct rangeset *s, size_t i)
{
	if (s->family == FAMILY_V4) {
		const struct rangeset4_span *sp = &s->spans4[i];
		return (struct span){ sp->lo, sp->hi, sp->first, sp->count };
	}
	const struct rangeset6_span *sp = &s->spans6[i];
	return (struct span){ sp->lo, sp->hi, sp->first, sp->count };
}

/* Below this many entries a set is sorted by comparison: a radix pass
 * clears and sums a 65,536-entry table whatever the set's size, which
 * made the cost of a policy grow with its classes, not its addresses
 * (100,000 one-address classes spent their time in memset). */
#define RADIX_SORT_MIN 4096

static int cmp_v4(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* LSD radix sort of the packed IPv4 entries, 16 bits a pass; a pass in
 * which every key has the same digit is skipped (the origin bits often
 * are). Linear, which is what keeps million-entry lists fast. The four
 * digits are counted in one read of the keys, and the passes go back and
 * forth between the keys and one other array, copied back at most once. */
static void sort_v4(uint64_t *keys, size_t n)
{
	if (n < RADIX_SORT_MIN) {
		if (n > 1)	/* NULL when empty, which qsort() may not be given */
			qsort(keys, n, sizeof(*keys), cmp_v4);
		return;
	}
	uint64_t *tmp = xmalloc(n * sizeof(*tmp)), *from = keys, *to = tmp;
	size_t (*count)[65536] = xcalloc(4, sizeof(*count));

	for (size_t i = 0; i < n; i++) {
		uint64_t k = keys[i];
		count[0][k & 0xffff]++;
		count[1][(k >> 16) & 0xffff]++;
		count[2][(k >> 32) & 0xffff]++;
		count[3][k >> 48]++;
	}
	for (unsigned d = 0; d < 4; d++) {
		const unsigned shift = 16 * d;
		size_t *c = count[d], sum = 0;
		if (c[(keys[0] >> shift) & 0xffff] == n)
			continue;
		for (size_t v = 0; v < 65536; v++) {
			size_t here = c[v];
			c[v] = sum;
			sum += here;
		}
		for (size_t i = 0; i < n; i++)
			to[c[(from[i] >> shift) & 0xffff]++] = from[i];
		uint64_t *t = from;
		from = to;
		to = t;
	}
	if (from != keys)
		memcpy(keys, from, n * sizeof(*keys));
	free(count);
	free(tmp);
}

/* The same for IPv6 entries, least significant digit first: the origin,
 * the length, then the address in 16-bit digits. Digits that are the same
 * in every entry (a common /32 of a provider, say) cost one counting pass. */
static unsigned digit6(const struct rangeset6_entry *e, unsigned pass)
{
	if (pass < 2)
		return (e->origin >> (16 * pass)) & 0xffff;
	if (pass == 2)
		return e->len;
	return (unsigned)(e->addr >> (16 * (pass - 3))) & 0xffff;
}

/* The order sort_v6's passes leave: by address, then length, then origin. */
static int cmp_v6(const void *a, const void *b)
{
	const struct rangeset6_entry *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (x->origin > y->origin) - (x->origin < y->origin);
}

static void sort_v6(struct rangeset6_entry *v, size_t n)
{
	if (n < RADIX_SORT_MIN) {
		if (n > 1)
			qsort(v, n, sizeof(*v), cmp_v6);
		return;
	}
	struct rangeset6_entry *tmp = xmalloc(n * sizeof(*tmp));
	size_t *count = xmalloc(65536 * sizeof(*count));

	for (unsigned pass = 0; pass < 11; pass++) {
		memset(count, 0, 65536 * sizeof(*count));
		for (size_t i = 0; i < n; i++)
			count[digit6(&v[i], pass)]++;
		if (count[digit6(&v[0], pass)] == n)
			continue;
		size_t sum = 0;
		for (size_t d = 0; d < 65536; d++) {
			size_t c = count[d];
			count[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[digit6(&v[i], pass)]++] = v[i];
		memcpy(v, tmp, n * sizeof(*v));
	}
	free(count);
	free(tmp);
}

/* Does a range starting at LO join a span ending at HI? It does if it
 * overlaps or starts right after; LO > HI there, so LO - 1 cannot wrap. */
static inline bool joins(addr_t lo, addr_t hi)
{
	return lo <= hi || lo - 1 == hi;
}

static void finish_v4(struct rangeset *s)
{
	struct rangeset4_span *sp = xmalloc(s->nranges * sizeof(*sp));
	size_t n = 0;

	sort_v4(s->v4, s->nranges);
	for (size_t i = 0; i < s->nranges; i++) {
		uint32_t lo = V4_ADDR(s->v4[i]);
		uint32_t hi = lo | (uint32_t)prefix_hostmask(FAMILY_V4, V4_LEN(s->v4[i]));
		if (n && joins(lo, sp[n - 1].hi)) {
			if (hi > sp[n - 1].hi)
				sp[n - 1].hi = hi;
			sp[n - 1].count++;
			continue;
		}
		sp[n++] = (struct rangeset4_span){ lo, hi, (uint32_t)i, 1 };
	}
	s->spans4 = xrealloc(sp, (n ? n : 1) * sizeof(*sp));
	s->nspans = n;
}

static void finish_v6(struct rangeset *s)
{
	struct rangeset6_span *sp = xmalloc(s->nranges * sizeof(*sp));
	size_t n = 0;

	sort_v6(s->v6, s->nranges);
	for (size_t i = 0; i < s->nranges; i++) {
		addr_t lo = s->v6[i].addr, hi = lo | prefix_hostmask(FAMILY_V6, s->v6[i].len);
		if (n && joins(lo, sp[n - 1].hi)) {
			if (hi > sp[n - 1].hi)
				sp[n - 1].hi = hi;
			sp[n - 1].count++;
			continue;
		}
		sp[n++] = (struct rangeset6_span){ lo, hi, (uint32_t)i, 1 };
	}
	s->spans6 = xrealloc(sp, (n ? n : 1) * sizeof(*sp));
	s->nspans = n;
}

void rangeset_finish(struct rangeset *s)
{
	free(s->spans4);
	free(s->spans6);
	s->spans4 = NULL;
	s->spans6 = NULL;
	s->nspans = 0;
	if (s->nranges == 0)
		return;
	if (s->family == FAMILY_V4)
		finish_v4(s);
	else
		finish_v6(s);
}

long rangeset_find(const struct rangeset *s, addr_t a)
{
	size_t lo = 0, hi = s->nspans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (rangeset_span(s, mid).hi < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nspans && rangeset_span(s, lo).lo <= a ? (long)lo : -1;
}

void rangeset_set_spans(struct rangeset *s, const struct span *spans, size_t n)
{
	if (s->family == FAMILY_V4) {
		s->spans4 = xrealloc(s->spans4, (n ? n : 1) * sizeof(*s->spans4));
		for (size_t i = 0; i < n; i++)
			s->spans4[i] = (struct rangeset4_span){ (uint32_t)spans[i].lo,
								(uint32_t)spans[i].hi,
								(uint32_t)spans[i].first,
								(uint32_t)spans[i].count };
	} else {
		s->spans6 = xrealloc(s->spans6, (n ? n : 1) * sizeof(*s->spans6));
		for (size_t i = 0; i < n; i++)
			s->spans6[i] = (struct rangeset6_span){ spans[i].lo, spans[i].hi,
								(uint32_t)spans[i].first,
								(uint32_t)spans[i].count };
	}
	s->nspans = n;
}

static void count_prefix(const struct prefix *p, void *arg)
{
	(void)p;
	(*(size_t *)arg)++;
}

size_t rangeset_prefix_count(const struct rangeset *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		range_to_prefixes(s->family, sp.lo, sp.hi, count_prefix, &n);
	}
	return n;
}

void rangeset_release(struct rangeset *s)
{
	free(s->v4);
	free(s->v6);
	free(s->spans4);
	free(s->spans6);
	rangeset_init(s, s->family);
}
