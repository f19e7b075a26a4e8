#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrlist.h"
#include "arena.h"
#include "diag.h"
#include "resolve.h"

/* The service of one rule, before grouping. */
struct rule_service {
	const struct stmt *rule;
	struct service svc;
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
static struct service rule_service(const struct stmt *r)
{
	struct service svc = { 0 };
	size_t n = 0;

	for (const struct proto_item *p = r->rule.protos; p; p = p->next)
		svc.protos |= p->bit;
	for (const struct port_item *p = r->rule.ports; p; p = p->next)
		n++;
	if (n && !svc.protos)
		svc.protos = PROTO_TCP;
	if (!n)
		return svc;

	struct port_range *ports = xmalloc(n * sizeof(*ports));
	n = 0;
	for (const struct port_item *p = r->rule.ports; p; p = p->next)
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

static int rule_service_cmp(const void *pa, const void *pb)
{
	const struct rule_service *a = pa, *b = pb;

	if (a->rule->rule.verdict != b->rule->rule.verdict)
		return a->rule->rule.verdict == VERDICT_DENY ? -1 : 1;
	int c = service_cmp(&a->svc, &b->svc);
	if (c)
		return c;
	return a->rule->rule.index < b->rule->rule.index ? -1 : 1;
}

/* "allow_tcp_80_443", "deny_all", "allow_tcp_udp_8000-8100". */
static void class_name(struct rule_class *c)
{
	char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%s",
				    c->verdict == VERDICT_DENY ? "deny" : "allow");
	if (!c->svc.protos)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "_all");
	if (c->svc.protos & PROTO_TCP)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "_tcp");
	if (c->svc.protos & PROTO_UDP)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "_udp");
	for (size_t i = 0; i < c->svc.nports && n < sizeof(buf) - 16; i++) {
		const struct port_range *p = &c->svc.ports[i];
		if (p->lo == p->hi)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "_%u", p->lo);
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "_%u-%u", p->lo, p->hi);
	}
	if (n <= CLASS_NAME_MAX) {
		memcpy(c->name, buf, n + 1);
		return;
	}
	/* Too long to read anyway: keep the start, make the end unique. */
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)buf[i]) * 16777619u;
	snprintf(c->name, sizeof(c->name), "%.*s_h%08x", CLASS_NAME_MAX - 10, buf, h);
}

struct builder {
	struct model *m;
	struct diags *diags;
	bool overflow;
	size_t origins_cap;
	size_t pinned_cap;
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
	if (m->norigins == b->origins_cap) {
		b->origins_cap = b->origins_cap ? b->origins_cap * 2 : 64;
		m->origins = xrealloc(m->origins, b->origins_cap * sizeof(*m->origins));
	}
	m->origins[m->norigins] = (struct origin){ .rule = rule, .target = t };
	return (uint32_t)m->norigins++;
}

static void add_prefix(struct builder *b, struct rule_class *c, const struct prefix *p,
		       uint32_t origin)
{
	struct rangeset *s = &c->sets[p->family];

	if (origin == NO_ORIGIN)
		return;
	if (s->nranges >= SET_MAX_RANGES) {
		if (!b->overflow)
			diag_error(b->diags, &b->m->origins[origin].rule->loc,
				   "set '%s' would exceed the limit of %u addresses and prefixes",
				   c->name, SET_MAX_RANGES);
		b->overflow = true;
		return;
	}
	rangeset_add(s, p, origin);
}

static void add_pinned(struct builder *b, const struct host *h)
{
	struct model *m = b->m;

	if (m->npinned == b->pinned_cap) {
		b->pinned_cap = b->pinned_cap ? b->pinned_cap * 2 : 16;
		m->pinned = xrealloc(m->pinned, b->pinned_cap * sizeof(*m->pinned));
	}
	m->pinned[m->npinned++] = h;
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
			for (size_t i = 0; i < t->host->naddrs; i++)
				add_prefix(b, c, &t->host->addrs[i], o);
			if (rule->rule.verdict == VERDICT_ALLOW)
				add_pinned(b, t->host);
			break;
		}
		case TARGET_VARIABLE:
			expand(b, c, rule, t->define->define.targets);
			break;
		case TARGET_FILE: {
			uint32_t o = add_origin(b, rule, t);
			for (size_t i = 0; i < t->list->n4; i++) {
				struct prefix p = addrlist_v4(t->list, i);
				add_prefix(b, c, &p, o);
			}
			for (size_t i = 0; i < t->list->n6; i++)
				add_prefix(b, c, &t->list->v6[i], o);
			break;
		}
		case TARGET_WILDCARD:
			break; /* refused by check.c */
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
			size_t n = 0;
			for (size_t j = 0; j < s->nranges; j++)
				used[m->origins[rangeset_range(s, j).origin].rule->rule.index] = true;
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

int model_build(struct model *m, const struct policy *p, struct diags *d)
{
	struct builder b = { .m = m, .diags = d };
	struct rule_service *rs = xmalloc((p->nrules ? p->nrules : 1) * sizeof(*rs));
	size_t n = 0;

	memset(m, 0, sizeof(*m));
	m->policy = p;
	m->default_verdict = p->default_verdict;
	m->on_deny = p->on_deny;
	for (const struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE)
			rs[n++] = (struct rule_service){ .rule = s, .svc = rule_service(s) };
	qsort(rs, n, sizeof(*rs), rule_service_cmp);

	m->classes = xcalloc(n ? n : 1, sizeof(*m->classes));
	for (size_t i = 0; i < n; i++) {
		struct rule_class *c = m->nclasses ? &m->classes[m->nclasses - 1] : NULL;
		if (c && c->verdict == rs[i].rule->rule.verdict &&
		    service_cmp(&c->svc, &rs[i].svc) == 0) {
			free(rs[i].svc.ports);
		} else {
			c = &m->classes[m->nclasses++];
			c->verdict = rs[i].rule->rule.verdict;
			c->svc = rs[i].svc;
			class_name(c);
			for (int f = 0; f < FAMILY_COUNT; f++)
				rangeset_init(&c->sets[f], (enum family)f);
		}
		c->rules = xrealloc(c->rules, (c->nrules + 1) * sizeof(*c->rules));
		c->rules[c->nrules++] = rs[i].rule;
		expand(&b, c, rs[i].rule, rs[i].rule->rule.targets);
	}
	free(rs);
	for (size_t i = 0; i < m->nclasses; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			rangeset_finish(&m->classes[i].sets[f]);
	family_rules_finish(m);
	pinned_finish(m);
	return b.overflow ? -1 : 0;
}

void model_release(struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			rangeset_release(&c->sets[f]);
			free(c->family_rules[f]);
		}
		free(c->svc.ports);
		free(c->rules);
	}
	free(m->classes);
	free(m->origins);
	free(m->pinned);
	memset(m, 0, sizeof(*m));
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

struct decision model_decide(const struct model *m, const struct packet *pkt)
{
	struct decision best = { .verdict = m->default_verdict, .reason = DECIDED_BY_DEFAULT };

	/* Classes are deny first, so the first match decides. */
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (!service_matches(&c->svc, pkt->proto, pkt->port))
			continue;
		long sp = rangeset_find(&c->sets[pkt->family], pkt->addr);
		if (sp < 0)
			continue;
		best = (struct decision){ .verdict = c->verdict, .reason = DECIDED_BY_RULE,
					  .cls = c,
					  .span = rangeset_span(&c->sets[pkt->family], (size_t)sp) };
		break;
	}
	return best;
}

static int u16_cmp(const void *pa, const void *pb)
{
	return (int)*(const uint16_t *)pa - (int)*(const uint16_t *)pb;
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
