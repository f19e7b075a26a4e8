/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The overview (--explain): what the compiled policy holds, for a person.
 * Not a ruleset; every line is derived from the model like the others. */
#include "emit/emit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/duration.h"
#include "compiler/lockdown.h"
#include "lib/xalloc.h"
#include "compiler/model.h"
#include "emit/names.h"

static void explain_class(FILE *fp, const struct model *m, const struct rule_class *c)
{
	fprintf(fp, "  %s:", c->name);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		size_t n = rangeset_prefix_count(&c->sets[f]);
		if (n)
			fprintf(fp, " %zu %s prefix%s,", n, f == FAMILY_V4 ? "IPv4" : "IPv6",
				n == 1 ? "" : "es");
	}
	for (size_t j = 0; j < c->nruntime; j++)
		fprintf(fp, " run-time set %s,", m->runtime[c->runtime[j]].name);
	/* Its name holds a hash of the path, which says nothing. */
	if (c->who.cgroup)
		fprintf(fp, " for cgroup %s and below,", c->who.cgroup);
	fputs(" from", fp);
	for (size_t j = 0; j < c->nrules && j < 8; j++) {
		fputc(' ', fp);
		emit_location(fp, c->rules[j]);
	}
	if (c->nrules > 8)
		fprintf(fp, " and %zu more", c->nrules - 8);
	fputc('\n', fp);
}

static void explain_runtime(FILE *fp, const struct runtime_set *r)
{
	char dur[DURATION_STRLEN];

	duration_format(r->timeout, dur);
	if (r->kind == RUNTIME_WILDCARD) {
		fprintf(fp, "  %s: dnsmasq adds the addresses it answers for", r->name);
		for (size_t i = 0; i < r->nwildcards; i++)
			fprintf(fp, "%s %s", i ? "," : "", r->wildcards[i]->text);
		fprintf(fp, "; each kept %s\n", dur);
		return;
	}
	fprintf(fp, "  %s: dynamic set $%s (", r->name, r->decl->dynamic.name);
	emit_location(fp, r->decl);
	fprintf(fp, "), each address kept %s%s; add one with\n", dur,
		r->nrules ? "" : " (no rule uses it)");
	for (int f = 0; f < FAMILY_COUNT; f++)
		fprintf(fp, "    nft add element " NFT_TABLE " %s_%s { %s timeout %s }\n", r->name,
			emit_family_suffix[f], emit_example_addr[f], dur);
	for (int f = 0; f < FAMILY_COUNT; f++)
		fprintf(fp, "    ipset add %s %s timeout %u\n", r->ipset[f], emit_example_addr[f],
			r->timeout);
}

/* "stdlib/npm.eg:5: allow registry.npmjs.org port 443", as written. */
static void explain_rule_line(FILE *fp, const char *indent, const struct stmt *s)
{
	/* The whole statement, though it be written over several lines. */
	char *text = source_span_text(stmt_extent(s));

	fputs(indent, fp);
	emit_location(fp, s);
	fputs(": ", fp);
	emit_comment_text(fp, text);
	fputc('\n', fp);
	free(text);
}

/* Every module, in the order they were loaded, and what essentials added. */
static void explain_modules(FILE *fp, const struct model *m)
{
	const struct policy *p = m->policy;
	const struct source *last = NULL;
	bool implicit = false;

	for (const struct stmt *s = p->stmts; s; s = s->next) {
		const struct source *src = s->loc.src;
		if (!src->module || src == last)
			continue;
		if (!last)
			fputs("modules:\n", fp);
		last = src;
		fprintf(fp, "  %s (", src->module);
		emit_comment_text(fp, src->path);
		if (src->included_from) {
			fputs(", used at ", fp);
			emit_comment_text(fp, src->included_from->src->path);
			fprintf(fp, ":%d)\n", src->included_from->first_line);
		} else {
			fputs(", by essentials)\n", fp);
			implicit = true;
		}
	}
	if (!p->essentials) {
		fputs("essentials: off\n", fp);
		return;
	}
	if (!implicit) {
		fputs("essentials: on; the policy uses github-actions itself, so they add nothing\n", fp);
		return;
	}
	fputs("essentials: on; they added these rules (an explicit deny still wins):\n", fp);
	for (const struct stmt *s = p->stmts; s; s = s->next)
		if (s->kind == STMT_RULE && s->loc.src->implicit)
			explain_rule_line(fp, "    ", s);
}

