/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iptables-restore and ip6tables-restore output, for --noflush: egressc's
 * own chains in the filter table and nothing else. EGRESSC holds the
 * policy, deny rules before allow rules, and is where EGRESSC-OUTPUT (this
 * machine's traffic) and EGRESSC-FORWARD (its containers' traffic leaving
 * it) go; EGRESSC-BLOCK does what on-deny says. An accept is a RETURN, so
 * other rules of the table (Docker's isolation, the administrator's own)
 * still see what egressc lets through; a block is final. iptables has no
 * interval sets, and a rule per prefix costs every new connection a walk
 * through them all: a class's set (a deny rule's share of one) of more
 * than one prefix is a static ipset, matched with -m set like the
 * run-time sets; the ipset output creates and fills them all. A class is
 * then one rule per protocol (per 15 ports) however many prefixes it has;
 * a single prefix is matched in the rule, with -d. A class that pinned
 * names feed also matches its refresh ipset, which holds their spans
 * (model_class_refreshed()), in both families. Every deny rule, and the default policy, has a chain of its own,
 * EGRESSC-deny_N and EGRESSC-default, named as the nft counters are: its
 * last rule's counter counts what that rule blocked (in monitor mode,
 * accepted instead), and a LOG or NFLOG rule before it logs them. The
 * owner match (a rule's user or group) is refused in a chain the forward
 * hook reaches, so a policy that names users has its policy twice: in
 * EGRESSC-LOCAL, which EGRESSC-OUTPUT goes to, with every rule, and in
 * EGRESSC, for forwarded traffic, without the rules for users (which
 * match no forwarded packet). */
#include "emit/emit.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/lockdown.h"
#include "compiler/model.h"
#include "emit/names.h"
#include "lib/xalloc.h"

/* multiport takes 15 ports, a range counting as two. */
#define MULTIPORT_MAX_SLOTS 15

struct family_words {
	const char *reject_icmp;
	const char *nd_rules;
};

static const struct family_words words[FAMILY_COUNT] = {
	[FAMILY_V4] = {
		.reject_icmp = "icmp-admin-prohibited",
		.nd_rules = "",
	},
	[FAMILY_V6] = {
		.reject_icmp = "icmp6-adm-prohibited",
		/* As nft.c's: a user's socket (the kernel's has no
		 * user, so the owner match misses it) sends only a router
		 * solicitation to all routers; the kernel's own neighbour
		 * discovery goes only to neighbours. */
		/* %s: the chain this machine's traffic goes to. */
		.nd_rules =
			"-A " IPT_CHAIN_OUTPUT " -d ff02::2/128 -p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j RETURN\n"
			"-A " IPT_CHAIN_OUTPUT " -p ipv6-icmp -m owner --uid-owner 0-4294967294 -g %s\n"
			"-A " IPT_CHAIN_OUTPUT " -p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j RETURN\n"
			"-A " IPT_CHAIN_OUTPUT " -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j RETURN\n"
			"-A " IPT_CHAIN_OUTPUT " -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j RETURN\n",
	},
};

const char *const ipt_local_bridges[] = {
	"docker0", "br-+", "cni+", "podman+", "virbr+", "lxcbr+", "lxdbr+", "incusbr+", "cbr0",
	NULL,
};

struct rule_writer {
	FILE *fp;
	const struct rule_class *cls;
	const char *chain;	/* "EGRESSC", "EGRESSC-LOCAL" */
	const char *owner;	/* "", " -m owner --uid-owner runner" */
	const char *verdict;	/* "-j RETURN", "-g EGRESSC-deny_3" */
};

static void write_port(FILE *fp, const struct port_range *p)
{
	fprintf(fp, "%u", p->lo);
	if (p->hi != p->lo)
		fprintf(fp, ":%u", p->hi);
}

/* One destination match ("-d P" or "-m set --match-set S dst", and the
 * owner's), one protocol: one or more rules of CHAIN, the ports in chunks. */
static void write_proto_rules(FILE *fp, const char *chain, const char *dst, const char *proto,
			      const struct service *svc, const char *verdict)
{
	if (!svc->nports) {
		fprintf(fp, "-A %s %s -p %s %s\n", chain, dst, proto, verdict);
		return;
	}
	if (svc->nports == 1) {
		fprintf(fp, "-A %s %s -p %s -m %s --dport ", chain, dst, proto, proto);
		write_port(fp, &svc->ports[0]);
		fprintf(fp, " %s\n", verdict);
		return;
	}
	for (size_t i = 0; i < svc->nports;) {
		int slots = 0;
		fprintf(fp, "-A %s %s -p %s -m multiport --dports ", chain, dst, proto);
		for (bool first = true; i < svc->nports; first = false, i++) {
			int need = svc->ports[i].lo == svc->ports[i].hi ? 1 : 2;
			if (slots + need > MULTIPORT_MAX_SLOTS)
				break;
			slots += need;
			if (!first)
				fputc(',', fp);
			write_port(fp, &svc->ports[i]);
		}
		fprintf(fp, " %s\n", verdict);
	}
}

static void write_rules(const struct rule_writer *w, const char *dst_only)
{
	const struct service *svc = &w->cls->svc;
	const char *verdict = w->verdict;
	char *dst = xmalloc(strlen(dst_only) + strlen(w->owner) + 1);

	strcpy(dst, dst_only);
	strcat(dst, w->owner);
	if (!svc->protos)
		fprintf(w->fp, "-A %s %s %s\n", w->chain, dst, verdict);
	if (svc->protos & PROTO_TCP)
		write_proto_rules(w->fp, w->chain, dst, "tcp", svc, verdict);
	if (svc->protos & PROTO_UDP)
		write_proto_rules(w->fp, w->chain, dst, "udp", svc, verdict);
	free(dst);
}

static void write_prefix_rules(const struct prefix *p, void *arg)
{
	char dst[PREFIX_STRLEN + 8];

	/* iptables wants the length even for a host. */
	strcpy(dst, "-d ");
	addr_format(p->family, p->addr, dst + 3);
	snprintf(dst + strlen(dst), sizeof(dst) - strlen(dst), "/%u", p->len);
	write_rules(arg, dst);
}

static void write_prefixes(struct rule_writer *w, enum family f, const struct ivl *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		range_to_prefixes(f, v[i].lo, v[i].hi, write_prefix_rules, w);
}

/* A static set's match: "-m set --match-set S dst". */
static void write_set_rules(struct rule_writer *w, const char *ipset)
{
	char dst[IPSET_NAME_MAX + 32];

	snprintf(dst, sizeof(dst), "-m set --match-set %s dst", ipset);
	write_rules(w, dst);
}

/* "EGRESSC-deny_3" */
static const char *counter_chain(const struct counter *k, char *buf, size_t size)
{
	snprintf(buf, size, IPT_CHAIN_PREFIX "-%s", k->name);
	return buf;
}

/* "-g EGRESSC-deny_3": a goto, so that the counter chain's RETURN (an
 * accept, monitoring) leaves egressc's chains altogether. */
static const char *counter_verdict(const struct counter *k, char *buf, size_t size)
{
	snprintf(buf, size, "-g " IPT_CHAIN_PREFIX "-%s", k->name);
	return buf;
}

/* --- recording (model.record) ------------------------------------------
 * EGRESSC-RECORD puts a packet's destination (address, protocol, port)
 * into the family's record ipset (hash:ip,port with counters; the ipset
 * output creates it) and counts the packet on it. The SET target cannot
 * count: an add of an element already there, with --exist, resets its
 * counters to the one packet. So a member is matched first (which counts
 * it); a new one is added, which counts its first packet, and matched
 * again without counting, to tell an add that failed on a full set: such
 * a packet falls through to the last rule, whose counter is the overflow.
 * A member's timeout is never refreshed: what is left of it says when it
 * was first seen. */
static void write_record_chain(FILE *fp, const struct model *m, enum family f)
{
	const char *set = m->record_ipset[f];

	fprintf(fp,
		"-A " IPT_CHAIN_RECORD " -m set --match-set %s dst,dst -j RETURN\n"
		"-A " IPT_CHAIN_RECORD " -j SET --add-set %s dst,dst\n"
		"-A " IPT_CHAIN_RECORD " -m set --match-set %s dst,dst ! --update-counters -j RETURN\n"
		"-A " IPT_CHAIN_RECORD " -m comment --comment \"record overflow\" -j RETURN\n",
		set, set, set);
}

/* Where packets go to be recorded: each counter chain that records, or
 * under 'record all' every packet that starts a connection. */
static void write_record_jump(FILE *fp, const struct model *m, const char *chain)
{
	fprintf(fp, "-A %s%s -j " IPT_CHAIN_RECORD "\n", chain,
		m->record == RECORD_ALL ? " -m conntrack --ctstate NEW" : "");
}

static void write_counter_chain(FILE *fp, const struct model *m, const struct counter *k)
{
	char chain[COUNTER_NAME_MAX + 16], prefix[EMIT_LOG_PREFIX_MAX];

	counter_chain(k, chain, sizeof(chain));
	if (model_counter_records(m, k))
		write_record_jump(fp, m, chain);
	if (model_counter_logs(m, k)) {
		fprintf(fp, "-A %s %s", chain, EMIT_LOG_RATE_IPT);
		if (m->log_to_group)
			fprintf(fp, " -j NFLOG --nflog-group %u --nflog-prefix \"%s\"\n",
				m->log_group, emit_log_prefix(m, k, prefix));
		else
			fprintf(fp, " -j LOG --log-prefix \"%s\"\n", emit_log_prefix(m, k, prefix));
	}
	fprintf(fp, "-A %s -j %s\n", chain,
		model_counter_blocks(m, k) ? IPT_CHAIN_BLOCK : "RETURN");
}

#define OWNER_MATCH_MAX (128 + CGROUP_PATH_MAX)

/* " -m owner --uid-owner runner --gid-owner 100 -m cgroup --path a/b": a
 * rule's user, group and cgroup (any NULL), which iptables looks up when
 * it loads the rules (a cgroup's path is the kernel's to resolve, from the
 * cgroup v2 root, and matches that cgroup and those below it). The group
 * is the socket's primary one (no --suppl-groups), as nft's skgid sees it.
 * check.c leaves a path nothing iptables-restore would have to quote. */
static const char *owner_match(const struct owner_id *user, const struct owner_id *group,
			       const char *cgroup, char *buf, size_t size)
{
	char id[48];
	size_t n = 0;

	buf[0] = '\0';
	if (user || group)
		n += (size_t)snprintf(buf + n, size - n, " -m owner");
	if (user)
		n += (size_t)snprintf(buf + n, size - n, " --uid-owner %s",
				      owner_id_format(user, id, sizeof(id)));
	if (group && n < size)
		n += (size_t)snprintf(buf + n, size - n, " --gid-owner %s",
				      owner_id_format(group, id, sizeof(id)));
	if (cgroup && n < size)
		snprintf(buf + n, size - n, " -m cgroup --path %s", cgroup);
	return buf;
}

/* The forwarder's DNS to the resolvers of family F, before the policy
 * denies all DNS. The owner match exists only on the output path: so it
 * is here, and the forward path has no such exemption. */
static void write_forwarder(FILE *fp, const struct model *m, enum family f)
{
	char buf[PREFIX_STRLEN], owner[OWNER_MATCH_MAX];

	if (!m->resolver)
		return;
	for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next) {
		if (t->prefix.family != f)
			continue;
		for (int udp = 0; udp < 2; udp++)
			fprintf(fp, "-A " IPT_CHAIN_OUTPUT " -d %s/%d -p %s -m multiport --dports %d,%d"
				" %s -j RETURN\n",
				addr_format(f, t->prefix.addr, buf), family_bits(f), udp ? "udp" : "tcp",
				LOCKDOWN_PORT_DNS, LOCKDOWN_PORT_TLS,
				owner_match(&(struct owner_id){ .name = m->resolver->resolver.user },
					    NULL, NULL, owner, sizeof(owner)) + 1);
	}
}

