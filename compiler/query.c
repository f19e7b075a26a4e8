/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/query.h"

#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "lib/dnsname.h"
#include "lib/duration.h"
#include "compiler/resolve.h"
#include "lib/strmap.h"

int query_parse_service(const char *spec, struct packet *pkt)
{
	char *end;

	pkt->proto = 0;
	pkt->port = 0;
	if (!spec || !*spec)
		return 0;
	unsigned long port = strtoul(spec, &end, 10);
	if (end == spec || port < 1 || port > 65535)
		return -1;
	pkt->port = (uint16_t)port;
	pkt->proto = PROTO_TCP;
	if (*end == '\0' || strcmp(end, "/tcp") == 0)
		return 0;
	if (strcmp(end, "/udp") == 0) {
		pkt->proto = PROTO_UDP;
		return 0;
	}
	return -1;
}

static bool all_digits(const char *s, size_t n)
{
	return n > 0 && n <= 5 && strspn(s, "0123456789") >= n;
}

bool query_dest_has_port(struct arena *a, const char *dest, const char **host,
			 const char **port)
{
	enum family f;
	addr_t addr;
	const char *colon;

	*port = NULL;
	if (dest[0] == '[') {
		const char *close = strchr(dest, ']');
		if (!close || (close[1] && (close[1] != ':' || !all_digits(close + 2, strlen(close + 2)))))
			return false;
		*host = arena_strndup(a, dest + 1, (size_t)(close - dest - 1));
		*port = close[1] ? close + 2 : NULL;
		return true;
	}
	if (addr_parse(dest, &f, &addr) || !(colon = strchr(dest, ':')) || colon == dest ||
	    strchr(colon + 1, ':') || !all_digits(colon + 1, strlen(colon + 1)))
		return false;
	*host = arena_strndup(a, dest, (size_t)(colon - dest));
	*port = colon + 1;
	return true;
}

static const char *service_text(const struct packet *pkt, char *buf, size_t size)
{
	if (!pkt->proto)
		snprintf(buf, size, "no port");
	else
		snprintf(buf, size, "%u/%s", pkt->port, pkt->proto == PROTO_TCP ? "tcp" : "udp");
	return buf;
}

void decision_explain(const struct model *m, const struct decision *dc, const struct packet *pkt,
		    struct because *b)
{
	const struct rangeset *s = &dc->cls->sets[pkt->family];

	memset(b, 0, sizeof(*b));
	for (size_t i = dc->span.first; i < dc->span.first + dc->span.count; i++) {
		struct range r = rangeset_range(s, i);
		if (pkt->addr < r.lo || pkt->addr > r.hi)
			continue;
		const struct origin *o = &m->origins[r.origin];
		if (!b->rule || o->rule->rule.index < b->rule->rule.index)
			b->rule = o->rule;
		if (o->target->kind != TARGET_HOST || b->nhosts == 8)
			continue;
		bool seen = false;
		for (size_t j = 0; j < b->nhosts; j++)
			seen |= strcmp(b->hosts[j], o->target->host->name) == 0;
		if (!seen)
			b->hosts[b->nhosts++] = o->target->host->name;
	}
}

/* What run-time sets could still change: their members are not known
 * when the policy compiles. */
/* For a deny: the counter it adds to, and what the ruleset does with it. */
static void counted_as(FILE *fp, const struct model *m, const struct decision *dc)
{
	const struct counter *k = dc->counter;

	if (dc->verdict != VERDICT_DENY || !k)
		return;
	fprintf(fp, "  counted as %s%s\n", k->name,
		!model_counter_blocks(m, k) ? "; monitor mode: logged and accepted, not blocked"
		: model_counter_logs(m, k)  ? ", and logged"
					    : "");
}

