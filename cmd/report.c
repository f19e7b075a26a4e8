/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc report: what the kernel recorded (the policy's 'record'), by
 * destination, with the names the runner's forwarder answered for each
 * address and the rule or default that decided; and with --suggest, the
 * policy lines that would allow exactly what was blocked. The decisions
 * are the model's (model_decide(), and for a name a wildcard covers,
 * model_decide_name()); the kernel only says what was sent. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/model.h"
#include "compiler/modpath.h"
#include "lib/arena.h"
#include "emit/names.h"
#include "host/dnslog.h"
#include "host/record.h"
#include "host/wholefile.h"
#include "lib/dnsname.h"
#include "lib/jsonout.h"
#include "lib/pubsuffix.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

enum {
	OPT_BACKEND = OPT_OWN,
	OPT_FORMAT,
	OPT_DNS_LOG,
	OPT_SUGGEST,
	OPT_WILDCARDS,
};

static const char *const report_usage[] = {
	"egressc report [OPTIONS] POLICY",
	NULL,
};

static const struct cmd_option report_options[] = {
	{ .val = OPT_BACKEND,
	  .long_name = "backend",
	  .arg = "nft|iptables",
	  .help = "which firewall holds the recording (default nft)" },
	{ .val = OPT_FORMAT,
	  .long_name = "format",
	  .arg = "text|json|markdown",
	  .help = "an aligned table (default), JSON, or Markdown for a CI job summary" },
	{ .val = OPT_DNS_LOG,
	  .long_name = "dns-log",
	  .arg = "FILE",
	  .help = "dnsmasq's query log, for the names of each address (default " DNS_LOG_FILE
		  ")" },
	{ .val = OPT_SUGGEST,
	  .long_name = "suggest",
	  .help = "print the policy lines that would allow exactly what was blocked, "
		  "instead of the report" },
	{ .val = OPT_WILDCARDS,
	  .long_name = "wildcards",
	  .arg = "N",
	  .help = "with --suggest: allow '*.DOMAIN' for a domain with N or more names "
		  "seen below it (default: names only)" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec report_spec = {
	.name = "report",
	.usage = report_usage,
	.about = "Reports what the loaded ruleset of POLICY recorded ('record', on in monitor\n"
		 "mode): each destination (address, protocol, port) that was blocked, or in\n"
		 "monitor mode would have been, with its packets and bytes, the names\n"
		 "dnsmasq answered with its address, and the rule or default that decided;\n"
		 "under DNS lockdown, monitoring, also the names lockdown would refuse.\n",
	.options = report_options,
	.notes = "Exit status: 0 reported, 1 nothing to read (no ruleset loaded, or it records\n"
		 "nothing) or the policy has errors, 2 usage errors.\n",
};

enum report_format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_MARKDOWN,
};

struct report_args {
	struct policy_args policy;
	bool iptables;
	enum report_format format;
	const char *dns_log;
	bool suggest;
	unsigned wildcards;		/* 0: none */
};

/* One recorded destination, judged. NAMES point into the DNS log or the
 * compilation's hosts. */
struct row {
	const struct record_entry *e;
	const char **names;
	size_t nnames, names_cap;
	struct decision d;
};

struct report {
	const struct model *m;
	const struct resolution *resolved;
	struct record_table table;
	struct dns_log dns;
	bool have_dns;
	struct row *rows;
	size_t nrows, rows_cap;
	const char **refused;		/* names lockdown would refuse, sorted */
	size_t nrefused, refused_cap;
};

static unsigned packet_proto(unsigned ip_proto)
{
	return ip_proto == 6 ? PROTO_TCP : ip_proto == 17 ? PROTO_UDP : 0;
}

static const char *proto_name(unsigned ip_proto, char buf[8])
{
	switch (ip_proto) {
	case 6:
		return "tcp";
	case 17:
		return "udp";
	case 1:
		return "icmp";
	case 58:
		return "icmpv6";
	default:
		snprintf(buf, 8, "%u", ip_proto);
		return buf;
	}
}

static void row_add_name(struct row *r, const char *name)
{
	for (size_t i = 0; i < r->nnames; i++)
		if (strcmp(r->names[i], name) == 0)
			return;
	VEC_PUSH(r->names, r->nnames, r->names_cap, name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the row's address: those dnsmasq answered with it, and
 * those the policy's resolution (pins included) gave it. */
static void row_names(struct report *rp, struct row *r)
{
	size_t n;
	const struct dns_answer *a = dns_log_names(&rp->dns, r->e->family, r->e->addr, &n);

	for (size_t i = 0; i < n; i++)
		row_add_name(r, a[i].name);
	for (size_t h = 0; h < rp->resolved->nhosts; h++) {
		const struct host *host = rp->resolved->hosts[h];
		for (size_t i = 0; i < host->naddrs; i++)
			if (host->addrs[i].family == r->e->family &&
			    host->addrs[i].addr == r->e->addr &&
			    host->addrs[i].len == family_bits(r->e->family))
				row_add_name(r, host->name);
	}
	if (r->nnames)
		qsort(r->names, r->nnames, sizeof(*r->names), str_cmp);
}

/* The model's decision for the destination, its addresses' rules first;
 * for one of its names, the run-time sets dnsmasq fills for that name
 * (a deny there comes before an allow by address, as deny classes come
 * first; an allow there before the default). */
static struct decision row_decide(const struct model *m, const struct row *r)
{
	struct packet pkt = { .family = r->e->family, .addr = r->e->addr,
			      .proto = packet_proto(r->e->proto), .port = r->e->port };
	struct decision d = model_decide(m, &pkt);

	for (size_t i = 0; i < r->nnames; i++) {
		struct decision dn = model_decide_name(m, r->names[i], &pkt);
		if (dn.reason != DECIDED_BY_RUNTIME)
			continue;
		if (d.reason == DECIDED_BY_DEFAULT ||
		    (dn.verdict == VERDICT_DENY && d.verdict == VERDICT_ALLOW))
			d = dn;
	}
	/* Recording 'blocked' holds only what was blocked, and not who sent
	 * it: what the rules for everyone accept, a rule for a user, group,
	 * window or source blocked. */
	if (m->record == RECORD_BLOCKED && d.verdict == VERDICT_ALLOW)
		d = model_decide_blocked(m, &pkt);
	return d;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;

	/* Named rows by name, then the rest by address. */
	if (!a->nnames != !b->nnames)
		return a->nnames ? -1 : 1;
	if (a->nnames) {
		int c = strcmp(a->names[0], b->names[0]);
		if (c)
			return c;
	}
	if (a->e->family != b->e->family)
		return a->e->family < b->e->family ? -1 : 1;
	if (a->e->addr != b->e->addr)
		return a->e->addr < b->e->addr ? -1 : 1;
	if (a->e->proto != b->e->proto)
		return a->e->proto < b->e->proto ? -1 : 1;
	return (a->e->port > b->e->port) - (a->e->port < b->e->port);
}

static void report_build(struct report *rp)
{
	for (size_t i = 0; i < rp->table.n; i++) {
		VEC_GROW(rp->rows, rp->nrows + 1, rp->rows_cap);
		struct row *r = &rp->rows[rp->nrows++];
		*r = (struct row){ .e = &rp->table.v[i] };
		row_names(rp, r);
		r->d = row_decide(rp->m, r);
	}
	if (rp->nrows)
		qsort(rp->rows, rp->nrows, sizeof(*rp->rows), row_cmp);
	for (size_t i = 0; i < rp->dns.nqueried; i++)
		if (model_dns_refuses(rp->m, rp->dns.queried[i]))
			VEC_PUSH(rp->refused, rp->nrefused, rp->refused_cap, rp->dns.queried[i]);
}

static void report_release(struct report *rp)
{
	for (size_t i = 0; i < rp->nrows; i++)
		free(rp->rows[i].names);
	free(rp->rows);
	free(rp->refused);
	record_table_release(&rp->table);
	dns_log_release(&rp->dns);
}

/* --- printing ---------------------------------------------------------------- */

/* "deny_1 policy.eg:7", "default deny", "allow_tcp_443 policy.eg:5" */
static void decided_by(const struct model *m, const struct decision *d, char *buf, size_t size)
{
	const struct stmt *rule = NULL;
	const char *name;

	if (d->reason == DECIDED_BY_DEFAULT) {
		snprintf(buf, size, "default %s", d->verdict == VERDICT_DENY ? "deny" : "allow");
		return;
	}
	if (d->verdict == VERDICT_DENY && d->counter) {
		name = d->counter->name;
		rule = d->counter->rule;
	} else {
		name = d->cls->name;
		rule = d->cls->nrules ? d->cls->rules[0] : NULL;
	}
	if (rule)
		snprintf(buf, size, "%s %s:%d", name, rule->loc.src->path, rule->loc.first_line);
	else
		snprintf(buf, size, "%s", name);
	(void)m;
}

static const char *verdict_word(const struct model *m, const struct decision *d)
{
	if (d->verdict == VERDICT_ALLOW)
		return "allowed";
	return m->mode == MODE_MONITOR ? "would-block" : "blocked";
}

static void names_text(const struct row *r, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->nnames && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "", r->names[i]);
	if (!r->nnames)
		snprintf(buf, size, "-");
}

static void seen_text(const struct record_entry *e, char *buf, size_t size)
{
	if (e->age < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%s %llds ago", e->last_seen ? "last" : "first",
			 (long long)e->age);
}

#define COLUMNS 9

static const char *const column_titles[COLUMNS] = {
	"NAMES", "ADDRESS", "PROTO", "PORT", "PACKETS", "BYTES", "SEEN", "VERDICT", "DECIDED BY",
};

/* A row's cells, as text. */
struct cells {
	char names[1024], addr[PREFIX_STRLEN], proto[8], port[8], packets[24], bytes[24],
		seen[40], decided[512];
	const char *verdict;
};

static void row_cells(const struct report *rp, const struct row *r, struct cells *c)
{
	char pbuf[8];

	names_text(r, c->names, sizeof(c->names));
	addr_format(r->e->family, r->e->addr, c->addr);
	snprintf(c->proto, sizeof(c->proto), "%s", proto_name(r->e->proto, pbuf));
	if (packet_proto(r->e->proto))
		snprintf(c->port, sizeof(c->port), "%u", r->e->port);
	else
		snprintf(c->port, sizeof(c->port), "-");
	snprintf(c->packets, sizeof(c->packets), "%llu", (unsigned long long)r->e->packets);
	snprintf(c->bytes, sizeof(c->bytes), "%llu", (unsigned long long)r->e->bytes);
	seen_text(r->e, c->seen, sizeof(c->seen));
	c->verdict = verdict_word(rp->m, &r->d);
	decided_by(rp->m, &r->d, c->decided, sizeof(c->decided));
}

static void cells_array(const struct cells *c, const char *out[COLUMNS])
{
	out[0] = c->names;
	out[1] = c->addr;
	out[2] = c->proto;
	out[3] = c->port;
	out[4] = c->packets;
	out[5] = c->bytes;
	out[6] = c->seen;
	out[7] = c->verdict;
	out[8] = c->decided;
}

static const char *record_what(const struct model *m)
{
	if (m->record == RECORD_ALL)
		return "every connection";
	return m->mode == MODE_MONITOR ? "what would be blocked" : "what is blocked";
}

static void print_text(FILE *fp, const struct report *rp, const char *policy, const char *backend)
{
	size_t width[COLUMNS];
	const char *cell[COLUMNS];
	struct cells c;

	fprintf(fp, "egressc report: %s, %s, recording %s\n", policy, backend, record_what(rp->m));
	for (int k = 0; k < COLUMNS; k++)
		width[k] = strlen(column_titles[k]);
	for (size_t i = 0; i < rp->nrows; i++) {
		row_cells(rp, &rp->rows[i], &c);
		cells_array(&c, cell);
		for (int k = 0; k < COLUMNS; k++)
			if (strlen(cell[k]) > width[k])
				width[k] = strlen(cell[k]);
	}
	if (!rp->nrows) {
		fputs("nothing recorded\n", fp);
	} else {
		for (int k = 0; k < COLUMNS; k++)
			fprintf(fp, "%-*s%s", k + 1 < COLUMNS ? (int)width[k] : 0, column_titles[k],
				k + 1 < COLUMNS ? "  " : "\n");
		for (size_t i = 0; i < rp->nrows; i++) {
			row_cells(rp, &rp->rows[i], &c);
			cells_array(&c, cell);
			for (int k = 0; k < COLUMNS; k++)
				fprintf(fp, "%-*s%s", k + 1 < COLUMNS ? (int)width[k] : 0, cell[k],
					k + 1 < COLUMNS ? "  " : "\n");
		}
	}
	fprintf(fp, "overflow: %llu packets not recorded (the record sets were full)\n",
		(unsigned long long)rp->table.overflow_packets);
	if (!rp->have_dns)
		fputs("note: no DNS log: names come from the policy's own resolution only\n", fp);
	if (rp->m->resolver) {
		fprintf(fp, "DNS lockdown %s: %zu name%s\n",
			rp->m->mode == MODE_MONITOR ? "would refuse" : "refused", rp->nrefused,
			rp->nrefused == 1 ? "" : "s");
		for (size_t i = 0; i < rp->nrefused; i++)
			fprintf(fp, "  %s\n", rp->refused[i]);
	}
}

static void print_markdown(FILE *fp, const struct report *rp, const char *policy,
			   const char *backend)
{
	const char *cell[COLUMNS];
	struct cells c;

	fprintf(fp, "### egressc report: `%s`\n\n", policy);
	fprintf(fp, "Backend %s, recording %s. ", backend, record_what(rp->m));
	fprintf(fp, "%zu destination%s; %llu packets not recorded (overflow).\n\n", rp->nrows,
		rp->nrows == 1 ? "" : "s", (unsigned long long)rp->table.overflow_packets);
	if (rp->nrows) {
		for (int k = 0; k < COLUMNS; k++)
			fprintf(fp, "| %s ", column_titles[k]);
		fputs("|\n", fp);
		for (int k = 0; k < COLUMNS; k++)
			fputs(k >= 3 && k <= 5 ? "| ---: " : "| --- ", fp);
		fputs("|\n", fp);
		for (size_t i = 0; i < rp->nrows; i++) {
			row_cells(rp, &rp->rows[i], &c);
			cells_array(&c, cell);
			for (int k = 0; k < COLUMNS; k++) {
				fputs("| ", fp);
				for (const char *s = cell[k]; *s; s++)
					fputs(*s == '|' ? "\\|" : (char[]){ *s, 0 }, fp);
				fputc(' ', fp);
			}
			fputs("|\n", fp);
		}
		fputc('\n', fp);
	}
	if (rp->m->resolver && rp->nrefused) {
		fprintf(fp, "DNS lockdown %s these names:\n\n",
			rp->m->mode == MODE_MONITOR ? "would refuse" : "refused");
		for (size_t i = 0; i < rp->nrefused; i++)
			fprintf(fp, "- `%s`\n", rp->refused[i]);
		fputc('\n', fp);
	}
	if (!rp->have_dns)
		fputs("No DNS log: names come from the policy's own resolution only.\n", fp);
}

static void print_json(FILE *fp, const struct report *rp, const char *policy, const char *backend)
{
	char pbuf[8], abuf[PREFIX_STRLEN], decided[512];

	fputs("{\"policy\": ", fp);
	json_write_string(fp, policy);
	fprintf(fp, ", \"backend\": \"%s\", \"mode\": \"%s\", \"record\": \"%s\",\n", backend,
		rp->m->mode == MODE_MONITOR ? "monitor" : "enforce",
		rp->m->record == RECORD_ALL ? "all" : "blocked");
	fprintf(fp, " \"overflow_packets\": %llu, \"overflow_bytes\": %llu, \"dns_log\": %s,\n",
		(unsigned long long)rp->table.overflow_packets,
		(unsigned long long)rp->table.overflow_bytes, rp->have_dns ? "true" : "false");
	fputs(" \"destinations\": [", fp);
	for (size_t i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		fputs(i ? ",\n  {\"names\": [" : "\n  {\"names\": [", fp);
		for (size_t k = 0; k < r->nnames; k++) {
			if (k)
				fputs(", ", fp);
			json_write_string(fp, r->names[k]);
		}
		fprintf(fp, "], \"address\": \"%s\", \"protocol\": \"%s\", \"port\": ",
			addr_format(r->e->family, r->e->addr, abuf), proto_name(r->e->proto, pbuf));
		if (packet_proto(r->e->proto))
			fprintf(fp, "%u", r->e->port);
		else
			fputs("null", fp);
		fprintf(fp, ", \"packets\": %llu, \"bytes\": %llu, ", (unsigned long long)r->e->packets,
			(unsigned long long)r->e->bytes);
		if (r->e->age >= 0)
			fprintf(fp, "\"%s_seen_seconds_ago\": %lld, ", r->e->last_seen ? "last" : "first",
				(long long)r->e->age);
		decided_by(rp->m, &r->d, decided, sizeof(decided));
		fprintf(fp, "\"verdict\": \"%s\", \"decided_by\": ", verdict_word(rp->m, &r->d));
		json_write_string(fp, decided);
		fputc('}', fp);
	}
	fputs(rp->nrows ? "\n ],\n \"dns_refused\": [" : "],\n \"dns_refused\": [", fp);
	for (size_t i = 0; i < rp->nrefused; i++) {
		if (i)
			fputs(", ", fp);
		json_write_string(fp, rp->refused[i]);
	}
	fputs("]}\n", fp);
}

/* --- suggestions --------------------------------------------------------------- */

/* What one suggested line allows: a name (or an address) and one protocol's
 * ports; 0 protocol: every protocol. */
struct want {
	const char *target;
	unsigned proto;		/* PROTO_TCP, PROTO_UDP or 0 */
	uint16_t *ports;
	size_t nports, ports_cap;
	bool address;
};

static struct want *want_find(struct want **v, size_t *n, size_t *cap, const char *target,
			      unsigned proto, bool address)
{
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].proto == proto && strcmp((*v)[i].target, target) == 0)
			return &(*v)[i];
	VEC_GROW(*v, *n + 1, *cap);
	(*v)[*n] = (struct want){ .target = target, .proto = proto, .address = address };
	return &(*v)[(*n)++];
}