/* Replies that need no rule (see NFT_REPLIES in nft.c): the further
 * packets of a connection this machine or its containers started, and a
 * published port's replies. */
#define IPT_REPLIES                                                                              \
	"-A %s -m conntrack --ctstate RELATED,ESTABLISHED --ctdir ORIGINAL -j RETURN\n" \
	"-A %s -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j RETURN\n"

/* The chains the hooks jump to. What leaves through a local bridge stays
 * on this machine (the runner's container and VM networks, by name: see
 * ipt_local_bridges), as does loopback to a local address (a nat rule may
 * have sent it elsewhere) and neighbour discovery; the rest
 * of this machine's traffic, and all it forwards out of another interface,
 * goes to the policy. */
static void write_hook_chains(FILE *fp, const struct model *m, enum family f)
{
	/* As nft.c's NFT_NO_ROUTING_HEADER: no final destination to judge. */
	if (f == FAMILY_V6)
		fputs("-A " IPT_CHAIN_OUTPUT " " IPT_NO_ROUTING_HEADER "\n", fp);
	fputs("-A " IPT_CHAIN_OUTPUT " -o lo -m addrtype --dst-type LOCAL -j RETURN\n", fp);
	for (const char *const *b = ipt_local_bridges; *b; b++)
		fprintf(fp, "-A " IPT_CHAIN_OUTPUT " -o %s -j RETURN\n", *b);
	const char *local = m && model_names_senders(m) ? IPT_CHAIN_LOCAL : IPT_CHAIN_POLICY;
	if (m)
		write_forwarder(fp, m, f);
	fprintf(fp, words[f].nd_rules, local);
	fprintf(fp, "-A " IPT_CHAIN_OUTPUT " -g %s\n", local);
	if (f == FAMILY_V6)
		fputs("-A " IPT_CHAIN_FORWARD " " IPT_NO_ROUTING_HEADER "\n", fp);
	for (const char *const *b = ipt_local_bridges; *b; b++)
		fprintf(fp, "-A " IPT_CHAIN_FORWARD " -o %s -j RETURN\n", *b);
	fputs("-A " IPT_CHAIN_FORWARD " -g " IPT_CHAIN_POLICY "\n", fp);
}

