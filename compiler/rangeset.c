#include "rangeset.h"

#include <stdlib.h>
#include <string.h>

#include "arena.h"

void rangeset_init(struct rangeset *s, enum family f)
{
	memset(s, 0, sizeof(*s));
	s->family = f;
}

void rangeset_add(struct rangeset *s, addr_t lo, addr_t hi, uint32_t origin)
{
	if (s->nranges == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ranges = xrealloc(s->ranges, s->cap * sizeof(*s->ranges));
	}
	s->ranges[s->nranges++] = (struct range){ .lo = lo, .hi = hi, .origin = origin };
}

static int range_cmp(const void *pa, const void *pb)
{
	const struct range *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	return a->origin < b->origin ? -1 : a->origin > b->origin;
}

void rangeset_finish(struct rangeset *s)
{
	free(s->spans);
	s->spans = NULL;
	s->nspans = 0;
	if (s->nranges == 0)
		return;
	qsort(s->ranges, s->nranges, sizeof(*s->ranges), range_cmp);

	/* One pass: a range joins the open span if it overlaps it or starts
	 * right after it. lo > 0 there, so lo - 1 cannot wrap. */
	size_t n = 0;
	s->spans = xmalloc(s->nranges * sizeof(*s->spans));
	for (size_t i = 0; i < s->nranges; i++) {
		const struct range *r = &s->ranges[i];
		struct span *open = n ? &s->spans[n - 1] : NULL;
		if (open && (r->lo <= open->hi || r->lo - 1 == open->hi)) {
			if (r->hi > open->hi)
				open->hi = r->hi;
			open->count++;
			continue;
		}
		s->spans[n++] = (struct span){ .lo = r->lo, .hi = r->hi, .first = i, .count = 1 };
	}
	s->nspans = n;
	s->spans = xrealloc(s->spans, n * sizeof(*s->spans));
}

const struct span *rangeset_find(const struct rangeset *s, addr_t a)
{
	size_t lo = 0, hi = s->nspans;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->spans[mid].hi < a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nspans && s->spans[lo].lo <= a ? &s->spans[lo] : NULL;
}

void rangeset_release(struct rangeset *s)
{
	free(s->ranges);
	free(s->spans);
	rangeset_init(s, s->family);
}
