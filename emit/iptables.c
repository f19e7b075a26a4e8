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
 * a single prefix is matched in the rule, with -d. Every deny rule, and the default policy, has a chain of its own,
 * EGRESSC-deny_N and EGRESSC-default, named as the nft counters are: its
 * last rule's counter counts what that rule blocked (in monitor mode,
 * accepted instead), and a LOG or NFLOG rule before it logs them. */
#include "emit/emit.h"

#include <stdbool.h>
#include <string.h>

#include "compiler/lockdown.h"
#include "compiler/model.h"
#include "emit/names.h"

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
		.nd_rules =
			"-A " IPT_CHAIN_OUTPUT " -d ff02::2/128 -p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j RETURN\n"
			"-A " IPT_CHAIN_OUTPUT " -p ipv6-icmp -m owner --uid-owner 0-4294967294 -g " IPT_CHAIN_POLICY "\n"
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
	const char *verdict;	/* "-j RETURN", "-g EGRESSC-deny_3" */
};

static void write_port(FILE *fp, const struct port_range *p)
{
	fprintf(fp, "%u", p->lo);
	if (p->hi != p->lo)
		fprintf(fp, ":%u", p->hi);
}

/* One destination match ("-d P" or "-m set --match-set S dst"), one
 * protocol: one or more rules, the ports in chunks. */
static void write_proto_rules(FILE *fp, const char *dst, const char *proto,
			      const struct service *svc, const char *verdict)
{
	if (!svc->nports) {
		fprintf(fp, "-A " IPT_CHAIN_POLICY " %s -p %s %s\n", dst, proto, verdict);
		return;
	}
	if (svc->nports == 1) {
		fprintf(fp, "-A " IPT_CHAIN_POLICY " %s -p %s -m %s --dport ", dst, proto, proto);
		write_port(fp, &svc->ports[0]);
		fprintf(fp, " %s\n", verdict);
		return;
	}
	for (size_t i = 0; i < svc->nports;) {
		int slots = 0;
		fprintf(fp, "-A " IPT_CHAIN_POLICY " %s -p %s -m multiport --dports ", dst, proto);
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

static void write_rules(const struct rule_writer *w, const char *dst)
{
	const struct service *svc = &w->cls->svc;
	const char *verdict = w->verdict;

	if (!svc->protos)
		fprintf(w->fp, "-A " IPT_CHAIN_POLICY " %s %s\n", dst, verdict);
	if (svc->protos & PROTO_TCP)
		write_proto_rules(w->fp, dst, "tcp", svc, verdict);
	if (svc->protos & PROTO_UDP)
		write_proto_rules(w->fp, dst, "udp", svc, verdict);
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

/* The forwarder's DNS to the resolvers of family F, before the policy
 * denies all DNS. The owner match exists only on the output path: so it
 * is here, and the forward path has no such exemption. */
static void write_forwarder(FILE *fp, const struct model *m, enum family f)
{
	char buf[PREFIX_STRLEN];

	if (!m->resolver)
		return;
	for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next) {
		if (t->prefix.family != f)
			continue;
		for (int udp = 0; udp < 2; udp++)
			fprintf(fp, "-A " IPT_CHAIN_OUTPUT " -d %s/%d -p %s -m multiport --dports %d,%d"
				" -m owner --uid-owner %s -j RETURN\n",
				addr_format(f, t->prefix.addr, buf), family_bits(f), udp ? "udp" : "tcp",
				LOCKDOWN_PORT_DNS, LOCKDOWN_PORT_TLS, m->resolver->resolver.user);
	}
}

/* Replies that need no rule (see NFT_REPLIES in nft.c): the further
 * packets of a connection this machine or its containers started, and a
 * published port's replies. */
#define IPT_REPLIES                                                                              \
	"-A " IPT_CHAIN_POLICY " -m conntrack --ctstate RELATED,ESTABLISHED --ctdir ORIGINAL -j RETURN\n" \
	"-A " IPT_CHAIN_POLICY " -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j RETURN\n"

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
	if (m)
		write_forwarder(fp, m, f);
	fputs(words[f].nd_rules, fp);
	fputs("-A " IPT_CHAIN_OUTPUT " -g " IPT_CHAIN_POLICY "\n", fp);
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
	fputs(IPT_REPLIES
	      "-A " IPT_CHAIN_POLICY " -j DROP\n"
	      "COMMIT\n",
	      fp);
	return ferror(fp) ? -1 : 0;
}

/* The rules of the classes of verdict V, in model order. */
static void write_classes(FILE *fp, const struct model *m, enum family f, enum verdict v)
{
	char verdict[COUNTER_NAME_MAX + 16];

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		const struct rangeset *s = &c->sets[f];
		if (c->verdict != v)
			continue;
		struct rule_writer w = { .fp = fp, .cls = c, .verdict = "-j RETURN" };
		if (c->verdict == VERDICT_ALLOW && s->nspans) {
			emit_class_comment(fp, "", c, f);
			if (c->ipset[f].name[0])
				write_set_rules(&w, c->ipset[f].name);
			for (size_t j = 0; !c->ipset[f].name[0] && j < s->nspans; j++) {
				struct span sp = rangeset_span(s, j);
				range_to_prefixes(f, sp.lo, sp.hi, write_prefix_rules, &w);
			}
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
}

static int emit_family(const struct model *m, FILE *fp, enum family f)
{
	const char *tool = f == FAMILY_V4 ? "iptables-restore" : "ip6tables-restore";
	char verdict[COUNTER_NAME_MAX + 16];

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
	if (m->mode == MODE_ENFORCE)
		fputs(":" IPT_CHAIN_BLOCK " - [0:0]\n", fp);
	for (size_t i = 0; i < m->ncounters; i++) {
		char chain[COUNTER_NAME_MAX + 16];
		fprintf(fp, ":%s - [0:0]\n", counter_chain(&m->counters[i], chain, sizeof(chain)));
	}
	if (m->record != RECORD_OFF)
		fputs(":" IPT_CHAIN_RECORD " - [0:0]\n", fp);
	write_hook_chains(fp, m, f);
	/* Enforcing, after the denies: a denied host which connects in gets
	 * nothing back. Monitoring, before: a connection is counted once. */
	if (model_replies_first(m))
		fputs("-A " IPT_CHAIN_POLICY " -m conntrack --ctstate RELATED,ESTABLISHED -j RETURN\n", fp);
	if (m->record == RECORD_ALL)
		write_record_jump(fp, m, IPT_CHAIN_POLICY);
	write_classes(fp, m, f, VERDICT_DENY);
	if (!model_replies_first(m))
		fputs(IPT_REPLIES, fp);
	write_classes(fp, m, f, VERDICT_ALLOW);
	fprintf(fp, "-A " IPT_CHAIN_POLICY " %s\n",
		counter_verdict(model_default_counter(m), verdict, sizeof(verdict)));
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