int emit_iptables_closed(FILE *fp, enum family f)
{
	fputs("*filter\n"
	      ":" IPT_CHAIN_POLICY " - [0:0]\n"
	      ":" IPT_CHAIN_OUTPUT " - [0:0]\n"
	      ":" IPT_CHAIN_FORWARD " - [0:0]\n",
	      fp);
	write_hook_chains(fp, NULL, f);
	fprintf(fp, IPT_REPLIES, IPT_CHAIN_POLICY, IPT_CHAIN_POLICY);
	fputs("-A " IPT_CHAIN_POLICY " -j DROP\n"
	      "COMMIT\n",
	      fp);
	return ferror(fp) ? -1 : 0;
}

/* The rules of class C, in CHAIN, for one of its senders (OWNER). */
static void write_class(FILE *fp, const struct model *m, enum family f,
			const struct rule_class *c, const char *chain, const char *owner)
{
	char verdict[COUNTER_NAME_MAX + 16];
	const struct rangeset *s = &c->sets[f];
	struct rule_writer w = { .fp = fp, .cls = c, .chain = chain, .owner = owner,
				 .verdict = "-j RETURN" };

	/* A refreshed class (model_class_refreshed()) matches its refresh
	 * set, empty as it may be: the agent fills it at run time. */
	if (c->verdict == VERDICT_ALLOW && (s->nspans || c->refresh[f].name[0])) {
		if (s->nspans)
			emit_class_comment(fp, "", c, f);
		else
			fprintf(fp, "# %s: no address of this family yet\n", c->name);
		if (c->ipset[f].name[0])
			write_set_rules(&w, c->ipset[f].name);
		for (size_t j = 0; !c->ipset[f].name[0] && j < s->nspans; j++) {
			if (c->refresh[f].name[0] && model_span_refreshed(m, c, f, j))
				continue;
			struct span sp = rangeset_span(s, j);
			range_to_prefixes(f, sp.lo, sp.hi, write_prefix_rules, &w);
		}
		if (c->refresh[f].name[0])
			write_set_rules(&w, c->refresh[f].name);
	}
	for (size_t j = 0; j < c->nparts; j++) {
		const struct counter *k = &m->counters[c->parts[j].counter];
		const struct ivlist *l = &c->parts[j].sets[f];
		if (!l->n)
			continue;
		fprintf(fp, "# %s (%s): ", k->name, c->name);
		emit_location(fp, k->rule);
		fputc('\n', fp);
		w.verdict = counter_verdict(k, verdict, sizeof(verdict));
		if (c->parts[j].ipset[f].name[0])
			write_set_rules(&w, c->parts[j].ipset[f].name);
		else
			write_prefixes(&w, f, l->v, l->n);
	}
	for (size_t j = 0; j < c->nruntime; j++) {
		const struct runtime_set *r = &m->runtime[c->runtime[j]];
		char dst[IPSET_NAME_MAX + 32];
		emit_runtime_comment(fp, "", r);
		snprintf(dst, sizeof(dst), "-m set --match-set %s dst", r->ipset[f]);
		if (c->verdict == VERDICT_DENY)
			w.verdict = counter_verdict(&m->counters[c->runtime_counter[j]],
						    verdict, sizeof(verdict));
		write_rules(&w, dst);
	}
}

