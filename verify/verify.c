/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "verify/verify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/addrlist.h"
#include "lib/arena.h"
#include "compiler/ast.h"
#include "lib/dnsname.h"
#include "compiler/diag.h"
#include "lib/duration.h"
#include "lib/ivlist.h"
#include "lib/ipsetname.h"
#include "emit/names.h"
#include "lib/vec.h"
#include "lib/window.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof(*(a)))

/* Lines a reader expects, built from the policy. */
struct vlines {
	char **v;
	size_t n, cap;
};

static void vlines_add(struct vlines *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void vlines_add(struct vlines *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *line = xmalloc((size_t)(n < 0 ? 0 : n) + 1);
	va_start(ap, fmt);
	vsnprintf(line, (size_t)(n < 0 ? 0 : n) + 1, fmt, ap);
	va_end(ap);
	VEC_PUSH(l->v, l->n, l->cap, line);
}

static void vlines_free(struct vlines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Protocol classes of a packet: ports exist only for TCP and UDP. */
enum {
	VP_TCP = PROTO_TCP,
	VP_UDP = PROTO_UDP,
	VP_OTHER = 1 << 2,
	VP_ALL = VP_TCP | VP_UDP | VP_OTHER,
};

/* --- rules as a reader or the policy sees them ----------------------------- */

/* Longest chain name a deny may jump to. */
#define VJUMP_MAX 40

/* Ports lo to hi, both included: the verifier's own, not the model's. */
struct vport_range {
	uint16_t lo, hi;
};

/* Users or groups, each a name or a number, spelt as the policy does. */
#define VOWNER_MAX 48

struct vowners {
	char (*v)[VOWNER_MAX];
	size_t n, cap;
};

static void vowners_add(struct vowners *o, const char *text, size_t len)
{
	VEC_GROW(o->v, o->n + 1, o->cap);
	snprintf(o->v[o->n++], VOWNER_MAX, "%.*s", (int)(len < VOWNER_MAX ? len : VOWNER_MAX - 1),
		 text);
}

static bool vowners_has(const struct vowners *o, const char *text)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->v[i], text) == 0)
			return true;
	return false;
}

/* FROM's entries that O lacks, onto O. */
static void vowners_add_new(struct vowners *o, const struct vowners *from)
{
	for (size_t i = 0; i < from->n; i++)
		if (!vowners_has(o, from->v[i]))
			vowners_add(o, from->v[i], strlen(from->v[i]));
}

struct vrule {
	bool accept;
	unsigned protos;		/* VP_* bits */
	struct vport_range *ports;	/* nports 0: every port */
	size_t nports, ports_cap;
	/* A second match both must pass: a dynamic set's own protocols and
	 * ports, in the policy's view. */
	bool has_also;
	unsigned also_protos;
	struct vport_range *also_ports;
	size_t also_nports, also_ports_cap;
	struct ivlist addrs;		/* normalized */
	/* A run-time set instead of addrs: every address when on, none when
	 * off; the scenario being checked decides. */
	bool runtime;
	bool on;
	bool off;			/* not for the sender or time being checked */
	bool has_src;			/* the sources in from, below, are given */
	enum family family;		/* beside the flags: a chain holds 100,000s */
	char *set;			/* the ruleset's view: the set's name (malloc'd) */
	const struct target *src;	/* the policy's view: wildcard or $dynamic */
	char jump[VJUMP_MAX];		/* the ruleset's view of a deny: where it goes */
	/* The sending socket's owner it is for, as written (a name, or a
	 * number in decimal); none: every sender. */
	struct vowners users, groups;
	/* The cgroup v2 path it is for (malloc'd), which also matches the
	 * cgroups below it; NULL: any. */
	char *cgroup;
	/* The times it matches (malloc'd: few rules have one); NULL: any
	 * time. */
	struct window *when;
	/* The sources of forwarded packets it matches (its family's), when
	 * it has any: never this machine's own packets. */
	struct ivlist from;
};

struct vchain {
	struct vrule *rules;
	size_t n, cap;
	bool final_accept;		/* what happens after the last rule */
	/* Reading: replies (established, related) are accepted from here on,
	 * so a deny that follows would not stop a denied host that connected
	 * in from getting data back. */
	bool replies_accepted;
	bool policy_drop;		/* the base chain's own policy */
	char final_jump[VJUMP_MAX];	/* not final_accept: where the rest goes */
	/* Reading: the chain's final verdict was read. No rule may follow
	 * it (nft or iptables would never reach one), and on nft it, not
	 * the base chain's policy, decides what comes to it. */
	bool final_read;
};

static struct vrule *chain_add(struct vchain *c)
{
	VEC_GROW(c->rules, c->n + 1, c->cap);
	struct vrule *r = &c->rules[c->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void vrule_release(struct vrule *r)
{
	ivl_free(&r->addrs);
	free(r->set);
	free(r->when);
	free(r->users.v);
	free(r->groups.v);
	free(r->cgroup);
	ivl_free(&r->from);
	free(r->ports);
	free(r->also_ports);
}

static void chain_free(struct vchain *c)
{
	for (size_t i = 0; i < c->n; i++)
		vrule_release(&c->rules[i]);
	free(c->rules);
	memset(c, 0, sizeof(*c));
}

static void rule_add_port(struct vrule *r, unsigned lo, unsigned hi)
{
	VEC_PUSH(r->ports, r->nports, r->ports_cap,
		 (struct vport_range){ (uint16_t)lo, (uint16_t)hi });
}

/* Does R match packets of protocol class PROTO to ports [LO, HI]? The
 * interval is elementary: no rule's port range starts or ends inside it. */
static bool match_one(unsigned protos, const struct vport_range *ports, size_t nports,
		      unsigned proto, unsigned lo)
{
	if (!(protos & proto))
		return false;
	if (proto == VP_OTHER || !nports)
		return true;
	for (size_t i = 0; i < nports; i++)
		if (lo >= ports[i].lo && lo <= ports[i].hi)
			return true;
	return false;
}

static bool rule_matches(const struct vrule *r, unsigned proto, unsigned lo)
{
	return match_one(r->protos, r->ports, r->nports, proto, lo) &&
	       (!r->has_also || match_one(r->also_protos, r->also_ports, r->also_nports, proto, lo));
}

/* Where a rule's addresses begin or end, for chain_accepted()'s sweep. */
struct addr_event {
	addr_t at;
	size_t rank;		/* the rule's place among those that match */
	bool start;
};

static int addr_event_cmp(const void *a, const void *b)
{
	const struct addr_event *x = a, *y = b;
	return (x->at > y->at) - (x->at < y->at);
}

/* A min-heap of ranks; ended ones leave it lazily, when they reach the top. */
struct rank_heap {
	size_t *v;
	size_t n, cap;
};

static void heap_push(struct rank_heap *h, size_t rank)
{
	size_t i = h->n;

	VEC_GROW(h->v, h->n + 1, h->cap);
	h->v[h->n++] = rank;
	while (i > 0 && h->v[(i - 1) / 2] > h->v[i]) {
		size_t up = (i - 1) / 2, t = h->v[up];
		h->v[up] = h->v[i];
		h->v[i] = t;
		i = up;
	}
}

static void heap_pop(struct rank_heap *h)
{
	size_t i = 0;

	h->v[0] = h->v[--h->n];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n && h->v[l] < h->v[m])
			m = l;
		if (r < h->n && h->v[r] < h->v[m])
			m = r;
		if (m == i)
			return;
		size_t t = h->v[m];
		h->v[m] = h->v[i];
		h->v[i] = t;
		i = m;
	}
}

/* chain_accepted()'s arrays, kept from one call to the next: it runs at
 * every port cut of every comparison, a million times for a policy of
 * many classes, mostly over a handful of rules. */
struct accept_scratch {
	const struct vrule **rules;
	size_t rules_cap;
	struct addr_event *ev;
	size_t ev_cap;
	size_t *held;
	size_t held_cap;
	struct rank_heap heap;
};

static void accept_scratch_release(struct accept_scratch *x)
{
	free(x->rules);
	free(x->ev);
	free(x->held);
	free(x->heap.v);
}

/* The destinations of family F that chain C accepts for PROTO, port LO,
 * looking at the rules SOME names (in chain order: every rule that could
 * match LO), or at every rule when SOME is NULL. The first rule that
 * matches an address decides it; none, the chain's end. A sweep over the
 * addresses where rules begin and end, keeping the first of the rules
 * that hold the address: subtracting what earlier rules covered, rule by
 * rule, cost N^2 for N one-prefix rules (iptables writes one a prefix).
 * X: the arrays it works in. */
static void chain_accepted(const struct vchain *c, const size_t *some, size_t nsome,
			   enum family f, unsigned proto, unsigned lo, struct ivlist *acc,
			   struct accept_scratch *x)
{
	const addr_t max = family_max(f);
	size_t nrules = 0, nev = 0;

	acc->n = 0;
	x->heap.n = 0;
	for (size_t k = 0, n = some ? nsome : c->n; k < n; k++) {
		const struct vrule *r = &c->rules[some ? some[k] : k];
		if (r->family != f || r->off || !rule_matches(r, proto, lo) || (r->runtime && !r->on))
			continue;
		size_t rank = nrules;
		VEC_PUSH(x->rules, nrules, x->rules_cap, r);
		if (r->runtime) {
			VEC_PUSH(x->ev, nev, x->ev_cap, (struct addr_event){ 0, rank, true });
			continue;
		}
		for (size_t i = 0; i < r->addrs.n; i++) {
			VEC_PUSH(x->ev, nev, x->ev_cap,
				 (struct addr_event){ r->addrs.v[i].lo, rank, true });
			if (r->addrs.v[i].hi < max)
				VEC_PUSH(x->ev, nev, x->ev_cap,
					 (struct addr_event){ r->addrs.v[i].hi + 1, rank, false });
		}
	}
	struct addr_event *ev = x->ev;
	if (nev > 1)	/* NULL when empty, which qsort() may not be given */
		qsort(ev, nev, sizeof(*ev), addr_event_cmp);
	/* held[rank]: how many of the rule's intervals hold the address. */
	VEC_GROW(x->held, nrules ? nrules : 1, x->held_cap);
	size_t *held = x->held;
	memset(held, 0, (nrules ? nrules : 1) * sizeof(*held));
	addr_t at = 0;
	for (size_t e = 0;;) {
		for (; e < nev && ev[e].at == at; e++) {
			if (ev[e].start && held[ev[e].rank]++ == 0)
				heap_push(&x->heap, ev[e].rank);
			else if (!ev[e].start)
				held[ev[e].rank]--;
		}
		while (x->heap.n && !held[x->heap.v[0]])
			heap_pop(&x->heap);
		bool accept = x->heap.n ? x->rules[x->heap.v[0]]->accept : c->final_accept;
		addr_t end = e < nev ? ev[e].at - 1 : max;
		if (accept)
			ivl_add(acc, at, end);
		if (e == nev)
			break;
		at = ev[e].at;
	}
	ivl_normalize(acc);
}

/* --- where denies go -------------------------------------------------------- */

/* A jump from the main chain goes to the chain that blocks, or to a
 * counter's chain, which logs and blocks, or logs and accepts (monitor
 * mode: the packet is denied in the policy's sense, and watched), or
 * accepts without logging (the default policy's counter under default
 * allow). Readers note each chain's end as they meet it and each jump's
 * target, and resolve the jumps once all is read. */
enum vend {
	VEND_BLOCK,
	VEND_WATCH,
	VEND_ACCEPT,
};

/* An index by name over an array of named elements that grows: it keeps
 * positions, not pointers, and finds a name in constant time where a scan
 * of thousands of sets for every rule that names one cost N^2. The name of
 * element I is at BASE + I * STRIDE + OFFSET. */
struct name_index {
	size_t *slots;		/* position + 1; 0: free */
	size_t cap, count;
	size_t stride, offset;
};

static uint64_t name_hash(const char *name, size_t len)
{
	uint64_t h = 14695981039346656037u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211u;
	return h;
}

static const char *name_at(const struct name_index *x, const void *base, size_t i)
{
	return (const char *)base + i * x->stride + x->offset;
}

/* Position of NAME[0..LEN) in BASE, or -1. */
static long name_index_find(const struct name_index *x, const void *base, const char *name,
			    size_t len)
{
	if (!x->cap)
		return -1;
	for (size_t s = name_hash(name, len) & (x->cap - 1);; s = (s + 1) & (x->cap - 1)) {
		if (!x->slots[s])
			return -1;
		const char *have = name_at(x, base, x->slots[s] - 1);
		if (strlen(have) == len && memcmp(have, name, len) == 0)
			return (long)(x->slots[s] - 1);
	}
}

/* Indexes element I of BASE, by the name it holds. */
static void name_index_add(struct name_index *x, const void *base, size_t i)
{
	if (2 * (x->count + 1) > x->cap) {
		size_t *old = x->slots, old_cap = x->cap;
		x->cap = x->cap ? 2 * x->cap : 64;
		x->slots = xcalloc(x->cap, sizeof(*x->slots));
		x->count = 0;
		for (size_t s = 0; s < old_cap; s++)
			if (old[s])
				name_index_add(x, base, old[s] - 1);
		free(old);
	}
	const char *name = name_at(x, base, i);
	size_t s = name_hash(name, strlen(name)) & (x->cap - 1);
	while (x->slots[s])
		s = (s + 1) & (x->cap - 1);
	x->slots[s] = i + 1;
	x->count++;
}

struct vchain_state {
	char name[VJUMP_MAX];
	enum vend end;
	bool ended, logged;
};

struct vchains {
	struct vchain_state *v;
	size_t n, cap;
	struct name_index index;
};

static void vchains_add(struct vchains *t, const char *name, size_t len)
{
	VEC_GROW(t->v, t->n + 1, t->cap);
	memset(&t->v[t->n], 0, sizeof(*t->v));
	snprintf(t->v[t->n].name, VJUMP_MAX, "%.*s", (int)len, name);
	t->index.stride = sizeof(*t->v);
	t->index.offset = offsetof(struct vchain_state, name);
	name_index_add(&t->index, t->v, t->n);
	t->n++;
}

static void vchains_release(struct vchains *t)
{
	free(t->v);
	free(t->index.slots);
}

static void vchains_end(struct vchains *t, size_t k, bool accept)
{
	t->v[k].ended = true;
	t->v[k].end = !accept ? VEND_BLOCK : t->v[k].logged ? VEND_WATCH : VEND_ACCEPT;
}

static long vchains_find(const struct vchains *t, const char *name, size_t len)
{
	return name_index_find(&t->index, t->v, name, len);
}

/* Copies the jump target NAME[0..len) into DST, if it fits. */
static bool set_jump(char dst[VJUMP_MAX], const char *name, size_t len)
{
	if (len == 0 || len >= VJUMP_MAX)
		return false;
	memcpy(dst, name, len);
	dst[len] = '\0';
	return true;
}

/* Turns JUMP into *ACCEPT, checking that a deny ends as mode M wants:
 * blocked (BLOCKER is the blocking chain) only when enforcing, watched
 * only when monitoring. */
