/* nftables output: one `table inet egressc`, replaced atomically on every
 * load (create-if-missing, delete, create: one nft -f is one transaction),
 * so other tables are never touched. Each class becomes a named interval
 * set per family; its elements are the minimal prefixes of the class's
 * merged spans, which never overlap (nft refuses overlaps without
 * auto-merge) and come sorted. Run-time sets (wildcards, dynamic sets)
 * are created empty with a timeout; dnsmasq or other software fills them. */
#include "emit.h"

#include <stdbool.h>

#include "duration.h"
#include "model.h"

static const char *const family_type[FAMILY_COUNT] = { "ipv4_addr", "ipv6_addr" };
static const char *const family_daddr[FAMILY_COUNT] = { "ip daddr", "ip6 daddr" };

struct element_writer {
	FILE *fp;
	bool first;
};

static void write_element(const struct prefix *p, void *arg)
{
	struct element_writer *w = arg;
	char buf[PREFIX_STRLEN];

	fputs(w->first ? "\t\t\t" : ",\n\t\t\t", w->fp);
	fputs(prefix_format(p, buf), w->fp);
	w->first = false;
}

static void emit_set(FILE *fp, const struct rule_class *c, enum family f)
{
	const struct rangeset *s = &c->sets[f];
	struct element_writer w = { .fp = fp, .first = true };

	emit_class_comment(fp, "\t", c, f);
	fprintf(fp, "\tset %s_%s {\n", c->name, emit_family_suffix[f]);
	fprintf(fp, "\t\ttype %s\n", family_type[f]);
	fputs("\t\tflags interval\n", fp);
	fputs("\t\telements = {\n", fp);
	for (size_t i = 0; i < s->nspans; i++) {
		struct span sp = rangeset_span(s, i);
		range_to_prefixes(f, sp.lo, sp.hi, write_element, &w);
	}
	fputs("\n\t\t}\n\t}\n\n", fp);
}

static void emit_runtime_set(FILE *fp, const struct runtime_set *r, enum family f)
{
	char dur[DURATION_STRLEN];

	emit_runtime_comment(fp, "\t", r);
	if (r->kind == RUNTIME_DYNAMIC)
		fprintf(fp, "\t#   nft add element inet egressc %s_%s { %s timeout %s }\n", r->name,
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

static void emit_rule(FILE *fp, const struct rule_class *c, const char *set, enum family f)
{
	fprintf(fp, "\t\t%s @%s_%s", family_daddr[f], set, emit_family_suffix[f]);
	emit_service(fp, &c->svc);
	fputs(c->verdict == VERDICT_DENY ? " goto blocked\n" : " accept\n", fp);
}

static void emit_rules(FILE *fp, const struct model *m)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++)
			if (c->sets[f].nspans)
				emit_rule(fp, c, c->name, (enum family)f);
		for (size_t j = 0; j < c->nruntime; j++)
			for (int f = 0; f < FAMILY_COUNT; f++)
				emit_rule(fp, c, m->runtime[c->runtime[j]].name, (enum family)f);
	}
}

int emit_nft(const struct model *m, FILE *fp)
{
	const bool deny = m->default_verdict == VERDICT_DENY;

	emit_header(fp, m);
	fputs("# Load with 'nft -f FILE': replaces table inet egressc in one transaction\n"
	      "# and leaves every other table alone.\n"
	      "table inet egressc\n"
	      "delete table inet egressc\n"
	      "\n"
	      "table inet egressc {\n",
	      fp);
	for (size_t i = 0; i < m->nclasses; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			if (m->classes[i].sets[f].nspans)
				emit_set(fp, &m->classes[i], (enum family)f);
	for (size_t i = 0; i < m->nruntime; i++)
		for (int f = 0; f < FAMILY_COUNT; f++)
			emit_runtime_set(fp, &m->runtime[i], (enum family)f);

	fputs("\tchain blocked {\n", fp);
	if (m->on_deny == DENY_REJECT)
		/* A TCP reset fails IPv4 and IPv6 connects at once; ICMP
		 * admin-prohibited leaves IPv6 TCP waiting for a SYN retry. */
		fputs("\t\tmeta l4proto tcp reject with tcp reset\n"
		      "\t\treject with icmpx admin-prohibited\n",
		      fp);
	else
		fputs("\t\tdrop\n", fp);
	fputs("\t}\n\n", fp);

	fputs("\tchain output {\n", fp);
	fprintf(fp, "\t\ttype filter hook output priority filter; policy %s;\n",
		deny ? "drop" : "accept");
	fputs("\t\toif \"lo\" accept\n"
	      "\t\tct state established,related accept\n"
	      "\t\ticmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert }"
	      " ip6 hoplimit 255 accept\n",
	      fp);
	emit_rules(fp, m);
	if (deny)
		fputs("\t\tgoto blocked\n", fp);
	fputs("\t}\n}\n", fp);
	return ferror(fp) ? -1 : 0;
}