static void runtime_caveats(FILE *fp, const struct model *m, const struct packet *pkt,
			    const struct decision *dc)
{
	const struct runtime_set *sets[8];
	size_t n = model_runtime_could(m, pkt, dc, sets, 8);

	for (size_t i = 0; i < n; i++) {
		const struct runtime_set *r = sets[i];
		const struct loc *at = r->kind == RUNTIME_WILDCARD ? &r->wildcards[0]->loc
								   : &r->rules[0]->loc;
		fprintf(fp, "  unless run-time set %s holds it (%s:%d: %s", r->name, at->src->path,
			at->first_line, r->rules[0]->rule.verdict == VERDICT_ALLOW ? "allow" : "deny");
		if (r->kind == RUNTIME_DYNAMIC)
			fprintf(fp, " $%s)\n", r->decl->dynamic.name);
		else
			fprintf(fp, " %s%s)\n", r->wildcards[0]->text, r->nwildcards > 1 ? ", ..." : "");
	}
}

/* "user runner, 1001 and group ops and cgroup system.slice/docker.service
 * (or below)" into BUF. */
static const char *who_text(const struct who *w, char *buf, size_t size)
{
	char id[48];
	size_t n = 0;

	buf[0] = '\0';
	for (int g = 0; g < 2; g++) {
		const struct owner_set *set = g ? &w->groups : &w->users;
		if (!set->n)
			continue;
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s ", n ? " and " : "",
				      g ? "group" : "user");
		for (size_t i = 0; i < set->n; i++)
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "",
					      owner_id_format(&set->ids[i], id, sizeof(id)));
	}
	if (w->cgroup)
		snprintf(buf + n, n < size ? size - n : 0, "%scgroup %s (or below)", n ? " and " : "",
			 w->cgroup);
	return buf;
}

/* "for user runner during "Mon-Fri 01:00-03:00"": whom and when class C
 * is for, as its first rule writes it. */
static const char *class_for_text(const struct rule_class *c, char *buf, size_t size)
{
	char who[256 + CGROUP_PATH_MAX];
	const struct rule_opts *o = &c->rules[0]->rule.opts;

	who_text(&c->who, who, sizeof(who));
	int n = snprintf(buf, size, "%s%s%s%s%s%s", *who ? "for " : "", who,
			 *who && c->when.n ? " " : "", c->when.n ? "during \"" : "",
			 c->when.n ? o->during : "", c->when.n ? "\"" : "");
	if (c->src.given && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%sforwarded from %s%s%s", n ? " " : "",
			 o->sources->kind == TARGET_VARIABLE ? "$" : "", o->sources->text,
			 o->sources->next ? ", ..." : "");
	return buf;
}

/* Whom and when the deciding class is for, and the rules for other
 * senders or times that would decide otherwise. */
static void sender_caveats(FILE *fp, const struct model *m, const struct packet *pkt,
			   const struct decision *dc)
{
	const struct rule_class *classes[8];
	char text[512 + CGROUP_PATH_MAX];
	size_t n = model_senders_could(m, pkt, dc, classes, 8);

	if (dc->cls && !who_everyone(&dc->cls->who))
		fprintf(fp, "  the rule is for %s: a socket of this machine's (forwarded traffic"
			" never matches it)\n", who_text(&dc->cls->who, text, sizeof(text)));
	if (dc->cls && dc->cls->when.n)
		fprintf(fp, "  the rule holds during \"%s\" only\n", dc->cls->rules[0]->rule.opts.during);
	if (dc->cls && dc->cls->src.given)
		fprintf(fp, "  the rule is for packets forwarded from its sources (this machine's own"
			" never match it)\n");
	for (size_t i = 0; i < n; i++) {
		const struct loc *at = &classes[i]->rules[0]->loc;
		size_t len;
		const char *line = source_line(at->src, at->first_line, &len);
		fprintf(fp, "  but %s %s: %s:%d: %.*s\n",
			classes[i]->verdict == VERDICT_ALLOW ? "allowed" : "denied",
			class_for_text(classes[i], text, sizeof(text)), at->src->path, at->first_line,
			(int)len, line);
	}
}

