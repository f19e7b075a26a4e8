/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/optimize.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lib/ivlist.h"
#include "compiler/model.h"
#include "lib/vec.h"
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
 * whose service takes in CI's, for every sender and time CI is for (a deny
 * for one user, or one window, covers nothing an allow for everyone at any
 * time accepts for the others, or at other times). */
static bool covers_class(const struct model *m, size_t i, size_t ci)
{
	return i != ci && service_covers(&m->classes[i].svc, &m->classes[ci].svc) &&
	       who_covers(&m->classes[i].who, &m->classes[ci].who) &&
	       when_covers(&m->classes[i].when, &m->classes[ci].when) &&
	       source_covers(&m->classes[i].src, &m->classes[ci].src);
}

/* For each allow class CI, the classes that cover it, in class order:
 * ids[first[ci]] to ids[first[ci + 1]]. Trying every pair of classes made
 * a policy of many one-port classes quadratic to compile (100,000 rules
 * on distinct ports never finished); a class with ports can only be
 * covered by one whose ports take in its first port, or by one that
 * names no ports, so a sweep over the ports finds the candidates, and
 * covers_class() decides. The cost is the classes, their port ranges and
 * the candidates, however many classes there are. */
struct coverers {
	size_t *first;
	size_t *ids;
};

struct port_span {
	uint16_t lo, hi;
	size_t class;
};

static int cmp_span_lo(const void *a, const void *b)
{
	const struct port_span *x = a, *y = b;
	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Allow classes with ports, by their first port. */
static int cmp_query(const void *a, const void *b)
{
	const struct port_span *x = a, *y = b;
	if (x->lo != y->lo)
		return (x->lo > y->lo) - (x->lo < y->lo);
	return (x->class > y->class) - (x->class < y->class);
}

struct cover_pair {
	size_t ci, i;
};

static int cmp_pair(const void *a, const void *b)
{
	const struct cover_pair *x = a, *y = b;
	if (x->ci != y->ci)
		return (x->ci > y->ci) - (x->ci < y->ci);
	return (x->i > y->i) - (x->i < y->i);
}

static void coverers_build(const struct model *m, struct coverers *cv)
{
	struct port_span *spans = NULL, *queries = NULL, *active = NULL;
	size_t nspans = 0, spans_cap = 0, nqueries = 0, queries_cap = 0, nactive = 0,
	       active_cap = 0;
	size_t *every = NULL, nevery = 0, every_cap = 0;
	struct cover_pair *pairs = NULL;
	size_t npairs = 0, pairs_cap = 0;

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct service *s = &m->classes[i].svc;
		if (!s->protos || !s->nports)
			VEC_PUSH(every, nevery, every_cap, i);
		for (size_t k = 0; s->protos && k < s->nports; k++)
			VEC_PUSH(spans, nspans, spans_cap,
				 (struct port_span){ s->ports[k].lo, s->ports[k].hi, i });
	}
	for (size_t ci = 0; ci < m->nclasses; ci++) {
		const struct rule_class *c = &m->classes[ci];
		if (c->verdict != VERDICT_ALLOW)
			continue;
		for (size_t k = 0; k < nevery; k++)
			if (covers_class(m, every[k], ci))
				VEC_PUSH(pairs, npairs, pairs_cap, (struct cover_pair){ ci, every[k] });
		if (c->svc.protos && c->svc.nports)
			VEC_PUSH(queries, nqueries, queries_cap,
				 (struct port_span){ c->svc.ports[0].lo, 0, ci });
	}
	/* Empty arrays are NULL, which qsort() may not be given. */
	if (nspans > 1)
		qsort(spans, nspans, sizeof(*spans), cmp_span_lo);
	if (nqueries > 1)
		qsort(queries, nqueries, sizeof(*queries), cmp_query);
	/* Sweep: ACTIVE holds the spans begun by the query's port; those
	 * ended before it are dropped as met, so each is dropped once. */
	for (size_t q = 0, next = 0; q < nqueries; q++) {
		uint16_t port = queries[q].lo;
		size_t ci = queries[q].class;
		while (next < nspans && spans[next].lo <= port)
			VEC_PUSH(active, nactive, active_cap, spans[next++]);
		for (size_t k = 0; k < nactive;) {
			if (active[k].hi < port) {
				active[k] = active[--nactive];
				continue;
			}
			if (covers_class(m, active[k].class, ci))
				VEC_PUSH(pairs, npairs, pairs_cap,
					 (struct cover_pair){ ci, active[k].class });
			k++;
		}
	}
	if (npairs > 1)
		qsort(pairs, npairs, sizeof(*pairs), cmp_pair);
	cv->first = xcalloc(m->nclasses + 1, sizeof(*cv->first));
	cv->ids = xmalloc((npairs ? npairs : 1) * sizeof(*cv->ids));
	for (size_t k = 0; k < npairs; k++) {
		cv->ids[k] = pairs[k].i;
		cv->first[pairs[k].ci + 1]++;
	}
	for (size_t ci = 0; ci < m->nclasses; ci++)
		cv->first[ci + 1] += cv->first[ci];
	free(spans);
	free(queries);
	free(active);
	free(every);
	free(pairs);
}