static int resolve_jump(struct diags *d, const char *what, const char *jump, bool *accept,
			const struct vchains *t, const char *blocker, enum mode m)
{
	enum vend end = VEND_BLOCK;

	if (strcmp(jump, blocker) != 0) {
		long k = vchains_find(t, jump, strlen(jump));
		if (k < 0 || !t->v[k].ended) {
			diag_error(d, NULL, "%s: a rule jumps to '%s', which is no counter's chain",
				   what, jump);
			return -1;
		}
		end = t->v[k].end;
	}
	*accept = end == VEND_ACCEPT;
	if (end != VEND_ACCEPT && (end == VEND_WATCH) != (m == MODE_MONITOR)) {
		diag_error(d, NULL, m == MODE_MONITOR
			   ? "%s: in monitor mode, a deny still blocks (through '%s')"
			   : "%s: a deny is accepted (through '%s') though the mode is enforce",
			   what, jump);
		return -1;
	}
	return 0;
}

static int resolve_jumps(struct diags *d, const char *what, struct vchain *c,
			 const struct vchains *t, const char *blocker, enum mode m)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->rules[i].jump[0] &&
		    resolve_jump(d, what, c->rules[i].jump, &c->rules[i].accept, t, blocker, m) < 0)
			return -1;
	if (c->final_jump[0] &&
	    resolve_jump(d, what, c->final_jump, &c->final_accept, t, blocker, m) < 0)
		return -1;
	return 0;
}

/* --- the policy's own view, from the AST ----------------------------------- */

/* The leaves of T (through defines) that are run-time sets, appended to
 * *V. */
static void runtime_leaves(const struct target *t, const struct target ***v, size_t *n,
			   size_t *cap)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_WILDCARD || (t->kind == TARGET_VARIABLE && t->dynamic)) {
			VEC_PUSH(*v, *n, *cap, t);
		} else if (t->kind == TARGET_VARIABLE && t->define) {
			runtime_leaves(t->define->define.targets, v, n, cap);
		}
	}
}

/* What a port and proto clause match: proto without port is every port
 * of it, port without proto is TCP, neither is everything. */
static unsigned opts_protos(const struct rule_opts *o)
{
	unsigned protos = 0;

	for (const struct proto_item *pi = o->protos; pi; pi = pi->next)
		protos |= pi->bit;
	if (!protos)
		protos = o->ports ? VP_TCP : VP_ALL;
	return protos;
}

/* The addresses of family F under the sources T (through defines). */
static void add_sources(struct ivlist *l, enum family f, const struct target *t)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_ADDRESS && t->prefix.family == f)
			ivl_add(l, t->prefix.addr, prefix_last(&t->prefix));
		else if (t->kind == TARGET_VARIABLE && t->define)
			add_sources(l, f, t->define->define.targets);
	}
}

/* Two rules, one a family, matching what rule S's clauses say; returns
 * the index of the first. */
static size_t rule_pair(struct vchain *c, const struct stmt *s, bool accept)
{
	size_t first = c->n;

	for (int f = 0; f < FAMILY_COUNT; f++) {
		struct vrule *r = chain_add(c);
		r->accept = accept;
		r->family = (enum family)f;
		r->protos = opts_protos(&s->rule.opts);
		for (const struct port_item *pt = s->rule.opts.ports; pt; pt = pt->next)
			rule_add_port(r, pt->lo, pt->hi);
		if (s->rule.opts.window.n) {
			r->when = xmalloc(sizeof(*r->when));
			*r->when = s->rule.opts.window;
		}
		if (s->rule.opts.cgroup)
			r->cgroup = xstrdup(s->rule.opts.cgroup);
		r->has_src = s->rule.opts.sources != NULL;
		add_sources(&r->from, (enum family)f, s->rule.opts.sources);
		ivl_normalize(&r->from);
		for (int g = 0; g < 2; g++) {
			struct vowners *o = g ? &r->groups : &r->users;
			for (const struct owner_item *it = g ? s->rule.opts.groups : s->rule.opts.users;
			     it; it = it->next) {
				char num[16];
				snprintf(num, sizeof(num), "%u", it->id);
				const char *text = it->name ? it->name : num;
				if (!vowners_has(o, text))
					vowners_add(o, text, strlen(text));
			}
		}
	}
	return first;
}

/* Whether the policy has a rule for a user, group, cgroup or source:
 * then iptables has its policy for this machine's traffic in a chain of
 * its own. */
static bool policy_names_senders(const struct policy *p)
{
	for (const struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE && (s->rule.opts.users || s->rule.opts.groups ||
					     s->rule.opts.cgroup || s->rule.opts.sources))
			return true;
	return false;
}

/* Whether the policy has a rule for a cgroup: then nft has its policy for
 * this machine's traffic in a chain of its own too. */
static bool policy_names_cgroups(const struct policy *p)
{
	for (const struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE && s->rule.opts.cgroup)
			return true;
	return false;
}

/* Whether a process in cgroup PATH is in CGROUP or below it; "" is in no
 * cgroup any rule names. */
static bool vcgroup_holds(const char *cgroup, const char *path)
{
	size_t n = strlen(cgroup);

	return *path && strncmp(cgroup, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static void expand_targets(struct vrule *r[FAMILY_COUNT], const struct target *t)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_ADDRESS) {
			ivl_add(&r[t->prefix.family]->addrs, t->prefix.addr, prefix_last(&t->prefix));
		} else if (t->kind == TARGET_HOST && t->host) {
			for (size_t i = 0; i < t->host->naddrs; i++) {
				const struct prefix *p = &t->host->addrs[i];
				ivl_add(&r[p->family]->addrs, p->addr, prefix_last(p));
			}
		} else if (t->kind == TARGET_FILE && t->list) {
			for (size_t i = 0; i < t->list->n4; i++) {
				struct prefix p = addrlist_v4(t->list, i);
				ivl_add(&r[FAMILY_V4]->addrs, p.addr, prefix_last(&p));
			}
			for (size_t i = 0; i < t->list->n6; i++)
				ivl_add(&r[FAMILY_V6]->addrs, t->list->v6[i].addr,
					prefix_last(&t->list->v6[i]));
		} else if (t->kind == TARGET_VARIABLE && t->define) {
			expand_targets(r, t->define->define.targets);
		}
	}
}

/* Deny rules, then allow rules, then the default: the semantics in
 * docs/language.md, read straight off the rules as written. */
/* What 'resolver' means for the firewall, read from the statement as
 * written: DNS - port 53, and 853 for DNS over TLS and over QUIC - to
 * every address is denied (the forwarder's exemption is the base chain's,
 * checked with it). The deny rule the compiler splices in for it is
 * skipped, so that a mistake in that rewrite shows as a difference. */
static void resolver_denies(struct vchain *c)
{
	for (int f = 0; f < FAMILY_COUNT; f++) {
		struct vrule *r = chain_add(c);
		r->family = (enum family)f;
		r->protos = VP_TCP | VP_UDP;
		rule_add_port(r, 53, 53);
		rule_add_port(r, 853, 853);
		ivl_add(&r->addrs, 0, family_max((enum family)f));
	}
}

/* The pair of rules at AT, the last two of C, loses the one whose family
 * has no addresses while the other has some: a static rule that holds no
 * address matches nothing, and its twin keeps the rule's users, groups and
 * times among those the senders are checked for. An IPv4-only policy of a
 * million rules would otherwise carry a million empty IPv6 ones through
 * every sweep. */
static void drop_empty_twin(struct vchain *c, size_t at)
{
	struct vrule *r = &c->rules[at];
	int drop = !r[0].addrs.n && r[1].addrs.n ? 0 : r[0].addrs.n && !r[1].addrs.n ? 1 : -1;

	if (drop < 0)
		return;
	vrule_release(&r[drop]);
	if (drop == 0)
		r[0] = r[1];
	c->n--;
}

static void policy_chain(const struct policy *p, struct vchain *c)
{
	/* A pair a rule (run-time sets' pairs come on top): grown by
	 * doubling, a chain of 100,000s of rules was copied again and again. */
	size_t pairs = 0;
	for (const struct stmt *s = p->stmts; s; s = s->next)
		pairs += (s->kind == STMT_RULE && !s->rule.lockdown) || s->kind == STMT_RESOLVER;
	VEC_GROW(c->rules, c->n + 2 * pairs, c->cap);

	for (int pass = 0; pass < 2; pass++) {
		enum verdict want = pass == 0 ? VERDICT_DENY : VERDICT_ALLOW;
		for (const struct stmt *s = p->stmts; s; s = s->next) {
			if (s->kind == STMT_RESOLVER && want == VERDICT_DENY)
				resolver_denies(c);
			if (s->kind != STMT_RULE || s->rule.verdict != want || s->rule.lockdown)
				continue;
			/* chain_add may move the array: point into it afterwards. */
			size_t at = rule_pair(c, s, want == VERDICT_ALLOW);
			struct vrule *r[FAMILY_COUNT] = { &c->rules[at], &c->rules[at + 1] };
			expand_targets(r, s->rule.targets);
			for (int f = 0; f < FAMILY_COUNT; f++)
				ivl_normalize(&r[f]->addrs);
			drop_empty_twin(c, at);

			const struct target **leaves = NULL;
			size_t nleaves = 0, leaves_cap = 0;
			runtime_leaves(s->rule.targets, &leaves, &nleaves, &leaves_cap);
			for (size_t i = 0; i < nleaves; i++) {
				at = rule_pair(c, s, want == VERDICT_ALLOW);
				for (int f = 0; f < FAMILY_COUNT; f++) {
					struct vrule *v = &c->rules[at + (size_t)f];
					v->runtime = true;
					v->src = leaves[i];
					if (!leaves[i]->dynamic)
						continue;
					const struct rule_opts *o = &leaves[i]->dynamic->dynamic.opts;
					v->has_also = true;
					v->also_protos = opts_protos(o);
					for (const struct port_item *pt = o->ports; pt; pt = pt->next)
						VEC_PUSH(v->also_ports, v->also_nports,
							 v->also_ports_cap,
							 (struct vport_range){ (uint16_t)pt->lo,
									      (uint16_t)pt->hi });
				}
			}
			free(leaves);
		}
	}
	c->final_accept = p->default_verdict == VERDICT_ALLOW;
	c->policy_drop = p->default_verdict == VERDICT_DENY;
}

/* --- comparing ------------------------------------------------------------- */

/* The starts of the elementary port intervals: 0, and every rule's range
 * start and end + 1, ascending. Marked in a table of every port rather
 * than sorted: a chain has as many ranges as rules, ports only 65,536. */
static unsigned *port_cuts(const struct vchain *a, const struct vchain *b, size_t *n)
{
	const struct vchain *chains[2] = { a, b };
	bool *cut = xcalloc(65536, sizeof(*cut));
	size_t k = 0;

	cut[0] = true;
	for (int c = 0; c < 2; c++) {
		for (size_t i = 0; i < chains[c]->n; i++) {
			const struct vrule *r = &chains[c]->rules[i];
			for (int also = 0; also < 2; also++) {
				const struct vport_range *ports = also ? r->also_ports : r->ports;
				size_t count = also ? r->also_nports : r->nports;
				for (size_t j = 0; j < count; j++) {
					cut[ports[j].lo] = true;
					if (ports[j].hi < 65535)
						cut[ports[j].hi + 1u] = true;
				}
			}
		}
	}
	for (unsigned p = 0; p < 65536; p++)
		k += cut[p];
	unsigned *cuts = xmalloc(k * sizeof(*cuts));
	k = 0;
	for (unsigned p = 0; p < 65536; p++)
		if (cut[p])
			cuts[k++] = p;
	free(cut);
	*n = k;
	return cuts;
}

/* An address in exactly one of A and B, for the error message. */
static addr_t ivl_witness(const struct ivlist *a, const struct ivlist *b, bool *in_a)
{
	struct ivlist d = { 0 };
	addr_t w = 0;

	ivl_subtract(&d, a, b);
	*in_a = d.n > 0;
	if (!d.n)
		ivl_subtract(&d, b, a);
	if (d.n)
		w = d.v[0].lo;
	ivl_free(&d);
	return w;
}

/* The rules of a chain that may match a port, kept as the port rises
 * through the cuts, so that chain_accepted() looks at those alone: trying
 * every rule at every cut made verifying N one-port rules cost N^2. A rule
 * is kept while one of its port ranges holds the port (all of them when
 * it names none); rule_matches() still decides. */
struct sweep_event {
	uint32_t rule;		/* eight bytes an event: there are millions */
	uint16_t port;
	int16_t delta;		/* +1 a range begins, -1 one has ended */
};

struct rule_sweep {
	size_t *active;		/* rule indexes, ascending: chain order */
	size_t nactive;
	unsigned *held;		/* per rule: its ranges that hold the port */
	struct sweep_event *ev;	/* by port */
	size_t nev, next;
};

/* Without EV, counts an event at PORT in AT[PORT + 1]; with it, puts the
 * event at EV[AT[PORT]++]: the two passes of a counting sort. */
static void sweep_event(size_t *at, struct sweep_event *ev, unsigned port, size_t rule, int delta)
{
	if (ev)
		ev[at[port]++] = (struct sweep_event){ (uint32_t)rule, (uint16_t)port, (int16_t)delta };
	else
		at[port + 1]++;
}

static void sweep_events(const struct vchain *c, size_t *at, struct sweep_event *ev)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct vrule *r = &c->rules[i];
		if (!r->nports)
			sweep_event(at, ev, 0, i, 1);
		for (size_t j = 0; j < r->nports; j++) {
			sweep_event(at, ev, r->ports[j].lo, i, 1);
			if (r->ports[j].hi < 65535)
				sweep_event(at, ev, r->ports[j].hi + 1u, i, -1);
		}
	}
}

/* The events in order of port, by a counting sort: ports have 16 bits, and
 * sorting a chain's events by comparison, at each of its comparisons, cost
 * more than the sweep itself. */
static void sweep_init(struct rule_sweep *s, const struct vchain *c)
{
	size_t *at = xcalloc(65536 + 1, sizeof(*at));

	memset(s, 0, sizeof(*s));
	s->held = xcalloc(c->n ? c->n : 1, sizeof(*s->held));
	sweep_events(c, at, NULL);
	for (size_t p = 1; p <= 65536; p++)
		at[p] += at[p - 1];
	s->nev = at[65536];
	s->ev = xmalloc((s->nev ? s->nev : 1) * sizeof(*s->ev));
	sweep_events(c, at, s->ev);
	free(at);
}

