/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/ivlist.h"

#include <stdlib.h>
#include <string.h>

#include "lib/vec.h"

void ivl_add(struct ivlist *l, addr_t lo, addr_t hi)
{
	/* Room for one to begin with: most lists are a rule's or a set's
	 * single prefix, hundreds of thousands of them in a large policy,
	 * and ivl_normalize() would give the rest back anyway. */
	if (!l->cap) {
		l->v = xmalloc(sizeof(*l->v));
		l->cap = 1;
	}
	VEC_PUSH(l->v, l->n, l->cap, (struct ivl){ lo, hi });
}

static int ivl_cmp(const void *pa, const void *pb)
{
	const struct ivl *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->hi < b->hi ? -1 : a->hi > b->hi;
}

void ivl_normalize(struct ivlist *l)
{
	size_t n = 0;

	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), ivl_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (n && (l->v[i].lo <= l->v[n - 1].hi || l->v[i].lo - 1 == l->v[n - 1].hi)) {
			if (l->v[i].hi > l->v[n - 1].hi)
				l->v[n - 1].hi = l->v[i].hi;
			continue;
		}
		l->v[n++] = l->v[i];
	}
	l->n = n;
	/* A normalized list is mostly kept as it is, and there are many of
	 * them (a rule's, a set's), most of one interval: give back what
	 * the growth left over. */
	if (n && l->cap > n) {
		l->v = xreallocarray(l->v, n, sizeof(*l->v));
		l->cap = n;
	}
}

void ivl_append(struct ivlist *dst, const struct ivlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		ivl_add(dst, src->v[i].lo, src->v[i].hi);
}

/* OUT = A minus B, both normalized. */
void ivl_subtract(struct ivlist *out, const struct ivlist *a, const struct ivlist *b)
{
	size_t j = 0;

	out->n = 0;
	for (size_t i = 0; i < a->n; i++) {
		addr_t lo = a->v[i].lo, hi = a->v[i].hi;
		bool empty = false;
		while (j < b->n && b->v[j].hi < lo)
			j++;
		for (size_t k = j; k < b->n && b->v[k].lo <= hi; k++) {
			if (b->v[k].lo > lo)
				ivl_add(out, lo, b->v[k].lo - 1);
			if (b->v[k].hi >= hi) {
				empty = true;
				break;
			}
			lo = b->v[k].hi + 1;
		}
		if (!empty)
			ivl_add(out, lo, hi);
	}
}

void ivl_free(struct ivlist *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

bool ivl_equal(const struct ivlist *a, const struct ivlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].lo != b->v[i].lo || a->v[i].hi != b->v[i].hi)
			return false;
	return true;
}

bool ivl_covers(const struct ivlist *l, addr_t lo, addr_t hi)
{
	size_t a = 0, b = l->n;

	while (a < b) {
		size_t mid = a + (b - a) / 2;
		if (l->v[mid].hi < lo)
			a = mid + 1;
		else
			b = mid;
	}
	return a < l->n && l->v[a].lo <= lo && l->v[a].hi >= hi;
}
