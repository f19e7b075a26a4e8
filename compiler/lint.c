/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/lint.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/diag.h"
#include "lib/ivlist.h"
#include "compiler/model.h"
#include "compiler/resolve.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* Beyond this many (atom, range) visits the dead and redundant rule checks
 * are skipped: they are advice, and must not make a huge policy slow. */
#define LINT_MAX_WORK 50000000ull
/* How many times the redundancy sweep is rerun to settle mutual cover. */
#define LINT_MAX_RESWEEPS 64

/* A packet class the checks walk: a protocol and, for TCP and UDP, the
 * first port of an interval on which no class's port set changes. */
struct atom {
	unsigned proto;	/* PROTO_TCP, PROTO_UDP, or 0 for any other protocol */
	uint16_t port;
};

struct linter {
	struct diags *diags;
	const struct policy *policy;
	const struct model *model;
	struct atom *atoms;
	size_t natoms;
	bool *alive;	/* by rule index: some packet it allows is not denied */
	bool *needed;	/* by rule index: some packet only it allows */
	bool *excluded;	/* by rule index: left out of the redundancy sweep */
	const struct rule_class **class_of;	/* by rule index: an allow rule's class */
};

static void make_atoms(struct linter *l)
{
	size_t n;
	uint16_t *cuts = model_port_cuts(&l->model, 1, &n);

	l->atoms = xmalloc((2 * n + 1) * sizeof(*l->atoms));
	for (int p = 0; p < 2; p++)
		for (size_t i = 0; i < n; i++)
			l->atoms[l->natoms++] = (struct atom){ p ? PROTO_UDP : PROTO_TCP, cuts[i] };
	l->atoms[l->natoms++] = (struct atom){ 0, 0 };
	free(cuts);
}

/* A class matches an atom as it matches a packet: proto 0 is "no ports". */
static bool class_matches(const struct rule_class *c, const struct atom *a)
{
	return service_matches(&c->svc, a->proto, a->port);
}

static unsigned rule_of(const struct linter *l, uint32_t origin)
{
	return l->model->origins[origin].rule->rule.index;
}

/* Dead rules: every range an allow rule has in this atom is denied, for
 * every sender it is for: by the deny rules for everyone, and for a rule
 * for users or groups, by those for all of its senders too (a deny for
 * user runner leaves an allow for everyone alive: the others' packets). */
static void mark_alive(struct linter *l, const struct atom *a, enum family f)
{
	const struct model *m = l->model;
	struct ivlist everyone = { 0 }, senders = { 0 };

	model_denied_region(m, f, a->proto, a->port, &everyone);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict != VERDICT_ALLOW || !class_matches(c, a))
			continue;
		const struct ivlist *denied = &everyone;
		if (!who_everyone(&c->who) || c->when.n || c->src.given) {
			model_denied_region_covering(m, c, f, a->proto, a->port, &senders);
			denied = &senders;
		}
		/* Nothing denied: every rule with addresses here is alive,
		 * found without a look at each of a list's million ranges. */
		if (!denied->n) {
			for (size_t j = 0; j < c->nfamily_rules[f]; j++)
				l->alive[c->family_rules[f][j]->rule.index] = true;
			continue;
		}
		const struct rangeset *s = &c->sets[f];
		for (size_t j = 0; j < s->nranges; j++) {
			struct range r = rangeset_range(s, j);
			if (!ivl_covers(denied, r.lo, r.hi))
				l->alive[rule_of(l, r.origin)] = true;
		}
	}
	ivl_free(&everyone);
	ivl_free(&senders);
}

struct event {
	addr_t pos;
	unsigned rule;
	int delta;	/* +1: a range starts here; -1: one ended just before */
};