/* Back to port 0, nothing held. */
static void sweep_rewind(struct rule_sweep *s, size_t nrules)
{
	memset(s->held, 0, (nrules ? nrules : 1) * sizeof(*s->held));
	s->nactive = 0;
	s->next = 0;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/* Moves S up to PORT (never down). The rules that begin to hold the port
 * are merged in at once, in chain order, and those that end dropped in
 * the same pass: a million one-prefix rules on one port must not be
 * inserted one by one. */
static void sweep_to(struct rule_sweep *s, unsigned port)
{
	size_t *fresh = NULL, nfresh = 0, fresh_cap = 0;
	bool dropped = false;

	for (; s->next < s->nev && s->ev[s->next].port <= port; s->next++) {
		const struct sweep_event *e = &s->ev[s->next];
		unsigned before = s->held[e->rule];
		s->held[e->rule] = before + (unsigned)e->delta;
		if (before == 0)
			VEC_PUSH(fresh, nfresh, fresh_cap, e->rule);
		else if (s->held[e->rule] == 0)
			dropped = true;
	}
	if (!nfresh && !dropped)
		return;
	if (nfresh > 1)
		qsort(fresh, nfresh, sizeof(*fresh), size_cmp);
	size_t *merged = xmalloc((s->nactive + nfresh + 1) * sizeof(*merged));
	size_t n = 0, i = 0, j = 0;
	while (i < s->nactive || j < nfresh) {
		size_t r = j == nfresh || (i < s->nactive && s->active[i] <= fresh[j]) ?
				   s->active[i++] : fresh[j++];
		/* Held still, and once: a rule that ended and began again in
		 * this step is in both lists. */
		if (s->held[r] && (n == 0 || merged[n - 1] != r))
			merged[n++] = r;
	}
	free(s->active);
	s->active = merged;
	s->nactive = n;
	free(fresh);
}

static void sweep_release(struct rule_sweep *s)
{
	free(s->active);
	free(s->held);
	free(s->ev);
}

static const char *proto_name(unsigned proto)
{
	return proto == VP_TCP ? "tcp" : proto == VP_UDP ? "udp" : "other protocols";
}

static int compare_chains(struct diags *d, const char *what, const struct vchain *out,
			  const struct vchain *ref, enum family only)
{
	static const unsigned protos[] = { VP_TCP, VP_UDP, VP_OTHER };
	size_t ncuts;
	unsigned *cuts = port_cuts(out, ref, &ncuts);
	struct ivlist acc_out = { 0 }, acc_ref = { 0 };
	struct accept_scratch scratch = { 0 };
	int rc = 0;

	if (ref->policy_drop && !out->policy_drop) {
		diag_error(d, NULL, "%s: default deny, but the base chain's policy is not drop",
			   what);
		rc = -1;
	}
	struct rule_sweep sw_out, sw_ref;
	sweep_init(&sw_out, out);
	sweep_init(&sw_ref, ref);
	for (int f = 0; f < FAMILY_COUNT && rc == 0; f++) {
		if (only != FAMILY_COUNT && f != (int)only)
			continue;
		for (size_t pi = 0; pi < 3 && rc == 0; pi++) {
			/* Other protocols have no ports: one look at every rule. */
			bool other = protos[pi] == VP_OTHER;
			size_t n = other ? 1 : ncuts;
			sweep_rewind(&sw_out, out->n);
			sweep_rewind(&sw_ref, ref->n);
			for (size_t i = 0; i < n && rc == 0; i++) {
				sweep_to(&sw_out, cuts[i]);
				sweep_to(&sw_ref, cuts[i]);
				chain_accepted(out, other ? NULL : sw_out.active, sw_out.nactive,
					       (enum family)f, protos[pi], cuts[i], &acc_out, &scratch);
				chain_accepted(ref, other ? NULL : sw_ref.active, sw_ref.nactive,
					       (enum family)f, protos[pi], cuts[i], &acc_ref, &scratch);
				if (ivl_equal(&acc_out, &acc_ref))
					continue;
				bool wider;
				char buf[PREFIX_STRLEN];
				addr_t w = ivl_witness(&acc_out, &acc_ref, &wider);
				unsigned hi = i + 1 < ncuts ? cuts[i + 1] - 1 : 65535;
				diag_error(d, NULL,
					   "%s: %s the policy %s: %s to %s, port %u-%u", what,
					   wider ? "accepts what" : "blocks what",
					   wider ? "denies" : "allows",
					   proto_name(protos[pi]),
					   addr_format((enum family)f, w, buf), cuts[i], hi);
				rc = -1;
			}
		}
	}
	ivl_free(&acc_out);
	ivl_free(&acc_ref);
	accept_scratch_release(&scratch);
	sweep_release(&sw_out);
	sweep_release(&sw_ref);
	free(cuts);
	return rc;
}

/* --- run-time sets ---------------------------------------------------------- */

/* The sets dnsmasq fills for the names below one domain, as a fragment's
 * nftset= or ipset= line says. */
struct fill_entry {
	char set[128];
	enum family family;	/* FAMILY_COUNT: any (ipset= lines name no family) */
};

struct fill_line {
	char domain[HOSTNAME_MAX_LEN + 1];
	struct fill_entry *sets;
	size_t nsets, sets_cap;
};

struct fill_map {
	struct fill_line *lines;
	size_t n, cap;
};

static void fill_map_free(struct fill_map *fm)
{
	for (size_t i = 0; i < fm->n; i++)
		free(fm->lines[i].sets);
	free(fm->lines);
}

/* A scenario of what the run-time sets hold: all empty (both NULL), one
 * dynamic set holding every address, or every name below one wildcard's
 * domain resolving to every address. The chains are compared under each. */
struct scenario {
	const char *dynamic;
	const struct stmt *decl;	/* the dynamic set's declaration */
	const char *domain;
};

/* The line dnsmasq uses for the names below DOMAIN: the most specific one
 * matching them. */
static const struct fill_line *fill_lookup(const struct fill_map *fm, const char *domain)
{
	const struct fill_line *best = NULL;

	for (size_t i = 0; i < fm->n; i++)
		if (domain_within(domain, fm->lines[i].domain) &&
		    (!best || strlen(fm->lines[i].domain) > strlen(best->domain)))
			best = &fm->lines[i];
	return best;
}

/* The ruleset's view: does set R->set hold every address under SC? */
static bool output_on(const struct vrule *r, const struct scenario *sc, const struct fill_map *fm,
		      const char *prefix)
{
	static const char *const suffix[FAMILY_COUNT] = { "v4", "v6" };
	char name[160];

	if (sc->dynamic) {
		/* ipsets spell their timeout: a changed one is a new set. */
		if (*prefix)
			ipsetname_dynamic(name, sc->decl->dynamic.name, sc->decl->dynamic.opts.timeout,
					  suffix[r->family]);
		else
			snprintf(name, sizeof(name), "dyn_%s_%s", sc->dynamic, suffix[r->family]);
		return strcmp(r->set, name) == 0;
	}
	if (!sc->domain)
		return false;
	const struct fill_line *line = fill_lookup(fm, sc->domain);
	for (size_t i = 0; line && i < line->nsets; i++)
		if (strcmp(line->sets[i].set, r->set) == 0 &&
		    (line->sets[i].family == FAMILY_COUNT || line->sets[i].family == r->family))
			return true;
	return false;
}

/* The policy's view: does R->src hold every address under SC? */
static bool policy_on(const struct vrule *r, const struct scenario *sc)
{
	if (r->src->kind == TARGET_WILDCARD)
		return sc->domain && domain_within(sc->domain, r->src->domain);
	return sc->dynamic && strcmp(sc->dynamic, r->src->dynamic->dynamic.name) == 0;
}

static int compare_chains(struct diags *d, const char *what, const struct vchain *out,
			  const struct vchain *ref, enum family only);

/* Compares OUT with REF with every run-time set empty, then under each
 * scenario the policy gives rise to. A fill line for a domain no wildcard
 * names is an error too: it would fill sets the policy knows nothing of. */
static int compare_scenarios(struct diags *d, const char *what, struct vchain *out,
			     struct vchain *ref, enum family only, const struct fill_map *fm,
			     const char *prefix)
{
	struct scenario *sc = NULL;
	size_t nsc = 0, sc_cap = 0;
	int rc = 0;

	VEC_PUSH(sc, nsc, sc_cap, (struct scenario){ 0 });

	for (size_t i = 0; i < ref->n; i++) {
		const struct target *t = ref->rules[i].src;
		if (!ref->rules[i].runtime || ref->rules[i].family != FAMILY_V4)
			continue;
		VEC_PUSH(sc, nsc, sc_cap,
			 t->kind == TARGET_WILDCARD
				 ? (struct scenario){ .domain = t->domain }
				 : (struct scenario){ .dynamic = t->dynamic->dynamic.name,
						      .decl = t->dynamic });
	}
	for (size_t i = 0; i < fm->n && rc == 0; i++) {
		bool known = false;
		for (size_t j = 0; j < nsc && !known; j++)
			known = sc[j].domain && strcmp(sc[j].domain, fm->lines[i].domain) == 0;
		if (!known) {
			diag_error(d, NULL, "%s: the dnsmasq fragment fills sets for '%s', which no wildcard names",
				   what, diag_quote(d, fm->lines[i].domain, strlen(fm->lines[i].domain)));
			rc = -1;
		}
	}
	for (size_t i = 0; i < nsc && rc == 0; i++) {
		char label[512];
		if (sc[i].domain)
			snprintf(label, sizeof(label), "%s, with names below %s resolving to every address",
				 what, sc[i].domain);
		else if (sc[i].dynamic)
			snprintf(label, sizeof(label), "%s, with $%s holding every address", what,
				 sc[i].dynamic);
		else
			snprintf(label, sizeof(label), "%s", what);
		for (size_t j = 0; j < out->n; j++)
			out->rules[j].on = out->rules[j].runtime && output_on(&out->rules[j], &sc[i], fm, prefix);
		for (size_t j = 0; j < ref->n; j++)
			ref->rules[j].on = ref->rules[j].runtime && policy_on(&ref->rules[j], &sc[i]);
		rc = compare_chains(d, label, out, ref, only);
	}
	free(sc);
	return rc;
}

/* A sender to check the chains for: a forwarded packet (no socket), or
 * one a socket of USER and GROUP, made in CGROUP, sends ("": one the
 * policy does not name). */
struct vsender {
	bool local;
	const char *user, *group, *cgroup;
	unsigned at;		/* the minute of the week */
	addr_t src;		/* not local: the source, of the family checked */
};

static void chain_for_sender(struct vchain *c, const struct vsender *snd)
{
	for (size_t i = 0; i < c->n; i++) {
		struct vrule *r = &c->rules[i];
		bool named = r->users.n || r->groups.n || r->cgroup;
		r->off = named && (!snd->local || (r->users.n && !vowners_has(&r->users, snd->user)) ||
				   (r->groups.n && !vowners_has(&r->groups, snd->group)) ||
				   (r->cgroup && !vcgroup_holds(r->cgroup, snd->cgroup)));
		r->off |= r->when && r->when->n && !window_holds(r->when, snd->at);
		r->off |= r->has_src && (snd->local || !ivl_covers(&r->from, snd->src, snd->src));
	}
}

/* The sources of family F at which no rule's sources begin or end until
 * the next: 0, and every source range's start and end + 1. */
static void add_source_cuts(const struct vchain *c, enum family f, addr_t **v, size_t *n,
			    size_t *cap)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct vrule *r = &c->rules[i];
		for (size_t j = 0; r->family == f && j < r->from.n; j++) {
			VEC_PUSH(*v, *n, *cap, r->from.v[j].lo);
			if (r->from.v[j].hi != family_max(f))
				VEC_PUSH(*v, *n, *cap, r->from.v[j].hi + 1);
		}
	}
}

static int addr_cmp(const void *pa, const void *pb)
{
	addr_t a = *(const addr_t *)pa, b = *(const addr_t *)pb;

	return (a > b) - (a < b);
}

static int unsigned_cmp(const void *pa, const void *pb)
{
	unsigned a = *(const unsigned *)pa, b = *(const unsigned *)pb;

	return (a > b) - (a < b);
}

/* The minutes of the week at which no window of the chains' rules begins
 * or ends until the next: Monday 00:00, and every span's ends. */
static void add_instants(const struct vchain *c, unsigned **v, size_t *n, size_t *cap)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct window *w = c->rules[i].when;
		for (size_t j = 0; w && j < w->n; j++) {
			VEC_PUSH(*v, *n, *cap, w->spans[j].lo);
			VEC_PUSH(*v, *n, *cap, w->spans[j].hi % WEEK_MINUTES);
		}
	}
}

/* Compares, under every scenario of the run-time sets, FORWARD (what
 * forwarded packets meet) and LOCAL (what this machine's sockets' packets
 * meet; the same chain for nft) with REF, for a forwarded packet and for
 * each user and group the policy names, and one it does not, and each
 * pair of them: the rules for users are on for those alone. */
/* Whether any rule of C is for some senders, times or sources only. */
static bool chain_has_conditions(const struct vchain *c)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct vrule *r = &c->rules[i];
		if (r->users.n || r->groups.n || r->cgroup || (r->when && r->when->n) ||
		    r->has_src)
			return true;
	}
	return false;
}

static int compare_senders(struct diags *d, const char *what, struct vchain *forward,
			   struct vchain *local, struct vchain *ref, enum family only,
			   const struct fill_map *fm, const char *prefix)
{
	/* Rules for everyone, always, from anywhere, and one chain for
	 * forwarded and local packets: the forwarded comparison is every
	 * sender's, and the rest would repeat it. */
	const bool one_sender = local == forward && !chain_has_conditions(ref) &&
				!chain_has_conditions(forward);
	struct vowners users = { 0 }, groups = { 0 };
	/* Cgroups: each one the policy or the ruleset names (a process in
	 * it is in those above it too), and "": one in none. */
	const char **cgroups = NULL;
	size_t ncgroups = 0, cgroups_cap = 0;
	const struct vchain *named[] = { ref, local, forward };
	int rc;

	vowners_add(&users, "", 0);
	vowners_add(&groups, "", 0);
	VEC_PUSH(cgroups, ncgroups, cgroups_cap, "");
	/* Users, groups and cgroups either side names: a rule the ruleset
	 * has for a user the policy never mentions must meet a socket of
	 * that user too, or it would go unseen. */
	for (size_t c = 0; c < ARRAY_SIZE(named); c++) {
		for (size_t i = 0; i < named[c]->n; i++) {
			const struct vrule *r = &named[c]->rules[i];
			const char *cg = r->cgroup;
			bool seen = !cg;
			for (size_t j = 0; !seen && j < ncgroups; j++)
				seen = strcmp(cgroups[j], cg) == 0;
			if (!seen)
				VEC_PUSH(cgroups, ncgroups, cgroups_cap, cg);
			vowners_add_new(&users, &r->users);
			vowners_add_new(&groups, &r->groups);
		}
	}
	unsigned *at = NULL;
	size_t nat = 0, at_cap = 0;
	VEC_PUSH(at, nat, at_cap, 0u);
	add_instants(ref, &at, &nat, &at_cap);
	add_instants(forward, &at, &nat, &at_cap);
	add_instants(local, &at, &nat, &at_cap);
	qsort(at, nat, sizeof(*at), unsigned_cmp);
	rc = 0;
	for (size_t t = 0; t < nat && rc == 0; t++) {
		char when[64] = "";
		if (t && at[t] == at[t - 1])
			continue;
		if (nat > 1)
			snprintf(when, sizeof(when), ", at %s %02u:%02u UTC",
				 window_day_name(at[t] / DAY_MINUTES), at[t] % DAY_MINUTES / 60,
				 at[t] % 60);
		char label[1024];
		/* Forwarded packets, from each stretch of sources. */
		for (int f = 0; f < FAMILY_COUNT && rc == 0; f++) {
			addr_t *src = NULL;
			size_t nsrc = 0, src_cap = 0;
			if (only != FAMILY_COUNT && f != (int)only)
				continue;
			VEC_PUSH(src, nsrc, src_cap, (addr_t)0);
			add_source_cuts(ref, (enum family)f, &src, &nsrc, &src_cap);
			add_source_cuts(forward, (enum family)f, &src, &nsrc, &src_cap);
			qsort(src, nsrc, sizeof(*src), addr_cmp);
			for (size_t k = 0; k < nsrc && rc == 0; k++) {
				char buf[PREFIX_STRLEN];
				if (k && src[k] == src[k - 1])
					continue;
				struct vsender snd = { .local = false, .at = at[t], .src = src[k] };
				snprintf(label, sizeof(label), "%s, forwarded from %s%s", what,
					 addr_format((enum family)f, src[k], buf), when);
				chain_for_sender(forward, &snd);
				chain_for_sender(ref, &snd);
				rc = compare_scenarios(d, label, forward, ref, (enum family)f, fm, prefix);
			}
			free(src);
		}
		for (size_t u = 0; u < users.n && rc == 0 && !one_sender; u++) {
			for (size_t g = 0; g < groups.n && rc == 0; g++) {
				for (size_t k = 0; k < ncgroups && rc == 0; k++) {
					struct vsender snd = { .local = true, .user = users.v[u],
							       .group = groups.v[g],
							       .cgroup = cgroups[k], .at = at[t] };
					snprintf(label, sizeof(label),
						 "%s, for a socket of %s%s and %s%s%s%s%s", what,
						 *snd.user ? "user " : "a user the policy does not name",
						 snd.user,
						 *snd.group ? "group " : "a group it does not name",
						 snd.group, *snd.cgroup ? ", in cgroup " : "",
						 snd.cgroup, when);
					chain_for_sender(local, &snd);
					chain_for_sender(ref, &snd);
					rc = compare_scenarios(d, label, local, ref, only, fm, prefix);
				}
			}
		}
	}
	free(cgroups);
	free(at);
	free(users.v);
	free(groups.v);
	return rc;
}

