/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nftables output: one `table inet egressc`, replaced atomically on every
 * load (create-if-missing, delete, create: one nft -f is one transaction),
 * so other tables are never touched. Each allow class becomes a named
 * interval set per family, or its share of the family's shared lookup
 * (model_share_lookups()), each deny class one set per deny rule (so the
 * rule's named counter counts what it blocks); elements are the minimal
 * prefixes of merged spans, which never overlap (nft refuses overlaps
 * without auto-merge) and come sorted. Run-time sets (wildcards, dynamic
 * sets) are created empty with a timeout; dnsmasq or other software fills
 * them. With logging, or in monitor mode, each counter gets a chain that
 * logs (rate-limited) and then blocks - or, monitoring, accepts. The rules
 * live in one chain, egress, which both base chains go to: output (this
 * machine's own traffic) and forward (its containers' and VMs' traffic
 * leaving it), so the two cannot differ. */
#include "emit/emit.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/duration.h"
#include "compiler/lockdown.h"
#include "compiler/model.h"
#include "emit/names.h"

static const char *const family_type[FAMILY_COUNT] = { "ipv4_addr", "ipv6_addr" };
static const char *const family_daddr[FAMILY_COUNT] = { "ip daddr", "ip6 daddr" };
static const char *const family_saddr[FAMILY_COUNT] = { "ip saddr", "ip6 saddr" };

/* A set's elements, gathered into a buffer of its own and written a
 * buffer at a time: a list's set has hundreds of thousands of them, and
 * a stdio call each was a fifth of a million-prefix compile. */
struct element_writer {
	FILE *fp;
	bool first;
	size_t n;
	char buf[8192];
};

static void flush_elements(struct element_writer *w)
{
	fwrite(w->buf, 1, w->n, w->fp);
	w->n = 0;
}

static void write_element(const struct prefix *p, void *arg)
{
	struct element_writer *w = arg;

	if (w->n > sizeof(w->buf) - (PREFIX_STRLEN + 8))
		flush_elements(w);
	char *o = w->buf + w->n;
	if (!w->first) {
		memcpy(o, ",\n", 2);
		o += 2;
	}
	memcpy(o, "\t\t\t", 3);
	o = prefix_put(o + 3, p);
	w->n = (size_t)(o - w->buf);
	w->first = false;
}

static void emit_set_head(FILE *fp, const char *name, enum family f)
{
	fprintf(fp, "\tset %s_%s {\n", name, emit_family_suffix[f]);
	fprintf(fp, "\t\ttype %s\n", family_type[f]);
	fputs("\t\tflags interval\n", fp);
	fputs("\t\telements = {\n", fp);
}

static void emit_set(FILE *fp, const struct rule_class *c, enum family f)
{
	const struct rangeset *s = &c->sets[f];
	struct element_writer w = { .fp = fp, .first = true };

	emit_class_comment(fp, "\t", c, f);
	emit_set_head(fp, c->name, f);
	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		range_to_prefixes(f, sp.lo, sp.hi, write_element, &w);
	}
	flush_elements(&w);
	fputs("\n\t\t}\n\t}\n\n", fp);
}

void emit_nft_shared_elements(FILE *fp, const struct service *svc, const char *addr,
			      const char *sep, bool *first)
{
	for (unsigned proto = PROTO_TCP; proto <= PROTO_UDP; proto <<= 1) {
		if (!(svc->protos & proto))
			continue;
		for (size_t i = 0; i < svc->nports; i++) {
			const struct port_range *r = &svc->ports[i];
			fprintf(fp, "%s%s . %s . %u", *first ? "" : sep, addr,
				proto == PROTO_TCP ? "tcp" : "udp", r->lo);
			if (r->hi != r->lo)
				fprintf(fp, "-%u", r->hi);
			*first = false;
		}
	}
}

struct shared_writer {
	FILE *fp;
	const struct service *svc;
	bool first;
};

static void write_shared_element(const struct prefix *p, void *arg)
{
	struct shared_writer *w = arg;
	char buf[PREFIX_STRLEN];

	emit_nft_shared_elements(w->fp, w->svc, prefix_format(p, buf), ",\n\t\t\t", &w->first);
}

/* The shared allow lookup of family F: one set of address . protocol .
 * port holding every shared class's elements, which never overlap (the
 * model keeps the classes' ports apart), a comment naming each class
 * before its own. */