static int event_cmp(const void *pa, const void *pb)
{
	const struct event *a = pa, *b = pb;

	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Whether allow class C takes part in the sweep for the rules of class
 * W's senders and window: it matches the atom and accepts for every
 * sender, at every time, W does. */
static bool sweeps_for(const struct rule_class *c, const struct atom *a, const struct rule_class *w)
{
	return c->verdict == VERDICT_ALLOW && class_matches(c, a) && who_covers(&c->who, &w->who) &&
	       when_covers(&c->when, &w->when) && source_covers(&c->src, &w->src);
}

/* Whether class C is for exactly W's senders and times, or fewer. */
static bool within(const struct rule_class *c, const struct rule_class *w)
{
	return who_covers(&w->who, &c->who) && when_covers(&w->when, &c->when) &&
	       source_covers(&w->src, &c->src);
}

/* Redundant rules among those for senders W: a sweep over every allow
 * range of the atom that accepts for all of them, counting for each
 * stretch of addresses the distinct rules that cover it. Where just one
 * does, and it is for exactly W, that rule is needed. (A rule for
 * everyone and one for user runner over the same addresses: the first is
 * needed, for everyone else; the second is not.) */
static void mark_needed_for(struct linter *l, const struct atom *a, enum family f,
			    const struct rule_class *w)
{
	const struct model *m = l->model;
	size_t n = 0, cap = 0;
	struct event *ev = NULL;
	const struct rule_class *only = NULL;
	size_t classes = 0;

	/* One class of one rule here - the million-entry list, typically -
	 * needs no sweep: that rule alone allows what it allows. */
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (sweeps_for(c, a, w) && c->sets[f].nranges) {
			only = c;
			classes++;
		}
	}
	if (classes == 0)
		return;
	if (classes == 1 && only->nrules == 1 && within(only, w)) {
		if (!l->excluded[only->rules[0]->rule.index])
			l->needed[only->rules[0]->rule.index] = true;
		return;
	}

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!sweeps_for(c, a, w))
			continue;
		const struct rangeset *s = &c->sets[f];
		VEC_GROW(ev, n + 2 * s->nranges, cap);
		for (size_t j = 0; j < s->nranges; j++) {
			struct range r = rangeset_range(s, j);
			unsigned rule = rule_of(l, r.origin);
			if (l->excluded[rule])
				continue;
			ev[n++] = (struct event){ r.lo, rule, +1 };
			if (r.hi != family_max(f))
				ev[n++] = (struct event){ r.hi + 1, rule, -1 };
		}
	}
	if (n == 0) {
		free(ev);
		return;
	}
	qsort(ev, n, sizeof(*ev), event_cmp);

	unsigned *active = xcalloc(l->policy->nrules, sizeof(*active));
	size_t distinct = 0, sum = 0;
	for (size_t i = 0; i < n;) {
		addr_t pos = ev[i].pos;
		for (; i < n && ev[i].pos == pos; i++) {
			unsigned r = ev[i].rule;
			if (ev[i].delta > 0 && active[r]++ == 0) {
				distinct++;
				sum += r;
			} else if (ev[i].delta < 0 && --active[r] == 0) {
				distinct--;
				sum -= r;
			}
		}
		/* The stretch from POS to the next event has these rules. */
		if (distinct == 1 && within(l->class_of[sum], w))
			l->needed[sum] = true;
	}
	free(active);
	free(ev);
}

/* mark_needed_for() for everyone at any time, and for the senders and
 * window of each class for users, groups or times that matches the atom. */
static void mark_needed(struct linter *l, const struct atom *a, enum family f)
{
	const struct model *m = l->model;
	static const struct rule_class everyone;

	mark_needed_for(l, a, f, &everyone);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict == VERDICT_ALLOW && (!who_everyone(&c->who) || c->when.n || c->src.given) &&
		    class_matches(c, a))
			mark_needed_for(l, a, f, c);
	}
}

