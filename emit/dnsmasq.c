/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dnsmasq configuration fragments. Two jobs:
 *  - fill the run-time sets of wildcards: every address dnsmasq answers for
 *    a name under a wildcard's domain goes into that wildcard's sets
 *    (nftset= lines for the nft ruleset, ipset= lines for iptables);
 *  - DNS lockdown, when the policy names resolvers: forward only the names
 *    the policy allows, to those resolvers, and answer NXDOMAIN for the
 *    rest, so DNS cannot reach or tunnel to names the policy does not allow.
 * dnsmasq uses only the most specific nftset/ipset line matching a name,
 * and "/d/" matches d and every name below it. So each wildcard domain gets
 * one line listing its own sets and those of every wildcard above it.
 * dnsmasq puts every address of an answer into the sets of the name asked,
 * those a CNAME chain leads to (outside the domain too) included; the
 * fragment makes an answer holding an address inside the network NXDOMAIN,
 * as --strict refuses such a pin at compile time. */
#include "emit/emit.h"

#include <string.h>

#include "lib/arena.h"
#include "lib/dnsname.h"
#include "compiler/model.h"
#include "compiler/resolve.h"
#include "emit/names.h"

/* What a fragment's second line begins with, after the header: written,
 * and read back by emit_dnsmasq_is_fragment(). */
#define FRAGMENT_SECOND_LINE "# A dnsmasq fragment (dnsmasq.d); load it after the "

enum fill_backend {
	FILL_NFTSET,
	FILL_IPSET,
};

static bool set_covers(const struct runtime_set *r, const char *domain)
{
	for (size_t w = 0; w < r->nwildcards; w++)
		if (domain_within(domain, r->wildcards[w]->domain))
			return true;
	return false;
}

/* bogus-nxdomain= turns a whole reply holding any address of the range
 * into NXDOMAIN before dnsmasq fills a set or caches anything, and takes
 * exactly these ranges. stop-dns-rebind does neither: it rejects a reply
 * at its first such address, after adding the ones before it, misses
 * 100.64.0.0/10 and multicast, and takes the documentation ranges too. */
static void emit_inside(FILE *fp)
{
	fputs("# An answer that holds an address inside the network is NXDOMAIN, so\n"
	      "# that no set takes one (--strict refuses such a pin); dnsmasq applies\n"
	      "# this to every name it forwards, not only to the wildcards' names.\n",
	      fp);
	for (size_t i = 0; i < model_ninside_ranges; i++)
		fprintf(fp, "bogus-nxdomain=%s\n", model_inside_ranges[i].prefix);
	/* An IPv4-mapped answer is the IPv4 address to the kernel, but dnsmasq
	 * would put it in a wildcard's IPv6 set, where a deny never meets it:
	 * no zone has a reason to publish one, so none is taken. */
	fputs("bogus-nxdomain=::ffff:0:0/96\n", fp);
}

static void emit_fill(FILE *fp, const struct model *m, enum fill_backend b)
{
	const size_t n = m->ndomains;

	if (n)
		fprintf(fp, "# Names below each wildcard's domain fill its sets (%s).\n",
			b == FILL_NFTSET ? "nft table " NFT_TABLE : "ipsets");
	for (size_t i = 0; i < n; i++) {
		bool first = true;
		const char *domain = m->domains[i].domain;
		fprintf(fp, "%s=/%s/", b == FILL_NFTSET ? "nftset" : "ipset", domain);
		for (size_t j = 0; j < m->nruntime; j++) {
			const struct runtime_set *r = &m->runtime[j];
			if (r->kind != RUNTIME_WILDCARD || !set_covers(r, domain))
				continue;
			for (int f = 0; f < FAMILY_COUNT; f++) {
				if (b == FILL_NFTSET)
					fprintf(fp, "%s%c#" NFT_TABLE_FAMILY "#" NFT_TABLE_NAME "#%s_%s",
						first ? "" : ",",
						f == FAMILY_V4 ? '4' : '6', r->name, emit_family_suffix[f]);
				else
					fprintf(fp, "%s%s", first ? "" : ",", r->ipset[f]);
				first = false;
			}
		}
		fputc('\n', fp);
	}
	if (n)
		emit_inside(fp);
}

/* "server=/[*.]NAME/RESOLVER" for each resolver. */
static void emit_server_lines(FILE *fp, const struct model *m, const char *star,
			      const char *name)
{
	char buf[PREFIX_STRLEN];

	for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next)
		fprintf(fp, "server=/%s%s/%s\n", star, name,
			addr_format(t->prefix.family, t->prefix.addr, buf));
}