/* --- reading text back ----------------------------------------------------- */

/* A line is as long as the text makes it: a class with thousands of ports
 * is one line. The reader owns buf; line_reader_release() frees it. */
struct line_reader {
	const char *p, *end;
	int lineno;
	char *buf;
	size_t cap;
};

static void line_reader_release(struct line_reader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
	lr->cap = 0;
}

/* The next line with surrounding blanks trimmed; NULL at the end. */
static const char *next_line(struct line_reader *lr)
{
	while (lr->p < lr->end) {
		const char *nl = memchr(lr->p, '\n', (size_t)(lr->end - lr->p));
		const char *e = nl ? nl : lr->end, *s = lr->p;
		lr->p = nl ? nl + 1 : lr->end;
		lr->lineno++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		size_t n = (size_t)(e - s);
		VEC_GROW(lr->buf, n + 1, lr->cap);
		memcpy(lr->buf, s, n);
		lr->buf[n] = '\0';
		return lr->buf;
	}
	return NULL;
}

static bool eat(const char **s, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(*s, word, n) != 0)
		return false;
	*s += n;
	return true;
}

static bool read_port(const char **s, unsigned *v)
{
	char *end;
	unsigned long n = strtoul(*s, &end, 10);

	if (end == *s || n > 65535)
		return false;
	*v = (unsigned)n;
	*s = end;
	return true;
}

/* "443", "8000-8100", "{ 80, 443, 8000-8100 }" (SEP '-'), or with ':'
 * and ',' between items for iptables. */
static bool read_ports(const char **s, struct vrule *r, char range_sep, bool braces)
{
	bool open = braces && eat(s, "{ ");

	for (;;) {
		unsigned lo, hi;
		if (!read_port(s, &lo))
			return false;
		hi = lo;
		if (**s == range_sep) {
			(*s)++;
			if (!read_port(s, &hi) || hi < lo)
				return false;
		}
		rule_add_port(r, lo, hi);
		if (open ? !eat(s, ", ") : !(range_sep == ':' && eat(s, ",")))
			break;
	}
	return !open || eat(s, " }");
}

/* One element of a set of address . protocol . port, as written. */
struct nft_shared_element {
	unsigned proto;		/* VP_TCP or VP_UDP */
	struct vport_range ports;
	addr_t lo, hi;
};

/* The elements of a set of address . protocol . port with one protocol
 * and port range: what one rule of its own would match. */
struct nft_shared_group {
	unsigned proto;
	struct vport_range ports;
	struct ivlist addrs;	/* normalized */
};

struct nft_set {
	char name[128];
	enum family family;
	bool runtime;		/* flags timeout: filled at run time, empty here */
	struct ivlist addrs;
	/* A set of address . protocol . port (type ADDR . inet_proto .
	 * inet_service): its elements by protocol and port range instead
	 * of addrs. */
	bool shared;
	struct nft_shared_group *groups;
	size_t ngroups;
};

static void nft_set_release(struct nft_set *set)
{
	ivl_free(&set->addrs);
	for (size_t i = 0; i < set->ngroups; i++)
		ivl_free(&set->groups[i].addrs);
	free(set->groups);
}

/* A base chain as read: whether it was there, its policy, and whether it
 * ends by going to the policy chain. */
struct nft_hook {
	bool seen, policy_drop, to_policy;
	size_t next;		/* how many of the local rules were read */
};

struct nft_reader {
	struct diags *d;
	struct line_reader lr;
	struct nft_set *sets;
	size_t nsets, sets_cap;
	struct name_index set_index;
	struct vchain chain;
	/* With rules for cgroups, the policy for this machine's own traffic,
	 * and the one being read (chain or local). */
	struct vchain local, *reading;
	struct vchains counter_chains;
	struct vchains counters;	/* declared counter objects */
	struct nft_hook output, forward;
	bool seen_policy, seen_local;
	bool local_expected;	/* the policy names a cgroup */
	bool enforce;		/* the policy blocks: denies must see replies */
	bool ok;
};

static void nft_fail(struct nft_reader *nr, const char *why)
{
	if (nr->ok)
		diag_error(nr->d, NULL, "nft ruleset, line %d: %s: '%s'", nr->lr.lineno, why,
			   diag_quote(nr->d, nr->lr.buf, strlen(nr->lr.buf)));
	nr->ok = false;
}

/* "192.0.2.0/24 . tcp . 443", "2001:db8::1 . udp . 8000-8100": an element
 * of a set of address . protocol . port, of family F. */
static bool nft_read_shared_element(const char *line, enum family f, struct nft_shared_element *e)
{
	char text[PREFIX_STRLEN + 2];
	struct prefix pf;
	size_t n = strcspn(line, " ");
	struct vrule ports = { 0 };
	bool ok;

	if (n >= sizeof(text))
		return false;
	memcpy(text, line, n);
	text[n] = '\0';
	line += n;
	if (prefix_parse_written(text, &pf) != PREFIX_OK || pf.family != f)
		return false;
	e->lo = pf.addr;
	e->hi = prefix_last(&pf);
	if (eat(&line, " . tcp . "))
		e->proto = VP_TCP;
	else if (eat(&line, " . udp . "))
		e->proto = VP_UDP;
	else
		return false;
	ok = read_ports(&line, &ports, '-', false) && ports.nports == 1 &&
	     (!*line || strcmp(line, ",") == 0);
	if (ok)
		e->ports = ports.ports[0];
	free(ports.ports);
	return ok;
}

static int shared_element_cmp(const void *pa, const void *pb)
{
	const struct nft_shared_element *a = pa, *b = pb;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->ports.lo != b->ports.lo)
		return a->ports.lo < b->ports.lo ? -1 : 1;
	if (a->ports.hi != b->ports.hi)
		return a->ports.hi < b->ports.hi ? -1 : 1;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Whether normalized A and B share an address. */
static bool ivl_meet(const struct ivlist *a, const struct ivlist *b)
{
	for (size_t i = 0, j = 0; i < a->n && j < b->n;) {
		if (a->v[i].hi < b->v[j].lo)
			i++;
		else if (b->v[j].hi < a->v[i].lo)
			j++;
		else
			return true;
	}
	return false;
}

/* SET's elements E[0..N) into its groups, one per protocol and port range;
 * false if two of them overlap (a packet two elements match), which nft
 * refuses to load and which no emitted set has: each class's elements are
 * its own, apart from every other class's. */
static bool nft_group_shared(struct nft_set *set, struct nft_shared_element *e, size_t n)
{
	size_t cap = 0;

	if (n > 1)
		qsort(e, n, sizeof(*e), shared_element_cmp);
	for (size_t i = 0; i < n; i++) {
		struct nft_shared_group *g = set->ngroups ? &set->groups[set->ngroups - 1] : NULL;
		if (!g || g->proto != e[i].proto || g->ports.lo != e[i].ports.lo ||
		    g->ports.hi != e[i].ports.hi) {
			VEC_PUSH(set->groups, set->ngroups, cap,
				 (struct nft_shared_group){ e[i].proto, e[i].ports, { 0 } });
		} else if (e[i].lo <= e[i - 1].hi) {
			return false;
		}
		ivl_add(&set->groups[set->ngroups - 1].addrs, e[i].lo, e[i].hi);
	}
	for (size_t i = 0; i < set->ngroups; i++)
		ivl_normalize(&set->groups[i].addrs);
	/* Groups of one protocol whose ports meet must not share an address. */
	for (size_t i = 0; i < set->ngroups; i++) {
		const struct nft_shared_group *a = &set->groups[i];
		for (size_t j = i + 1; j < set->ngroups; j++) {
			const struct nft_shared_group *b = &set->groups[j];
			if (b->proto != a->proto || b->ports.lo > a->ports.hi)
				break;
			if (ivl_meet(&a->addrs, &b->addrs))
				return false;
		}
	}
	return true;
}

static const struct nft_set *nft_find_set(const struct nft_reader *nr, const char *name,
					  size_t len);

/* set NAME { type ipv4_addr; flags interval; elements = { P, P, ... } },
 * or of type ipv4_addr . inet_proto . inet_service, elements P . tcp . 443 */
static void nft_read_set(struct nft_reader *nr, const char *line)
{
	struct nft_set set = { .family = FAMILY_COUNT };
	struct nft_shared_element *elems = NULL;
	size_t nelems = 0, elems_cap = 0;
	const char *name = line + strlen("set ");
	size_t len = strcspn(name, " ");

	if (len >= sizeof(set.name) || strcmp(name + len, " {") != 0)
		return nft_fail(nr, "bad set header");
	/* nft adds a second declaration's elements to the first's. */
	if (nft_find_set(nr, name, len))
		return nft_fail(nr, "a set declared twice (nft merges their elements)");
	memcpy(set.name, name, len);
	while (nr->ok && (line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
		if (strcmp(line, "type ipv4_addr") == 0) {
			set.family = FAMILY_V4;
		} else if (strcmp(line, "type ipv6_addr") == 0) {
			set.family = FAMILY_V6;
		} else if (strcmp(line, "type ipv4_addr . inet_proto . inet_service") == 0) {
			set.family = FAMILY_V4;
			set.shared = true;
		} else if (strcmp(line, "type ipv6_addr . inet_proto . inet_service") == 0) {
			set.family = FAMILY_V6;
			set.shared = true;
		} else if (strcmp(line, "flags interval") == 0) {
			continue;
		} else if (strcmp(line, "flags timeout") == 0 ||
			   strcmp(line, "flags interval, timeout") == 0) {
			set.runtime = true;
		} else if (strncmp(line, "timeout ", 8) == 0) {
			enum duration_problem why;
			if (!duration_parse(line + 8, UINT32_MAX / 1000, &why))
				nft_fail(nr, "bad timeout");
		} else if (strcmp(line, "elements = {") == 0 && set.runtime) {
			nft_fail(nr, "a run-time set with elements");
		} else if (strcmp(line, "elements = {") == 0 && set.shared) {
			while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
				struct nft_shared_element e;
				if (!nft_read_shared_element(line, set.family, &e)) {
					nft_fail(nr, "bad set element");
					break;
				}
				VEC_PUSH(elems, nelems, elems_cap, e);
			}
		} else if (strcmp(line, "elements = {") == 0) {
			while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
				char text[PREFIX_STRLEN + 2];
				struct prefix pf;
				size_t n = strcspn(line, ",");
				if (n >= sizeof(text) || (line[n] && line[n + 1])) {
					nft_fail(nr, "bad set element");
					break;
				}
				memcpy(text, line, n);
				text[n] = '\0';
				if (prefix_parse_written(text, &pf) != PREFIX_OK || pf.family != set.family) {
					nft_fail(nr, "bad set element");
					break;
				}
				ivl_add(&set.addrs, pf.addr, prefix_last(&pf));
			}
		} else {
			nft_fail(nr, "unrecognized line in a set");
		}
	}
	if (set.family == FAMILY_COUNT)
		nft_fail(nr, "set without an address type");
	if (set.shared && set.runtime)
		nft_fail(nr, "a set of address, protocol and port filled at run time");
	if (nr->ok && !nft_group_shared(&set, elems, nelems))
		nft_fail(nr, "two elements of the set overlap");
	free(elems);
	ivl_normalize(&set.addrs);
	VEC_PUSH(nr->sets, nr->nsets, nr->sets_cap, set);
	nr->set_index.stride = sizeof(*nr->sets);
	nr->set_index.offset = offsetof(struct nft_set, name);
	name_index_add(&nr->set_index, nr->sets, nr->nsets - 1);
}

static const struct nft_set *nft_find_set(const struct nft_reader *nr, const char *name,
					  size_t len)
{
	long i = name_index_find(&nr->set_index, nr->sets, name, len);
	return i < 0 ? NULL : &nr->sets[i];
}

/* The fixed line before the policy's own rules: replies are accepted
 * whatever their address. */
static const char *const nft_prelude[] = {
	"ct state established,related accept",
	"ct state established,related ct direction original accept",
	"ct state established,related ct status dnat accept",
};

/* What the base chains keep local before the policy, in order: loopback
 * to a local address (output), this machine's bridges (its container
 * networks), on output the forwarder's DNS to the policy's resolvers, and
 * neighbour discovery - whose order is its meaning: a user's socket must
 * meet the policy before the kernel's own is accepted. */
static void nft_hook_expect(const struct policy *p, bool output, struct vlines *local)
{
	char buf[PREFIX_STRLEN];

	vlines_add(local, "exthdr rt exists drop");
	if (output)
		vlines_add(local, "oif \"lo\" fib daddr type local accept");
	vlines_add(local, "meta oifkind \"bridge\" accept");
	if (!output) {
		/* Enforcing rules 'from' sources: a forwarded source is taken
		 * only when it is routed back out of the interface it came in on. */
		bool from = false;
		for (const struct stmt *s = p->stmts; s; s = s->next)
			from |= s->kind == STMT_RULE && s->rule.opts.sources;
		if (from && p->mode == MODE_ENFORCE)
			vlines_add(local, "fib saddr . iif oif missing drop");
		return;
	}
	for (int f = 0; p->resolver && f < FAMILY_COUNT; f++) {
		char *addrs = NULL;
		size_t len = 0;
		FILE *fp = open_memstream(&addrs, &len);
		for (const struct target *t = p->resolver->resolver.addrs; fp && t; t = t->next)
			if (t->prefix.family == f)
				fprintf(fp, "%s%s", ftell(fp) ? ", " : "", addr_format(f, t->prefix.addr, buf));
		if (!fp || fclose(fp) != 0 || !addrs)
			abort();
		if (len)
			vlines_add(local, "meta skuid \"%s\" %s daddr { %s } meta l4proto { tcp, udp }"
				   " th dport { 53, 853 } accept", p->resolver->resolver.user,
				   f == FAMILY_V4 ? "ip" : "ip6", addrs);
		free(addrs);
	}
	vlines_add(local, "icmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 accept");
	vlines_add(local, "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"
			  " meta skuid >= 0 goto %s",
		   policy_names_cgroups(p) ? NFT_CHAIN_LOCAL : NFT_CHAIN_POLICY);
	vlines_add(local, "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"
			  " ip6 hoplimit 255 accept");
}