static void explain_counters(FILE *fp, const struct model *m)
{
	fprintf(fp, "mode: %s\n", m->mode == MODE_MONITOR
			   ? "monitor: nothing is blocked; what would be is logged, counted and accepted"
			   : "enforce");
	if (!m->log_denied)
		fputs("logging: off\n", fp);
	else if (m->log_to_group)
		fprintf(fp, "logging: to NFLOG group %u, at most %d a second per counter\n",
			m->log_group, EMIT_LOG_PER_SECOND);
	else
		fprintf(fp, "logging: to the kernel log, at most %d a second per counter\n",
			EMIT_LOG_PER_SECOND);
	if (m->record == RECORD_OFF)
		fputs("recording: off\n", fp);
	else
		fprintf(fp, "recording: %s, per destination, up to %u of them (egressc report);\n"
			"  dnsmasq logs its answers to " DNS_LOG_FILE "\n",
			m->record == RECORD_ALL ? "every connection" : "what is blocked (monitoring: would be)",
			m->record_limit);
	fputs("counters (nft list counters table " NFT_TABLE "; iptables -L " IPT_CHAIN_PREFIX
	      "-NAME -v):\n",
	      fp);
	for (size_t i = 0; i < m->ncounters; i++) {
		const struct counter *k = &m->counters[i];
		fprintf(fp, "  %s: ", k->name);
		if (k->rule)
			explain_rule_line(fp, "", k->rule);
		else
			fputs(m->default_verdict == VERDICT_DENY ? "the default policy (deny)\n"
								 : "the default policy (allow)\n",
			      fp);
	}
}

int emit_explain(const struct model *m, FILE *fp)
{
	char buf[PREFIX_STRLEN];

	fputs("policy: ", fp);
	emit_comment_text(fp, m->policy->root->path);
	fprintf(fp, "\ndefault: %s; on-deny: %s\n", m->default_verdict == VERDICT_DENY ? "deny" : "allow",
		m->on_deny == DENY_REJECT ? "reject" : "drop");
	if (m->resolver) {
		fprintf(fp, "DNS lockdown: DNS (%d and %d, tcp and udp) reaches only",
			LOCKDOWN_PORT_DNS, LOCKDOWN_PORT_TLS);
		for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next)
			fprintf(fp, " %s", addr_format(t->prefix.family, t->prefix.addr, buf));
		fprintf(fp, ", and only from the forwarder (user %s; ", m->resolver->resolver.user);
		emit_location(fp, m->resolver);
		fprintf(fp, "): every other process and every container gets DNS only through it;\n"
			"  %s\n",
			m->mode == MODE_MONITOR
				? "monitoring, dnsmasq forwards every name; egressc report lists those it would refuse"
				: "dnsmasq answers NXDOMAIN for names the policy does not allow");
	}
	explain_counters(fp, m);
	explain_modules(fp, m);
	fputs("classes, deny first:\n", fp);
	if (!m->nclasses)
		fputs("  (none)\n", fp);
	for (size_t i = 0; i < m->nclasses; i++)
		explain_class(fp, m, &m->classes[i]);
	/* Why those classes have no set or rule of their own in nft. */
	for (int f = 0; f < FAMILY_COUNT; f++)
		if (m->nshared[f])
			fprintf(fp, "nft shared allow lookup, %s: %zu classes, %zu elements (set "
				NFT_SET_SHARED "_%s)\n", f == FAMILY_V4 ? "IPv4" : "IPv6", m->nshared[f],
				m->shared_elements[f], emit_family_suffix[f]);
	fprintf(fp, "pinned hostnames: %zu (the hosts output)\n", m->npinned);
	if (m->nruntime) {
		fputs("run-time sets:\n", fp);
		for (size_t i = 0; i < m->nruntime; i++)
			explain_runtime(fp, &m->runtime[i]);
	}
	fputs("load order: ", fp);
	if (m->nruntime)
		fputs("nft -f " FILE_NFT " (or ipset restore -exist < " FILE_IPSETS ", then\n"
		      "  iptables-restore " FILE_IPTABLES " and ip6tables-restore " FILE_IP6TABLES
		      "), then the hosts\n"
		      "  fragment, then dnsmasq with " FILE_DNSMASQ " (" FILE_DNSMASQ_IPSET
		      " for iptables)\n",
		      fp);
	else if (model_uses_ipsets(m, FAMILY_V4) || model_uses_ipsets(m, FAMILY_V6))
		fputs("nft -f " FILE_NFT " (or ipset restore -exist < " FILE_IPSETS ", then\n"
		      "  iptables-restore " FILE_IPTABLES " and ip6tables-restore " FILE_IP6TABLES
		      "), then the hosts\n"
		      "  fragment\n",
		      fp);
	else
		fputs("nft -f " FILE_NFT " (or iptables-restore " FILE_IPTABLES " and\n"
		      "  ip6tables-restore " FILE_IP6TABLES "), then the hosts fragment\n",
		      fp);
	return ferror(fp) ? -1 : 0;
}