/* Monitoring, lockdown refuses nothing: every name goes to the policy's
 * resolvers, and egressc report says which ones it would have refused. */
static void emit_lockdown_monitor(FILE *fp, const struct model *m)
{
	char buf[PREFIX_STRLEN];

	fputs("# DNS lockdown (", fp);
	emit_location(fp, m->resolver);
	fputs("), monitoring:\n# every name is forwarded to the policy's resolvers; egressc report\n"
	      "# lists the names it would refuse.\n"
	      "no-resolv\n",
	      fp);
	for (const struct target *t = m->resolver->resolver.addrs; t; t = t->next)
		fprintf(fp, "server=%s\n", addr_format(t->prefix.family, t->prefix.addr, buf));
}

/* Recording: every query and answer, to a file egressc report reads. */
static void emit_query_log(FILE *fp)
{
	fputs("# Recording: each query and its answers, so that egressc report maps\n"
	      "# each recorded address back to the names that resolved to it. All of\n"
	      "# dnsmasq's log goes to this file.\n"
	      "log-queries=extra\n"
	      "log-facility=" DNS_LOG_FILE "\n",
	      fp);
}

static void emit_lockdown(FILE *fp, const struct model *m)
{
	if (m->mode == MODE_MONITOR)
		return emit_lockdown_monitor(fp, m);
	fputs("# DNS lockdown (", fp);
	emit_location(fp, m->resolver);
	fputs("): forward only the names the policy allows, to its\n"
	      "# resolvers; every other name is NXDOMAIN. A name forwarded also\n"
	      "# forwards the names below it, which only its own zone can answer.\n"
	      "no-resolv\n",
	      fp);
	for (size_t i = 0; i < m->npinned; i++)
		emit_server_lines(fp, m, "", m->pinned[i]->name);
	for (size_t i = 0; i < m->ndomains; i++)
		if (m->domains[i].allowed)
			emit_server_lines(fp, m, "*.", m->domains[i].domain);
	fputs("address=/#/\n", fp);
}

static int emit_dnsmasq(const struct model *m, FILE *fp, enum fill_backend b)
{
	emit_header(fp, m);
	fprintf(fp, FRAGMENT_SECOND_LINE "%s.\n",
		b == FILL_NFTSET ? "nft ruleset" : "ipsets and iptables rules");
	if (!m->nruntime && !m->resolver && m->record == RECORD_OFF)
		fputs("# The policy has no wildcard and no resolver: nothing to configure.\n", fp);
	emit_fill(fp, m, b);
	if (m->resolver)
		emit_lockdown(fp, m);
	if (m->record != RECORD_OFF)
		emit_query_log(fp);
	return ferror(fp) ? -1 : 0;
}

/* The lines a fragment holds besides comments. */
static const char *const fragment_keys[] = {
	"nftset=/", "ipset=/", "bogus-nxdomain=", "server=", "address=/", "no-resolv",
	"log-queries=", "log-facility=",
};

static bool line_is(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

bool emit_dnsmasq_is_fragment(const char *text)
{
	static const char header[] = EMIT_HEADER_BEGIN;
	static const char header_end[] = EMIT_HEADER_END;
	static const char second[] = FRAGMENT_SECOND_LINE;
	size_t lineno = 0;

	for (const char *line = text; *line; lineno++) {
		size_t len = strcspn(line, "\n");
		bool ok;
		if (lineno == 0)
			ok = line_is(line, len, header) && len >= sizeof(header_end) - 1 &&
			     memcmp(line + len - (sizeof(header_end) - 1), header_end,
				    sizeof(header_end) - 1) == 0;
		else if (lineno == 1)
			ok = line_is(line, len, second);
		else
			ok = line_is(line, len, "# ");
		for (size_t i = 0; !ok && lineno > 1 && i < sizeof(fragment_keys) / sizeof(*fragment_keys); i++)
			ok = line_is(line, len, fragment_keys[i]);
		if (!ok || line[len] != '\n')
			return false;
		line += len + 1;
	}
	return lineno >= 2;
}

int emit_dnsmasq_nftset(const struct model *m, FILE *fp)
{
	return emit_dnsmasq(m, fp, FILL_NFTSET);
}

int emit_dnsmasq_ipset(const struct model *m, FILE *fp)
{
	return emit_dnsmasq(m, fp, FILL_IPSET);
}
