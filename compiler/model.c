/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/addrlist.h"
#include "lib/arena.h"
#include "compiler/diag.h"
#include "lib/dnsname.h"
#include "lib/duration.h"
#include "lib/ipsetname.h"
#include "compiler/resolve.h"
#include "lib/strmap.h"
#include "lib/vec.h"

/* One rule's part in one class, before grouping: its addresses and
 * wildcards under its own service, or one dynamic set it names under the
 * service both allow. */
struct entry {
	const struct stmt *rule;
	const struct source_set *src;	/* the builder's, of the rule */
	struct service svc;
	struct who who;			/* the rule's; the first entry of a rule owns it */
	bool owns_who;
	bool joins;			/* of the class of the entry before it */
	const struct stmt *dynamic;	/* NULL: the rule's other targets */
};

static int port_range_cmp(const void *pa, const void *pb)
{
	const struct port_range *a = pa, *b = pb;

	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->hi < b->hi ? -1 : a->hi > b->hi;
}

/* port without proto means tcp; proto without port means every port of
 * it; neither means every protocol. Ports are sorted and merged so that
 * "80, 443" and "443, 80" are one class. */
static struct service opts_service(const struct rule_opts *o)
{
	struct service svc = { 0 };
	size_t n = 0;

	for (const struct proto_item *p = o->protos; p; p = p->next)
		svc.protos |= p->bit;
	for (const struct port_item *p = o->ports; p; p = p->next)
		n++;
	if (n && !svc.protos)
		svc.protos = PROTO_TCP;
	if (!n)
		return svc;

	struct port_range *ports = xmalloc(n * sizeof(*ports));
	n = 0;
	for (const struct port_item *p = o->ports; p; p = p->next)
		ports[n++] = (struct port_range){ .lo = (uint16_t)p->lo, .hi = (uint16_t)p->hi };
	qsort(ports, n, sizeof(*ports), port_range_cmp);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && ports[i].lo <= (unsigned)ports[m - 1].hi + 1) {
			if (ports[i].hi > ports[m - 1].hi)
				ports[m - 1].hi = ports[i].hi;
			continue;
		}
		ports[m++] = ports[i];
	}
	svc.ports = ports;
	svc.nports = m;
	return svc;
}

static int service_cmp(const struct service *a, const struct service *b)
{
	if (a->protos != b->protos)
		return a->protos < b->protos ? -1 : 1;
	for (size_t i = 0; i < a->nports && i < b->nports; i++) {
		int c = port_range_cmp(&a->ports[i], &b->ports[i]);
		if (c)
			return c;
	}
	return a->nports < b->nports ? -1 : a->nports > b->nports;
}

int owner_id_cmp(const struct owner_id *a, const struct owner_id *b)
{
	if (!a->name != !b->name)
		return a->name ? 1 : -1;
	if (a->name)
		return strcmp(a->name, b->name);
	return a->id < b->id ? -1 : a->id > b->id;
}

static int owner_id_qcmp(const void *a, const void *b)
{
	return owner_id_cmp(a, b);
}

const char *owner_id_format(const struct owner_id *o, char *buf, size_t size)
{
	if (o->name)
		snprintf(buf, size, "%s", o->name);
	else
		snprintf(buf, size, "%u", o->id);
	return buf;
}

/* A clause's items, sorted and without duplicates (check.c has warned). */
static struct owner_set owner_set_of(const struct owner_item *items)
{
	struct owner_set set = { 0 };
	size_t n = 0;

	for (const struct owner_item *it = items; it; it = it->next)
		n++;
	if (!n)
		return set;
	set.ids = xmalloc(n * sizeof(*set.ids));
	for (const struct owner_item *it = items; it; it = it->next)
		set.ids[set.n++] = (struct owner_id){ .name = it->name, .id = it->id };
	qsort(set.ids, set.n, sizeof(*set.ids), owner_id_qcmp);
	n = 0;
	for (size_t i = 0; i < set.n; i++)
		if (n == 0 || owner_id_cmp(&set.ids[n - 1], &set.ids[i]) != 0)
			set.ids[n++] = set.ids[i];
	set.n = n;
	return set;
}

static void owner_set_release(struct owner_set *set)
{
	free(set->ids);
	memset(set, 0, sizeof(*set));
}

static int owner_set_cmp(const struct owner_set *a, const struct owner_set *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		int c = owner_id_cmp(&a->ids[i], &b->ids[i]);
		if (c)
			return c;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static bool owner_set_has(const struct owner_set *set, const struct owner_id *o)
{
	return o && bsearch(o, set->ids, set->n, sizeof(*set->ids), owner_id_qcmp);
}

/* Every member of NARROW is in WIDE; an empty set is everyone. */
static bool owner_set_covers(const struct owner_set *wide, const struct owner_set *narrow)
{
	if (!wide->n)
		return true;
	if (!narrow->n)
		return false;
	for (size_t i = 0; i < narrow->n; i++)
		if (!owner_set_has(wide, &narrow->ids[i]))
			return false;
	return true;
}

bool cgroup_holds(const char *cgroup, const char *path)
{
	size_t n = strlen(cgroup);

	return strncmp(cgroup, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

unsigned cgroup_level(const char *cgroup)
{
	unsigned level = 1;

	for (const char *p = cgroup; *p; p++)
		level += *p == '/';
	return level;
}

/* Any cgroup first, then by path. */
static int cgroup_cmp(const char *a, const char *b)
{
	if (!a || !b)
		return !!a - !!b;
	return strcmp(a, b);
}

/* Everyone first, then users, then groups, then cgroups. */
static int who_cmp(const struct who *a, const struct who *b)
{
	int c = owner_set_cmp(&a->users, &b->users);

	if (!c)
		c = owner_set_cmp(&a->groups, &b->groups);
	return c ? c : cgroup_cmp(a->cgroup, b->cgroup);
}

bool who_matches(const struct who *w, const struct sending *s)
{
	return (!w->users.n || owner_set_has(&w->users, s->user)) &&
	       (!w->groups.n || owner_set_has(&w->groups, s->group)) &&
	       (!w->cgroup || (s->cgroup && cgroup_holds(w->cgroup, s->cgroup)));
}

bool when_matches(const struct window *w, const struct instant *at)
{
	return !w->n || (at->known && window_holds(w, at->minute));
}

bool when_covers(const struct window *wide, const struct window *narrow)
{
	if (!wide->n)
		return true;
	if (!narrow->n)
		return false;
	/* Both sorted and merged: each narrow span inside one wide span. */
	for (size_t i = 0, j = 0; i < narrow->n; i++) {
		while (j < wide->n && wide->spans[j].hi <= narrow->spans[i].lo)
			j++;
		if (j == wide->n || wide->spans[j].lo > narrow->spans[i].lo ||
		    wide->spans[j].hi < narrow->spans[i].hi)
			return false;
	}
	return true;
}

/* Any time first, then by spans. */
static int when_cmp(const struct window *a, const struct window *b)
{
	for (size_t i = 0; i < a->n && i < b->n; i++) {
		if (a->spans[i].lo != b->spans[i].lo)
			return a->spans[i].lo < b->spans[i].lo ? -1 : 1;
		if (a->spans[i].hi != b->spans[i].hi)
			return a->spans[i].hi < b->spans[i].hi ? -1 : 1;
	}
	return a->n < b->n ? -1 : a->n > b->n;
}

static bool source_matches(const struct source_set *src, const struct sending *s)
{
	return !src->given ||
	       (s->src.known && ivl_covers(&src->sets[s->src.family], s->src.addr, s->src.addr));
}

bool source_covers(const struct source_set *wide, const struct source_set *narrow)
{
	if (!wide->given)
		return true;
	if (!narrow->given)
		return false;
	for (int f = 0; f < FAMILY_COUNT; f++)
		for (size_t i = 0; i < narrow->sets[f].n; i++)
			if (!ivl_covers(&wide->sets[f], narrow->sets[f].v[i].lo, narrow->sets[f].v[i].hi))
				return false;
	return true;
}

/* Any source first, then by family and ranges. */
static int source_cmp(const struct source_set *a, const struct source_set *b)
{
	if (a->given != b->given)
		return a->given ? 1 : -1;
	for (int f = 0; f < FAMILY_COUNT; f++) {
		const struct ivlist *x = &a->sets[f], *y = &b->sets[f];
		for (size_t i = 0; i < x->n && i < y->n; i++) {
			if (x->v[i].lo != y->v[i].lo)
				return x->v[i].lo < y->v[i].lo ? -1 : 1;
			if (x->v[i].hi != y->v[i].hi)
				return x->v[i].hi < y->v[i].hi ? -1 : 1;
		}
		if (x->n != y->n)
			return x->n < y->n ? -1 : 1;
	}
	return 0;
}

static void source_add(struct source_set *src, const struct target *t)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_ADDRESS)
			ivl_add(&src->sets[t->prefix.family], t->prefix.addr, prefix_last(&t->prefix));
		else if (t->kind == TARGET_VARIABLE && t->define)
			source_add(src, t->define->define.targets);
	}
}

static struct source_set source_copy(const struct source_set *src)
{
	struct source_set copy = { .given = src->given };

	for (int f = 0; f < FAMILY_COUNT; f++) {
		ivl_append(&copy.sets[f], &src->sets[f]);
		ivl_normalize(&copy.sets[f]);
	}
	return copy;
}

static void source_release(struct source_set *src)
{
	for (int f = 0; f < FAMILY_COUNT; f++)
		ivl_free(&src->sets[f]);
}

bool class_matches_sending(const struct rule_class *c, const struct sending *s)
{
	return who_matches(&c->who, s) && when_matches(&c->when, &s->at) &&
	       source_matches(&c->src, s);
}

bool who_covers(const struct who *wide, const struct who *narrow)
{
	return owner_set_covers(&wide->users, &narrow->users) &&
	       owner_set_covers(&wide->groups, &narrow->groups) &&
	       (!wide->cgroup || (narrow->cgroup && cgroup_holds(wide->cgroup, narrow->cgroup)));
}

static struct owner_set owner_set_copy(const struct owner_set *set)
{
	struct owner_set copy = { .n = set->n };

	if (set->n) {
		copy.ids = xmalloc(set->n * sizeof(*copy.ids));
		memcpy(copy.ids, set->ids, set->n * sizeof(*copy.ids));
	}
	return copy;
}