static int want_cmp(const void *pa, const void *pb)
{
	const struct want *a = pa, *b = pb;
	int c;

	if (a->address != b->address)
		return a->address ? 1 : -1;
	if ((c = strcmp(a->target, b->target)))
		return c;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

static int port_cmp(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* The domain a wildcard would name for NAME: its parent, if that has two
 * labels or more ("a.b.example.com" -> "b.example.com"). */
static const char *parent_domain(const char *name)
{
	const char *dot = strchr(name, '.');
	return dot && strchr(dot + 1, '.') ? dot + 1 : NULL;
}

static size_t names_below(const struct report *rp, const char *domain, size_t wanted_n,
			  const struct want *wanted)
{
	size_t n = 0;

	for (size_t i = 0; i < wanted_n; i++)
		if (!wanted[i].address && domain_within(wanted[i].target, domain) &&
		    strcmp(wanted[i].target, domain) != 0 &&
		    (i == 0 || strcmp(wanted[i - 1].target, wanted[i].target) != 0))
			n++;
	(void)rp;
	return n;
}

/* Whether a module's allow rules under T (through defines) name NAME, or a
 * wildcard above it. */
static bool targets_name(const struct target *t, const char *name, int depth)
{
	for (; t && depth < 16; t = t->next) {
		if (t->kind == TARGET_HOST && strcmp(t->text, name) == 0)
			return true;
		if (t->kind == TARGET_WILDCARD && t->domain && strcmp(t->domain, name) != 0 &&
		    domain_within(name, t->domain))
			return true;
		if (t->kind == TARGET_VARIABLE && t->define &&
		    targets_name(t->define->define.targets, name, depth + 1))
			return true;
	}
	return false;
}

/* The stdlib modules that allow names of W[0..n) (not addresses): 'use
 * MODULE' for each, in name order, and those names marked COVERED. Each
 * module is loaded and checked alone, resolving nothing, to read its rules. */
static void suggest_modules(FILE *fp, const struct want *w, size_t n, bool *covered,
			    const struct compile_opts *base)
{
	struct arena a;
	struct modpath mp;
	const char **names;

	arena_init(&a);
	modpath_init(&mp, &a, base->module_dirs, base->nmodule_dirs);
	size_t nmodules = modpath_list(&mp, &a, &names);
	for (size_t i = 0; i < nmodules; i++) {
		const char *display, *path = modpath_find(&mp, &a, names[i], &display);
		struct compilation c;
		bool used = false;
		compilation_init(&c);
		if (path && compilation_names(&c, path, base) == 0) {
			for (size_t k = 0; k < n; k++) {
				if (w[k].address || covered[k])
					continue;
				/* Its own rules and those of the modules it uses,
				 * not what essentials add to it as to any policy. */
				for (const struct stmt *st = c.policy.stmts; st; st = st->next)
					if (st->kind == STMT_RULE && st->rule.verdict == VERDICT_ALLOW &&
					    !st->loc.src->implicit &&
					    targets_name(st->rule.targets, w[k].target, 0)) {
						covered[k] = used = true;
						break;
					}
			}
		}
		compilation_release(&c);
		if (used)
			fprintf(fp, "use %s\n", names[i]);
	}
	arena_release(&a);
}

/* Whether a destination the default blocked may be suggested; if not,
 * why into WHY. Only TCP and UDP: a rule cannot allow another protocol
 * alone ('allow X' would open every protocol and port of X). Nor what
 * holds no service a build needs: the kernel's own multicast reports,
 * and the link-local metadata service, which holds the machine's
 * credentials. */
static bool suggestable(const struct row *r, char *why, size_t size)
{
	const struct inside_range *in = model_inside_range(r->e->family, r->e->addr);

	if (in && in->no_service) {
		if (why)
			snprintf(why, size, "%s: allow it by hand if a build needs it", in->what);
		return false;
	}
	if (!packet_proto(r->e->proto)) {
		if (why)
			snprintf(why, size, "neither tcp nor udp: a rule would allow every "
				 "protocol and port there");
		return false;
	}
	return true;
}

/* Lines that allow each blocked destination: by its names where it has
 * any (every name of an address: which one a client used the kernel
 * cannot say), else by address; its protocol and port as seen. */
static void print_suggest(FILE *fp, const struct report *rp, const char *policy, unsigned wild,
			  const struct compile_opts *opts)
{
	struct want *w = NULL;
	size_t n = 0, cap = 0;
	char (*addrs)[PREFIX_STRLEN] = xmalloc((rp->nrows + 1) * sizeof(*addrs));

	for (size_t i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		if (r->d.verdict == VERDICT_ALLOW)
			continue;
		unsigned proto = packet_proto(r->e->proto);
		addr_format(r->e->family, r->e->addr, addrs[i]);
		/* A deny rule says no on purpose, and comes before any allow;
		 * the rest of what is not suggested is said below. */
		if (r->d.reason != DECIDED_BY_DEFAULT || !suggestable(r, NULL, 0))
			continue;
		size_t ntargets = r->nnames ? r->nnames : 1;
		for (size_t k = 0; k < ntargets; k++) {
			struct want *x = want_find(&w, &n, &cap, r->nnames ? r->names[k] : addrs[i],
						   proto, !r->nnames);
			if (!proto)
				continue;
			bool have = false;
			for (size_t j = 0; j < x->nports; j++)
				have |= x->ports[j] == r->e->port;
			if (!have)
				VEC_PUSH(x->ports, x->nports, x->ports_cap, r->e->port);
		}
	}
	if (n)
		qsort(w, n, sizeof(*w), want_cmp);
	fprintf(fp, "# Suggested by 'egressc report --suggest' from what %s recorded:\n"
		"# these lines allow what %s, and no more.\n",
		policy, rp->m->mode == MODE_MONITOR ? "would have been blocked" : "was blocked");
	/* Never a wildcard below which anyone may register a name: a job
	 * that reached a few sites under co.uk would have '*.co.uk' allow
	 * its own. Without the list to tell, no wildcard at all. */
	char *suffixes = NULL;
	size_t suffixes_len;
	if (wild && wholefile_read(PUBLIC_SUFFIX_LIST, &suffixes, &suffixes_len) < 0) {
		fprintf(fp, "# --wildcards: no wildcard suggested: cannot read the public suffix "
			    "list, %s\n", PUBLIC_SUFFIX_LIST);
		wild = 0;
	}
	for (size_t i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		char decided[512], names[1024], pbuf[8];
		if (r->d.verdict == VERDICT_ALLOW || r->d.reason == DECIDED_BY_DEFAULT)
			continue;
		decided_by(rp->m, &r->d, decided, sizeof(decided));
		names_text(r, names, sizeof(names));
		fprintf(fp, "# Not suggested: %s %s %s port %u, denied by %s\n", names, addrs[i],
			proto_name(r->e->proto, pbuf), r->e->port, decided);
	}
	for (size_t i = 0; i < rp->nrows; i++) {
		const struct row *r = &rp->rows[i];
		char why[128], names[1024], pbuf[8];
		if (r->d.reason != DECIDED_BY_DEFAULT || r->d.verdict == VERDICT_ALLOW ||
		    suggestable(r, why, sizeof(why)))
			continue;
		names_text(r, names, sizeof(names));
		fprintf(fp, "# Not suggested: %s %s %s, %s\n", names, addrs[i],
			proto_name(r->e->proto, pbuf), why);
	}
	if (!n)
		fputs("# Nothing the default blocked: nothing to add.\n", fp);
	bool *covered = xmalloc((n + 1) * sizeof(*covered));
	memset(covered, 0, (n + 1) * sizeof(*covered));
	suggest_modules(fp, w, n, covered, opts);
	for (size_t i = 0; i < n; i++) {
		if (covered[i])
			continue;
		const char *target = w[i].target, *dom;
		char star[260];
		if (wild && !w[i].address && (dom = parent_domain(target)) &&
		    names_below(rp, dom, n, w) >= wild && !public_suffix(suffixes, dom)) {
			/* One line for the domain, with the first name's service. */
			bool first = true;
			for (size_t j = 0; j < i; j++)
				if (!w[j].address && w[j].proto == w[i].proto &&
				    parent_domain(w[j].target) &&
				    strcmp(parent_domain(w[j].target), dom) == 0)
					first = false;
			if (!first)
				continue;
			snprintf(star, sizeof(star), "*.%s", dom);
			target = star;
			/* The ports of every name below it. */
			for (size_t j = i + 1; j < n; j++) {
				const char *pd = w[j].address ? NULL : parent_domain(w[j].target);
				if (!pd || strcmp(pd, dom) != 0 || w[j].proto != w[i].proto)
					continue;
				for (size_t q = 0; q < w[j].nports; q++) {
					bool have = false;
					for (size_t z = 0; z < w[i].nports; z++)
						have |= w[i].ports[z] == w[j].ports[q];
					if (!have)
						VEC_PUSH(w[i].ports, w[i].nports, w[i].ports_cap,
							 w[j].ports[q]);
				}
			}
		}
		fprintf(fp, "allow %s", target);
		if (w[i].nports) {
			qsort(w[i].ports, w[i].nports, sizeof(*w[i].ports), port_cmp);
			fputs(" port ", fp);
			for (size_t j = 0; j < w[i].nports; j++)
				fprintf(fp, "%s%u", j ? ", " : "", w[i].ports[j]);
		}
		if (w[i].proto)
			fprintf(fp, " proto %s", w[i].proto == PROTO_TCP ? "tcp" : "udp");
		fputc('\n', fp);
	}
	for (size_t i = 0; i < n; i++)
		free(w[i].ports);
	free(suffixes);
	free(covered);
	free(w);
	free(addrs);
}

/* --- the command ----------------------------------------------------------------- */

static int parse_args(struct cmd_parse *p, struct report_args *o)
{
	const char *arg;
	char *end;
	int c;

	while ((c = policy_options_next(p, &o->policy, &arg)) > 0) {
		switch (c) {
		case OPT_BACKEND:
			if (strcmp(arg, "nft") == 0 || strcmp(arg, "iptables") == 0)
				o->iptables = strcmp(arg, "iptables") == 0;
			else
				return options_error(p, "--backend takes nft or iptables, not '%s'", arg);
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "text") == 0)
				o->format = FORMAT_TEXT;
			else if (strcmp(arg, "json") == 0)
				o->format = FORMAT_JSON;
			else if (strcmp(arg, "markdown") == 0)
				o->format = FORMAT_MARKDOWN;
			else
				return options_error(p, "--format takes text, json or markdown, not '%s'",
						     arg);
			break;
		case OPT_DNS_LOG:
			o->dns_log = arg;
			break;
		case OPT_SUGGEST:
			o->suggest = true;
			break;
		case OPT_WILDCARDS:
			errno = 0;
			unsigned long v = strtoul(arg, &end, 10);
			if (errno || *end || end == arg || v < 2 || v > 1000000)
				return options_error(p, "--wildcards takes a number of names from 2 up, "
						     "not '%s'", arg);
			o->wildcards = (unsigned)v;
			break;
		}
	}
	if (c < 0)
		return -1;
	if (o->wildcards && !o->suggest)
		return options_error(p, "--wildcards goes with --suggest");
	if (p->nargs != 1)
		return options_error(p, "expected POLICY");
	return 0;
}