static void sweep(struct linter *l, void (*mark)(struct linter *, const struct atom *, enum family))
{
	for (size_t i = 0; i < l->natoms; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			mark(l, &l->atoms[i], (enum family)f);
}

/* A rule of VERDICT, other than SKIP, whose range in a class covering
 * RULE's service contains ADDR: the one to point at in a warning. */
static const struct stmt *covering_rule(const struct linter *l, const struct stmt *rule,
					enum verdict verdict, enum family f, addr_t addr,
					const struct service *svc, const struct who *who,
					const struct window *when, const struct source_set *src)
{
	const struct model *m = l->model;

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict != verdict || !service_covers(&c->svc, svc) || !who_covers(&c->who, who) ||
		    !when_covers(&c->when, when) || !source_covers(&c->src, src))
			continue;
		const struct rangeset *s = &c->sets[f];
		for (size_t j = 0; j < s->nranges; j++) {
			struct range r = rangeset_range(s, j);
			const struct stmt *other = m->origins[r.origin].rule;
			if (other != rule && r.lo <= addr && addr <= r.hi &&
			    !l->excluded[other->rule.index])
				return other;
		}
	}
	return NULL;
}

/* Some address RULE contributes, and its family. */
static bool first_address(const struct model *m, const struct rule_class *c,
			  const struct stmt *rule, enum family *f, addr_t *addr)
{
	for (int fam = 0; fam < FAMILY_COUNT; fam++) {
		const struct rangeset *s = &c->sets[fam];
		for (size_t j = 0; j < s->nranges; j++) {
			struct range r = rangeset_range(s, j);
			if (m->origins[r.origin].rule == rule) {
				*f = (enum family)fam;
				*addr = r.lo;
				return true;
			}
		}
	}
	return false;
}

/* What to say about a rule, found in whatever order the sweeps find it and
 * reported in policy order. */
struct finding {
	enum { FINE, DEAD, REDUNDANT } kind;
	const struct stmt *by;	/* the rule to point at, if one alone does it */
};

static void find_cover(struct linter *l, const struct rule_class *c, const struct stmt *rule,
		       bool dead, struct finding *out)
{
	enum family f;
	addr_t addr;

	out->kind = dead ? DEAD : REDUNDANT;
	out->by = NULL;
	if (!first_address(l->model, c, rule, &f, &addr))
		return;
	if (dead) {
		const struct stmt *by = NULL;
		/* A deny rule that blocks the packets of this rule, however
		 * wide its own service is. */
		for (size_t i = 0; !by && i < l->model->nclasses; i++) {
			const struct rule_class *d = &l->model->classes[i];
			if (d->verdict != VERDICT_DENY || !service_covers(&d->svc, &c->svc) ||
			    !who_covers(&d->who, &c->who) || !when_covers(&d->when, &c->when) ||
			    !source_covers(&d->src, &c->src))
				continue;
			long sp = rangeset_find(&d->sets[f], addr);
			if (sp >= 0) {
				struct span span = rangeset_span(&d->sets[f], (size_t)sp);
				uint32_t o = rangeset_range(&d->sets[f], span.first).origin;
				by = l->model->origins[o].rule;
			}
		}
		out->by = by;
		return;
	}
	out->by = covering_rule(l, rule, VERDICT_ALLOW, f, addr, &c->svc, &c->who, &c->when,
				&c->src);
}

static void report(struct diags *d, const struct policy *p, const struct finding *found)
{
	static const struct {
		const char *msg, *note;
	} says[] = {
		[DEAD] = { "this allow rule never matches: deny rules block all it allows",
			   "denied by this rule" },
		[REDUNDANT] = { "this allow rule is redundant: other allow rules allow all of it",
				"already allowed by this rule" },
	};

	for (const struct stmt *s = p->stmts; s; s = s->next) {
		/* A module's rule overlapping others, or overridden by a deny,
		 * is what modules are for; the policy's own rules still hear
		 * of a module that makes them redundant. */
		if (s->kind != STMT_RULE || found[s->rule.index].kind == FINE || s->loc.src->module)
			continue;
		const struct finding *f = &found[s->rule.index];
		int kind = (int)f->kind;
		struct diag *dg = diag_warning(d, &s->loc, "%s", says[kind].msg);
		if (f->by)
			diag_related(dg, &f->by->loc, says[kind].note);
	}
}