/* " -m time --timestart 01:00:00 --timestop 02:59:59 --weekdays Mon,Tue
 * --utc" after OWNER, into BUF: a piece of a window (the stop is the last
 * second it holds). */
static const char *time_match(const char *owner, const struct window_piece *p, char *buf,
			      size_t size)
{
	size_t n = (size_t)snprintf(buf, size, "%s -m time", owner);

	if (p->lo != 0 || p->hi != DAY_MINUTES)
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0,
				      " --timestart %02u:%02u:00 --timestop %02u:%02u:59",
				      p->lo / 60u, p->lo % 60u, (p->hi - 1u) / 60u, (p->hi - 1u) % 60u);
	if (p->days != 0x7f) {
		n += (size_t)snprintf(buf + n, n < size ? size - n : 0, " --weekdays ");
		for (unsigned d = 0, first = 1; d < 7; d++) {
			if (!(p->days & 1u << d))
				continue;
			n += (size_t)snprintf(buf + n, n < size ? size - n : 0, "%s%s", first ? "" : ",",
					      window_day_name(d));
			first = 0;
		}
	}
	snprintf(buf + n, n < size ? size - n : 0, " --utc");
	return buf;
}

/* Class C's rules for one owner (OWNER: "" or its match), a rule each
 * piece of its window. */