/* Before an unknown address: the rules naming addresses that could
 * change the answer. */
static void address_caveats(FILE *fp, const struct model *m, const struct packet *pkt,
			    const struct decision *dc)
{
	const struct stmt *rules[8];
	size_t n = model_addresses_could(m, pkt, dc, rules, 8);

	for (size_t i = 0; i < n; i++) {
		const struct loc *at = &rules[i]->loc;
		char *text = source_span_text(stmt_extent(rules[i]));
		fprintf(fp, "  unless it resolves to an address that %s:%d names: %s\n",
			at->src->path, at->first_line, text);
		free(text);
	}
}

/* "x.ci.test is below *.ci.test": the wildcard of R that takes NAME, the
 * nearest if several. */
static const char *below_wildcard(struct arena *a, const struct runtime_set *r,
				  const char *name)
{
	const struct target *best = NULL;

	for (size_t w = 0; w < r->nwildcards; w++)
		if (domain_within(name, r->wildcards[w]->domain) &&
		    (!best || strlen(r->wildcards[w]->domain) > strlen(best->domain)))
			best = r->wildcards[w];
	/* Without 'resolver', dnsmasq fills the sets for the domain too. */
	return arena_printf(a, "%s %s %s", name,
			    strcmp(name, best->domain) == 0 ? "is the domain of" : "is below",
			    best->text);
}

/* NAME, which no rule names, is below a wildcard whose sets take what
 * dnsmasq answers for it: the answer is what happens once it has, and
 * nothing is looked up now (that answer would be a guess at the run
 * time's). Returns the exit status, or -1 when no wildcard takes NAME. */
static int answer_by_wildcard(FILE *fp, struct arena *a, const struct model *m,
			      const char *dest, const char *name, struct packet *pkt, bool brief)
{
	const struct runtime_set *takes = NULL;
	char svc[32], dur[DURATION_STRLEN];

	for (size_t i = 0; i < m->nruntime && !takes; i++)
		if (model_runtime_takes(m, &m->runtime[i], name))
			takes = &m->runtime[i];
	if (!takes)
		return -1;
	service_text(pkt, svc, sizeof(svc));
	struct decision dc = model_decide_name(m, name, pkt);
	const char *verdict = dc.verdict == VERDICT_ALLOW ? "allow" : "deny";
	int status = dc.verdict == VERDICT_ALLOW ? 0 : 1;
	if (dc.reason == DECIDED_BY_DEFAULT) {
		if (brief) {
			fprintf(fp, "%s %s %s default run-time\n", verdict, dest, svc);
			return status;
		}
		fprintf(fp, "%s\n  %s %s: no rule matches; the default policy is %s\n", verdict,
			name, svc, verdict);
		fprintf(fp, "  %s, whose run-time sets take its addresses once dnsmasq"
			" resolves it; no rule with them matches %s\n",
			below_wildcard(a, takes, name), pkt->proto ? svc : "a packet without ports");
	} else {
		const struct stmt *rule = dc.runtime->rules[0];
		const struct loc *at = &rule->loc;
		if (brief) {
			fprintf(fp, "%s %s %s %s:%d run-time\n", verdict, dest, svc, at->src->path,
				at->first_line);
			return status;
		}
		char *text = source_span_text(stmt_extent(rule));
		fprintf(fp, "%s\n  %s %s: %s:%d: %s\n", verdict, name, svc, at->src->path,
			at->first_line, text);
		free(text);
		fprintf(fp, "  %s: %s once dnsmasq resolves it, which puts its"
			" addresses in run-time set %s for %s\n",
			below_wildcard(a, dc.runtime, name),
			dc.verdict == VERDICT_ALLOW ? "allowed" : "denied", dc.runtime->name,
			duration_format(dc.runtime->timeout, dur));
	}
	counted_as(fp, m, &dc);
	address_caveats(fp, m, pkt, &dc);
	runtime_caveats(fp, m, pkt, &dc);
	return status;
}