static struct who who_copy(const struct who *w)
{
	return (struct who){ .users = owner_set_copy(&w->users),
			     .groups = owner_set_copy(&w->groups), .cgroup = w->cgroup };
}

static struct who opts_who(const struct rule_opts *o)
{
	return (struct who){ .users = owner_set_of(o->users), .groups = owner_set_of(o->groups),
			     .cgroup = o->cgroup };
}

static void who_release(struct who *w)
{
	owner_set_release(&w->users);
	owner_set_release(&w->groups);
}

static int entry_cmp(const void *pa, const void *pb)
{
	const struct entry *a = pa, *b = pb;

	if (a->rule->rule.verdict != b->rule->rule.verdict)
		return a->rule->rule.verdict == VERDICT_DENY ? -1 : 1;
	int c = service_cmp(&a->svc, &b->svc);
	if (c)
		return c;
	c = who_cmp(&a->who, &b->who);
	if (c)
		return c;
	c = when_cmp(&a->rule->rule.opts.window, &b->rule->rule.opts.window);
	if (c)
		return c;
	c = source_cmp(a->src, b->src);
	if (c)
		return c;
	if (a->rule != b->rule)
		return a->rule->rule.index < b->rule->rule.index ? -1 : 1;
	if (!a->dynamic || !b->dynamic)
		return !b->dynamic - !a->dynamic;
	return strcmp(a->dynamic->dynamic.name, b->dynamic->dynamic.name);
}

/* What no policy can cause: a broken invariant of this file. */
static void model_bug(const char *fmt, const char *name) __attribute__((noreturn));

static void model_bug(const char *fmt, const char *name)
{
	fputs("egressc: BUG: model: ", stderr);
	fprintf(stderr, fmt, name);
	fputc('\n', stderr);
	abort();
}

/* Names. Each class's sets are named after its verdict and service
 * ("allow_tcp_80_443"), each run-time set after its class or declaration,
 * and each run-time set has an ipset name too (global on the host, at
 * most 31 characters). A name too long to spell out is its start and a
 * hash of the whole spelling; hashes can collide, so the builder keeps
 * every name it gave and, for a name already taken, hashes again with a
 * salt until it has a free one (a dynamic set's ipset excepted: see
 * ipset_names()). Names are unique by construction, and deterministic:
 * classes and run-time sets are named in model order. */

/* A class's spelling, built piece by piece: the first CLASS_NAME_MAX
 * bytes kept, all of it hashed, however long (a class may have 32768
 * port ranges). */
struct spelling {
	char text[CLASS_NAME_MAX + 1];
	size_t len;
	uint32_t hash;
};

static void spell_text(struct spelling *sp, const char *piece, size_t n)
{
	for (size_t i = 0; i < n; i++, sp->len++)
		if (sp->len < CLASS_NAME_MAX)
			sp->text[sp->len] = piece[i];
	sp->hash = fnv1a(sp->hash, piece, n);
}

static void spell(struct spelling *sp, const char *fmt, unsigned a, unsigned b)
{
	char piece[32];
	int n = snprintf(piece, sizeof(piece), fmt, a, b);

	spell_text(sp, piece, (size_t)n);
}

/* "_user_runner_1001": a name is letters, digits, '_' and '-' (check.c),
 * which every set and chain name may hold; numbers come first, so a name
 * that is all digits cannot be read as another list. */
static void spell_owners(struct spelling *sp, const char *what, const struct owner_set *set)
{
	char buf[48];

	if (!set->n)
		return;
	spell(sp, what, 0, 0);
	for (size_t i = 0; i < set->n; i++) {
		spell_text(sp, "_", 1);
		owner_id_format(&set->ids[i], buf, sizeof(buf));
		spell_text(sp, buf, strlen(buf));
	}
}

/* Whether NAME is given already; if not, it is now. NAME must stay put
 * while the builder runs. */
static bool name_taken(struct strmap *names, const char *name)
{
	if (strmap_get(names, name))
		return true;
	strmap_put(names, name, (void *)name);
	return false;
}

/* "allow_tcp_80_443", "deny_all", "allow_tcp_udp_8000-8100",
 * "deny_tcp_8443_user_runner"; longer than
 * CLASS_NAME_MAX, "allow_tcp_10001_10003_10005_10007_1000_h01234567". A
 * spelt-out name is the service and sender themselves, so two classes
 * (whose keys differ) never share one; nor does a hashed name share one with a
 * spelt-out name, which has no 'h'. */
static void class_name(struct strmap *names, struct rule_class *c)
{
	struct spelling sp = { .hash = FNV_SEED };

	spell(&sp, c->verdict == VERDICT_DENY ? "deny" : "allow", 0, 0);
	if (!c->svc.protos)
		spell(&sp, "_all", 0, 0);
	if (c->svc.protos & PROTO_TCP)
		spell(&sp, "_tcp", 0, 0);
	if (c->svc.protos & PROTO_UDP)
		spell(&sp, "_udp", 0, 0);
	for (size_t i = 0; i < c->svc.nports; i++) {
		const struct port_range *p = &c->svc.ports[i];
		spell(&sp, p->lo == p->hi ? "_%u" : "_%u-%u", p->lo, p->hi);
	}
	spell_owners(&sp, "_user", &c->who.users);
	spell_owners(&sp, "_group", &c->who.groups);
	/* A cgroup by a hash of its path, which no set name could hold:
	 * "_cgroup_1a2b3c4d". */
	if (c->who.cgroup)
		spell(&sp, "_cgroup_%08x", fnv1a(FNV_SEED, c->who.cgroup, strlen(c->who.cgroup)), 0);
	/* A window by a hash of its spans: "_during_1a2b3c4d". */
	if (c->when.n) {
		uint32_t h = FNV_SEED;
		for (size_t i = 0; i < c->when.n; i++) {
			char b[4] = { (char)(c->when.spans[i].lo >> 8),
				       (char)c->when.spans[i].lo,
				       (char)(c->when.spans[i].hi >> 8),
				       (char)c->when.spans[i].hi };
			h = fnv1a(h, b, sizeof(b));
		}
		spell(&sp, "_during_%08x", h, 0);
	}
	/* Sources by a hash of their ranges: "_from_1a2b3c4d". */
	if (c->src.given) {
		uint32_t h = FNV_SEED;
		for (int f = 0; f < FAMILY_COUNT; f++) {
			h = fnv1a(h, f ? "6" : "4", 1);
			for (size_t i = 0; i < c->src.sets[f].n; i++) {
				char b[2 * sizeof(addr_t)];
				memcpy(b, &c->src.sets[f].v[i].lo, sizeof(addr_t));
				memcpy(b + sizeof(addr_t), &c->src.sets[f].v[i].hi, sizeof(addr_t));
				h = fnv1a(h, b, sizeof(b));
			}
		}
		spell(&sp, "_from_%08x", h, 0);
	}
	if (sp.len <= CLASS_NAME_MAX) {
		memcpy(c->name, sp.text, sp.len);
		c->name[sp.len] = '\0';
		if (name_taken(names, c->name))
			model_bug("two classes named '%s'", c->name);
		return;
	}
	for (unsigned salt = 0;; salt++) {
		snprintf(c->name, sizeof(c->name), "%.*s_h%08x", CLASS_NAME_MAX - 10, sp.text,
			 fnv1a_salted(sp.hash, salt));
		if (!name_taken(names, c->name))
			return;
	}
}

/* Whether entries A and B (sorted, A first) belong to one class: one
 * verdict, service, senders, window and sources. */
static bool same_class(const struct entry *a, const struct entry *b)
{
	return a->rule->rule.verdict == b->rule->rule.verdict && service_cmp(&a->svc, &b->svc) == 0 &&
	       who_cmp(&a->who, &b->who) == 0 &&
	       when_cmp(&a->rule->rule.opts.window, &b->rule->rule.opts.window) == 0 &&
	       source_cmp(a->src, b->src) == 0;
}

struct builder {
	struct model *m;
	struct diags *diags;
	struct strmap class_names;	/* every class name given */
	bool overflow;
	size_t origins_cap;
	size_t pinned_cap;
	struct entry *entries;
	size_t nentries, entries_cap;
	struct source_set *sources;	/* by rule index */
};

#define NO_ORIGIN UINT32_MAX

static uint32_t add_origin(struct builder *b, const struct stmt *rule, const struct target *t)
{
	struct model *m = b->m;

	/* Defines used by many rules multiply their targets; the count is
	 * bounded so that an origin always fits a packed set entry. */
	if (m->norigins == RANGESET_MAX_ORIGINS) {
		if (!b->overflow)
			diag_error(b->diags, &rule->loc,
				   "the policy expands to more than %u targets", RANGESET_MAX_ORIGINS);
		b->overflow = true;
		return NO_ORIGIN;
	}
	VEC_GROW(m->origins, m->norigins + 1, b->origins_cap);
	m->origins[m->norigins] = (struct origin){ .rule = rule, .target = t };
	return (uint32_t)m->norigins++;
}

/* Returns whether P went into C's set. */
static bool add_prefix(struct builder *b, struct rule_class *c, const struct prefix *p,
		       uint32_t origin)
{
	struct rangeset *s = &c->sets[p->family];

	if (origin == NO_ORIGIN)
		return false;
	if (s->nranges >= SET_MAX_RANGES) {
		if (!b->overflow)
			diag_error(b->diags, &b->m->origins[origin].rule->loc,
				   "set '%s' would exceed the limit of %u addresses and prefixes",
				   c->name, SET_MAX_RANGES);
		b->overflow = true;
		return false;
	}
	rangeset_add(s, p, origin);
	return true;
}

static void add_pinned(struct builder *b, const struct host *h)
{
	struct model *m = b->m;

	VEC_PUSH(m->pinned, m->npinned, b->pinned_cap, h);
}

static void runtime_add_rule(struct runtime_set *r, const struct stmt *rule)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i] == rule)
			return;
	VEC_PUSH(r->rules, r->nrules, r->rules_cap, rule);
}

static void class_add_runtime(struct rule_class *c, size_t idx)
{
	for (size_t i = 0; i < c->nruntime; i++)
		if (c->runtime[i] == idx)
			return;
	VEC_PUSH(c->runtime, c->nruntime, c->runtime_cap, idx);
}