static void emit_shared_set(FILE *fp, const struct model *m, enum family f)
{
	fprintf(fp, "\t# The allow classes of TCP and UDP ports in one lookup (%zu classes,\n"
		"\t# %zu elements): each class's prefixes with its protocols and ports.\n",
		m->nshared[f], m->shared_elements[f]);
	fprintf(fp, "\tset " NFT_SET_SHARED "_%s {\n", emit_family_suffix[f]);
	fprintf(fp, "\t\ttype %s . inet_proto . inet_service\n", family_type[f]);
	fputs("\t\tflags interval\n\t\telements = {\n", fp);
	bool first = true;
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		const struct rangeset *s = &c->sets[f];
		if (!c->shared[f])
			continue;
		if (!first)
			fputs(",\n", fp);
		emit_class_comment(fp, "\t\t\t", c, f);
		struct shared_writer w = { .fp = fp, .svc = &c->svc, .first = true };
		fputs("\t\t\t", fp);
		for (size_t j = 0; j < s->nspans; j++) {
			struct span sp = rangeset_span(s, j);
			range_to_prefixes(f, sp.lo, sp.hi, write_shared_element, &w);
		}
		first = false;
	}
	fputs("\n\t\t}\n\t}\n\n", fp);
}

/* A deny rule's share of its class: "set deny_3_v4". */
static void emit_part_set(FILE *fp, const struct model *m, const struct rule_class *c,
			  const struct deny_part *part, enum family f)
{
	const struct counter *k = &m->counters[part->counter];
	const struct ivlist *l = &part->sets[f];
	struct element_writer w = { .fp = fp, .first = true };

	fprintf(fp, "\t# %s (%s): ", k->name, c->name);
	emit_location(fp, k->rule);
	fputc('\n', fp);
	emit_set_head(fp, k->name, f);
	for (size_t i = 0; i < l->n; i++)
		range_to_prefixes(f, l->v[i].lo, l->v[i].hi, write_element, &w);
	flush_elements(&w);
	fputs("\n\t\t}\n\t}\n\n", fp);
}

/* Text from the policy inside an nft string, which has no escapes: what
 * is not plain printable ASCII becomes '?'. */
static void emit_string_text(FILE *fp, const char *s)
{
	for (size_t n = 0; *s && n < EMIT_COMMENT_MAX; s++, n++) {
		unsigned char c = (unsigned char)*s;
		fputc(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? c : '?', fp);
	}
}

static void emit_counters(FILE *fp, const struct model *m)
{
	fputs("\t# What each deny rule blocked (in monitor mode: would have), and what\n"
	      "\t# the default policy decided: nft list counters table " NFT_TABLE "\n",
	      fp);
	for (size_t i = 0; i < m->ncounters; i++) {
		const struct counter *k = &m->counters[i];
		fprintf(fp, "\tcounter %s {\n\t\tcomment \"", k->name);
		if (k->rule) {
			emit_string_text(fp, k->rule->loc.src->path);
			fprintf(fp, ":%d", k->rule->loc.first_line);
		} else {
			fputs(m->default_verdict == VERDICT_DENY ? "default deny" : "default allow", fp);
		}
		fputs("\"\n\t}\n", fp);
	}
	if (m->record != RECORD_OFF)
		fputs("\tcounter " NFT_COUNTER_RECORD_OVERFLOW " {\n"
		      "\t\tcomment \"packets not recorded: the record sets were full\"\n"
		      "\t}\n",
		      fp);
	fputc('\n', fp);
}

/* Whether a packet counted under K has a chain of its own to go to, to be
 * recorded or logged before its verdict. */
static bool counter_has_chain(const struct model *m, const struct counter *k)
{
	return model_counter_logs(m, k) || model_counter_records(m, k);
}

/* The chain of a counter that records or logs: a packet counted under it
 * is recorded, logged, then blocked or (monitoring) accepted. One that
 * does neither goes straight to blocked. */