/* 'counter name "NAME" goto CHAIN' or 'counter name "NAME" accept': a
 * deny's verdict into JUMP, or an accept (JUMP NULL: must be a deny). */
static bool nft_read_verdict(struct nft_reader *nr, const char *s, char jump[VJUMP_MAX],
			     bool *accept)
{
	*accept = false;
	if (!eat(&s, "counter name \""))
		return false;
	size_t len = strcspn(s, "\"");
	if (vchains_find(&nr->counters, s, len) < 0 || s[len] != '"')
		return false;
	s += len + 1;
	if (strcmp(s, " accept") == 0)
		return (*accept = true);
	return eat(&s, " goto ") && set_jump(jump, s, strlen(s));
}

/* 'socket cgroupv2 level N "PATH" ' into *CGROUP (malloc'd), N being
 * PATH's levels: at another level the kernel would compare another
 * ancestor. True when there is none, too. */
static bool nft_read_cgroup(const char **s, char **cgroup)
{
	unsigned level, levels = 1;
	int end = 0;

	if (!eat(s, "socket cgroupv2 level "))
		return true;
	if (sscanf(*s, "%u \"%n", &level, &end) != 1 || !end)
		return false;
	*s += end;
	size_t n = strcspn(*s, "\"");
	if (!n || (*s)[n] != '"' || (*s)[n + 1] != ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		levels += (*s)[i] == '/';
	if (level != levels)
		return false;
	*cgroup = xstrndup(*s, n);
	*s += n + 2;
	return true;
}

/* "meta skuid "runner" ", "meta skuid { 1001, "runner" } " after KEY:
 * into O. True when there is none, too. */
static bool nft_read_owners(const char **s, const char *key, struct vowners *o)
{
	if (!eat(s, key))
		return true;
	bool open = eat(s, "{ ");
	for (;;) {
		bool quoted = eat(s, "\"");
		size_t n = quoted ? strcspn(*s, "\"") : strcspn(*s, " ,");
		if (!n || n >= VOWNER_MAX || (quoted && (*s)[n] != '"'))
			return false;
		vowners_add(o, *s, n);
		*s += n + quoted;
		if (!open || !eat(s, ", "))
			break;
	}
	return (!open || eat(s, " }")) && eat(s, " ");
}

/* DAYS (bit 0 Monday) from LO to HI minutes of each day, into W. */
static void window_of_days(struct window *w, unsigned days, unsigned lo, unsigned hi)
{
	memset(w, 0, sizeof(*w));
	for (unsigned d = 0; d < 7; d++)
		if (days & 1u << d)
			w->spans[w->n++] = (struct week_span){ (uint16_t)(d * DAY_MINUTES + lo),
							       (uint16_t)(d * DAY_MINUTES + hi) };
	/* Adjacent days' spans join, as the policy's window has them. */
	size_t n = 0;
	for (size_t i = 0; i < w->n; i++) {
		if (n && w->spans[n - 1].hi == w->spans[i].lo)
			w->spans[n - 1].hi = w->spans[i].hi;
		else
			w->spans[n++] = w->spans[i];
	}
	w->n = n;
}

/* "meta day { 1, 2 } meta hour 3600-10799 " (days from Sunday, 0; seconds
 * of the day, UTC), either or both, into W; none: W empty (any time).
 * False when malformed. */
static bool nft_read_time(const char **s, struct window *w)
{
	unsigned days = 0, lo = 0, hi = DAY_MINUTES;
	bool any = false;

	memset(w, 0, sizeof(*w));
	if (eat(s, "meta day ")) {
		bool open = eat(s, "{ ");
		for (;;) {
			unsigned v;
			if (!read_port(s, &v) || v > 6)
				return false;
			days |= 1u << ((v + 6) % 7);
			if (!open || !eat(s, ", "))
				break;
		}
		if ((open && !eat(s, " }")) || !eat(s, " "))
			return false;
		any = true;
	} else {
		days = 0x7f;
	}
	if (eat(s, "meta hour ")) {
		char *end;
		unsigned long a = strtoul(*s, &end, 10), b;
		if (end == *s || *end != '-')
			return false;
		*s = end + 1;
		b = strtoul(*s, &end, 10);
		if (end == *s || *end != ' ' || a % 60 || (b + 1) % 60 || a > b || b >= 86400)
			return false;
		*s = end + 1;
		lo = (unsigned)a / 60;
		hi = (unsigned)(b + 1) / 60;
		any = true;
	}
	if (any)
		window_of_days(w, days, lo, hi);
	return true;
}

/* "ip saddr { P, P } fib saddr type != local " into L: its family, or
 * FAMILY_COUNT when there is none, or -1 when malformed. */
static int nft_read_sources(const char **s, struct ivlist *l)
{
	enum family f;
	char text[PREFIX_STRLEN + 2];
	struct prefix p;

	if (eat(s, "ip saddr { "))
		f = FAMILY_V4;
	else if (eat(s, "ip6 saddr { "))
		f = FAMILY_V6;
	else
		return FAMILY_COUNT;
	for (;;) {
		size_t n = strcspn(*s, ", }");
		if (!n || n >= sizeof(text))
			return -1;
		memcpy(text, *s, n);
		text[n] = '\0';
		if (prefix_parse_written(text, &p) != PREFIX_OK || p.family != f)
			return -1;
		ivl_add(l, p.addr, prefix_last(&p));
		*s += n;
		if (!eat(s, ", "))
			break;
	}
	ivl_normalize(l);
	return eat(s, " } fib saddr type != local ") ? (int)f : -1;
}

/* "ip daddr . meta l4proto . th dport @allow_v4 accept": a set of
 * address . protocol . port, read as a rule of its own for each protocol
 * and port range it has. Whether S is one. */
static bool nft_read_shared_rule(struct nft_reader *nr, const char *s)
{
	enum family f;

	if (eat(&s, "ip daddr . meta l4proto . th dport @"))
		f = FAMILY_V4;
	else if (eat(&s, "ip6 daddr . meta l4proto . th dport @"))
		f = FAMILY_V6;
	else
		return false;
	size_t len = strcspn(s, " ");
	const struct nft_set *set = nft_find_set(nr, s, len);
	if (!set || !set->shared || set->family != f || strcmp(s + len, " accept") != 0) {
		nft_fail(nr, "a lookup of address, protocol and port that is no accept of such a "
			     "set of its family");
		return true;
	}
	for (size_t i = 0; i < set->ngroups; i++) {
		const struct nft_shared_group *g = &set->groups[i];
		struct vrule *r = chain_add(nr->reading);
		r->accept = true;
		r->family = f;
		r->protos = g->proto;
		rule_add_port(r, g->ports.lo, g->ports.hi);
		ivl_append(&r->addrs, &g->addrs);
	}
	return true;
}

static void nft_read_rule(struct nft_reader *nr, const char *s)
{
	enum family f = FAMILY_COUNT;

	if (nr->reading->final_read)
		return nft_fail(nr, "a rule after the chain's final verdict (nft never reaches it)");
	for (size_t i = 0; i < sizeof(nft_prelude) / sizeof(*nft_prelude); i++) {
		if (strcmp(s, nft_prelude[i]) == 0) {
			nr->reading->replies_accepted = true;
			return;
		}
	}
	if (strncmp(s, "counter name ", 13) == 0) {
		bool accept;
		if (!nft_read_verdict(nr, s, nr->reading->final_jump, &accept))
			return nft_fail(nr, "bad final verdict");
		nr->reading->final_accept = accept;
		nr->reading->final_read = true;
		return;
	}
	if (nft_read_shared_rule(nr, s))
		return;
	struct vowners owners[2] = { { 0 }, { 0 } };
	struct window when;
	for (int g = 0; g < 2; g++)
		if (!nft_read_owners(&s, g ? "meta skgid " : "meta skuid ", &owners[g])) {
			free(owners[0].v);
			free(owners[1].v);
			return nft_fail(nr, "bad user or group match");
		}
	char *cgroup = NULL;
	if (!nft_read_cgroup(&s, &cgroup)) {
		free(owners[0].v);
		free(owners[1].v);
		return nft_fail(nr, "bad socket cgroupv2 match (its level is not its path's)");
	}
	if (!nft_read_time(&s, &when)) {
		free(owners[0].v);
		free(owners[1].v);
		free(cgroup);
		return nft_fail(nr, "bad meta day or meta hour");
	}
	struct ivlist src = { 0 };
	int src_family = nft_read_sources(&s, &src);
	if (src_family < 0) {
		free(owners[0].v);
		free(owners[1].v);
		free(cgroup);
		ivl_free(&src);
		return nft_fail(nr, "bad source match");
	}
	if (eat(&s, "ip daddr @"))
		f = FAMILY_V4;
	else if (eat(&s, "ip6 daddr @"))
		f = FAMILY_V6;
	size_t len = strcspn(s, " ");
	const struct nft_set *set = f == FAMILY_COUNT ? NULL : nft_find_set(nr, s, len);
	if (!set || set->shared || set->family != f ||
	    (src_family != FAMILY_COUNT && src_family != (int)f)) {
		free(owners[0].v);
		free(owners[1].v);
		free(cgroup);
		ivl_free(&src);
		return nft_fail(nr, f == FAMILY_COUNT ? "unrecognized rule in the policy chain"
				    : "rule names an unknown set or one of the other family");
	}
	s += len;

	struct vrule *r = chain_add(nr->reading);
	r->users = owners[0];
	r->groups = owners[1];
	r->cgroup = cgroup;
	if (when.n) {
		r->when = xmalloc(sizeof(*r->when));
		*r->when = when;
	}
	r->has_src = src_family != FAMILY_COUNT;
	r->from = src;
	r->family = f;
	r->protos = VP_ALL;
	if (set->runtime) {
		r->runtime = true;
		r->set = xstrdup(set->name);
	} else {
		ivl_append(&r->addrs, &set->addrs);
		ivl_normalize(&r->addrs);
	}
	if (eat(&s, " meta l4proto { tcp, udp }")) {
		r->protos = VP_TCP | VP_UDP;
		if (eat(&s, " th dport ") && !read_ports(&s, r, '-', true))
			return nft_fail(nr, "bad ports");
	} else if (eat(&s, " meta l4proto tcp")) {
		r->protos = VP_TCP;
	} else if (eat(&s, " meta l4proto udp")) {
		r->protos = VP_UDP;
	} else if (eat(&s, " tcp dport ")) {
		r->protos = VP_TCP;
		if (!read_ports(&s, r, '-', true))
			return nft_fail(nr, "bad ports");
	} else if (eat(&s, " udp dport ")) {
		r->protos = VP_UDP;
		if (!read_ports(&s, r, '-', true))
			return nft_fail(nr, "bad ports");
	}
	bool accept;
	if (strcmp(s, " accept") == 0)
		r->accept = true;
	else if (!eat(&s, " ") || !nft_read_verdict(nr, s, r->jump, &accept) || accept)
		nft_fail(nr, "unrecognized verdict");
	else if (nr->reading->replies_accepted && nr->enforce)
		nft_fail(nr, "a deny after the accept of replies: a denied host that connects in "
			     "would get data back");
}

/* counter NAME { comment "..." } */
static void nft_read_counter(struct nft_reader *nr, const char *name)
{
	const char *line;
	size_t len = strcspn(name, " ");

	if (strcmp(name + len, " {") != 0)
		return nft_fail(nr, "bad counter header");
	vchains_add(&nr->counters, name, len);
	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0)
		if (strncmp(line, "comment \"", 9) != 0)
			nft_fail(nr, "unrecognized line in a counter");
}

/* chain NAME { [jump record] [limit rate R log prefix "P" [group N]]
 * goto blocked|accept } */
static void nft_read_counter_chain(struct nft_reader *nr, const char *name)
{
	const char *line;
	size_t len = strcspn(name, " ");

	if (strcmp(name + len, " {") != 0 || vchains_find(&nr->counters, name, len) < 0)
		return nft_fail(nr, "a chain that is none of egressc's and no counter's");
	vchains_add(&nr->counter_chains, name, len);
	struct vchains *t = &nr->counter_chains;
	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
		bool accept = strcmp(line, "accept") == 0;
		if (t->v[t->n - 1].ended) {
			nft_fail(nr, "a rule after a counter chain's verdict");
		} else if (accept || strcmp(line, "goto blocked") == 0) {
			vchains_end(t, t->n - 1, accept);
		} else if (strcmp(line, "jump " NFT_CHAIN_RECORD) == 0) {
			continue;	/* it returns, having counted */
		} else if (strncmp(line, "limit rate " EMIT_LOG_RATE_NFT " log prefix \"" LOG_PREFIX,
				   strlen("limit rate " EMIT_LOG_RATE_NFT " log prefix \"" LOG_PREFIX)) == 0) {
			t->v[t->n - 1].logged = true;
		} else {
			nft_fail(nr, "a counter's chain does something besides logging and its verdict");
		}
	}
}

/* The blocked chain may only block. */
static void nft_read_blocked(struct nft_reader *nr)
{
	const char *line;

	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0)
		if (strcmp(line, "meta l4proto tcp reject with tcp reset") != 0 &&
		    strcmp(line, "reject with icmpx admin-prohibited") != 0 &&
		    strcmp(line, "drop") != 0)
			nft_fail(nr, "the blocked chain does something besides blocking");
}

/* How many lines from P up to the line "}" that ends the block P is in
 * (P..END): a bound on the rules or sets the block holds. The reader
 * reserves that much, so that a chain of 100,000s of rules is not copied
 * on each doubling, with the old and new arrays both resident. */
static size_t lines_to_block_end(const char *p, const char *end)
{
	size_t n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *s = p;
		while (s < end && (*s == ' ' || *s == '\t'))
			s++;
		if (s < end && *s == '}' && (s + 1 == end || s[1] == '\n' || s[1] == '\r'))
			break;
		n++;
		p = nl ? nl + 1 : end;
	}
	return n;
}

/* A policy chain, into C: the rules, then the default verdict. A rule
 * for a cgroup only in the chain of this machine's own traffic (nft
 * refuses it on the forward path). */