static size_t new_runtime(struct model *m)
{
	VEC_GROW(m->runtime, m->nruntime + 1, m->runtime_cap);
	memset(&m->runtime[m->nruntime], 0, sizeof(*m->runtime));
	return m->nruntime++;
}

static const char *const ipset_suffix[FAMILY_COUNT] = { "v4", "v6" };

/* Run-time sets. A wildcard set is named after its class, its timeout
 * when that is not the default, and a hash of exactly what fills it: its
 * timeout and its domains, sorted ("allow_tcp_443_dns_b1576f59",
 * "allow_tcp_443_dns_10m_1e9d82cc"). A dnsmasq still configured for
 * another policy names sets this policy does not have (nft: it fails to
 * add; iptables: it adds to the old ipsets, which no rule matches), unless
 * the set it fills has the same class, timeout and domains here: a
 * dropped wildcard never fills a kept set. Within one model the names are
 * unique by construction: a class has one wildcard set per timeout, and
 * class names are unique. A dynamic set is "dyn_NAME", which other
 * software fills by that name. */
static void wildcard_set_name(struct runtime_set *r, const struct rule_class *c)
{
	char buf[DURATION_STRLEN], timeout[DURATION_STRLEN + 1] = "";
	int n = snprintf(buf, sizeof(buf), "%u", r->timeout);
	uint32_t h = fnv1a(FNV_SEED, buf, (size_t)n);

	for (size_t i = 0; i < r->nwildcards; i++) {
		h = fnv1a(h, "/", 1);
		h = fnv1a(h, r->wildcards[i]->domain, strlen(r->wildcards[i]->domain));
	}
	if (r->timeout != DEFAULT_TIMEOUT_SECONDS)
		snprintf(timeout, sizeof(timeout), "_%s", duration_format(r->timeout, buf));
	snprintf(r->name, sizeof(r->name), "%s_dns%s_%08x", c->name, timeout, h);
}

/* A run-time set's ipsets are named by lib/ipsetname.h: the timeout is in
 * the spelling, "dyn_NAME_TIMEOUT" for a dynamic set and for a wildcard
 * set its nft name, which hashes it. */
/* Gives R the first ipset names of SPELLING free in NAMES, salted from
 * SALT on. */
static void ipset_take(struct strmap *names, struct runtime_set *r, const char *spelling,
		       unsigned salt)
{
	for (;; salt++) {
		for (int f = 0; f < FAMILY_COUNT; f++)
			ipsetname_make(r->ipset[f], spelling, ipset_suffix[f], salt);
		if (!strmap_get(names, r->ipset[0]) && !strmap_get(names, r->ipset[1]))
			break;
	}
	strmap_put(names, r->ipset[0], r);
	strmap_put(names, r->ipset[1], r);
}

/* Dynamic sets' ipsets come first and are not salted, so that a reader
 * with only the policy (the verifier) can name them: two that collide (a
 * 32-bit hash of spellings that begin alike) are an error, named apart
 * all the same. Wildcard sets' are salted until they are free. Returns 0,
 * or -1 with errors queued. */
static int ipset_names(struct model *m, struct diags *d)
{
	struct strmap names;
	char spelling[RUNTIME_NAME_MAX + 1];
	int rc = 0;

	strmap_init(&names);
	for (size_t i = 0; i < m->nruntime; i++) {
		struct runtime_set *r = &m->runtime[i];
		if (r->kind != RUNTIME_DYNAMIC)
			continue;
		ipsetname_dynamic_spelling(spelling, sizeof(spelling), r->decl->dynamic.name,
					   r->decl->dynamic.opts.timeout);
		ipsetname_dynamic(r->ipset[FAMILY_V4], r->decl->dynamic.name,
				  r->decl->dynamic.opts.timeout, ipset_suffix[FAMILY_V4]);
		const struct runtime_set *other = strmap_get(&names, r->ipset[FAMILY_V4]);
		if (other) {
			struct diag *dg = diag_error(d, &r->decl->dynamic.name_loc,
				"dynamic sets '$%s' and '$%s' would share the ipset name '%s'; rename one",
				r->decl->dynamic.name, other->decl->dynamic.name, r->ipset[FAMILY_V4]);
			diag_related(dg, &other->decl->dynamic.name_loc, "declared here");
			rc = -1;
		}
		ipset_take(&names, r, spelling, other ? 1 : 0);
	}
	for (size_t i = 0; i < m->nruntime; i++)
		if (m->runtime[i].kind == RUNTIME_WILDCARD)
			ipset_take(&names, &m->runtime[i], m->runtime[i].name, 0);
	strmap_release(&names);
	return rc;
}

/* Static ipsets. What a set holds is hashed as its intervals, each bound
 * as 16 bytes, most significant first: the same on every machine. */
static uint32_t hash_interval(uint32_t h, addr_t lo, addr_t hi)
{
	char bytes[32];

	for (int i = 0; i < 16; i++) {
		bytes[i] = (char)(unsigned char)(lo >> (8 * (15 - i)));
		bytes[16 + i] = (char)(unsigned char)(hi >> (8 * (15 - i)));
	}
	return fnv1a(h, bytes, sizeof(bytes));
}

static void count_prefix(const struct prefix *p, void *arg)
{
	(void)p;
	++*(size_t *)arg;
}

/* Gives S the first name for SPELLING and CONTENT free in NAMES, or none
 * when the set needs no ipset. */
static void static_ipset_take(struct strmap *names, struct static_ipset *s, const char *spelling,
			      uint32_t content, enum family f)
{
	s->name[0] = '\0';
	if (s->nprefixes < 2)
		return;
	for (unsigned salt = 0;; salt++) {
		ipsetname_static(s->name, spelling, content, ipset_suffix[f], salt);
		if (!strmap_get(names, s->name))
			break;
	}
	strmap_put(names, s->name, s);
}

/* Whether range I of C's set of family F came from a hostname. */
static bool range_from_host(const struct model *m, const struct rule_class *c, enum family f,
			    size_t i)
{
	const struct target *t = m->origins[rangeset_range(&c->sets[f], i).origin].target;

	return t && t->kind == TARGET_HOST;
}

bool model_class_refreshed(const struct model *m, const struct rule_class *c)
{
	(void)m;
	return c->refreshed;
}

bool model_span_refreshed(const struct model *m, const struct rule_class *c, enum family f,
			  size_t i)
{
	struct span sp = rangeset_span(&c->sets[f], i);

	if (c->verdict != VERDICT_ALLOW)
		return false;
	/* A span the optimizer trimmed keeps its contributors: only one
	 * that still holds part of a name's address counts. */
	for (size_t j = sp.first; j < sp.first + sp.count; j++) {
		struct range r = rangeset_range(&c->sets[f], j);
		if (r.lo <= sp.hi && r.hi >= sp.lo && range_from_host(m, c, f, j))
			return true;
	}
	return false;
}

/* Class C's refresh ipsets, named before any static one so that their
 * names never depend on what another set holds. */
static void refresh_ipset_take(struct strmap *names, const struct model *m, struct rule_class *c)
{
	char spelling[CLASS_NAME_MAX + 32];

	for (int f = 0; f < FAMILY_COUNT; f++) {
		struct refresh_ipset *r = &c->refresh[f];
		memset(r, 0, sizeof(*r));
		if (!model_class_refreshed(m, c))
			continue;
		for (size_t j = 0; j < c->sets[f].nspans; j++) {
			if (!model_span_refreshed(m, c, (enum family)f, j))
				continue;
			struct span sp = rangeset_span(&c->sets[f], j);
			range_to_prefixes((enum family)f, sp.lo, sp.hi, count_prefix, &r->nprefixes);
		}
		r->maxelem = REFRESH_IPSET_ROOM;
		while (r->maxelem < 2 * r->nprefixes)
			r->maxelem *= 2;
	}
	if (!c->refresh[FAMILY_V4].maxelem)
		return;
	/* One room for both families: one spelling, both suffixes. */
	size_t room = c->refresh[FAMILY_V4].maxelem > c->refresh[FAMILY_V6].maxelem
			      ? c->refresh[FAMILY_V4].maxelem : c->refresh[FAMILY_V6].maxelem;
	if (room == REFRESH_IPSET_ROOM)
		snprintf(spelling, sizeof(spelling), "pin_%s", c->name);
	else
		snprintf(spelling, sizeof(spelling), "pin_%s_%zu", c->name, room);
	for (unsigned salt = 0;; salt++) {
		for (int f = 0; f < FAMILY_COUNT; f++)
			ipsetname_make(c->refresh[f].name, spelling, ipset_suffix[f], salt);
		if (!strmap_get(names, c->refresh[FAMILY_V4].name) &&
		    !strmap_get(names, c->refresh[FAMILY_V6].name))
			break;
	}
	for (int f = 0; f < FAMILY_COUNT; f++) {
		c->refresh[f].maxelem = room;
		strmap_put(names, c->refresh[f].name, &c->refresh[f]);
	}
}

static const char *duplicate_ipset_name(const struct model *m);

void model_name_static_ipsets(struct model *m)
{
	struct strmap names;

	if (m->static_ipsets_named)
		return;
	strmap_init(&names);
	strmap_reserve(&names, FAMILY_COUNT * m->nruntime + m->nclasses);
	for (size_t i = 0; i < m->nruntime; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			strmap_put(&names, m->runtime[i].ipset[f], &m->runtime[i]);
	for (size_t i = 0; i < m->nclasses; i++)
		refresh_ipset_take(&names, m, &m->classes[i]);
	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			const struct rangeset *set = &c->sets[f];
			uint32_t h = FNV_SEED;
			c->ipset[f].nprefixes = 0;
			if (c->verdict == VERDICT_ALLOW) {
				for (size_t j = 0; j < set->nspans; j++) {
					if (c->refresh[f].name[0] &&
					    model_span_refreshed(m, c, (enum family)f, j))
						continue;
					struct span sp = rangeset_span(set, j);
					h = hash_interval(h, sp.lo, sp.hi);
					range_to_prefixes((enum family)f, sp.lo, sp.hi, count_prefix,
							  &c->ipset[f].nprefixes);
				}
			}
			static_ipset_take(&names, &c->ipset[f], c->name, h, (enum family)f);
			for (size_t j = 0; j < c->nparts; j++) {
				struct deny_part *part = &c->parts[j];
				const struct ivlist *l = &part->sets[f];
				h = FNV_SEED;
				part->ipset[f].nprefixes = 0;
				for (size_t k = 0; k < l->n; k++) {
					h = hash_interval(h, l->v[k].lo, l->v[k].hi);
					range_to_prefixes((enum family)f, l->v[k].lo, l->v[k].hi,
							  count_prefix, &part->ipset[f].nprefixes);
				}
				static_ipset_take(&names, &part->ipset[f],
						  m->counters[part->counter].name, h, (enum family)f);
			}
		}
	}
	strmap_release(&names);
	m->static_ipsets_named = true;
	/* model_build() checked the rest before they had names. */
	const char *twice = duplicate_ipset_name(m);
	if (twice)
		model_bug("the name '%s' is given twice", twice);
}