static void emit_counter_chain(FILE *fp, const struct model *m, const struct counter *k)
{
	char prefix[EMIT_LOG_PREFIX_MAX];

	fprintf(fp, "\tchain %s {\n", k->name);
	if (model_counter_records(m, k))
		fputs("\t\tjump " NFT_CHAIN_RECORD "\n", fp);
	if (model_counter_logs(m, k)) {
		fprintf(fp, "\t\tlimit rate %s log prefix \"%s\"", EMIT_LOG_RATE_NFT,
			emit_log_prefix(m, k, prefix));
		if (m->log_to_group)
			fprintf(fp, " group %u", m->log_group);
		fputc('\n', fp);
	}
	fputs(model_counter_blocks(m, k) ? "\t\tgoto " NFT_CHAIN_BLOCKED "\n\t}\n\n"
					 : "\t\taccept\n\t}\n\n",
	      fp);
}

/* "counter name "deny_3" goto deny_3" */
static void emit_blocked_verdict(FILE *fp, const struct model *m, const struct counter *k)
{
	fprintf(fp, "counter name \"%s\" goto %s\n", k->name,
		counter_has_chain(m, k) ? k->name : NFT_CHAIN_BLOCKED);
}

/* Recording (model.record): per family, a set of destinations, address .
 * protocol . port (0 for a protocol without ports), that the kernel adds
 * to from the packet path, each element with its own counter. 'update'
 * adds a new element, or refreshes the timeout of one there (so what is
 * left of it says when it was last seen), and counts the packet on it; on
 * a full set it fails, the rule does not match, and the packet falls
 * through to the overflow counter. Nothing is lost unseen, however fast
 * new destinations come: the kernel does it all in the packet's path. */
static void emit_record_sets(FILE *fp, const struct model *m)
{
	fprintf(fp, "\t# What was %s, per destination, with counters:\n"
		"\t# egressc report, egressc stats.\n",
		m->record == RECORD_ALL ? "judged" : "blocked (monitoring: would have been)");
	for (int f = 0; f < FAMILY_COUNT; f++)
		fprintf(fp,
			"\tset " NFT_SET_RECORD "_%s {\n"
			"\t\ttype %s . inet_proto . inet_service\n"
			"\t\tsize %u\n"
			"\t\tflags dynamic, timeout\n"
			"\t\ttimeout " RECORD_TIMEOUT_NFT "\n"
			"\t}\n\n",
			emit_family_suffix[f], family_type[f], m->record_limit);
}

static void emit_record_chain(FILE *fp)
{
	fputs("\tchain " NFT_CHAIN_RECORD " {\n", fp);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		static const char *const nfproto[FAMILY_COUNT] = { "ipv4", "ipv6" };
		const char *daddr = family_daddr[f], *sfx = emit_family_suffix[f];
		fprintf(fp,
			"\t\tmeta nfproto %s meta l4proto { tcp, udp } update @" NFT_SET_RECORD "_%s"
			" { %s . meta l4proto . th dport counter } return\n"
			"\t\tmeta nfproto %s meta l4proto != { tcp, udp } update @" NFT_SET_RECORD "_%s"
			" { %s . meta l4proto . 0 counter } return\n",
			nfproto[f], sfx, daddr, nfproto[f], sfx, daddr);
	}
	fputs("\t\tcounter name \"" NFT_COUNTER_RECORD_OVERFLOW "\"\n\t}\n\n", fp);
}

static void emit_runtime_set(FILE *fp, const struct runtime_set *r, enum family f)
{
	char dur[DURATION_STRLEN];

	emit_runtime_comment(fp, "\t", r);
	if (r->kind == RUNTIME_DYNAMIC)
		fprintf(fp, "\t#   nft add element " NFT_TABLE " %s_%s { %s timeout %s }\n", r->name,
			emit_family_suffix[f], emit_example_addr[f], duration_format(r->timeout, dur));
	fprintf(fp, "\tset %s_%s {\n", r->name, emit_family_suffix[f]);
	fprintf(fp, "\t\ttype %s\n", family_type[f]);
	/* dnsmasq adds addresses; people may add networks. */
	fputs(r->kind == RUNTIME_DYNAMIC ? "\t\tflags interval, timeout\n" : "\t\tflags timeout\n", fp);
	fprintf(fp, "\t\ttimeout %s\n", duration_format(r->timeout, dur));
	fputs("\t}\n\n", fp);
}

