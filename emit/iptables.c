/* iptables-restore and ip6tables-restore output: the filter table, with an
 * EGRESSC chain jumped to from OUTPUT, deny rules before allow rules, and
 * EGRESSC-BLOCK doing what on-deny says. iptables-restore replaces the whole
 * filter table of the family, so the built-in chains are always written
 * (iptables-nft resets the policy of one left out). iptables has no
 * interval sets: each prefix of each class becomes one rule per protocol.
 * Run-time sets are ipsets (the ipset output creates them), matched with
 * -m set. Every deny rule, and the default policy, has a chain of its own,
 * EGRESSC-deny_N and EGRESSC-default, named as the nft counters are: its
 * last rule's counter counts what that rule blocked (in monitor mode,
 * accepted instead), and a LOG or NFLOG rule before it logs them. */
#include "emit.h"

#include <stdbool.h>
#include <string.h>

#include "model.h"

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
		.nd_rules =
			"-A EGRESSC -p ipv6-icmp -m icmp6 --icmpv6-type router-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
			"-A EGRESSC -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -m hl --hl-eq 255 -j ACCEPT\n"
			"-A EGRESSC -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -m hl --hl-eq 255 -j ACCEPT\n",
	},
};

struct rule_writer {
	FILE *fp;
	const struct rule_class *cls;
	const char *target;	/* -j TARGET */
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
			      const struct service *svc, const char *target)
{
	if (!svc->nports) {
		fprintf(fp, "-A EGRESSC %s -p %s -j %s\n", dst, proto, target);
		return;
	}
	if (svc->nports == 1) {
		fprintf(fp, "-A EGRESSC %s -p %s -m %s --dport ", dst, proto, proto);
		write_port(fp, &svc->ports[0]);
		fprintf(fp, " -j %s\n", target);
		return;
	}
	for (size_t i = 0; i < svc->nports;) {
		int slots = 0;
		fprintf(fp, "-A EGRESSC %s -p %s -m multiport --dports ", dst, proto);
		for (bool first = true; i < svc->nports; first = false, i++) {
			int need = svc->ports[i].lo == svc->ports[i].hi ? 1 : 2;
			if (slots + need > MULTIPORT_MAX_SLOTS)
				break;
			slots += need;
			if (!first)
				fputc(',', fp);
			write_port(fp, &svc->ports[i]);
		}
		fprintf(fp, " -j %s\n", target);
	}
}

static void write_rules(const struct rule_writer *w, const char *dst)
{
	const struct service *svc = &w->cls->svc;
	const char *target = w->target;

	if (!svc->protos)
		fprintf(w->fp, "-A EGRESSC %s -j %s\n", dst, target);
	if (svc->protos & PROTO_TCP)
		write_proto_rules(w->fp, dst, "tcp", svc, target);
	if (svc->protos & PROTO_UDP)
		write_proto_rules(w->fp, dst, "udp", svc, target);
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

/* "EGRESSC-deny_3" */
static const char *counter_chain(const struct counter *k, char *buf, size_t size)
{
	snprintf(buf, size, "EGRESSC-%s", k->name);
	return buf;
}

static void write_counter_chain(FILE *fp, const struct model *m, const struct counter *k)
{
	char chain[COUNTER_NAME_MAX + 16], prefix[EMIT_LOG_PREFIX_MAX];
	const bool block = m->mode == MODE_ENFORCE && (k->rule || m->default_verdict == VERDICT_DENY);

	counter_chain(k, chain, sizeof(chain));
	if (m->log_denied && (k->rule || m->default_verdict == VERDICT_DENY)) {
		fprintf(fp, "-A %s %s", chain, EMIT_LOG_RATE_IPT);
		if (m->log_to_group)
			fprintf(fp, " -j NFLOG --nflog-group %u --nflog-prefix \"%s\"\n",
				m->log_group, emit_log_prefix(m, k, prefix));
		else
			fprintf(fp, " -j LOG --log-prefix \"%s\"\n", emit_log_prefix(m, k, prefix));
	}
	fprintf(fp, "-A %s -j %s\n", chain, block ? "EGRESSC-BLOCK" : "ACCEPT");
}

static int emit_family(const struct model *m, FILE *fp, enum family f)
{
	const bool deny = m->default_verdict == VERDICT_DENY;
	const char *tool = f == FAMILY_V4 ? "iptables-restore" : "ip6tables-restore";

	emit_header(fp, m);
	emit_mode_comment(fp, m);
	fprintf(fp, "# Load with '%s FILE': replaces this family's filter table.\n", tool);
	if (m->nruntime)
		fputs("# Its rules match ipsets: load the ipset output first.\n", fp);
	fputs("*filter\n"
	      ":INPUT ACCEPT [0:0]\n"
	      ":FORWARD ACCEPT [0:0]\n",
	      fp);
	fprintf(fp, ":OUTPUT %s [0:0]\n", deny ? "DROP" : "ACCEPT");
	fputs(":EGRESSC - [0:0]\n", fp);
	if (m->mode == MODE_ENFORCE)
		fputs(":EGRESSC-BLOCK - [0:0]\n", fp);
	for (size_t i = 0; i < m->ncounters; i++) {
		char chain[COUNTER_NAME_MAX + 16];
		fprintf(fp, ":%s - [0:0]\n", counter_chain(&m->counters[i], chain, sizeof(chain)));
	}
	fputs("-A OUTPUT -j EGRESSC\n"
	      "-A EGRESSC -o lo -j ACCEPT\n"
	      "-A EGRESSC -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n",
	      fp);
	fputs(words[f].nd_rules, fp);
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		const struct rangeset *s = &c->sets[f];
		char chain[COUNTER_NAME_MAX + 16];
		struct rule_writer w = { .fp = fp, .cls = c, .target = "ACCEPT" };
		if (c->verdict == VERDICT_ALLOW && s->nspans) {
			emit_class_comment(fp, "", c, f);
			for (size_t j = 0; j < s->nspans; j++) {
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
			w.target = counter_chain(k, chain, sizeof(chain));
			write_prefixes(&w, f, l->v, l->n);
		}
		for (size_t j = 0; j < c->nruntime; j++) {
			const struct runtime_set *r = &m->runtime[c->runtime[j]];
			char dst[IPSET_NAME_MAX + 32];
			emit_runtime_comment(fp, "", r);
			snprintf(dst, sizeof(dst), "-m set --match-set %s dst", r->ipset[f]);
			if (c->verdict == VERDICT_DENY)
				w.target = counter_chain(&m->counters[c->runtime_counter[j]], chain,
							 sizeof(chain));
			write_rules(&w, dst);
		}
	}
	fputs("-A EGRESSC -j EGRESSC-default\n", fp);
	for (size_t i = 0; i < m->ncounters; i++)
		write_counter_chain(fp, m, &m->counters[i]);
	/* Monitoring, nothing is blocked, so there is no EGRESSC-BLOCK. */
	if (m->mode == MODE_ENFORCE && m->on_deny == DENY_REJECT)
		fprintf(fp,
			"-A EGRESSC-BLOCK -p tcp -j REJECT --reject-with tcp-reset\n"
			"-A EGRESSC-BLOCK -j REJECT --reject-with %s\n",
			words[f].reject_icmp);
	else if (m->mode == MODE_ENFORCE)
		fputs("-A EGRESSC-BLOCK -j DROP\n", fp);
	fputs("COMMIT\n", fp);
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