int query_answer(FILE *fp, struct arena *a, struct diags *d, const struct model *m,
		 const char *dest, struct packet *pkt, const struct resolve_opts *opts,
		 struct resolution *r, bool brief)
{
	char svc[32], addr[PREFIX_STRLEN];
	enum family f;
	const char *name = NULL;

	if (addr_parse(dest, &f, &pkt->addr)) {
		pkt->family = f;
	} else {
		/* A name the policy names is answered by its addresses. */
		char *lower = arena_strdup(a, dest);
		hostname_normalize(lower);
		if (!strmap_get(&r->hosts_by_name, lower) && !hostname_problem(lower)) {
			int status = answer_by_wildcard(fp, a, m, dest, lower, pkt, brief);
			if (status >= 0)
				return status;
		}
		struct host *h = resolve_hostname(a, d, dest, opts, r);
		if (!h)
			return -1;
		/* A name stands for all its addresses; the first decides
		 * here, as clients try the first address first. */
		pkt->family = h->addrs[0].family;
		pkt->addr = h->addrs[0].addr;
		name = h->name;
	}
	addr_format(pkt->family, pkt->addr, addr);
	service_text(pkt, svc, sizeof(svc));
	if (pkt->from.src.known && pkt->from.src.family != pkt->family) {
		diag_error(d, NULL, "a packet from an %s source goes to an %s destination, not to %s",
			   pkt->from.src.family == FAMILY_V4 ? "IPv4" : "IPv6",
			   pkt->from.src.family == FAMILY_V4 ? "IPv4" : "IPv6", addr);
		return -1;
	}

	if (model_exemption(m, pkt) == EXEMPT_LOOPBACK) {
		if (brief)
			fprintf(fp, "allow %s %s loopback\n", dest, svc);
		else
			fprintf(fp, "allow\n  %s %s: loopback traffic is always allowed\n", addr, svc);
		return 0;
	}
	struct decision dc = model_decide(m, pkt);
	const char *verdict = dc.verdict == VERDICT_ALLOW ? "allow" : "deny";
	if (dc.reason == DECIDED_BY_DEFAULT) {
		if (brief)
			fprintf(fp, "%s %s %s default\n", verdict, dest, svc);
		else
			fprintf(fp, "%s\n  %s %s: no rule matches; the default policy is %s\n",
				verdict, addr, svc, verdict);
		if (!brief) {
			counted_as(fp, m, &dc);
			sender_caveats(fp, m, pkt, &dc);
			runtime_caveats(fp, m, pkt, &dc);
		}
		return dc.verdict == VERDICT_ALLOW ? 0 : 1;
	}

	struct because b;
	decision_explain(m, &dc, pkt, &b);
	const struct loc *at = &b.rule->loc;
	if (brief) {
		fprintf(fp, "%s %s %s %s:%d\n", verdict, dest, svc, at->src->path, at->first_line);
		return dc.verdict == VERDICT_ALLOW ? 0 : 1;
	}
	char *text = source_span_text(stmt_extent(b.rule));
	fprintf(fp, "%s\n  %s %s: %s:%d: %s\n", verdict, addr, svc, at->src->path,
		at->first_line, text);
	free(text);
	if (name)
		fprintf(fp, "  %s resolves to %s\n", name, addr);
	for (size_t i = 0; i < b.nhosts; i++)
		fprintf(fp, "  %s is an address of %s\n", addr, b.hosts[i]);
	counted_as(fp, m, &dc);
	if (b.rule->rule.lockdown)
		fprintf(fp, "  DNS lockdown: only the forwarder (user %s) reaches the resolvers;"
			" everything else resolves through it\n", m->resolver->resolver.user);
	sender_caveats(fp, m, pkt, &dc);
	runtime_caveats(fp, m, pkt, &dc);
	return dc.verdict == VERDICT_ALLOW ? 0 : 1;
}