static void emit_ports(FILE *fp, const struct service *svc)
{
	if (svc->nports > 1)
		fputs("{ ", fp);
	for (size_t i = 0; i < svc->nports; i++) {
		const struct port_range *p = &svc->ports[i];
		fprintf(fp, "%s%u", i ? ", " : "", p->lo);
		if (p->hi != p->lo)
			fprintf(fp, "-%u", p->hi);
	}
	if (svc->nports > 1)
		fputs(" }", fp);
}

/* The match on protocol and ports after the address: "tcp dport 443",
 * "meta l4proto { tcp, udp } th dport 53", "meta l4proto udp", "". */
static void emit_service(FILE *fp, const struct service *svc)
{
	const bool both = svc->protos == (PROTO_TCP | PROTO_UDP);
	const char *one = svc->protos == PROTO_TCP ? "tcp" : "udp";

	if (!svc->protos)
		return;
	if (!svc->nports) {
		fprintf(fp, " meta l4proto %s", both ? "{ tcp, udp }" : one);
		return;
	}
	if (both)
		fputs(" meta l4proto { tcp, udp } th dport ", fp);
	else
		fprintf(fp, " %s dport ", one);
	emit_ports(fp, svc);
}

/* "meta skuid "runner" ", "meta skgid { 100, "docker" } ": the socket's
 * owner, by number or by name, which nft looks up when it loads the
 * ruleset. A packet without a socket (forwarded) matches neither. */
static void emit_owner_match(FILE *fp, const char *key, const struct owner_set *set)
{
	char buf[48];

	if (!set->n)
		return;
	fprintf(fp, "meta %s %s", key, set->n > 1 ? "{ " : "");
	for (size_t i = 0; i < set->n; i++)
		fprintf(fp, set->ids[i].name ? "%s\"%s\"" : "%s%s", i ? ", " : "",
			owner_id_format(&set->ids[i], buf, sizeof(buf)));
	fputs(set->n > 1 ? " } " : " ", fp);
}

/* "socket cgroupv2 level 2 "system.slice/docker.service" ": the socket's
 * cgroup or one below it (its ancestor at the path's level is the path),
 * which nft resolves under /sys/fs/cgroup when it loads the ruleset. */
static void emit_who(FILE *fp, const struct who *w)
{
	emit_owner_match(fp, "skuid", &w->users);
	emit_owner_match(fp, "skgid", &w->groups);
	if (w->cgroup)
		fprintf(fp, "socket cgroupv2 level %u \"%s\" ", cgroup_level(w->cgroup), w->cgroup);
}

/* "meta day { 1, 2 } meta hour 3600-10799 ": a piece of a window, in
 * numbers, which nft takes as UTC (a time written "01:00" it would take
 * as the loading machine's local time); days count from Sunday, 0. The
 * kernel counts weekdays in its own timezone, UTC unless set: apply
 * refuses these where it is not (host/kerneltz.h). */
static void emit_window_piece(FILE *fp, const struct window_piece *p)
{
	if (p->days != 0x7f) {
		unsigned n = 0;
		for (unsigned d = 0; d < 7; d++)
			n += (p->days >> d) & 1;
		fputs(n > 1 ? "meta day { " : "meta day ", fp);
		/* Sunday (bit 6) first, as nft counts. */
		for (unsigned i = 0, first = 1; i < 7; i++) {
			unsigned bit = (i + 6) % 7;
			if (!(p->days & 1u << bit))
				continue;
			fprintf(fp, "%s%u", first ? "" : ", ", i);
			first = 0;
		}
		fputs(n > 1 ? " } " : " ", fp);
	}
	if (p->lo != 0 || p->hi != DAY_MINUTES)
		fprintf(fp, "meta hour %u-%u ", p->lo * 60u, p->hi * 60u - 1);
}

struct source_writer {
	FILE *fp;
	bool first;
};

static void write_source(const struct prefix *p, void *arg)
{
	struct source_writer *w = arg;
	char buf[PREFIX_STRLEN];

	fprintf(w->fp, "%s%s", w->first ? "" : ", ", prefix_format(p, buf));
	w->first = false;
}

/* "ip saddr { 198.51.100.0/31 } fib saddr type != local ": a forwarded
 * packet's source; the fib match leaves out this machine's own packets,
 * whose source is one of its addresses. */
static void emit_sources(FILE *fp, const struct ivlist *l, enum family f)
{
	struct source_writer w = { .fp = fp, .first = true };

	fprintf(fp, "%s { ", family_saddr[f]);
	for (size_t i = 0; i < l->n; i++)
		range_to_prefixes(f, l->v[i].lo, l->v[i].hi, write_source, &w);
	fputs(" } fib saddr type != local ", fp);
}