static void nft_read_policy(struct nft_reader *nr, struct vchain *c)
{
	const char *line;

	nr->reading = c;
	/* Until the chain says otherwise, falling off the end accepts. */
	c->final_accept = true;
	VEC_GROW(c->rules, c->n + lines_to_block_end(nr->lr.p, nr->lr.end), c->cap);
	while (nr->ok && (line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
		if (strcmp(line, "ct state new jump " NFT_CHAIN_RECORD) == 0)
			continue;
		size_t before = c->n;
		nft_read_rule(nr, line);
		if (c == &nr->chain && c->n > before && c->rules[c->n - 1].cgroup &&
		    nr->local_expected)
			nft_fail(nr, "a cgroup match in the chain forwarded traffic meets");
	}
}

/* A base chain: its hook and policy, what it lets through before the
 * policy (only what never leaves the machine, and neighbour discovery),
 * each rule in its place, then 'goto egress' - its last rule, so that
 * every packet the hook sees and does not keep local meets the policy. */
static void nft_read_hook(struct nft_reader *nr, const char *hook, const struct vlines *local,
			  const char *policy, struct nft_hook *h)
{
	char head[128], go[64];
	const char *line;

	snprintf(go, sizeof(go), "goto %s", policy);
	h->seen = true;
	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
		bool known = false;
		if (h->to_policy)
			return nft_fail(nr, "a rule after the base chain's goto");
		for (int drop = 0; drop < 2; drop++) {
			snprintf(head, sizeof(head), "type filter hook %s priority filter; policy %s;",
				 hook, drop ? "drop" : "accept");
			if (strcmp(line, head) == 0) {
				h->policy_drop = drop;
				known = true;
			}
		}
		if (!known && h->next < local->n && strcmp(line, local->v[h->next]) == 0) {
			h->next++;
			known = true;
		}
		if (!known && h->next == local->n && strcmp(line, go) == 0)
			h->to_policy = known = true;
		if (!known)
			return nft_fail(nr, "a base chain does something besides keeping local "
					    "traffic local and going to the policy, in order");
	}
	if (!h->to_policy)
		nft_fail(nr, "a base chain does not end in going to its policy chain");
}

/* The nftset= (NFT) or ipset= lines of a dnsmasq fragment; the rest of
 * it (lockdown) is not the firewall's business. */
static int read_fill(struct diags *d, const char *text, size_t len, bool nft, struct fill_map *fm)
{
	struct line_reader lr = { .p = text, .end = text + len };
	const char *line, *key = nft ? "nftset=/" : "ipset=/";

	while ((line = next_line(&lr))) {
		if (!eat(&line, key))
			continue;
		struct fill_line fl = { .domain = "" };
		size_t n = strcspn(line, "/");
		if (n == 0 || n >= sizeof(fl.domain) || line[n] != '/')
			goto bad;
		memcpy(fl.domain, line, n);
		line += n + 1;
		for (;;) {
			struct fill_entry e = { .family = FAMILY_COUNT };
			if (nft) {
				if (eat(&line, "4#" NFT_TABLE_FAMILY "#" NFT_TABLE_NAME "#"))
					e.family = FAMILY_V4;
				else if (eat(&line, "6#" NFT_TABLE_FAMILY "#" NFT_TABLE_NAME "#"))
					e.family = FAMILY_V6;
				else
					break;
			}
			n = strcspn(line, ",");
			if (n == 0 || n >= sizeof(e.set))
				break;
			memcpy(e.set, line, n);
			VEC_PUSH(fl.sets, fl.nsets, fl.sets_cap, e);
			line += n;
			if (!eat(&line, ","))
				break;
		}
		if (*line) {
			free(fl.sets);
			goto bad;
		}
		VEC_PUSH(fm->lines, fm->n, fm->cap, fl);
	}
	line_reader_release(&lr);
	return 0;
bad:
	diag_error(d, NULL, "dnsmasq fragment, line %d: unrecognized: '%s'", lr.lineno,
		   diag_quote(d, lr.buf, strlen(lr.buf)));
	line_reader_release(&lr);
	return -1;
}

/* --- recording (the policy's 'record') -----------------------------------
 * Recording may count but never decide: its sets are no address set a
 * rule can match, its chain only returns (it is jumped to, never gone to),
 * and what jumps to it goes on to the verdict it had. Each line is read
 * as the one form it may take. */

static const char *const nft_record_chain[] = {
	"meta l4proto { tcp, udp } update @" NFT_SET_RECORD "_v4 { ip daddr . meta l4proto . th dport counter } return",
	"meta l4proto != { tcp, udp } update @" NFT_SET_RECORD "_v4 { ip daddr . meta l4proto . 0 counter } return",
	"meta l4proto { tcp, udp } update @" NFT_SET_RECORD "_v6 { ip6 daddr . meta l4proto . th dport counter } return",
	"meta l4proto != { tcp, udp } update @" NFT_SET_RECORD "_v6 { ip6 daddr . meta l4proto . 0 counter } return",
	"counter name \"" NFT_COUNTER_RECORD_OVERFLOW "\"",
};

/* "meta nfproto ipv4 meta l4proto ..." as emitted, or as nft lists it. */
static bool nft_record_line(const char *line, size_t i)
{
	const char *want = nft_record_chain[i];

	if (strcmp(line, want) == 0)
		return true;
	if (i + 1 == ARRAY_SIZE(nft_record_chain))
		return false;
	return eat(&line, i < 2 ? "meta nfproto ipv4 " : "meta nfproto ipv6 ") &&
	       strcmp(line, want) == 0;
}

static void nft_read_record_chain(struct nft_reader *nr)
{
	const char *line;
	size_t i = 0;

	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0)
		if (i >= ARRAY_SIZE(nft_record_chain) || !nft_record_line(line, i++))
			nft_fail(nr, "the record chain does something besides recording");
	if (i != ARRAY_SIZE(nft_record_chain))
		nft_fail(nr, "the record chain is incomplete");
}

/* set record_v4 { type ipv4_addr . inet_proto . inet_service; size N;
 * flags dynamic, timeout; timeout D }: no rule may match it. */
static void nft_read_record_set(struct nft_reader *nr, enum family f)
{
	const char *line;

	while ((line = next_line(&nr->lr)) && strcmp(line, "}") != 0) {
		unsigned size;
		int end = 0;
		if (strcmp(line, f == FAMILY_V4 ? "type ipv4_addr . inet_proto . inet_service"
						: "type ipv6_addr . inet_proto . inet_service") == 0 ||
		    strcmp(line, "flags dynamic, timeout") == 0 ||
		    strcmp(line, "timeout " RECORD_TIMEOUT_NFT) == 0 ||
		    (sscanf(line, "size %u%n", &size, &end) == 1 && line[end] == '\0'))
			continue;
		nft_fail(nr, "unrecognized line in a record set");
	}
}

/* REF: the policy's chain (policy_chain()), which each reader compares
 * its ruleset with; built once for all of them. */
static int verify_nft(struct diags *d, const struct policy *p, const char *text, size_t len,
		      const struct fill_map *fm, struct vchain *ref)
{
	struct nft_reader nr = { .d = d, .ok = true };
	struct vlines output_local = { 0 }, forward_local = { 0 };
	const char *line;

	nft_hook_expect(p, true, &output_local);
	nft_hook_expect(p, false, &forward_local);
	nr.enforce = p->mode == MODE_ENFORCE;
	nr.local_expected = policy_names_cgroups(p);
	nr.reading = &nr.chain;
	nr.lr.p = text;
	nr.lr.end = text + len;
	/* Room for every set at once, as for the policy chain's rules: a set
	 * a class, tens of thousands, each declared one tab in. */
	size_t nsets = 0;
	for (const char *q = text; (q = memmem(q, (size_t)(text + len - q), "\n\tset ", 6)); q += 6)
		nsets++;
	VEC_GROW(nr.sets, nsets, nr.sets_cap);
	/* Until the chain says otherwise, falling off the end accepts. */
	nr.chain.final_accept = nr.local.final_accept = true;
	/* The table's block was opened: the lines that make and delete the
	 * table come before it, once - one after it would delete (or empty)
	 * what was loaded. */
	bool table_open = false;
	while (nr.ok && (line = next_line(&nr.lr))) {
		if (!table_open && (strcmp(line, "table " NFT_TABLE) == 0 ||
				    strcmp(line, "delete table " NFT_TABLE) == 0))
			continue;
		if (!table_open && strcmp(line, "table " NFT_TABLE " {") == 0) {
			table_open = true;
			continue;
		}
		if (strcmp(line, "}") == 0)
			continue;
		if (strcmp(line, "delete table " NFT_TABLE) == 0 ||
		    strncmp(line, "table ", 6) == 0) {
			nft_fail(&nr, "the table is deleted or made again after its rules");
			continue;
		}
		if (strcmp(line, "set " NFT_SET_RECORD "_v4 {") == 0) {
			nft_read_record_set(&nr, FAMILY_V4);
		} else if (strcmp(line, "set " NFT_SET_RECORD "_v6 {") == 0) {
			nft_read_record_set(&nr, FAMILY_V6);
		} else if (strcmp(line, "chain " NFT_CHAIN_RECORD " {") == 0) {
			nft_read_record_chain(&nr);
		} else if (strncmp(line, "set ", 4) == 0) {
			nft_read_set(&nr, line);
		} else if (strncmp(line, "counter ", 8) == 0) {
			nft_read_counter(&nr, line + 8);
		} else if (strcmp(line, "chain " NFT_CHAIN_BLOCKED " {") == 0) {
			nft_read_blocked(&nr);
		} else if (strcmp(line, "chain " NFT_CHAIN_POLICY " {") == 0) {
			nr.seen_policy = true;
			nft_read_policy(&nr, &nr.chain);
		} else if (nr.local_expected && strcmp(line, "chain " NFT_CHAIN_LOCAL " {") == 0) {
			nr.seen_local = true;
			nft_read_policy(&nr, &nr.local);
		} else if (strcmp(line, "chain " NFT_CHAIN_OUTPUT " {") == 0) {
			nft_read_hook(&nr, "output", &output_local,
				      nr.local_expected ? NFT_CHAIN_LOCAL : NFT_CHAIN_POLICY, &nr.output);
		} else if (strcmp(line, "chain " NFT_CHAIN_FORWARD " {") == 0) {
			nft_read_hook(&nr, "forward", &forward_local, NFT_CHAIN_POLICY, &nr.forward);
		} else if (strncmp(line, "chain ", 6) == 0) {
			nft_read_counter_chain(&nr, line + 6);
		} else {
			nft_fail(&nr, "unrecognized line");
		}
	}
	/* Without the forward chain, containers' traffic leaves unfiltered. */
	if (nr.ok && (!nr.seen_policy || !nr.output.seen || !nr.forward.seen ||
		      nr.seen_local != nr.local_expected))
		nft_fail(&nr, "a policy chain, the output chain or the forward chain is missing");
	if (nr.ok && nr.output.policy_drop != nr.forward.policy_drop)
		nft_fail(&nr, "the output and forward chains have different policies");
	/* A set with elements of its own is the rules' alone, as a static
	 * ipset is: dnsmasq adds to any set it is given, and a wildcard's
	 * answers would pass that set's rule. */
	for (size_t i = 0; nr.ok && i < fm->n; i++)
		for (size_t j = 0; j < fm->lines[i].nsets; j++) {
			const char *name = fm->lines[i].sets[j].set;
			const struct nft_set *set = nft_find_set(&nr, name, strlen(name));
			if (set && !set->runtime) {
				diag_error(d, NULL, "the dnsmasq fragment fills the static set '%s'",
					   set->name);
				nr.ok = false;
				break;
			}
		}
	/* Off the end of a policy chain without a final verdict, the hook's
	 * policy decides; a final 'accept' accepts whatever that policy is. */
	nr.chain.policy_drop = nr.local.policy_drop = nr.output.policy_drop;
	if (!nr.chain.final_read)
		nr.chain.final_accept = !nr.output.policy_drop;
	if (!nr.local.final_read)
		nr.local.final_accept = !nr.output.policy_drop;
	struct vchain *local = nr.seen_local ? &nr.local : &nr.chain;
	int rc = nr.ok ? 0 : -1;
	if (rc == 0)
		rc = resolve_jumps(d, "nft ruleset", &nr.chain, &nr.counter_chains, NFT_CHAIN_BLOCKED,
				   p->mode);
	if (rc == 0 && local != &nr.chain)
		rc = resolve_jumps(d, "nft ruleset", local, &nr.counter_chains, NFT_CHAIN_BLOCKED,
				   p->mode);
	if (rc == 0)
		rc = compare_senders(d, "nft ruleset", &nr.chain, local, ref, FAMILY_COUNT, fm, "");
	for (size_t i = 0; i < nr.nsets; i++)
		nft_set_release(&nr.sets[i]);
	free(nr.sets);
	free(nr.set_index.slots);
	vchains_release(&nr.counters);
	vchains_release(&nr.counter_chains);
	line_reader_release(&nr.lr);
	vlines_free(&output_local);
	vlines_free(&forward_local);
	chain_free(&nr.chain);
	chain_free(&nr.local);
	return rc;
}

/* --- iptables-restore ------------------------------------------------------ */

/* Lines that may stand anywhere and say nothing about addresses. */
static const char *const ipt_fixed[] = {
	"*filter",
	":" IPT_CHAIN_POLICY " - [0:0]",
	":" IPT_CHAIN_OUTPUT " - [0:0]",
	":" IPT_CHAIN_FORWARD " - [0:0]",
	":" IPT_CHAIN_BLOCK " - [0:0]",
	"-A " IPT_CHAIN_BLOCK " -p tcp -j REJECT --reject-with tcp-reset",
	"-A " IPT_CHAIN_BLOCK " -j DROP",
	"COMMIT",
};

static const char *const ipt_fixed_v4[] = {
	"-A " IPT_CHAIN_BLOCK " -j REJECT --reject-with icmp-admin-prohibited",
};

static const char *const ipt_fixed_v6[] = {
	"-A " IPT_CHAIN_BLOCK " -j REJECT --reject-with icmp6-adm-prohibited",
};

/* What the hook chains keep local, after "-A CHAIN ": loopback (output
 * only), this machine's bridges by name, neighbour discovery (IPv6 output
 * only). Then each must go to the policy, and both must be hooked. */
static const char *const ipt_nd[] = {
	"-d ff02::2/128 -p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j RETURN",
	/* Parenthesized: one string made of two, not two strings. */
	"-p ipv6-icmp -m owner --uid-owner 0-4294967294 -g %s",
	"-p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j RETURN",
	"-p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j RETURN",
	"-p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j RETURN",
};

struct ipt_hook {
	const char *chain;	/* IPT_CHAIN_OUTPUT */
	const char *hook_line;	/* IPT_HOOK_OUTPUT */
	struct vlines want;	/* its rules, after "-A CHAIN ", in order */
	size_t next;		/* how many of them were read */
	bool to_policy, hooked;
};

/* What hook H's chain must hold, in order: local traffic kept local
 * (loopback to a local address and neighbour discovery on output; the
 * bridges by name; on output, the forwarder's DNS to the resolvers),
 * then the policy. */