void model_assert_static_ipsets_named(const struct model *m)
{
	if (!m->static_ipsets_named)
		model_bug("%s", "static ipsets asked for before model_name_static_ipsets()");
}

bool model_uses_ipsets(const struct model *m, enum family f)
{
	model_assert_static_ipsets_named(m);
	if (m->nruntime || m->record != RECORD_OFF)
		return true;
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->ipset[f].name[0] || c->refresh[f].name[0])
			return true;
		for (size_t j = 0; j < c->nparts; j++)
			if (c->parts[j].ipset[f].name[0])
				return true;
	}
	return false;
}

/* The ports one protocol's shared classes take, a bit each: what a class
 * must stay clear of to join. */
struct port_bitmap {
	uint64_t w[65536 / 64];
};

/* Whether any port of [LO, HI] is set in B (SET false), or sets them all
 * (SET true). */
static bool port_bitmap_range(struct port_bitmap *b, unsigned lo, unsigned hi, bool set)
{
	for (unsigned p = lo; p <= hi;) {
		unsigned bit = p % 64, n = hi - p + 1 < 64 - bit ? hi - p + 1 : 64 - bit;
		uint64_t mask = (n == 64 ? ~(uint64_t)0 : (((uint64_t)1 << n) - 1)) << bit;
		if (set)
			b->w[p / 64] |= mask;
		else if (b->w[p / 64] & mask)
			return true;
		p += n;
	}
	return false;
}

/* Whether class C may join the shared lookup of family F at all. */
static bool shareable(const struct rule_class *c, enum family f)
{
	return c->verdict == VERDICT_ALLOW && c->svc.protos && c->svc.nports &&
	       !(c->svc.protos & ~(unsigned)(PROTO_TCP | PROTO_UDP)) && who_everyone(&c->who) &&
	       !c->when.n && !c->src.given && !c->nruntime && c->sets[f].nspans;
}

/* Its elements there: its minimal prefixes (those of its static set and
 * those of its refresh set together: every span's) with each protocol and
 * port range. Counted no further than the limit: a list's million
 * prefixes are too many as soon as they are more than that. */
static size_t shared_elements(const struct rule_class *c, enum family f)
{
	size_t protos = (size_t)!!(c->svc.protos & PROTO_TCP) + !!(c->svc.protos & PROTO_UDP);
	size_t per_prefix = protos * c->svc.nports, n = 0;

	for (size_t j = 0; j < c->sets[f].nspans && n * per_prefix <= SHARED_CLASS_ELEMENTS_MAX; j++) {
		struct span sp = rangeset_span(&c->sets[f], j);
		range_to_prefixes(f, sp.lo, sp.hi, count_prefix, &n);
	}
	return n * per_prefix;
}

void model_share_lookups(struct model *m)
{
	struct port_bitmap *taken = xcalloc(2, sizeof(*taken));	/* tcp, udp */

	for (int f = 0; f < FAMILY_COUNT; f++) {
		memset(taken, 0, 2 * sizeof(*taken));
		m->nshared[f] = m->shared_elements[f] = 0;
		for (size_t i = 0; i < m->nclasses; i++) {
			struct rule_class *c = &m->classes[i];
			const size_t n = shareable(c, (enum family)f) ? shared_elements(c, (enum family)f) : 0;
			bool clear = n && n <= SHARED_CLASS_ELEMENTS_MAX;
			c->shared[f] = false;
			for (int k = 0; k < 2; k++)
				for (size_t j = 0; clear && (c->svc.protos >> k & 1) && j < c->svc.nports; j++)
					clear = !port_bitmap_range(&taken[k], c->svc.ports[j].lo,
								   c->svc.ports[j].hi, false);
			if (!clear)
				continue;
			for (int k = 0; k < 2; k++)
				for (size_t j = 0; (c->svc.protos >> k & 1) && j < c->svc.nports; j++)
					port_bitmap_range(&taken[k], c->svc.ports[j].lo, c->svc.ports[j].hi,
							  true);
			c->shared[f] = true;
			m->nshared[f]++;
			m->shared_elements[f] += n;
		}
		if (m->nshared[f] >= SHARED_CLASSES_MIN)
			continue;
		for (size_t i = 0; i < m->nclasses; i++)
			m->classes[i].shared[f] = false;
		m->nshared[f] = m->shared_elements[f] = 0;
	}
	free(taken);
}

/* Returns 0, or -1 with errors queued. */
static int runtime_names(struct model *m, struct diags *d)
{
	struct strmap names;

	strmap_init(&names);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (size_t j = 0; j < c->nruntime; j++) {
			struct runtime_set *r = &m->runtime[c->runtime[j]];
			if (r->kind != RUNTIME_WILDCARD)
				continue;
			wildcard_set_name(r, c);
			if (name_taken(&names, r->name))
				model_bug("two run-time sets named '%s'", r->name);
		}
	}
	strmap_release(&names);
	return ipset_names(m, d);
}

/* Wildcards of class C sharing RULE's timeout share a set. */
static void add_wildcard(struct builder *b, struct rule_class *c, const struct stmt *rule,
			 const struct target *t)
{
	struct model *m = b->m;
	const uint32_t timeout = rule->rule.opts.timeout;
	struct runtime_set *r = NULL;

	for (size_t i = 0; i < c->nruntime && !r; i++)
		if (m->runtime[c->runtime[i]].kind == RUNTIME_WILDCARD &&
		    m->runtime[c->runtime[i]].timeout == timeout)
			r = &m->runtime[c->runtime[i]];
	if (!r) {
		size_t idx = new_runtime(m);
		r = &m->runtime[idx];
		r->kind = RUNTIME_WILDCARD;
		r->timeout = timeout;	/* named once its wildcards are known */
		class_add_runtime(c, idx);
	}
	runtime_add_rule(r, rule);
	VEC_PUSH(r->wildcards, r->nwildcards, r->wildcards_cap, t);
}

/* Adds every address under T (following defines) to class C. */
static void expand(struct builder *b, struct rule_class *c, const struct stmt *rule,
		   const struct target *t)
{
	for (; t; t = t->next) {
		switch (t->kind) {
		case TARGET_ADDRESS:
			add_prefix(b, c, &t->prefix, add_origin(b, rule, t));
			break;
		case TARGET_HOST: {
			uint32_t o = add_origin(b, rule, t);
			/* model_class_refreshed(): known here, where the
			 * origin is at hand, without a scan of every range. */
			for (size_t i = 0; i < t->host->naddrs; i++)
				if (add_prefix(b, c, &t->host->addrs[i], o) &&
				    c->verdict == VERDICT_ALLOW)
					c->refreshed = true;
			if (rule->rule.verdict == VERDICT_ALLOW)
				add_pinned(b, t->host);
			break;
		}
		case TARGET_VARIABLE:
			if (t->define)
				expand(b, c, rule, t->define->define.targets);
			break; /* a dynamic set has an entry of its own */
		case TARGET_FILE: {
			uint32_t o = add_origin(b, rule, t);
			struct rangeset *v4 = &c->sets[FAMILY_V4];
			/* A million prefixes: room at once, not by doubling;
			 * in one copy when add_prefix() would take them all. */
			rangeset_reserve(v4, t->list->n4);
			rangeset_reserve(&c->sets[FAMILY_V6], t->list->n6);
			if (o != NO_ORIGIN && v4->nranges + t->list->n4 <= SET_MAX_RANGES)
				rangeset_add_v4_keys(v4, t->list->v4, t->list->n4, o);
			else
				for (size_t i = 0; i < t->list->n4; i++) {
					struct prefix p = addrlist_v4(t->list, i);
					add_prefix(b, c, &p, o);
				}
			for (size_t i = 0; i < t->list->n6; i++)
				add_prefix(b, c, &t->list->v6[i], o);
			break;
		}
		case TARGET_WILDCARD:
			add_wildcard(b, c, rule, t);
			break;
		}
	}
}

static int host_name_cmp(const void *pa, const void *pb)
{
	const struct host *const *a = pa, *const *b = pb;

	return strcmp((*a)->name, (*b)->name);
}

static void pinned_finish(struct model *m)
{
	size_t n = 0;

	if (m->npinned > 1)
		qsort(m->pinned, m->npinned, sizeof(*m->pinned), host_name_cmp);
	for (size_t i = 0; i < m->npinned; i++)
		if (n == 0 || m->pinned[n - 1] != m->pinned[i])
			m->pinned[n++] = m->pinned[i];
	m->npinned = n;
}

/* Which rules of each class contributed to each family's set, so outputs
 * name only those: a rule whose hostname has no IPv6 address is not behind
 * the class's IPv6 set. */
static void family_rules_finish(struct model *m)
{
	bool *used = xcalloc(m->policy->nrules ? m->policy->nrules : 1, sizeof(*used));

	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			const struct rangeset *s = &c->sets[f];
			size_t n = 0, seen = 0;
			/* Every range's origin is a rule of the class: once
			 * all have been seen, a list's other ranges add none. */
			for (size_t j = 0; j < s->nranges && seen < c->nrules; j++) {
				unsigned idx = m->origins[rangeset_range(s, j).origin].rule->rule.index;
				seen += !used[idx];
				used[idx] = true;
			}
			c->family_rules[f] = xmalloc((c->nrules ? c->nrules : 1) * sizeof(**c->family_rules));
			for (size_t j = 0; j < c->nrules; j++) {
				unsigned idx = c->rules[j]->rule.index;
				if (used[idx])
					c->family_rules[f][n++] = c->rules[j];
				used[idx] = false;
			}
			c->nfamily_rules[f] = n;
		}
	}
	free(used);
}