static void write_class_times(FILE *fp, const struct model *m, enum family f,
			      const struct rule_class *c, const char *chain, const char *owner)
{
	struct window_piece pieces[WINDOW_MAX_PIECES];
	char *match = NULL;

	if (!c->when.n) {
		write_class(fp, m, f, c, chain, owner);
		return;
	}
	size_t n = window_pieces(&c->when, pieces), size = strlen(owner) + 128;
	match = xmalloc(size);
	for (size_t i = 0; i < n; i++)
		write_class(fp, m, f, c, chain, time_match(owner, &pieces[i], match, size));
	free(match);
}

struct source_list {
	FILE *fp;
	bool first;
};

static void write_source(const struct prefix *p, void *arg)
{
	struct source_list *w = arg;
	char buf[PREFIX_STRLEN];

	fprintf(w->fp, "%s%s/%u", w->first ? "" : ",", addr_format(p->family, p->addr, buf), p->len);
	w->first = false;
}

/* " -s 198.51.100.0/31,198.51.100.8/29": a forwarded packet's sources
 * (iptables-restore makes a rule of each), malloc'd. */
static char *source_match(const struct ivlist *l, enum family f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = xopen_memstream(&text, &len);
	struct source_list w = { .fp = fp, .first = true };

	fputs(" -s ", fp);
	for (size_t i = 0; i < l->n; i++)
		range_to_prefixes(f, l->v[i].lo, l->v[i].hi, write_source, &w);
	fclose(fp);
	return text;
}

/* The rules of the classes of verdict V, in model order, in CHAIN; those
 * for users and groups only when LOCAL, one pass per user and group;
 * those for sources only when not (forwarded traffic is not LOCAL's). */
static void write_classes(FILE *fp, const struct model *m, enum family f, enum verdict v,
			  const char *chain, bool local)
{
	char owner[OWNER_MATCH_MAX];

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		const struct who *w = &c->who;
		if (c->verdict != v || (!local && !who_everyone(w)))
			continue;
		if (c->src.given) {
			if (local || !c->src.sets[f].n)
				continue;
			char *src = source_match(&c->src.sets[f], f);
			write_class_times(fp, m, f, c, chain, src);
			free(src);
			continue;
		}
		for (size_t u = 0; u < (w->users.n ? w->users.n : 1); u++)
			for (size_t g = 0; g < (w->groups.n ? w->groups.n : 1); g++)
				write_class_times(fp, m, f, c, chain,
						  owner_match(w->users.n ? &w->users.ids[u] : NULL,
							      w->groups.n ? &w->groups.ids[g] : NULL,
							      w->cgroup,
							      owner, sizeof(owner)));
	}
}

/* The policy, in CHAIN: for this machine's own traffic when LOCAL. */
static void write_policy(FILE *fp, const struct model *m, enum family f, const char *chain,
			 bool local)
{
	char verdict[COUNTER_NAME_MAX + 16];

	/* Enforcing, after the denies: a denied host which connects in gets
	 * nothing back. Monitoring, before: a connection is counted once. */
	if (model_replies_first(m))
		fprintf(fp, "-A %s -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n", chain);
	if (m->record == RECORD_ALL)
		write_record_jump(fp, m, chain);
	write_classes(fp, m, f, VERDICT_DENY, chain, local);
	if (!model_replies_first(m))
		fprintf(fp, IPT_REPLIES, chain, chain);
	write_classes(fp, m, f, VERDICT_ALLOW, chain, local);
	fprintf(fp, "-A %s %s\n", chain,
		counter_verdict(model_default_counter(m), verdict, sizeof(verdict)));
}