/* K: the counter of a deny rule's match; NULL for an allow. A class with
 * a window has a rule for each piece of it; one with sources none for a
 * family it has no sources of. */
static void emit_rule(FILE *fp, const struct model *m, const struct rule_class *c,
		      const char *set, enum family f, const struct counter *k)
{
	struct window_piece pieces[WINDOW_MAX_PIECES];
	size_t n = c->when.n ? window_pieces(&c->when, pieces) : 1;

	if (c->src.given && !c->src.sets[f].n)
		return;
	for (size_t i = 0; i < n; i++) {
		fputs("\t\t", fp);
		emit_who(fp, &c->who);
		if (c->when.n)
			emit_window_piece(fp, &pieces[i]);
		if (c->src.given)
			emit_sources(fp, &c->src.sets[f], f);
		fprintf(fp, "%s @%s_%s", family_daddr[f], set, emit_family_suffix[f]);
		emit_service(fp, &c->svc);
		fputc(' ', fp);
		if (k)
			emit_blocked_verdict(fp, m, k);
		else
			fputs("accept\n", fp);
	}
}

/* The rules of the classes of verdict V, in model order, those for
 * cgroups only when LOCAL; for allow, the shared lookups first, which
 * most packets a policy accepts meet then before any other rule. */
static void emit_rules(FILE *fp, const struct model *m, enum verdict v, bool local)
{
	for (int f = 0; v == VERDICT_ALLOW && f < FAMILY_COUNT; f++)
		if (m->nshared[f])
			fprintf(fp, "\t\t%s . meta l4proto . th dport @" NFT_SET_SHARED "_%s accept\n",
				family_daddr[f], emit_family_suffix[f]);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		const bool deny = c->verdict == VERDICT_DENY;
		if (c->verdict != v || (c->who.cgroup && !local))
			continue;
		for (int f = 0; f < FAMILY_COUNT; f++) {
			if (!deny && c->sets[f].nspans && !c->shared[f])
				emit_rule(fp, m, c, c->name, (enum family)f, NULL);
			for (size_t j = 0; deny && j < c->nparts; j++) {
				const struct counter *k = &m->counters[c->parts[j].counter];
				if (c->parts[j].sets[f].n)
					emit_rule(fp, m, c, k->name, (enum family)f, k);
			}
		}
		for (size_t j = 0; j < c->nruntime; j++)
			for (int f = 0; f < FAMILY_COUNT; f++)
				emit_rule(fp, m, c, m->runtime[c->runtime[j]].name, (enum family)f,
					  deny ? &m->counters[c->runtime_counter[j]] : NULL);
	}
}

/* The forwarder's DNS to the resolvers, before the policy denies all DNS:
 * "meta skuid "dnsmasq" ip daddr { 192.0.2.53 } meta l4proto { tcp, udp }
 * th dport { 53, 853 } accept", a line per family that has resolvers. The
 * user match is a rule's 'user' clause's. */
static void emit_forwarder(FILE *fp, const struct model *m)
{
	char buf[PREFIX_STRLEN];

	if (!m->resolver)
		return;
	struct owner_id user = { .name = m->resolver->resolver.user };
	const struct owner_set forwarder = { .ids = &user, .n = 1 };
	for (int f = 0; f < FAMILY_COUNT; f++) {
		bool first = true;
		for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next) {
			if (t->prefix.family != f)
				continue;
			if (first) {
				fputs("\t\t", fp);
				emit_owner_match(fp, "skuid", &forwarder);
				fprintf(fp, "%s { ", family_daddr[f]);
			}
			fprintf(fp, "%s%s", first ? "" : ", ", addr_format(f, t->prefix.addr, buf));
			first = false;
		}
		if (!first)
			fprintf(fp, " } meta l4proto { tcp, udp } th dport { %d, %d } accept\n",
				LOCKDOWN_PORT_DNS, LOCKDOWN_PORT_TLS);
	}
}

/* An IPv6 packet with a routing header (segment routing, which any user
 * may set on a socket) goes first to one address and then to others: its
 * destination is no final one, so no rule can judge it. Dropped, in
 * monitor mode too. */