static void add_entry(struct builder *b, const struct entry *e)
{
	VEC_PUSH(b->entries, b->nentries, b->entries_cap, *e);
}

/* Whether T names anything but dynamic sets; and an entry for each
 * dynamic set it names (duplicates are merged when classes form). */
static bool rule_entries(struct builder *b, const struct stmt *rule, const struct service *svc,
			 const struct who *who, const struct target *t)
{
	bool other = false;

	for (; t; t = t->next) {
		if (t->kind == TARGET_VARIABLE && t->define) {
			other |= rule_entries(b, rule, svc, who, t->define->define.targets);
		} else if (t->kind == TARGET_VARIABLE && t->dynamic) {
			struct service dsvc = opts_service(&t->dynamic->dynamic.opts), both;
			if (service_intersect(svc, &dsvc, &both)) {
				add_entry(b, &(struct entry){ .rule = rule, .svc = both,
							      .who = *who, .dynamic = t->dynamic });
			} else {
				struct diag *dg = diag_error(b->diags, &t->loc,
					"the rule and dynamic set '$%s' have no protocol and port in common",
					t->dynamic->dynamic.name);
				diag_related(dg, &t->dynamic->dynamic.name_loc, "declared here");
				b->overflow = true;
			}
			free(dsvc.ports);
		} else {
			other = true;
		}
	}
	return other;
}

static void add_dynamic(struct builder *b, struct rule_class *c, const struct entry *e)
{
	struct model *m = b->m;

	for (size_t i = 0; i < m->nruntime; i++) {
		if (m->runtime[i].decl == e->dynamic) {
			class_add_runtime(c, i);
			runtime_add_rule(&m->runtime[i], e->rule);
			return;
		}
	}
}

static int dynamic_decl_cmp(const void *pa, const void *pb)
{
	const struct stmt *const *a = pa, *const *b = pb;

	return strcmp((*a)->dynamic.name, (*b)->dynamic.name);
}

/* Every declared dynamic set exists, used or not, so whatever fills it
 * finds it; sorted by name. */
static void declare_dynamic_sets(struct model *m, const struct policy *p)
{
	const struct stmt **decls = NULL;
	size_t n = 0, decls_cap = 0;

	for (const struct stmt *s = p->stmts; s; s = s->next) {
		if (s->kind != STMT_DYNAMIC)
			continue;
		VEC_PUSH(decls, n, decls_cap, s);
	}
	if (n > 1)
		qsort(decls, n, sizeof(*decls), dynamic_decl_cmp);
	for (size_t i = 0; i < n; i++) {
		size_t idx = new_runtime(m);	/* may move m->runtime */
		struct runtime_set *r = &m->runtime[idx];
		r->kind = RUNTIME_DYNAMIC;
		r->decl = decls[i];
		r->timeout = decls[i]->dynamic.opts.timeout;
		snprintf(r->name, sizeof(r->name), "dyn_%s", decls[i]->dynamic.name);
	}
	free(decls);
}

static int wildcard_domain_cmp(const void *pa, const void *pb)
{
	const struct target *const *a = pa, *const *b = pb;
	int c = strcmp((*a)->domain, (*b)->domain);

	if (c)
		return c;
	return (*a)->loc.first_line != (*b)->loc.first_line
		       ? ((*a)->loc.first_line < (*b)->loc.first_line ? -1 : 1)
		       : (*a)->loc.first_column - (*b)->loc.first_column;
}

static int stmt_index_cmp(const void *pa, const void *pb)
{
	const struct stmt *const *a = pa, *const *b = pb;

	return (*a)->rule.index < (*b)->rule.index ? -1 : (*a)->rule.index > (*b)->rule.index;
}

static void runtime_finish(struct model *m)
{
	for (size_t i = 0; i < m->nruntime; i++) {
		struct runtime_set *r = &m->runtime[i];
		if (r->nwildcards > 1) {
			qsort(r->wildcards, r->nwildcards, sizeof(*r->wildcards), wildcard_domain_cmp);
			size_t n = 0;
			for (size_t j = 0; j < r->nwildcards; j++)
				if (n == 0 || strcmp(r->wildcards[n - 1]->domain, r->wildcards[j]->domain))
					r->wildcards[n++] = r->wildcards[j];
			r->nwildcards = n;
		}
		if (r->nrules > 1)
			qsort(r->rules, r->nrules, sizeof(*r->rules), stmt_index_cmp);
	}
	/* A class's sets: wildcards by timeout, then dynamic sets by name,
	 * which their indexes already follow. */
	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		for (size_t j = 1; j < c->nruntime; j++) {
			size_t v = c->runtime[j], k = j;
			for (; k > 0; k--) {
				const struct runtime_set *a = &m->runtime[c->runtime[k - 1]],
							 *b = &m->runtime[v];
				bool after = a->kind != b->kind ? a->kind == RUNTIME_DYNAMIC
								: a->kind == RUNTIME_WILDCARD
									  ? a->timeout > b->timeout
									  : c->runtime[k - 1] > v;
				if (!after)
					break;
				c->runtime[k] = c->runtime[k - 1];
			}
			c->runtime[k] = v;
		}
	}
}

static int wildcard_domain_cmp_name(const void *pa, const void *pb)
{
	const struct wildcard_domain *a = pa, *b = pb;

	return strcmp(a->domain, b->domain);
}

/* The domains of every class's wildcard sets, sorted and merged: one
 * named by an allow class and a deny class is allowed. */
static void domains_finish(struct model *m)
{
	size_t n = 0, u = 0;

	for (size_t i = 0; i < m->nclasses; i++)
		for (size_t j = 0; j < m->classes[i].nruntime; j++)
			n += m->runtime[m->classes[i].runtime[j]].nwildcards;
	m->domains = xmalloc((n ? n : 1) * sizeof(*m->domains));
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (size_t j = 0; j < c->nruntime; j++) {
			const struct runtime_set *r = &m->runtime[c->runtime[j]];
			for (size_t w = 0; w < r->nwildcards; w++)
				m->domains[m->ndomains++] = (struct wildcard_domain){
					r->wildcards[w]->domain, c->verdict == VERDICT_ALLOW };
		}
	}
	if (m->ndomains > 1)
		qsort(m->domains, m->ndomains, sizeof(*m->domains), wildcard_domain_cmp_name);
	for (size_t i = 0; i < m->ndomains; i++) {
		if (u && strcmp(m->domains[u - 1].domain, m->domains[i].domain) == 0)
			m->domains[u - 1].allowed |= m->domains[i].allowed;
		else
			m->domains[u++] = m->domains[i];
	}
	m->ndomains = u;
}

/* deny_1, deny_2, ... in policy order, then default. Returns, for each
 * rule index, its counter (allow rules: none), for deny_parts_finish(). */
static size_t *counters_declare(struct model *m, const struct policy *p)
{
	size_t *of_rule = xcalloc(p->nrules ? p->nrules : 1, sizeof(*of_rule));
	size_t n = 0;

	for (const struct stmt *s = p->stmts; s; s = s->next)
		n += s->kind == STMT_RULE && s->rule.verdict == VERDICT_DENY;
	m->counters = xcalloc(n + 1, sizeof(*m->counters));
	for (const struct stmt *s = p->stmts; s; s = s->next) {
		if (s->kind != STMT_RULE || s->rule.verdict != VERDICT_DENY)
			continue;
		struct counter *k = &m->counters[m->ncounters];
		snprintf(k->name, sizeof(k->name), "deny_%zu", m->ncounters + 1);
		k->rule = s;
		of_rule[s->rule.index] = m->ncounters++;
	}
	snprintf(m->counters[m->ncounters++].name, COUNTER_NAME_MAX + 1, "default");
	return of_rule;
}

static bool runtime_named_by(const struct runtime_set *r, const struct stmt *rule)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i] == rule)
			return true;
	return false;
}

/* Splits each deny class's sets by rule (the parts), and gives each of its
 * run-time sets the counter of the first rule of the class that names it. */
static void deny_parts_finish(struct model *m, const size_t *of_rule)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		if (c->verdict != VERDICT_DENY)
			continue;
		c->parts = xcalloc(c->nrules ? c->nrules : 1, sizeof(*c->parts));
		for (size_t r = 0; r < c->nrules; r++)
			c->parts[r].counter = of_rule[c->rules[r]->rule.index];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			const struct rangeset *set = &c->sets[f];
			for (size_t j = 0; j < set->nranges; j++) {
				struct range rg = rangeset_range(set, j);
				const struct stmt *rule = m->origins[rg.origin].rule;
				size_t r = 0;
				while (c->rules[r] != rule)
					r++;
				ivl_add(&c->parts[r].sets[f], rg.lo, rg.hi);
			}
		}
		for (size_t r = 0; r < c->nrules; r++) {
			struct deny_part *part = &c->parts[r];
			for (int f = 0; f < FAMILY_COUNT; f++)
				ivl_normalize(&part->sets[f]);
			if (part->sets[FAMILY_V4].n || part->sets[FAMILY_V6].n)
				c->parts[c->nparts++] = *part;
		}
		c->runtime_counter = xcalloc(c->nruntime ? c->nruntime : 1,
					     sizeof(*c->runtime_counter));
		for (size_t j = 0; j < c->nruntime; j++) {
			const struct runtime_set *rs = &m->runtime[c->runtime[j]];
			size_t r = 0;
			while (r + 1 < c->nrules && !runtime_named_by(rs, c->rules[r]))
				r++;
			c->runtime_counter[j] = of_rule[c->rules[r]->rule.index];
		}
	}
}