static unsigned long long lint_work(const struct linter *l)
{
	unsigned long long ranges = 0;

	for (size_t i = 0; i < l->model->nclasses; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			ranges += l->model->classes[i].sets[f].nranges;
	return ranges * l->natoms;
}

void lint_rules(struct diags *d, const struct policy *p, const struct model *m)
{
	struct linter l = { .diags = d, .policy = p, .model = m };
	size_t nrules = p->nrules ? p->nrules : 1;

	make_atoms(&l);
	if (lint_work(&l) > LINT_MAX_WORK) {
		free(l.atoms);
		return;
	}
	struct finding *found = xcalloc(nrules, sizeof(*found));
	l.alive = xcalloc(nrules, sizeof(*l.alive));
	l.needed = xcalloc(nrules, sizeof(*l.needed));
	l.excluded = xcalloc(nrules, sizeof(*l.excluded));
	l.class_of = xcalloc(nrules, sizeof(*l.class_of));
	for (size_t i = 0; i < m->nclasses; i++)
		for (size_t j = 0; j < m->classes[i].nrules; j++)
			if (m->classes[i].verdict == VERDICT_ALLOW)
				l.class_of[m->classes[i].rules[j]->rule.index] = &m->classes[i];
	sweep(&l, mark_alive);

	/* Dead rules first, and out of the redundancy sweep: what they cover
	 * is denied, not allowed by them. */
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict != VERDICT_ALLOW)
			continue;
		for (size_t j = 0; j < c->nrules; j++) {
			unsigned r = c->rules[j]->rule.index;
			/* A run-time set's members are not known here. */
			if (!l.alive[r] && !c->rules[j]->rule.runtime) {
				find_cover(&l, c, c->rules[j], true, &found[r]);
				l.excluded[r] = true;
			}
		}
	}
	/* Then redundant ones, latest first, each sweep run without the rules
	 * already reported, so that of two rules covering each other only the
	 * later is named. */
	for (int resweeps = 0; resweeps < LINT_MAX_RESWEEPS; resweeps++) {
		const struct rule_class *cls = NULL;
		const struct stmt *pick = NULL;

		memset(l.needed, 0, nrules * sizeof(*l.needed));
		sweep(&l, mark_needed);
		for (size_t i = 0; i < m->nclasses; i++) {
			const struct rule_class *c = &m->classes[i];
			if (c->verdict != VERDICT_ALLOW)
				continue;
			for (size_t j = 0; j < c->nrules; j++) {
				const struct stmt *r = c->rules[j];
				if (l.excluded[r->rule.index] || l.needed[r->rule.index] ||
				    r->rule.runtime || r->rule.lockdown)
					continue;
				if (!pick || r->rule.index > pick->rule.index) {
					pick = r;
					cls = c;
				}
			}
		}
		if (!pick)
			break;
		find_cover(&l, cls, pick, false, &found[pick->rule.index]);
		l.excluded[pick->rule.index] = true;
	}
	report(d, p, found);
	free(found);
	free(l.alive);
	free(l.needed);
	free(l.excluded);
	free(l.class_of);
	free(l.atoms);
}

/* Where an allow rule's hostname should not lead. */
static const char *inside_what(const struct prefix *a)
{
	const struct inside_range *r = model_inside_range(a->family, a->addr);

	return r ? r->what : NULL;
}

int lint_pinned_addresses(struct diags *d, const struct model *m, bool strict)
{
	int rc = 0;
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < m->npinned; i++) {
		const struct host *h = m->pinned[i];
		for (size_t j = 0; j < h->naddrs; j++) {
			const char *what = inside_what(&h->addrs[j]);
			if (!what)
				continue;
			addr_format(h->addrs[j].family, h->addrs[j].addr, buf);
			if (strict) {
				diag_error(d, &h->first_use->loc, "'%s' resolves to %s, %s", h->name,
					   buf, what);
				rc = -1;
			} else {
				diag_warning(d, &h->first_use->loc,
					     "'%s' resolves to %s, %s; allowing it opens a way inside",
					     h->name, buf, what);
			}
			break;
		}
	}
	return rc;
}