#define NFT_NO_ROUTING_HEADER "\t\texthdr rt exists drop\n"

#define NFT_ND_TYPES "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"

/* The base chains. What leaves through a bridge stays on this machine:
 * loopback aside, that is the runner's own container and VM networks
 * (Docker's docker0 and br-*, podman, CNI, libvirt), reached from the
 * runner, between containers, or by a published port. The kernel tells a
 * bridge by its kind, whatever its name. Loopback is local only to a local
 * address: a nat rule can send a packet bound for 127.0.0.1 elsewhere, and
 * the filter then sees the new address leaving on "lo". Everything else a process here
 * sends, and everything forwarded out of another interface (a container's
 * traffic leaving the machine), goes to the policy. */
static void emit_hook_chains(FILE *fp, const struct model *m, bool policy_drop)
{
	const char *policy = policy_drop ? "drop" : "accept";
	const char *local = m && model_names_cgroups(m) ? NFT_CHAIN_LOCAL : NFT_CHAIN_POLICY;

	fprintf(fp,
		"\tchain " NFT_CHAIN_OUTPUT " {\n"
		"\t\ttype filter hook output priority filter; policy %s;\n"
		NFT_NO_ROUTING_HEADER
		"\t\toif \"lo\" fib daddr type local accept\n"
		"\t\tmeta oifkind \"bridge\" accept\n",
		policy);
	if (m)
		emit_forwarder(fp, m);
	/* Neighbour discovery, with the hop limit of 255 it needs: the
	 * kernel's own (its socket has no user, so "meta skuid" does not
	 * match it) goes only to neighbours. A user's raw socket could put
	 * data in such a packet for any address, so it gets only a router
	 * solicitation to all routers of the link (systemd-networkd and
	 * NetworkManager send their own); the rest is the policy's. */
	fprintf(fp,
		"\t\ticmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 accept\n"
		"\t\t" NFT_ND_TYPES " meta skuid >= 0 goto %s\n"
		"\t\t" NFT_ND_TYPES " ip6 hoplimit 255 accept\n"
		"\t\tgoto %s\n"
		"\t}\n\n"
		"\tchain " NFT_CHAIN_FORWARD " {\n"
		"\t\ttype filter hook forward priority filter; policy %s;\n"
		NFT_NO_ROUTING_HEADER
		"\t\tmeta oifkind \"bridge\" accept\n",
		local, local, policy);
	if (m && model_checks_source_route(m))
		fputs("\t\t# A source the rules 'from' could be fooled by: one that is not\n"
		      "\t\t# routed back out of the interface it came in on.\n"
		      "\t\tfib saddr . iif oif missing drop\n",
		      fp);
	fputs("\t\tgoto " NFT_CHAIN_POLICY "\n"
	      "\t}\n",
	      fp);
}

/* "table inet egressc" made anew, or deleted. */
static void emit_table_reset(FILE *fp)
{
	fputs("table " NFT_TABLE "\n"
	      "delete table " NFT_TABLE "\n",
	      fp);
}

/* Replies that need no rule: the further packets of a connection this
 * machine or its containers started, and the replies of a published port
 * (its connection came in through nat). A reply to any other connection
 * that came in meets the policy: else a step that listens would hand data
 * to whoever connects. */
#define NFT_REPLIES "\t\tct state established,related ct direction original accept\n" \
		    "\t\tct state established,related ct status dnat accept\n"

int emit_nft_closed(FILE *fp)
{
	emit_table_reset(fp);
	fputs("table " NFT_TABLE " {\n"
	      "\tchain " NFT_CHAIN_POLICY " {\n"
	      NFT_REPLIES
	      "\t\tdrop\n"
	      "\t}\n\n",
	      fp);
	emit_hook_chains(fp, NULL, true);
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}

int emit_nft_remove(FILE *fp)
{
	emit_table_reset(fp);
	return ferror(fp) ? -1 : 0;
}