static void ipt_hook_expect(struct ipt_hook *h, const struct policy *p, enum family f, bool output)
{
	if (f == FAMILY_V6)
		vlines_add(&h->want, IPT_NO_ROUTING_HEADER);
	if (output)
		vlines_add(&h->want, "-o lo -m addrtype --dst-type LOCAL -j RETURN");
	for (const char *const *b = ipt_local_bridges; *b; b++)
		vlines_add(&h->want, "-o %s -j RETURN", *b);
	for (const struct target *t = p->resolver && output ? p->resolver->resolver.addrs : NULL; t;
	     t = t->next) {
		char buf[PREFIX_STRLEN];
		if (t->prefix.family != f)
			continue;
		for (int udp = 0; udp < 2; udp++)
			vlines_add(&h->want, "-d %s/%d -p %s -m multiport --dports 53,853 -m owner "
				   "--uid-owner %s -j RETURN", addr_format(f, t->prefix.addr, buf),
				   family_bits(f), udp ? "udp" : "tcp", p->resolver->resolver.user);
	}
	/* This machine's traffic meets the rules for users too. */
	const char *policy = output && policy_names_senders(p) ? IPT_CHAIN_LOCAL : IPT_CHAIN_POLICY;
	for (size_t i = 0; output && f == FAMILY_V6 && i < ARRAY_SIZE(ipt_nd); i++)
		vlines_add(&h->want, ipt_nd[i], policy);
	vlines_add(&h->want, "-g %s", policy);
}

/* A line of a hook chain, or its hook: true when it is one (and then
 * *BAD when it is not what it must be, in the order it must be). */
static bool ipt_read_hook(struct ipt_hook *h, const char *line, bool *bad)
{
	size_t n = strlen(h->chain);

	*bad = false;
	if (strcmp(line, h->hook_line) == 0) {
		*bad = h->hooked;
		h->hooked = true;
		return true;
	}
	if (strncmp(line, "-A ", 3) != 0 || strncmp(line + 3, h->chain, n) != 0 ||
	    line[3 + n] != ' ')
		return false;
	*bad = h->next >= h->want.n || strcmp(line + 4 + n, h->want.v[h->next]) != 0;
	h->to_policy = !*bad && h->next + 1 == h->want.n;
	h->next++;
	return true;
}

static bool in_table(const char *line, const char *const *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(line, table[i]) == 0)
			return true;
	return false;
}

#define IN_TABLE(line, t) in_table(line, t, sizeof(t) / sizeof(*(t)))

/* The ipsets an ipset restore file creates. A run-time set: "create NAME
 * hash:net family inet|inet6 timeout N", then "flush NAME". A static set:
 * "create NAME hash:net family inet|inet6 hashsize H maxelem M", then
 * "add NAME P" for each of its prefixes; no timeout, so nothing ages out,
 * and what it holds is what the rules that match it accept or deny. */
struct vipset {
	char name[IPSET_NAME_MAX + 1];
	enum family family;
	bool fixed;		/* static: its members are the "add" lines */
	bool refreshed;		/* a refresh set: fixed, flushed before its "add" lines */
	size_t maxelem;
	struct ivlist addrs;	/* normalized once read */
};

struct ipset_list {
	struct vipset *v;
	size_t n, cap;
	struct name_index index;
};

static void ipset_list_release(struct ipset_list *il)
{
	for (size_t i = 0; i < il->n; i++)
		ivl_free(&il->v[i].addrs);
	free(il->v);
	free(il->index.slots);
}

static const struct vipset *ipset_find(const struct ipset_list *il, const char *name)
{
	long i = name_index_find(&il->index, il->v, name, strlen(name));
	return i < 0 ? NULL : &il->v[i];
}

/* "create NAME hash:net family F timeout N" or "... hashsize H maxelem M". */
static bool read_ipset_create(const char *line, struct vipset *set)
{
	char fam[8];
	unsigned timeout, hashsize;
	size_t maxelem;
	int end = 0;

	memset(set, 0, sizeof(*set));
	if (sscanf(line, "create %31s hash:net family %7s timeout %u%n", set->name, fam, &timeout,
		   &end) == 3 && line[end] == '\0') {
		set->fixed = false;
	} else if (end = 0, sscanf(line, "create %31s hash:net family %7s hashsize %u maxelem %zu%n",
				   set->name, fam, &hashsize, &maxelem, &end) == 4 &&
		   line[end] == '\0' && maxelem > 0) {
		set->fixed = true;
		set->maxelem = maxelem;
	} else {
		return false;
	}
	if (strcmp(fam, "inet") != 0 && strcmp(fam, "inet6") != 0)
		return false;
	set->family = strcmp(fam, "inet") == 0 ? FAMILY_V4 : FAMILY_V6;
	return true;
}

/* "add NAME P", NAME the static set created last. */
static bool read_ipset_add(const char *line, struct vipset *set, size_t *nadds)
{
	size_t n = strlen(set->name);
	struct prefix pf;

	if (strncmp(line, "add ", 4) != 0 || strncmp(line + 4, set->name, n) != 0 ||
	    line[4 + n] != ' ' || !set->fixed ||
	    prefix_parse_written(line + 5 + n, &pf) != PREFIX_OK || pf.family != set->family ||
	    ++*nadds > set->maxelem)
		return false;
	ivl_add(&set->addrs, pf.addr, prefix_last(&pf));
	return true;
}

/* "create NAME hash:ip,port family F counters timeout N maxelem M": a
 * record set, which no rule of the policy may match; its name into
 * RECORD. */
static bool read_record_ipset(const char *line, char record[IPSET_NAME_MAX + 1])
{
	char name[IPSET_NAME_MAX + 1], fam[8];
	unsigned timeout, maxelem;
	int end = 0;

	/* Into NAME first: a line that is not a record set's leaves RECORD
	 * as it was. */
	if (sscanf(line, "create %31s hash:ip,port family %7s counters timeout %u maxelem %u%n",
		   name, fam, &timeout, &maxelem, &end) != 4 || line[end] != '\0' ||
	    strncmp(name, IPSET_PREFIX "record_", strlen(IPSET_PREFIX "record_")) != 0)
		return false;
	memcpy(record, name, sizeof(name));
	return true;
}

static int read_ipsets(struct diags *d, const char *text, size_t len, struct ipset_list *il)
{
	struct line_reader lr = { .p = text, .end = text + len };
	const char *line;
	size_t nadds = 0;
	char record[IPSET_NAME_MAX + 1] = "";

	il->index.stride = sizeof(*il->v);
	il->index.offset = offsetof(struct vipset, name);
	while ((line = next_line(&lr))) {
		struct vipset *last = il->n ? &il->v[il->n - 1] : NULL;
		if (last && !last->fixed && strncmp(line, "flush ", 6) == 0 &&
		    strcmp(line + 6, last->name) == 0)
			continue;
		if (last && last->fixed && !last->refreshed && !nadds &&
		    strncmp(line, "flush ", 6) == 0 && strcmp(line + 6, last->name) == 0) {
			last->refreshed = true;
			continue;
		}
		if (record[0] && strncmp(line, "flush ", 6) == 0 && strcmp(line + 6, record) == 0)
			continue;
		if (read_record_ipset(line, record))
			continue;
		if (last && strncmp(line, "add ", 4) == 0) {
			if (read_ipset_add(line, last, &nadds))
				continue;
		} else {
			/* Growing may move the sets: LAST is stale from here. */
			VEC_GROW(il->v, il->n + 1, il->cap);
			if (read_ipset_create(line, &il->v[il->n]) &&
			    !ipset_find(il, il->v[il->n].name)) {
				if (il->n)
					ivl_normalize(&il->v[il->n - 1].addrs);
				name_index_add(&il->index, il->v, il->n++);
				nadds = 0;
				continue;
			}
		}
		diag_error(d, NULL, "ipsets, line %d: unrecognized: '%s'", lr.lineno,
			   diag_quote(d, line, strlen(line)));
		line_reader_release(&lr);
		return -1;
	}
	if (il->n)
		ivl_normalize(&il->v[il->n - 1].addrs);
	line_reader_release(&lr);
	return 0;
}

/* Whether an address of a hostname under T (following defines), of
 * family F, is in [LO, HI]. */
static bool names_address_in(const struct target *t, enum family f, addr_t lo, addr_t hi)
{
	for (; t; t = t->next) {
		if (t->kind == TARGET_HOST && t->host) {
			for (size_t i = 0; i < t->host->naddrs; i++) {
				const struct prefix *p = &t->host->addrs[i];
				if (p->family == f && p->addr <= hi && prefix_last(p) >= lo)
					return true;
			}
		} else if (t->kind == TARGET_VARIABLE && t->define &&
			   names_address_in(t->define->define.targets, f, lo, hi)) {
			return true;
		}
	}
	return false;
}

/* A refresh set (one the agent changes in place) holds its pinned names'
 * share of a class: each stretch of it holds an address of a hostname an
 * allow rule names. What it admits is checked with the rules that match
 * it, as for every static set. */
static int check_refresh_ipsets(struct diags *d, const struct policy *p,
				const struct ipset_list *il)
{
	for (size_t i = 0; i < il->n; i++) {
		const struct vipset *set = &il->v[i];
		for (size_t j = 0; set->refreshed && j < set->addrs.n; j++) {
			const struct stmt *s = p->stmts;
			while (s && !(s->kind == STMT_RULE && s->rule.verdict == VERDICT_ALLOW &&
				      names_address_in(s->rule.targets, set->family,
						       set->addrs.v[j].lo, set->addrs.v[j].hi)))
				s = s->next;
			if (s)
				continue;
			char buf[PREFIX_STRLEN];
			diag_error(d, NULL, "the refresh ipset '%s' holds %s, which no allowed "
				   "hostname resolved to", set->name,
				   addr_format(set->family, set->addrs.v[j].lo, buf));
			return -1;
		}
	}
	return 0;
}

/* A static set is the rules' alone: no dnsmasq line may fill it, and no
 * dynamic set (which other software fills by its name) may be it. */
static int check_static_ipsets(struct diags *d, const struct policy *p,
			       const struct ipset_list *il, const struct fill_map *fm)
{
	static const char *const suffix[FAMILY_COUNT] = { "v4", "v6" };
	char name[IPSET_NAME_MAX + 1];

	for (size_t i = 0; i < fm->n; i++)
		for (size_t j = 0; j < fm->lines[i].nsets; j++) {
			const struct vipset *set = ipset_find(il, fm->lines[i].sets[j].set);
			if (set && set->fixed) {
				diag_error(d, NULL, "the dnsmasq fragment fills the static ipset '%s'",
					   set->name);
				return -1;
			}
		}
	for (const struct stmt *s = p->stmts; s; s = s->next) {
		if (s->kind != STMT_DYNAMIC)
			continue;
		for (int f = 0; f < FAMILY_COUNT; f++) {
			ipsetname_dynamic(name, s->dynamic.name, s->dynamic.opts.timeout, suffix[f]);
			const struct vipset *set = ipset_find(il, name);
			if (set && set->fixed) {
				diag_error(d, NULL, "dynamic set '$%s' is filled by the name of the static ipset '%s'",
					   s->dynamic.name, name);
				return -1;
			}
		}
	}
	return 0;
}

/* " -s P,P" (family F) into R's sources; true when there is none, too. */
static bool ipt_read_source(const char **s, struct vrule *r, enum family f)
{
	char text[PREFIX_STRLEN + 2];
	struct prefix p;

	if (!eat(s, " -s "))
		return true;
	r->has_src = true;
	for (;;) {
		size_t n = strcspn(*s, ", ");
		if (!n || n >= sizeof(text))
			return false;
		memcpy(text, *s, n);
		text[n] = '\0';
		if (prefix_parse_written(text, &p) != PREFIX_OK || p.family != f)
			return false;
		ivl_add(&r->from, p.addr, prefix_last(&p));
		*s += n;
		if (!eat(s, ","))
			break;
	}
	ivl_normalize(&r->from);
	return true;
}

/* " -m owner [--uid-owner U] [--gid-owner G]" into R; true when there
 * is none, too. */
static bool ipt_read_owner(const char **s, struct vrule *r)
{
	if (!eat(s, " -m owner"))
		return true;
	bool any = false;
	for (int g = 0; g < 2; g++) {
		if (!eat(s, g ? " --gid-owner " : " --uid-owner "))
			continue;
		size_t n = strcspn(*s, " ");
		if (!n || n >= VOWNER_MAX)
			return false;
		vowners_add(g ? &r->groups : &r->users, *s, n);
		*s += n;
		any = true;
	}
	return any;
}

/* " -m cgroup --path PATH" into R; true when there is none, too. */
static bool ipt_read_cgroup(const char **s, struct vrule *r)
{
	if (!eat(s, " -m cgroup --path "))
		return true;
	size_t n = strcspn(*s, " ");
	if (!n)
		return false;
	r->cgroup = xstrndup(*s, n);
	*s += n;
	return true;
}

/* " -m time [--timestart HH:MM:00 --timestop HH:MM:59] [--weekdays Mon,...]
 * --utc" into R's window; true when there is none, too. */
static bool ipt_read_time(const char **s, struct vrule *r)
{
	unsigned days = 0, lo = 0, hi = DAY_MINUTES, h1, m1, h2, m2;
	int end = 0;

	if (!eat(s, " -m time"))
		return true;
	if (sscanf(*s, " --timestart %2u:%2u:00 --timestop %2u:%2u:59%n", &h1, &m1, &h2, &m2, &end) == 4 &&
	    end > 0) {
		*s += end;
		lo = h1 * 60 + m1;
		hi = h2 * 60 + m2 + 1;
		if (h1 > 23 || m1 > 59 || h2 > 23 || m2 > 59 || lo >= hi)
			return false;
	}
	if (eat(s, " --weekdays ")) {
		for (;;) {
			unsigned d = 0;
			while (d < 7 && strncmp(*s, window_day_name(d), 3) != 0)
				d++;
			if (d == 7)
				return false;
			days |= 1u << d;
			*s += 3;
			if (!eat(s, ","))
				break;
		}
	} else {
		days = 0x7f;
	}
	if (!eat(s, " --utc"))
		return false;
	if (!r->when)
		r->when = xmalloc(sizeof(*r->when));
	window_of_days(r->when, days, lo, hi);
	return true;
}

/* "-A CHAIN -d P|-m set --match-set S dst [-m owner ...] [-p X [-m X
 * --dport N[:M] | -m multiport --dports L]] -j T", after "-A CHAIN". */
static bool ipt_read_rule(struct vchain *c, enum family f, const struct ipset_list *il,
			  const char *s)
{
	char text[PREFIX_STRLEN + 2];
	struct prefix p;
	bool runtime = false;

	if (eat(&s, " -m set --match-set "))
		runtime = true;
	else if (!eat(&s, " -d "))
		return false;
	size_t n = strcspn(s, " ");
	if (n >= sizeof(text))
		return false;
	memcpy(text, s, n);
	text[n] = '\0';
	s += n;
	const struct vipset *set = runtime ? ipset_find(il, text) : NULL;
	if (runtime ? !set || set->family != f || !eat(&s, " dst")
		    : prefix_parse_written(text, &p) != PREFIX_OK || p.family != f)
		return false;

	struct vrule *r = chain_add(c);
	r->family = f;
	r->protos = VP_ALL;
	r->runtime = runtime && !set->fixed;
	if (r->runtime)
		r->set = xstrdup(text);
	else if (set)
		ivl_append(&r->addrs, &set->addrs);
	else
		ivl_add(&r->addrs, p.addr, prefix_last(&p));
	if (!ipt_read_source(&s, r, f) || !ipt_read_owner(&s, r) || !ipt_read_cgroup(&s, r) ||
	    !ipt_read_time(&s, r))
		return false;
	if (eat(&s, " -p tcp"))
		r->protos = VP_TCP;
	else if (eat(&s, " -p udp"))
		r->protos = VP_UDP;
	if (r->protos != VP_ALL) {
		const char *proto = r->protos == VP_TCP ? "tcp" : "udp";
		char single[32];
		snprintf(single, sizeof(single), " -m %s --dport ", proto);
		if (eat(&s, single)) {
			if (!read_ports(&s, r, ':', false) || r->nports != 1)
				return false;
		} else if (eat(&s, " -m multiport --dports ")) {
			if (!read_ports(&s, r, ':', false))
				return false;
		}
	}
	if (strcmp(s, " -j RETURN") == 0)
		r->accept = true;
	else if (!eat(&s, " -g ") || !set_jump(r->jump, s, strlen(s)))
		return false;
	return true;
}