static int report(struct report_args *o, const char *policy)
{
	struct compilation c;
	struct report rp = { 0 };
	int rc;

	compilation_init(&c);
	rc = compilation_run(&c, policy, &o->policy.compile);
	if (rc == 0 && c.model.record == RECORD_OFF) {
		diag_error(&c.diags, NULL,
			   "'%s' records nothing: add 'record blocked' (monitor mode records "
			   "by default), apply it, run the job, then report",
			   policy);
		rc = -1;
	}
	if (rc == 0) {
		const char *const ipsets[FAMILY_COUNT] = { c.model.record_ipset[FAMILY_V4],
							   c.model.record_ipset[FAMILY_V6] };
		rc = o->iptables ? record_read_ipt(&rp.table, ipsets, &c.diags)
				 : record_read_nft(&rp.table, &c.diags);
	}
	if (rc == 0) {
		char *text;
		size_t len;
		if (wholefile_read(o->dns_log, &text, &len) == 0) {
			dns_log_parse(&rp.dns, text);
			dns_log_normalize(&rp.dns);
			rp.have_dns = true;
			free(text);
		}
		rp.m = &c.model;
		rp.resolved = &c.resolved;
		report_build(&rp);
		const char *backend = o->iptables ? "iptables" : "nft";
		if (o->suggest)
			print_suggest(stdout, &rp, policy, o->wildcards, &o->policy.compile);
		else if (o->format == FORMAT_JSON)
			print_json(stdout, &rp, policy, backend);
		else if (o->format == FORMAT_MARKDOWN)
			print_markdown(stdout, &rp, policy, backend);
		else
			print_text(stdout, &rp, policy, backend);
		if (fflush(stdout) != 0)
			rc = -1;
	}
	diags_print_errors(&c.diags, stderr);
	report_release(&rp);
	compilation_release(&c);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}

int cmd_report(int argc, char **argv)
{
	struct report_args o = { .dns_log = DNS_LOG_FILE };
	struct cmd_parse p;
	int status;

	policy_args_init(&o.policy);
	options_init(&p, &report_spec, argc, argv);
	if (parse_args(&p, &o) < 0) {
		policy_args_release(&o.policy);
		return p.status;
	}
	status = report(&o, p.args[0]);
	policy_args_release(&o.policy);
	return status;
}