/* The policy, in chain NAME: for this machine's own traffic when LOCAL. */
static void emit_policy_chain(FILE *fp, const struct model *m, const char *name, bool local)
{
	const struct counter *dflt = model_default_counter(m);

	if (model_replies_first(m))
		fprintf(fp, "\t# Monitoring: each connection is counted once, at its start.\n"
			"\tchain %s {\n"
			"\t\tct state established,related accept\n",
			name);
	else
		fprintf(fp, "\t# Deny rules come before the accept of replies, so that a denied host\n"
			"\t# which connects in gets nothing back either; replies to a connection\n"
			"\t# that came in, but for a published port's, meet the policy.\n"
			"\tchain %s {\n",
			name);
	if (m->record == RECORD_ALL)
		fputs("\t\tct state new jump " NFT_CHAIN_RECORD "\n", fp);
	emit_rules(fp, m, VERDICT_DENY, local);
	if (!model_replies_first(m))
		fputs(NFT_REPLIES, fp);
	emit_rules(fp, m, VERDICT_ALLOW, local);
	if (m->default_verdict == VERDICT_DENY) {
		fputs("\t\t", fp);
		emit_blocked_verdict(fp, m, dflt);
	} else {
		fprintf(fp, "\t\tcounter name \"%s\" accept\n", dflt->name);
	}
	fputs("\t}\n\n", fp);
}

int emit_nft_local_chain(const struct model *m, FILE *fp)
{
	if (model_names_cgroups(m))
		emit_policy_chain(fp, m, NFT_CHAIN_LOCAL, true);
	return ferror(fp) ? -1 : 0;
}

int emit_nft(const struct model *m, FILE *fp)
{
	const bool deny = m->default_verdict == VERDICT_DENY;

	emit_header(fp, m);
	emit_mode_comment(fp, m);
	fputs("# Load with 'nft -f FILE': replaces table " NFT_TABLE " in one transaction\n"
	      "# and leaves every other table alone.\n",
	      fp);
	emit_table_reset(fp);
	fputs("\ntable " NFT_TABLE " {\n", fp);
	emit_counters(fp, m);
	for (int f = 0; f < FAMILY_COUNT; f++)
		if (m->nshared[f])
			emit_shared_set(fp, m, (enum family)f);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			if (c->verdict == VERDICT_ALLOW && c->sets[f].nspans && !c->shared[f])
				emit_set(fp, c, (enum family)f);
			for (size_t j = 0; j < c->nparts; j++)
				if (c->parts[j].sets[f].n)
					emit_part_set(fp, m, c, &c->parts[j], (enum family)f);
		}
	}
	for (size_t i = 0; i < m->nruntime; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			emit_runtime_set(fp, &m->runtime[i], (enum family)f);
	if (m->record != RECORD_OFF) {
		emit_record_sets(fp, m);
		emit_record_chain(fp);
	}
	for (size_t i = 0; i < m->ncounters; i++)
		if (counter_has_chain(m, &m->counters[i]))
			emit_counter_chain(fp, m, &m->counters[i]);

	/* Monitoring, nothing is blocked: every deny goes through its
	 * counter's chain, which accepts. */
	if (m->mode == MODE_ENFORCE) {
		fputs("\tchain " NFT_CHAIN_BLOCKED " {\n", fp);
		if (m->on_deny == DENY_REJECT)
			/* A TCP reset fails IPv4 and IPv6 connects at once; ICMP
			 * admin-prohibited leaves IPv6 TCP waiting for a SYN retry. */
			fputs("\t\tmeta l4proto tcp reject with tcp reset\n"
			      "\t\treject with icmpx admin-prohibited\n",
			      fp);
		else
			fputs("\t\tdrop\n", fp);
		fputs("\t}\n\n", fp);
	}

	if (model_names_cgroups(m)) {
		fputs("\t# The policy: for what this machine forwards out of it for its\n"
		      "\t# containers and VMs, which no rule for a cgroup matches.\n",
		      fp);
		emit_policy_chain(fp, m, NFT_CHAIN_POLICY, false);
		fputs("\t# The policy again, with the rules for cgroups: for this machine's\n"
		      "\t# own traffic (nft takes a socket match on the output path only).\n",
		      fp);
		emit_policy_chain(fp, m, NFT_CHAIN_LOCAL, true);
	} else {
		fputs("\t# The policy: for this machine's own traffic and for what it forwards\n"
		      "\t# out of it for its containers and VMs, alike.\n",
		      fp);
		emit_policy_chain(fp, m, NFT_CHAIN_POLICY, true);
	}
	emit_hook_chains(fp, m, deny);
	fputs("}\n", fp);
	return ferror(fp) ? -1 : 0;
}
