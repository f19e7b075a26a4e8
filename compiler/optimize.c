#include "compiler/optimize.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lib/ivlist.h"
#include "compiler/model.h"
#include "lib/xalloc.h"

/* The spans of S as an interval list. */
static void spans_to_list(const struct rangeset *s, struct ivlist *out)
{
	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		ivl_add(out, sp.lo, sp.hi);
	}
}

static void count_prefix(const struct prefix *p, void *arg)
{
	(void)p;
	(*(size_t *)arg)++;
}

static size_t list_prefix_count(enum family f, const struct ivlist *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		range_to_prefixes(f, l->v[i].lo, l->v[i].hi, count_prefix, &n);
	return n;
}

/* Replaces S's spans by KEEP (a subset of them), each piece keeping the
 * contributors of the span it came from. */
static void trim_spans(struct rangeset *s, const struct ivlist *keep)
{
	struct span *out = xmalloc((keep->n ? keep->n : 1) * sizeof(*out));
	size_t j = 0;

	for (size_t i = 0; i < keep->n; i++) {
		struct span sp = rangeset_span(s, j);
		while (sp.hi < keep->v[i].lo)
			sp = rangeset_span(s, ++j);
		out[i] = (struct span){ keep->v[i].lo, keep->v[i].hi, sp.first, sp.count };
	}
	rangeset_set_spans(s, out, keep->n);
	free(out);
}

/* Whether class I can cover allow class CI: a deny class or an allow class
 * whose service takes in CI's. */
static bool covers_class(const struct model *m, size_t i, size_t ci)
{
	return i != ci && service_covers(&m->classes[i].svc, &m->classes[ci].svc);
}

/* What allow class C need not hold in family F: addresses that a deny
 * class blocks for all of C's packets, and, when WITH_ALLOWS, addresses
 * that an allow class accepts for all of them (a strictly wider service,
 * so no two classes lean on each other). Uses every class's spans as
 * built, before any trimming: each covering class keeps what it covers or
 * leans in turn on a deny or a wider class, so the result is the same. */
static void covered_for(const struct model *m, const struct ivlist *orig, size_t ci,
			enum family f, bool with_allows, struct ivlist *out)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *o = &m->classes[i];
		if (!covers_class(m, i, ci))
			continue;
		if (o->verdict == VERDICT_ALLOW && !with_allows)
			continue;
		ivl_append(out, &orig[i * FAMILY_COUNT + f]);
	}
	ivl_normalize(out);
}

/* Trims class CI's set of family F if that takes no more prefixes. */
static void trim_class(struct model *m, const struct ivlist *orig, size_t ci, enum family f)
{
	struct rangeset *s = &m->classes[ci].sets[f];
	struct ivlist have = { 0 }, cover = { 0 }, keep = { 0 };
	bool any = false;

	for (size_t i = 0; i < m->nclasses && !any; i++)
		any = covers_class(m, i, ci) && orig[i * FAMILY_COUNT + f].n;
	if (!any)
		return;
	spans_to_list(s, &have);
	size_t before = list_prefix_count(f, &have);
	/* Everything covered; failing that, only what deny classes block. */
	for (int with_allows = 1; with_allows >= 0; with_allows--) {
		cover.n = 0;
		covered_for(m, orig, ci, f, with_allows, &cover);
		if (!cover.n)
			continue;
		ivl_subtract(&keep, &have, &cover);
		if (!ivl_equal(&keep, &have) && list_prefix_count(f, &keep) <= before) {
			trim_spans(s, &keep);
			break;
		}
	}
	ivl_free(&have);
	ivl_free(&cover);
	ivl_free(&keep);
}

void optimize_model(struct model *m, int level)
{
	if (level < 1 || m->nclasses == 0)
		return;
	/* The spans as built of every class that covers another, for
	 * covered_for(); the rest are never looked at. */
	struct ivlist *orig = xcalloc(m->nclasses * FAMILY_COUNT, sizeof(*orig));
	for (size_t i = 0; i < m->nclasses; i++) {
		bool cover = false;
		for (size_t ci = 0; ci < m->nclasses && !cover; ci++)
			cover = m->classes[ci].verdict == VERDICT_ALLOW && covers_class(m, i, ci);
		for (int f = 0; cover && f < FAMILY_COUNT; f++)
			spans_to_list(&m->classes[i].sets[f], &orig[i * FAMILY_COUNT + f]);
	}
	for (size_t i = 0; i < m->nclasses; i++) {
		if (m->classes[i].verdict != VERDICT_ALLOW)
			continue;
		for (int f = 0; f < FAMILY_COUNT; f++)
			if (m->classes[i].sets[f].nspans)
				trim_class(m, orig, i, (enum family)f);
	}
	for (size_t i = 0; i < m->nclasses * FAMILY_COUNT; i++)
		ivl_free(&orig[i]);
	free(orig);
}