static void coverers_release(struct coverers *cv)
{
	free(cv->first);
	free(cv->ids);
}

/* What allow class C need not hold in family F: addresses that a deny
 * class blocks for all of C's packets, and, when WITH_ALLOWS, addresses
 * that an allow class accepts for all of them (a strictly wider service,
 * so no two classes lean on each other). Uses every class's spans as
 * built, before any trimming: each covering class keeps what it covers or
 * leans in turn on a deny or a wider class, so the result is the same. */
static void covered_for(const struct model *m, const struct coverers *cv,
			const struct ivlist *orig, size_t ci, enum family f, bool with_allows,
			struct ivlist *out)
{
	for (size_t k = cv->first[ci]; k < cv->first[ci + 1]; k++) {
		size_t i = cv->ids[k];
		const struct rule_class *o = &m->classes[i];
		if (o->verdict == VERDICT_ALLOW && !with_allows)
			continue;
		ivl_append(out, &orig[i * FAMILY_COUNT + f]);
	}
	ivl_normalize(out);
}

/* Trims class CI's set of family F if that takes no more prefixes. */
/* Returns whether it trimmed the set. */
static bool trim_class(struct model *m, const struct coverers *cv, const struct ivlist *orig,
		       size_t ci, enum family f)
{
	struct rangeset *s = &m->classes[ci].sets[f];
	struct ivlist have = { 0 }, cover = { 0 }, keep = { 0 };
	bool any = false, trimmed = false;

	for (size_t k = cv->first[ci]; k < cv->first[ci + 1] && !any; k++)
		any = orig[cv->ids[k] * FAMILY_COUNT + f].n;
	if (!any)
		return false;
	spans_to_list(s, &have);
	size_t before = list_prefix_count(f, &have);
	/* Everything covered; failing that, only what deny classes block. */
	for (int with_allows = 1; with_allows >= 0; with_allows--) {
		cover.n = 0;
		covered_for(m, cv, orig, ci, f, with_allows, &cover);
		if (!cover.n)
			continue;
		ivl_subtract(&keep, &have, &cover);
		if (!ivl_equal(&keep, &have) && list_prefix_count(f, &keep) <= before) {
			trim_spans(s, &keep);
			trimmed = true;
			break;
		}
	}
	ivl_free(&have);
	ivl_free(&cover);
	ivl_free(&keep);
	return trimmed;
}

void optimize_model(struct model *m, int level)
{
	if (level < 1 || m->nclasses == 0)
		return;
	struct coverers cv;
	coverers_build(m, &cv);
	/* The spans as built of every class that covers another, for
	 * covered_for(); the rest are never looked at. */
	struct ivlist *orig = xcalloc(m->nclasses * FAMILY_COUNT, sizeof(*orig));
	bool *read = xcalloc(m->nclasses, sizeof(*read));
	for (size_t k = 0; k < cv.first[m->nclasses]; k++) {
		size_t i = cv.ids[k];
		for (int f = 0; !read[i] && f < FAMILY_COUNT; f++)
			spans_to_list(&m->classes[i].sets[f], &orig[i * FAMILY_COUNT + f]);
		read[i] = true;
	}
	free(read);
	bool trimmed = false;
	for (size_t i = 0; i < m->nclasses; i++) {
		if (m->classes[i].verdict != VERDICT_ALLOW)
			continue;
		for (int f = 0; f < FAMILY_COUNT; f++)
			if (m->classes[i].sets[f].nspans)
				trimmed |= trim_class(m, &cv, orig, i, (enum family)f);
	}
	for (size_t i = 0; i < m->nclasses * FAMILY_COUNT; i++)
		ivl_free(&orig[i]);
	free(orig);
	coverers_release(&cv);
	/* The shared lookup counts elements, and a static ipset's name says
	 * what it holds: both as model_build() left them, unless a set
	 * changed (counting a million prefixes again is a tenth of a compile). */
	if (!trimmed)
		return;
	m->static_ipsets_named = false;
	model_share_lookups(m);
}