int model_build(struct model *m, const struct policy *p, struct diags *d)
{
	struct builder b = { .m = m, .diags = d };

	memset(m, 0, sizeof(*m));
	strmap_init(&b.class_names);
	m->policy = p;
	m->default_verdict = p->default_verdict;
	m->on_deny = p->on_deny;
	m->resolver = p->resolver;
	m->mode = p->mode;
	m->log_denied = p->log_denied || p->mode == MODE_MONITOR;
	m->log_to_group = p->log_to_group;
	m->log_group = p->log_group;
	m->record = model_record(p);
	m->record_limit = p->record_limit;
	if (m->record != RECORD_OFF) {
		/* 'ipset create' fixes maxelem: the name holds it. */
		char spelling[32];
		snprintf(spelling, sizeof(spelling), "record_%u", m->record_limit);
		for (int f = 0; f < FAMILY_COUNT; f++)
			ipsetname_make(m->record_ipset[f], spelling, ipset_suffix[f], 0);
	}
	size_t *counter_of_rule = counters_declare(m, p);
	b.sources = xcalloc(p->nrules ? p->nrules : 1, sizeof(*b.sources));
	/* An entry a rule, mostly: reserved, not doubled into place. */
	VEC_GROW(b.entries, p->nrules, b.entries_cap);
	declare_dynamic_sets(m, p);
	for (const struct stmt *s = p->stmts; s; s = s->next) {
		if (s->kind != STMT_RULE)
			continue;
		struct service svc = opts_service(&s->rule.opts);
		struct who who = opts_who(&s->rule.opts);
		size_t first = b.nentries;
		struct source_set *src = &b.sources[s->rule.index];
		src->given = s->rule.opts.sources != NULL;
		source_add(src, s->rule.opts.sources);
		for (int f = 0; f < FAMILY_COUNT; f++)
			ivl_normalize(&src->sets[f]);
		if (rule_entries(&b, s, &svc, &who, s->rule.targets))
			add_entry(&b, &(struct entry){ .rule = s, .svc = svc, .who = who });
		else
			free(svc.ports);
		/* The rule's entries share its who; one of them owns it. */
		if (b.nentries > first)
			b.entries[first].owns_who = true;
		else
			who_release(&who);
	}
	for (size_t i = 0; i < b.nentries; i++)
		b.entries[i].src = &b.sources[b.entries[i].rule->rule.index];
	if (b.nentries > 1)
		qsort(b.entries, b.nentries, sizeof(*b.entries), entry_cmp);

	/* As many classes as runs of entries with one key: a class is as big
	 * as its who, when, source and static ipsets make it, and there may
	 * be far fewer classes than entries. Allocated once: the class-name
	 * map points into the classes. */
	size_t nclasses = b.nentries ? 1 : 0;
	for (size_t i = 1; i < b.nentries; i++) {
		b.entries[i].joins = same_class(&b.entries[i - 1], &b.entries[i]);
		nclasses += !b.entries[i].joins;
	}
	m->classes = xcalloc(nclasses ? nclasses : 1, sizeof(*m->classes));
	strmap_reserve(&b.class_names, nclasses);
	for (size_t i = 0; i < b.nentries; i++) {
		const struct entry *e = &b.entries[i];
		struct rule_class *c = m->nclasses ? &m->classes[m->nclasses - 1] : NULL;
		if (e->joins) {
			free(e->svc.ports);
		} else {
			c = &m->classes[m->nclasses++];
			c->verdict = e->rule->rule.verdict;
			c->svc = e->svc;
			/* A copy: the entry's arrays belong to its rule's
			 * first entry, freed below. */
			c->who = who_copy(&e->who);
			c->when = e->rule->rule.opts.window;
			c->src = source_copy(e->src);
			class_name(&b.class_names, c);
			for (int f = 0; f < FAMILY_COUNT; f++)
				rangeset_init(&c->sets[f], (enum family)f);
		}
		if (!c->nrules || c->rules[c->nrules - 1] != e->rule) {
			VEC_PUSH(c->rules, c->nrules, c->rules_cap, e->rule);
		}
		if (e->dynamic)
			add_dynamic(&b, c, e);
		else
			expand(&b, c, e->rule, e->rule->rule.targets);
	}
	for (size_t i = 0; i < b.nentries; i++)
		if (b.entries[i].owns_who)
			who_release(&b.entries[i].who);
	free(b.entries);
	for (unsigned i = 0; i < p->nrules; i++)
		source_release(&b.sources[i]);
	free(b.sources);
	strmap_release(&b.class_names);
	runtime_finish(m);
	domains_finish(m);
	if (runtime_names(m, d) < 0)
		b.overflow = true;
	for (size_t i = 0; i < m->nclasses; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			rangeset_finish(&m->classes[i].sets[f]);
	family_rules_finish(m);
	deny_parts_finish(m, counter_of_rule);
	free(counter_of_rule);
	model_share_lookups(m);
	pinned_finish(m);
	const char *twice = model_duplicate_name(m);
	if (twice)
		model_bug("the name '%s' is given twice", twice);
	return b.overflow ? -1 : 0;
}

/* Adds NAME to SEEN; returns it if it was there already. */
static const char *seen_twice(struct strmap *seen, const char *name)
{
	return strmap_put(seen, name, (void *)name) ? name : NULL;
}

/* The ipset name given twice, or NULL. */
static const char *duplicate_ipset_name(const struct model *m)
{
	struct strmap ipsets;
	const char *twice = NULL;

	strmap_init(&ipsets);
	strmap_reserve(&ipsets, FAMILY_COUNT * m->nruntime + m->nclasses);
	for (size_t i = 0; i < m->nruntime && !twice; i++)
		for (int f = 0; f < FAMILY_COUNT && !twice; f++)
			twice = seen_twice(&ipsets, m->runtime[i].ipset[f]);
	for (size_t i = 0; i < m->nclasses && !twice; i++) {
		const struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT && !twice; f++) {
			if (c->ipset[f].name[0])
				twice = seen_twice(&ipsets, c->ipset[f].name);
			if (c->refresh[f].name[0] && !twice)
				twice = seen_twice(&ipsets, c->refresh[f].name);
			for (size_t j = 0; j < c->nparts && !twice; j++)
				if (c->parts[j].ipset[f].name[0])
					twice = seen_twice(&ipsets, c->parts[j].ipset[f].name);
		}
	}
	strmap_release(&ipsets);
	return twice;
}

const char *model_duplicate_name(const struct model *m)
{
	struct strmap sets;
	const char *twice = NULL;

	strmap_init(&sets);
	strmap_reserve(&sets, m->nclasses + m->ncounters + m->nruntime);
	/* nft sets are the classes', the deny parts' (named by their
	 * counters) and the run-time sets', each with "_v4" or "_v6"; the
	 * counters name iptables chains too. */
	for (size_t i = 0; i < m->nclasses && !twice; i++)
		twice = seen_twice(&sets, m->classes[i].name);
	for (size_t i = 0; i < m->ncounters && !twice; i++)
		twice = seen_twice(&sets, m->counters[i].name);
	for (size_t i = 0; i < m->nruntime && !twice; i++)
		twice = seen_twice(&sets, m->runtime[i].name);
	strmap_release(&sets);
	return twice ? twice : duplicate_ipset_name(m);
}

void model_release(struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			rangeset_release(&c->sets[f]);
			free(c->family_rules[f]);
		}
		for (size_t j = 0; j < c->nparts; j++)
			for (int f = 0; f < FAMILY_COUNT; f++)
				ivl_free(&c->parts[j].sets[f]);
		free(c->parts);
		free(c->runtime_counter);
		free(c->svc.ports);
		who_release(&c->who);
		source_release(&c->src);
		free(c->rules);
		free(c->runtime);
	}
	free(m->counters);
	free(m->classes);
	for (size_t i = 0; i < m->nruntime; i++) {
		free(m->runtime[i].wildcards);
		free(m->runtime[i].rules);
	}
	free(m->runtime);
	free(m->domains);
	free(m->origins);
	free(m->pinned);
	memset(m, 0, sizeof(*m));
}

bool model_names_senders(const struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++)
		if (!who_everyone(&m->classes[i].who) || m->classes[i].src.given)
			return true;
	return false;
}

bool model_names_cgroups(const struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++)
		if (m->classes[i].who.cgroup)
			return true;
	return false;
}

static int addr_cmp(const void *pa, const void *pb)
{
	addr_t a = *(const addr_t *)pa, b = *(const addr_t *)pb;

	return (a > b) - (a < b);
}

addr_t *model_source_cuts(const struct model *const *ms, size_t nmodels, enum family f, size_t *n)
{
	addr_t *cuts = NULL;
	size_t k = 0, cap = 0, u = 0;

	VEC_PUSH(cuts, k, cap, (addr_t)0);
	for (size_t w = 0; w < nmodels; w++) {
		for (size_t i = 0; i < ms[w]->nclasses; i++) {
			const struct ivlist *l = &ms[w]->classes[i].src.sets[f];
			for (size_t j = 0; j < l->n; j++) {
				VEC_PUSH(cuts, k, cap, l->v[j].lo);
				if (l->v[j].hi != family_max(f))
					VEC_PUSH(cuts, k, cap, l->v[j].hi + 1);
			}
		}
	}
	qsort(cuts, k, sizeof(*cuts), addr_cmp);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || cuts[u - 1] != cuts[i])
			cuts[u++] = cuts[i];
	*n = u;
	return cuts;
}

bool service_matches(const struct service *svc, unsigned proto, uint16_t port)
{
	if (!svc->protos)
		return true;
	if (!(svc->protos & proto))
		return false;
	if (!svc->nports)
		return true;
	for (size_t i = 0; i < svc->nports; i++)
		if (port >= svc->ports[i].lo && port <= svc->ports[i].hi)
			return true;
	return false;
}

bool service_covers(const struct service *wide, const struct service *narrow)
{
	if (!wide->protos)
		return true;
	if (!narrow->protos || (narrow->protos & ~wide->protos))
		return false;
	if (!wide->nports)
		return true;
	if (!narrow->nports)
		return false;
	/* Both sorted and merged: each narrow range inside one wide range. */
	size_t j = 0;
	for (size_t i = 0; i < narrow->nports; i++) {
		while (j < wide->nports && wide->ports[j].hi < narrow->ports[i].lo)
			j++;
		if (j == wide->nports || wide->ports[j].lo > narrow->ports[i].lo ||
		    wide->ports[j].hi < narrow->ports[i].hi)
			return false;
	}
	return true;
}

static const struct counter *part_counter(const struct model *m, const struct rule_class *c,
					  const struct packet *pkt)
{
	for (size_t i = 0; i < c->nparts; i++)
		if (ivl_covers(&c->parts[i].sets[pkt->family], pkt->addr, pkt->addr))
			return &m->counters[c->parts[i].counter];
	return NULL;
}

enum exemption model_exemption(const struct model *m, const struct packet *pkt)
{
	bool loopback = pkt->family == FAMILY_V4 ? pkt->addr >> 24 == 127 : pkt->addr == 1;