int emit_iptables_local_chain(const struct model *m, enum family f, FILE *fp)
{
	if (model_names_senders(m))
		write_policy(fp, m, f, IPT_CHAIN_LOCAL, true);
	return ferror(fp) ? -1 : 0;
}

static int emit_family(const struct model *m, FILE *fp, enum family f)
{
	const char *tool = f == FAMILY_V4 ? "iptables-restore" : "ip6tables-restore";

	emit_header(fp, m);
	emit_mode_comment(fp, m);
	fputs("# Only egressc's own chains (" IPT_CHAIN_PREFIX "*) are replaced: the rest of the\n"
	      "# filter table (Docker's chains, the administrator's rules) stays.\n",
	      fp);
	fprintf(fp, "# Load with 'egressc apply --backend iptables', which hooks the chains\n"
		"# once; a first load by hand: '%s --noflush FILE'. By hand, the\n"
		"# forward hook is first in FORWARD only until Docker adds a network:\n"
		"# on a Docker host, use egressc apply (it hooks " IPT_DOCKER_USER ").\n",
		tool);
	if (model_uses_ipsets(m, f))
		fputs("# Its rules match ipsets: load the ipset output first.\n", fp);
	fputs("*filter\n"
	      ":" IPT_CHAIN_POLICY " - [0:0]\n"
	      ":" IPT_CHAIN_OUTPUT " - [0:0]\n"
	      ":" IPT_CHAIN_FORWARD " - [0:0]\n",
	      fp);
	if (model_names_senders(m))
		fputs(":" IPT_CHAIN_LOCAL " - [0:0]\n", fp);
	if (m->mode == MODE_ENFORCE)
		fputs(":" IPT_CHAIN_BLOCK " - [0:0]\n", fp);
	for (size_t i = 0; i < m->ncounters; i++) {
		char chain[COUNTER_NAME_MAX + 16];
		fprintf(fp, ":%s - [0:0]\n", counter_chain(&m->counters[i], chain, sizeof(chain)));
	}
	if (m->record != RECORD_OFF)
		fputs(":" IPT_CHAIN_RECORD " - [0:0]\n", fp);
	write_hook_chains(fp, m, f);
	write_policy(fp, m, f, IPT_CHAIN_POLICY, false);
	if (model_names_senders(m))
		write_policy(fp, m, f, IPT_CHAIN_LOCAL, true);
	for (size_t i = 0; i < m->ncounters; i++)
		write_counter_chain(fp, m, &m->counters[i]);
	if (m->record != RECORD_OFF)
		write_record_chain(fp, m, f);
	/* Monitoring, nothing is blocked, so there is no EGRESSC-BLOCK. */
	if (m->mode == MODE_ENFORCE && m->on_deny == DENY_REJECT)
		fprintf(fp,
			"-A " IPT_CHAIN_BLOCK " -p tcp -j REJECT --reject-with tcp-reset\n"
			"-A " IPT_CHAIN_BLOCK " -j REJECT --reject-with %s\n",
			words[f].reject_icmp);
	else if (m->mode == MODE_ENFORCE)
		fputs("-A " IPT_CHAIN_BLOCK " -j DROP\n", fp);
	fputs(IPT_HOOK_OUTPUT "\n" IPT_HOOK_FORWARD "\n"
	      "COMMIT\n",
	      fp);
	/* As nft's forward chain does (model_checks_source_route()), before
	 * any rule: rpfilter exists only in PREROUTING, where what is to be
	 * forwarded is what is not for a local address (replies to the
	 * masqueraded, and published ports before nat, are). */
	if (model_checks_source_route(m))
		fputs("# A source the rules 'from' could be fooled by: a packet to be forwarded\n"
		      "# whose source is not routed back out of the interface it came in on.\n"
		      "*raw\n"
		      ":" IPT_CHAIN_RPF " - [0:0]\n"
		      IPT_RPF_DROP "\n"
		      IPT_HOOK_RPF "\n"
		      "COMMIT\n",
		      fp);
	return ferror(fp) ? -1 : 0;
}

int emit_iptables(const struct model *m, FILE *fp)
{
	return emit_family(m, fp, FAMILY_V4);
}

int emit_ip6tables(const struct model *m, FILE *fp)
{
	return emit_family(m, fp, FAMILY_V6);
}