/* ":EGRESSC-NAME - [0:0]" declares a counter's chain; "-A EGRESSC-NAME"
 * lines log, or end it with "-j EGRESSC-BLOCK" or "-j ACCEPT". */
static bool ipt_read_counter_chain(struct vchains *t, const char *line)
{
	size_t len;

	if (eat(&line, ":")) {
		len = strcspn(line, " ");
		if (strncmp(line, IPT_CHAIN_PREFIX "-", strlen(IPT_CHAIN_PREFIX "-")) != 0 ||
		    strcmp(line + len, " - [0:0]") != 0)
			return false;
		vchains_add(t, line, len);
		return true;
	}
	if (!eat(&line, "-A "))
		return false;
	len = strcspn(line, " ");
	long k = vchains_find(t, line, len);
	if (k < 0 || t->v[k].ended)
		return false;
	line += len;
	if (strcmp(line, " -j " IPT_CHAIN_BLOCK) == 0 || strcmp(line, " -j RETURN") == 0) {
		vchains_end(t, (size_t)k, strcmp(line, " -j RETURN") == 0);
		return true;
	}
	t->v[k].logged = true;
	return eat(&line, " " EMIT_LOG_RATE_IPT " -j ") &&
	       (strncmp(line, "LOG --log-prefix \"" LOG_PREFIX,
			strlen("LOG --log-prefix \"" LOG_PREFIX)) == 0 ||
		strncmp(line, "NFLOG --nflog-group ", 20) == 0);
}

/* A line of EGRESSC-RECORD (see the recording section above), or a jump
 * to it: a jump, so that the packet comes back to its verdict. */
static bool ipt_record_line(const char *line)
{
	static const char *const forms[] = {
		" -m set --match-set %31s dst,dst -j RETURN%n",
		" -j SET --add-set %31s dst,dst%n",
		" -m set --match-set %31s dst,dst ! --update-counters -j RETURN%n",
	};
	char set[IPSET_NAME_MAX + 1];

	if (strcmp(line, ":" IPT_CHAIN_RECORD " - [0:0]") == 0 ||
	    strcmp(line, "-A " IPT_CHAIN_RECORD " -m comment --comment \"record overflow\" -j RETURN") == 0 ||
	    strcmp(line, "-A " IPT_CHAIN_POLICY " -m conntrack --ctstate NEW -j " IPT_CHAIN_RECORD) == 0 ||
	    strcmp(line, "-A " IPT_CHAIN_LOCAL " -m conntrack --ctstate NEW -j " IPT_CHAIN_RECORD) == 0)
		return true;
	if (eat(&line, "-A " IPT_CHAIN_RECORD)) {
		for (size_t i = 0; i < ARRAY_SIZE(forms); i++) {
			int end = 0;
			if (sscanf(line, forms[i], set, &end) == 1 && line[end] == '\0')
				return strncmp(set, IPSET_PREFIX "record_",
					       strlen(IPSET_PREFIX "record_")) == 0;
		}
		return false;
	}
	/* "-A EGRESSC-deny_3 -j EGRESSC-RECORD" */
	if (!eat(&line, "-A " IPT_CHAIN_PREFIX "-"))
		return false;
	size_t len = strcspn(line, " ");
	return len && strcmp(line + len, " -j " IPT_CHAIN_RECORD) == 0;
}

/* One of the chains that hold the policy, as read. */
struct ipt_policy {
	const char *chain;
	bool expected;
	struct vchain out;
};

static int verify_iptables(struct diags *d, const struct policy *p, enum family f,
			   const char *text, size_t len, const struct ipset_list *il,
			   const struct fill_map *fm, struct vchain *ref)
{
	struct line_reader lr = { .p = text, .end = text + len };
	struct vchains counter_chains = { 0 };
	const char *line, *what = f == FAMILY_V4 ? "iptables rules" : "ip6tables rules";
	int rc = 0;
	/* The policy, and with rules for users the policy for this machine's
	 * own traffic (EGRESSC-LOCAL): read alike. */
	struct ipt_policy forward = { .chain = IPT_CHAIN_POLICY, .expected = true,
				      .out = { .final_accept = true } };
	struct ipt_policy local = { .chain = IPT_CHAIN_LOCAL, .expected = policy_names_senders(p),
				    .out = { .final_accept = true } };

	struct ipt_hook hooks[2] = {
		{ .chain = IPT_CHAIN_OUTPUT, .hook_line = IPT_HOOK_OUTPUT },
		{ .chain = IPT_CHAIN_FORWARD, .hook_line = IPT_HOOK_FORWARD },
	};

	ipt_hook_expect(&hooks[0], p, f, true);
	ipt_hook_expect(&hooks[1], p, f, false);
	/* Enforcing rules 'from' sources: as nft's forward chain does, a
	 * forwarded source is taken only when it is routed back out of the
	 * interface it came in on - in the raw table, the only one (with
	 * mangle) where rpfilter works, and then only this. */
	bool from = false, raw = false, rpf_drop = false, rpf_hooked = false;
	/* A rule of the filter table was read: a chain declared after it
	 * would be flushed by iptables-restore, rules and all. */
	bool rules_read = false;
	for (const struct stmt *s = p->stmts; s; s = s->next)
		from |= s->kind == STMT_RULE && s->rule.opts.sources;
	from &= p->mode == MODE_ENFORCE;

	while (rc == 0 && (line = next_line(&lr))) {
		bool bad = false;
		struct ipt_policy *pc = NULL;
		if (strcmp(line, "*raw") == 0 || raw) {
			if (raw && strcmp(line, "COMMIT") == 0)
				raw = false;
			else if (!raw && from)
				raw = true;
			else if (raw && strcmp(line, IPT_RPF_DROP) == 0)
				rpf_drop = true;
			else if (raw && strcmp(line, IPT_HOOK_RPF) == 0)
				rpf_hooked = true;
			else if (!raw || strcmp(line, ":" IPT_CHAIN_RPF " - [0:0]") != 0) {
				diag_error(d, NULL, "%s, line %d: the raw table does something besides "
					   "dropping what fails the reverse-path check of 'from': '%s'",
					   what, lr.lineno, diag_quote(d, line, strlen(line)));
				rc = -1;
			}
			continue;
		}
		if (*line == ':' && rules_read) {
			diag_error(d, NULL, "%s, line %d: a chain declared after rules (iptables-restore "
				   "flushes it): '%s'", what, lr.lineno, diag_quote(d, line, strlen(line)));
			rc = -1;
			continue;
		}
		rules_read |= *line == '-';
		if (IN_TABLE(line, ipt_fixed) ||
		    (f == FAMILY_V4 ? IN_TABLE(line, ipt_fixed_v4) : IN_TABLE(line, ipt_fixed_v6)) ||
		    ipt_record_line(line))
			continue;
		if (local.expected && strcmp(line, ":" IPT_CHAIN_LOCAL " - [0:0]") == 0)
			continue;
		for (int i = 0; i < (local.expected ? 2 : 1) && !pc; i++) {
			struct ipt_policy *q = i ? &local : &forward;
			size_t n = strlen(q->chain);
			if (strncmp(line, "-A ", 3) == 0 && strncmp(line + 3, q->chain, n) == 0 &&
			    line[3 + n] == ' ')
				pc = q;
		}
		const char *rest = pc ? line + 3 + strlen(pc->chain) : NULL;
		if (pc && pc->out.final_read) {
			diag_error(d, NULL, "%s, line %d: a rule after the chain's final verdict "
				   "(iptables never reaches it): '%s'", what, lr.lineno,
				   diag_quote(d, line, strlen(line)));
			rc = -1;
		} else if (ipt_read_hook(&hooks[0], line, &bad) || ipt_read_hook(&hooks[1], line, &bad)) {
			if (bad) {
				diag_error(d, NULL, "%s, line %d: a hook chain does something besides "
					   "keeping local traffic local and going to the policy: '%s'",
					   what, lr.lineno, diag_quote(d, line, strlen(line)));
				rc = -1;
			}
		} else if (pc && (strcmp(rest, " -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN") == 0 ||
				  strcmp(rest, " -m conntrack --ctstate RELATED,ESTABLISHED --ctdir ORIGINAL -j RETURN") == 0 ||
				  strcmp(rest, " -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j RETURN") == 0)) {
			pc->out.replies_accepted = true;
		} else if (pc && eat(&rest, " -g ") && !strchr(rest, ' ')) {
			pc->out.final_accept = false;
			pc->out.final_read = true;
			if (!set_jump(pc->out.final_jump, rest, strlen(rest))) {
				diag_error(d, NULL, "%s, line %d: bad final jump", what, lr.lineno);
				rc = -1;
			}
		} else if (!(pc && ipt_read_rule(&pc->out, f, il, line + 3 + strlen(pc->chain))) &&
			   !ipt_read_counter_chain(&counter_chains, line)) {
			diag_error(d, NULL, "%s, line %d: unrecognized: '%s'", what, lr.lineno,
				   diag_quote(d, line, strlen(line)));
			rc = -1;
		} else if (pc && p->mode == MODE_ENFORCE && pc->out.replies_accepted && pc->out.n &&
			   pc->out.rules[pc->out.n - 1].jump[0]) {
			diag_error(d, NULL, "%s, line %d: a deny after the accept of replies: a denied "
				   "host that connects in would get data back", what, lr.lineno);
			rc = -1;
		}
		/* A rule for sources in the chain of this machine's own traffic
		 * would match packets of its own whose source lies there. */
		if (rc == 0 && pc == &local && local.out.n && local.out.rules[local.out.n - 1].has_src) {
			diag_error(d, NULL, "%s, line %d: a source match in the chain this machine's own "
				   "traffic meets", what, lr.lineno);
			rc = -1;
		}
		/* The owner match is refused in a chain the forward hook reaches. */
		if (rc == 0 && pc == &forward && forward.out.n &&
		    (forward.out.rules[forward.out.n - 1].users.n ||
		     forward.out.rules[forward.out.n - 1].groups.n ||
		     forward.out.rules[forward.out.n - 1].cgroup)) {
			diag_error(d, NULL, "%s, line %d: an owner match in the chain forwarded traffic "
				   "meets", what, lr.lineno);
			rc = -1;
		}
	}
	if (rc == 0 && from && !(rpf_drop && rpf_hooked)) {
		diag_error(d, NULL, "%s: no reverse-path check in the raw table: a container could "
			   "claim a source a 'from' rule trusts", what);
		rc = -1;
	}
	/* Without the forward hook, containers' traffic leaves unfiltered. */
	for (int i = 0; rc == 0 && i < 2; i++) {
		if (!hooks[i].to_policy || !hooks[i].hooked) {
			diag_error(d, NULL, "%s: %s is %s", what, hooks[i].chain,
				   hooks[i].hooked ? "incomplete" : "not hooked");
			rc = -1;
		}
	}
	for (int i = 0; i < (local.expected ? 2 : 1); i++) {
		struct ipt_policy *pc = i ? &local : &forward;
		if (rc == 0)
			rc = resolve_jumps(d, what, &pc->out, &counter_chains, IPT_CHAIN_BLOCK,
					   p->mode);
		/* egressc does not own the built-in chains, whose policy is the
		 * administrator's: what its chain does not decide, it returns. */
		pc->out.policy_drop = !pc->out.final_accept;
	}
	if (rc == 0)
		rc = compare_senders(d, what, &forward.out, local.expected ? &local.out : &forward.out,
				     ref, f, fm, IPSET_PREFIX);
	vchains_release(&counter_chains);
	line_reader_release(&lr);
	vlines_free(&hooks[0].want);
	vlines_free(&hooks[1].want);
	chain_free(&forward.out);
	chain_free(&local.out);
	return rc;
}

/* --- all outputs at once --------------------------------------------------- */

const char *const verify_formats[VERIFY_TEXTS] = {
	[VERIFY_NFT] = "nft",
	[VERIFY_IPTABLES] = "iptables",
	[VERIFY_IP6TABLES] = "ip6tables",
	[VERIFY_DNSMASQ] = "dnsmasq",
	[VERIFY_DNSMASQ_IPSET] = "dnsmasq-ipset",
	[VERIFY_IPSET] = "ipset",
};

/* Text I of T: as given, or rendered now into *OWNED, which the caller
 * frees once it has read it. NULL, with an error queued: it could not be
 * rendered. */
static const char *take_text(struct diags *d, const struct verify_texts *t, enum verify_text i,
			     size_t *len, char **owned)
{
	*owned = NULL;
	*len = t->len[i];
	if (t->text[i])
		return t->text[i];
	*owned = t->render(t->ctx, i, len);
	if (!*owned)
		diag_error(d, NULL, "cannot render the %s output to verify it: %s",
			   verify_formats[i], strerror(errno));
	return *owned;
}

int verify_outputs(struct diags *d, const struct policy *p, const struct verify_texts *t)
{
	struct fill_map nft_fill = { 0 }, ipt_fill = { 0 };
	struct ipset_list il = { 0 };
	struct vchain ref = { 0 };
	const char *text;
	char *owned;
	size_t len;
	int rc = 0;

	/* One text at a time, each read and let go before the next. */
	text = take_text(d, t, VERIFY_DNSMASQ, &len, &owned);
	rc = !text || read_fill(d, text, len, true, &nft_fill) < 0 ? -1 : 0;
	free(owned);
	if (rc == 0) {
		text = take_text(d, t, VERIFY_DNSMASQ_IPSET, &len, &owned);
		rc = !text || read_fill(d, text, len, false, &ipt_fill) < 0 ? -1 : 0;
		free(owned);
	}
	if (rc == 0) {
		text = take_text(d, t, VERIFY_IPSET, &len, &owned);
		rc = !text || read_ipsets(d, text, len, &il) < 0 ? -1 : 0;
		free(owned);
	}
	if (rc == 0)
		rc = check_static_ipsets(d, p, &il, &ipt_fill);
	if (rc == 0)
		rc = check_refresh_ipsets(d, p, &il);
	if (rc == 0) {
		policy_chain(p, &ref);
		for (int i = VERIFY_NFT; i <= VERIFY_IP6TABLES; i++) {
			text = take_text(d, t, (enum verify_text)i, &len, &owned);
			if (!text)
				rc = -1;
			else if (i == VERIFY_NFT)
				rc |= verify_nft(d, p, text, len, &nft_fill, &ref);
			else
				rc |= verify_iptables(d, p, (enum family)(i - VERIFY_IPTABLES), text,
						      len, &il, &ipt_fill, &ref);
			free(owned);
		}
	}
	chain_free(&ref);
	fill_map_free(&nft_fill);
	fill_map_free(&ipt_fill);
	ipset_list_release(&il);
	return rc ? -1 : 0;
}