	return loopback ? EXEMPT_LOOPBACK : EXEMPT_NONE;
}

struct decision model_decide(const struct model *m, const struct packet *pkt)
{
	struct decision best = { .verdict = m->default_verdict, .reason = DECIDED_BY_DEFAULT,
				 .counter = model_default_counter(m) };

	/* Classes are deny first, so the first match decides. */
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!service_matches(&c->svc, pkt->proto, pkt->port) || !class_matches_sending(c, &pkt->from))
			continue;
		long sp = rangeset_find(&c->sets[pkt->family], pkt->addr);
		if (sp < 0)
			continue;
		best = (struct decision){ .verdict = c->verdict, .reason = DECIDED_BY_RULE,
					  .cls = c,
					  .span = rangeset_span(&c->sets[pkt->family], (size_t)sp),
					  .counter = part_counter(m, c, pkt) };
		break;
	}
	return best;
}

struct decision model_decide_blocked(const struct model *m, const struct packet *pkt)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		long sp;
		if (c->verdict != VERDICT_DENY || !service_matches(&c->svc, pkt->proto, pkt->port) ||
		    (sp = rangeset_find(&c->sets[pkt->family], pkt->addr)) < 0)
			continue;
		return (struct decision){ .verdict = VERDICT_DENY, .reason = DECIDED_BY_RULE,
					  .cls = c,
					  .span = rangeset_span(&c->sets[pkt->family], (size_t)sp),
					  .counter = part_counter(m, c, pkt) };
	}
	return (struct decision){ .verdict = m->default_verdict, .reason = DECIDED_BY_DEFAULT,
				  .counter = model_default_counter(m) };
}

/* Every span of the classes of verdict V that match the service and
 * either FROM or (FROM NULL) every sender and time class NARROW matches,
 * into OUT (emptied first), normalized. */
static void region_of(const struct model *m, enum verdict v, const struct sending *from,
		      const struct rule_class *narrow, enum family f, unsigned proto, uint16_t port,
		      struct ivlist *out)
{
	out->n = 0;
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict != v || !service_matches(&c->svc, proto, port))
			continue;
		/* A source is of the packet's family: no other family's
		 * class for sources matches it. */
		if (from && from->src.known && from->src.family != f && c->src.given)
			continue;
		if (from ? !class_matches_sending(c, from)
			 : !who_covers(&c->who, &narrow->who) || !when_covers(&c->when, &narrow->when) ||
				   !source_covers(&c->src, &narrow->src))
			continue;
		for (size_t j = 0; j < c->sets[f].nspans; j++) {
			struct span sp = rangeset_span(&c->sets[f], j);
			ivl_add(out, sp.lo, sp.hi);
		}
	}
	ivl_normalize(out);
}

static const struct sending no_sender;

void model_denied_region(const struct model *m, enum family f, unsigned proto, uint16_t port,
			 struct ivlist *out)
{
	model_denied_region_from(m, &no_sender, f, proto, port, out);
}

void model_accepted_region(const struct model *m, enum family f, unsigned proto, uint16_t port,
			   struct ivlist *out)
{
	model_accepted_region_from(m, &no_sender, f, proto, port, out);
}

void model_denied_region_from(const struct model *m, const struct sending *from, enum family f,
			      unsigned proto, uint16_t port, struct ivlist *out)
{
	region_of(m, VERDICT_DENY, from, NULL, f, proto, port, out);
}

void model_denied_region_covering(const struct model *m, const struct rule_class *narrow,
				  enum family f, unsigned proto, uint16_t port, struct ivlist *out)
{
	region_of(m, VERDICT_DENY, NULL, narrow, f, proto, port, out);
}

void model_accepted_region_from(const struct model *m, const struct sending *from,
				enum family f, unsigned proto, uint16_t port, struct ivlist *out)
{
	struct ivlist deny = { 0 }, allow = { 0 };

	region_of(m, VERDICT_DENY, from, NULL, f, proto, port, &deny);
	if (m->default_verdict == VERDICT_ALLOW)
		ivl_add(&allow, 0, family_max(f));
	else
		region_of(m, VERDICT_ALLOW, from, NULL, f, proto, port, &allow);
	ivl_subtract(out, &allow, &deny);
	ivl_free(&deny);
	ivl_free(&allow);
}

static void owners_merge(struct owner_set *out, const struct owner_set *in, size_t *cap)
{
	for (size_t i = 0; i < in->n; i++)
		VEC_PUSH(out->ids, out->n, *cap, in->ids[i]);
}

static void owners_finish(struct owner_set *set)
{
	size_t n = 0;

	if (set->n > 1)
		qsort(set->ids, set->n, sizeof(*set->ids), owner_id_qcmp);
	for (size_t i = 0; i < set->n; i++)
		if (n == 0 || owner_id_cmp(&set->ids[n - 1], &set->ids[i]) != 0)
			set->ids[n++] = set->ids[i];
	set->n = n;
}

void model_owners(const struct model *const *ms, size_t nmodels, struct owner_set *users,
		  struct owner_set *groups)
{
	size_t ucap = 0, gcap = 0;

	memset(users, 0, sizeof(*users));
	memset(groups, 0, sizeof(*groups));
	for (size_t w = 0; w < nmodels; w++) {
		for (size_t i = 0; i < ms[w]->nclasses; i++) {
			owners_merge(users, &ms[w]->classes[i].who.users, &ucap);
			owners_merge(groups, &ms[w]->classes[i].who.groups, &gcap);
		}
	}
	owners_finish(users);
	owners_finish(groups);
}

static int cgroup_qcmp(const void *pa, const void *pb)
{
	return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

size_t model_cgroups(const struct model *const *ms, size_t nmodels, const char ***out)
{
	const char **v = NULL;
	size_t n = 0, cap = 0, unique = 0;

	for (size_t w = 0; w < nmodels; w++)
		for (size_t i = 0; i < ms[w]->nclasses; i++)
			if (ms[w]->classes[i].who.cgroup)
				VEC_PUSH(v, n, cap, ms[w]->classes[i].who.cgroup);
	if (n > 1)
		qsort(v, n, sizeof(*v), cgroup_qcmp);
	for (size_t i = 0; i < n; i++)
		if (unique == 0 || strcmp(v[unique - 1], v[i]) != 0)
			v[unique++] = v[i];
	*out = v;
	return unique;
}

static int u16_cmp(const void *pa, const void *pb)
{
	return (int)*(const uint16_t *)pa - (int)*(const uint16_t *)pb;
}

uint16_t *model_window_cuts(const struct model *const *ms, size_t nmodels, size_t *n)
{
	uint16_t *cuts = NULL;
	size_t k = 0, cap = 0, u = 0;

	for (size_t w = 0; w < nmodels; w++) {
		for (size_t i = 0; i < ms[w]->nclasses; i++) {
			const struct window *win = &ms[w]->classes[i].when;
			for (size_t j = 0; j < win->n; j++) {
				VEC_PUSH(cuts, k, cap, win->spans[j].lo);
				VEC_PUSH(cuts, k, cap, (uint16_t)(win->spans[j].hi % WEEK_MINUTES));
			}
		}
	}
	if (k > 1)
		qsort(cuts, k, sizeof(*cuts), u16_cmp);
	for (size_t i = 0; i < k; i++)
		if (u == 0 || cuts[u - 1] != cuts[i])
			cuts[u++] = cuts[i];
	*n = u;
	return cuts;
}

uint16_t *model_port_cuts(const struct model *const *ms, size_t nmodels, size_t *n)
{
	size_t cap = 1, k = 0;

	for (size_t w = 0; w < nmodels; w++)
		for (size_t i = 0; i < ms[w]->nclasses; i++)
			cap += 2 * ms[w]->classes[i].svc.nports;
	uint16_t *cuts = xmalloc(cap * sizeof(*cuts));
	cuts[k++] = 0;
	for (size_t w = 0; w < nmodels; w++) {
		for (size_t i = 0; i < ms[w]->nclasses; i++) {
			const struct service *svc = &ms[w]->classes[i].svc;
			for (size_t j = 0; j < svc->nports; j++) {
				cuts[k++] = svc->ports[j].lo;
				if (svc->ports[j].hi < 65535)
					cuts[k++] = (uint16_t)(svc->ports[j].hi + 1);
			}
		}
	}
	qsort(cuts, k, sizeof(*cuts), u16_cmp);
	size_t m = 0;
	for (size_t i = 0; i < k; i++)
		if (m == 0 || cuts[m - 1] != cuts[i])
			cuts[m++] = cuts[i];
	*n = m;
	return cuts;
}

bool service_intersect(const struct service *a, const struct service *b, struct service *out)
{
	const struct service *src = NULL;

	memset(out, 0, sizeof(*out));
	if (!a->protos)
		src = b;
	else if (!b->protos)
		src = a;
	if (src) {
		*out = *src;
		out->ports = NULL;
		if (src->nports) {
			out->ports = xmalloc(src->nports * sizeof(*out->ports));
			memcpy(out->ports, src->ports, src->nports * sizeof(*out->ports));
		}
		return true;
	}
	out->protos = a->protos & b->protos;
	if (!out->protos)
		return false;
	if (!a->nports || !b->nports) {
		src = a->nports ? a : b;
		out->nports = src->nports;
		if (src->nports) {
			out->ports = xmalloc(src->nports * sizeof(*out->ports));
			memcpy(out->ports, src->ports, src->nports * sizeof(*out->ports));
		}
		return true;
	}
	/* Both sorted and merged: walk them together. */
	out->ports = xmalloc((a->nports + b->nports) * sizeof(*out->ports));
	for (size_t i = 0, j = 0; i < a->nports && j < b->nports;) {
		uint16_t lo = a->ports[i].lo > b->ports[j].lo ? a->ports[i].lo : b->ports[j].lo;
		uint16_t hi = a->ports[i].hi < b->ports[j].hi ? a->ports[i].hi : b->ports[j].hi;
		if (lo <= hi)
			out->ports[out->nports++] = (struct port_range){ lo, hi };
		if (a->ports[i].hi < b->ports[j].hi)
			i++;
		else
			j++;
	}
	if (out->nports)
		return true;
	free(out->ports);
	memset(out, 0, sizeof(*out));
	return false;
}

/* Whether class C could still change decision D for PKT as its run-time
 * sets or pins grow: a class of the other verdict whose service matches.
 * None can once a deny rule decided: nothing added undoes a deny. */
static bool class_could_change(const struct rule_class *c, const struct packet *pkt,
			       const struct decision *d)
{
	if (d->verdict == VERDICT_DENY && d->reason != DECIDED_BY_DEFAULT)
		return false;
	enum verdict changer = d->verdict == VERDICT_ALLOW ? VERDICT_DENY : VERDICT_ALLOW;
	return c->verdict == changer && service_matches(&c->svc, pkt->proto, pkt->port) &&
	       class_matches_sending(c, &pkt->from);
}

size_t model_runtime_could(const struct model *m, const struct packet *pkt,
			   const struct decision *d, const struct runtime_set **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!class_could_change(c, pkt, d))
			continue;
		for (size_t j = 0; j < c->nruntime && n < max; j++) {
			const struct runtime_set *r = &m->runtime[c->runtime[j]];
			bool seen = false;
			for (size_t k = 0; k < n; k++)
				seen |= out[k] == r;
			if (!seen)
				out[n++] = r;
		}
	}
	return n;
}

size_t model_addresses_could(const struct model *m, const struct packet *pkt,
			     const struct decision *d, const struct stmt **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!class_could_change(c, pkt, d))
			continue;
		for (int f = 0; f < FAMILY_COUNT; f++) {
			for (size_t j = 0; j < c->nfamily_rules[f] && n < max; j++) {
				const struct stmt *rule = c->family_rules[f][j];
				bool seen = false;
				for (size_t k = 0; k < n; k++)
					seen |= out[k] == rule;
				if (!seen)
					out[n++] = rule;
			}
		}
	}
	return n;
}

size_t model_senders_could(const struct model *m, const struct packet *pkt,
			   const struct decision *d, const struct rule_class **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nclasses && n < max; i++) {
		const struct rule_class *c = &m->classes[i];
		if ((who_everyone(&c->who) && !c->when.n && !c->src.given) ||
		    class_matches_sending(c, &pkt->from) ||
		    !service_matches(&c->svc, pkt->proto, pkt->port) ||
		    rangeset_find(&c->sets[pkt->family], pkt->addr) < 0)
			continue;
		struct packet as = *pkt;
		as.from.user = c->who.users.n ? &c->who.users.ids[0] : pkt->from.user;
		as.from.group = c->who.groups.n ? &c->who.groups.ids[0] : pkt->from.group;
		as.from.cgroup = c->who.cgroup ? c->who.cgroup : pkt->from.cgroup;
		if (c->when.n && !when_matches(&c->when, &pkt->from.at))
			as.from.at = (struct instant){ true, c->when.spans[0].lo };
		if (c->src.given) {
			if (!c->src.sets[pkt->family].n)
				continue;
			as.from.src.known = true;
			as.from.src.family = pkt->family;
			as.from.src.addr = c->src.sets[pkt->family].v[0].lo;
			as.from.user = as.from.group = NULL;
			as.from.cgroup = NULL;
		}
		struct decision other = model_decide(m, &as);
		if (other.verdict != d->verdict && other.cls == c)
			out[n++] = c;
	}
	return n;
}

static bool name_pinned(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->npinned; i++)
		if (strcmp(m->pinned[i]->name, name) == 0)
			return true;
	return false;
}

/* Whether DNS lockdown, enforcing, forwards NAME (not pinned): it is below
 * a domain an allow rule's wildcard names. */
static bool lockdown_forwards(const struct model *m, const char *name)
{
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].allowed && strcmp(name, m->domains[i].domain) != 0 &&
		    domain_within(name, m->domains[i].domain))
			return true;
	return false;
}

/* Whether dnsmasq asks upstream for NAME, which is what fills sets.
 * Monitoring, DNS lockdown forwards every name. */
static bool name_forwarded(const struct model *m, const char *name)
{
	if (name_pinned(m, name))
		return false;
	if (!m->resolver || m->mode == MODE_MONITOR)
		return true;
	return lockdown_forwards(m, name);
}

bool model_dns_refuses(const struct model *m, const char *name)
{
	return m->resolver && !name_pinned(m, name) && !lockdown_forwards(m, name);
}

bool model_runtime_takes(const struct model *m, const struct runtime_set *r, const char *name)
{
	if (r->kind != RUNTIME_WILDCARD || !name_forwarded(m, name))
		return false;
	for (size_t w = 0; w < r->nwildcards; w++)
		if (domain_within(name, r->wildcards[w]->domain))
			return true;
	return false;
}

struct decision model_decide_name(const struct model *m, const char *name,
				  const struct packet *pkt)
{
	struct decision best = { .verdict = m->default_verdict, .reason = DECIDED_BY_DEFAULT,
				 .counter = model_default_counter(m) };

	/* Classes are deny first, so the first match decides. */
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!service_matches(&c->svc, pkt->proto, pkt->port) || !class_matches_sending(c, &pkt->from))
			continue;
		for (size_t j = 0; j < c->nruntime; j++) {
			const struct runtime_set *r = &m->runtime[c->runtime[j]];
			if (!model_runtime_takes(m, r, name))
				continue;
			best = (struct decision){
				.verdict = c->verdict, .reason = DECIDED_BY_RUNTIME, .cls = c,
				.runtime = r,
				.counter = c->verdict == VERDICT_DENY
						   ? &m->counters[c->runtime_counter[j]]
						   : NULL,
			};
			return best;
		}
	}
	return best;
}

/* Whether K counts packets the policy denies (rather than the accepts of
 * a default allow). */
static bool counter_denies(const struct model *m, const struct counter *k)
{
	return k->rule || m->default_verdict == VERDICT_DENY;
}

bool model_counter_logs(const struct model *m, const struct counter *k)
{
	return m->log_denied && counter_denies(m, k);
}

enum record_what model_record(const struct policy *p)
{
	if (p->record_given)
		return p->record;
	return p->mode == MODE_MONITOR ? RECORD_BLOCKED : RECORD_OFF;
}

bool model_counter_records(const struct model *m, const struct counter *k)
{
	return m->record == RECORD_BLOCKED && counter_denies(m, k);
}

bool model_counter_blocks(const struct model *m, const struct counter *k)
{
	return m->mode == MODE_ENFORCE && counter_denies(m, k);
}

bool model_replies_first(const struct model *m)
{
	return m->mode == MODE_MONITOR;
}

bool model_checks_source_route(const struct model *m)
{
	if (m->mode == MODE_MONITOR)
		return false;
	for (const struct stmt *s = m->policy->stmts; s; s = s->next)
		if (s->kind == STMT_RULE && s->rule.opts.sources)
			return true;
	return false;
}

size_t model_host_classes(const struct model *m, const struct host *h,
			  const struct rule_class **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nclasses && n < max; i++) {
		const struct rule_class *c = &m->classes[i];
		bool fed = false;
		if (!model_class_refreshed(m, c))
			continue;
		for (int f = 0; f < FAMILY_COUNT && !fed; f++)
			for (size_t j = 0; j < c->sets[f].nranges && !fed; j++) {
				const struct target *t = m->origins[rangeset_range(&c->sets[f], j).origin].target;
				fed = t && t->kind == TARGET_HOST && t->host == h;
			}
		if (fed)
			out[n++] = c;
	}
	return n;
}

bool model_host_owns(const struct model *m, const struct rule_class *c, const struct host *h,
		     enum family f, addr_t a)
{
	long i = rangeset_find(&c->sets[f], a);

	if (i < 0)
		return false;
	struct span sp = rangeset_span(&c->sets[f], (size_t)i);
	if (sp.lo != a || sp.hi != a)
		return false;
	for (size_t j = sp.first; j < sp.first + sp.count; j++) {
		const struct target *t = m->origins[rangeset_range(&c->sets[f], j).origin].target;
		if (!t || t->kind != TARGET_HOST || t->host != h)
			return false;
	}
	return true;
}

bool model_denies_any(const struct model *m, const struct rule_class *c, enum family f,
		      addr_t a)
{
	static const unsigned protos[] = { PROTO_TCP, PROTO_UDP, 0 };
	const struct model *ms[] = { m };
	size_t ncuts;
	uint16_t *cuts = model_port_cuts(ms, 1, &ncuts);
	bool blocks = false;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]) && !blocks; i++) {
		if (c->svc.protos && !(c->svc.protos & protos[i]))
			continue;
		/* Another protocol has no ports: one packet stands for all. */
		for (size_t j = 0; j < (protos[i] ? ncuts : 1) && !blocks; j++) {
			struct packet pkt = { .family = f, .addr = a, .proto = protos[i],
					      .port = protos[i] ? cuts[j] : 0 };
			if (!service_matches(&c->svc, pkt.proto, pkt.port))
				continue;
			struct decision d = model_decide(m, &pkt);
			blocks = d.reason == DECIDED_BY_RULE && d.cls->verdict == VERDICT_DENY;
		}
	}
	free(cuts);
	return blocks;
}

const struct inside_range model_inside_ranges[] = {
	{ "0.0.0.0/32", "an unspecified address", true },
	{ "127.0.0.0/8", "a loopback address", true },
	{ "169.254.0.0/16", "a link-local address", true },
	{ "10.0.0.0/8", "a private address", false },
	{ "172.16.0.0/12", "a private address", false },
	{ "192.168.0.0/16", "a private address", false },
	{ "100.64.0.0/10", "a shared (carrier-grade NAT) address", false },
	{ "224.0.0.0/4", "a multicast address", true },
	{ "::/128", "an unspecified address", true },
	{ "::1/128", "a loopback address", true },
	{ "fe80::/10", "a link-local address", true },
	{ "fc00::/7", "a private (unique local) address", false },
	{ "ff00::/8", "a multicast address", true },
};
const size_t model_ninside_ranges = sizeof(model_inside_ranges) / sizeof(*model_inside_ranges);

const struct inside_range *model_inside_range(enum family f, addr_t a)
{
	for (size_t i = 0; i < model_ninside_ranges; i++) {
		struct prefix p;
		prefix_parse(model_inside_ranges[i].prefix, &p);
		if (p.family == f && a >= p.addr && a <= prefix_last(&p))
			return &model_inside_ranges[i];
	}
	return NULL;
}
