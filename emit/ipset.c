/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipset restore output: the sets the iptables rules match, loaded first
 * (a rule can name only a set that exists). Two kinds:
 *   - run-time sets, hash:net with a timeout, which dnsmasq or other
 *     software fills: each is flushed as it is (re)created, so reloading
 *     starts them empty, as reloading the nft table does;
 *   - static sets, the addresses of a class or of a deny rule when they
 *     take more than one prefix: hash:net sized from the data, filled
 *     here. A static set's name hashes what it holds (see
 *     lib/ipsetname.h), so one that exists already holds just that: it is
 *     never flushed, and loading it again changes nothing a rule sees. A
 *     changed policy's sets are new names, loaded beside the old ones;
 *     the rules switch from the old to the new in one iptables-restore,
 *     and apply destroys what no rule names any more;
 *   - refresh sets, the spans of a class that pinned names' addresses are
 *     in (model_class_refreshed()): hash:net under a name of the class's,
 *     whatever they hold, with room for the refresh agent's additions;
 *     created, flushed and filled (apply swaps a filled one in instead). */
#include "emit/emit.h"

#include "compiler/model.h"

#include "emit/names.h"

static const char *const family_word[FAMILY_COUNT] = { "inet", "inet6" };

/* ipset's smallest hash size; each bucket holds a few entries. */
#define IPSET_HASHSIZE_MIN 64

struct add_writer {
	FILE *fp;
	const char *name;
};

static void write_add(const struct prefix *p, void *arg)
{
	const struct add_writer *w = arg;
	char buf[PREFIX_STRLEN];

	/* ipset wants the length even for a host, as iptables does. */
	fprintf(w->fp, "add %s %s/%u\n", w->name, addr_format(p->family, p->addr, buf), p->len);
}

/* "create S hash:net family inet hashsize 4096 maxelem 3812": as many
 * buckets as prefixes (rounded up to a power of two), so the set is never
 * resized while it loads, and room for exactly its prefixes. */
static void write_static_create(FILE *fp, const struct static_ipset *s, enum family f)
{
	size_t hashsize = IPSET_HASHSIZE_MIN;

	while (hashsize < s->nprefixes)
		hashsize *= 2;
	fprintf(fp, "create %s hash:net family %s hashsize %zu maxelem %zu\n", s->name,
		family_word[f], hashsize, s->nprefixes);
}

/* The spans of class C's set of family F that are (REFRESHED) or are not
 * in its refresh set, as "add" lines for set NAME. */
static void write_class_adds(FILE *fp, const struct model *m, const struct rule_class *c,
			     enum family f, const char *name, bool refreshed)
{
	const struct rangeset *set = &c->sets[f];
	struct add_writer w = { .fp = fp, .name = name };

	for (size_t i = 0; i < set->nspans; i++) {
		if (c->refresh[f].name[0] && model_span_refreshed(m, c, f, i) != refreshed)
			continue;
		struct span sp = rangeset_span(set, i);
		range_to_prefixes(f, sp.lo, sp.hi, write_add, &w);
	}
}

static void write_static_class(FILE *fp, const struct model *m, const struct rule_class *c,
			       enum family f)
{
	emit_class_comment(fp, "", c, f);
	write_static_create(fp, &c->ipset[f], f);
	write_class_adds(fp, m, c, f, c->ipset[f].name, false);
}

/* A refresh set (struct refresh_ipset): created with room for what the
 * agent adds, flushed and filled, which by hand leaves it empty a moment;
 * apply fills a new set and swaps it in instead (host/ipsetplan.h). The
 * flush after a create without a timeout is what says it is one. */
static void write_refresh_class(FILE *fp, const struct model *m, const struct rule_class *c,
				enum family f)
{
	const struct refresh_ipset *r = &c->refresh[f];
	size_t hashsize = IPSET_HASHSIZE_MIN;

	while (hashsize < r->nprefixes)
		hashsize *= 2;
	fprintf(fp, "# %s: its pinned names' addresses, which egressc agent --refresh keeps "
		"current\n", c->name);
	fprintf(fp, "create %s hash:net family %s hashsize %zu maxelem %zu\n", r->name,
		family_word[f], hashsize, r->maxelem);
	fprintf(fp, "flush %s\n", r->name);
	write_class_adds(fp, m, c, f, r->name, true);
}

static void write_static_part(FILE *fp, const struct model *m, const struct rule_class *c,
			      const struct deny_part *part, enum family f)
{
	const struct counter *k = &m->counters[part->counter];
	const struct ivlist *l = &part->sets[f];
	struct add_writer w = { .fp = fp, .name = part->ipset[f].name };

	fprintf(fp, "# %s (%s): ", k->name, c->name);
	emit_location(fp, k->rule);
	fputc('\n', fp);
	write_static_create(fp, &part->ipset[f], f);
	for (size_t i = 0; i < l->n; i++)
		range_to_prefixes(f, l->v[i].lo, l->v[i].hi, write_add, &w);
}

/* The static sets, in model order: what the rules match, in their order. */
static bool write_static_sets(FILE *fp, const struct model *m)
{
	bool any = false;

	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		for (int f = 0; f < FAMILY_COUNT; f++) {
			if (c->ipset[f].name[0]) {
				write_static_class(fp, m, c, (enum family)f);
				any = true;
			}
			if (c->refresh[f].name[0]) {
				write_refresh_class(fp, m, c, (enum family)f);
				any = true;
			}
			for (size_t j = 0; j < c->nparts; j++) {
				if (!c->parts[j].ipset[f].name[0])
					continue;
				write_static_part(fp, m, c, &c->parts[j], (enum family)f);
				any = true;
			}
		}
	}
	return any;
}

/* The record sets (model.record): a destination, address and protocol
 * with port, per member, with counters, at most record_limit of them. */
static void emit_record_ipsets(const struct model *m, FILE *fp)
{
	fputs("# What was recorded per destination, with counters: egressc report.\n", fp);
	for (int f = 0; f < FAMILY_COUNT; f++) {
		fprintf(fp, "create %s hash:ip,port family %s counters timeout %u maxelem %u\n",
			m->record_ipset[f], family_word[f], RECORD_TIMEOUT_SECONDS,
			m->record_limit);
		fprintf(fp, "flush %s\n", m->record_ipset[f]);
	}
}

int emit_ipset(const struct model *m, FILE *fp)
{
	model_assert_static_ipsets_named(m);
	emit_header(fp, m);
	fputs("# Load with 'ipset restore -exist < FILE', before iptables-restore and\n"
	      "# ip6tables-restore: their rules match these sets.\n",
	      fp);
	for (size_t i = 0; i < m->nruntime; i++) {
		const struct runtime_set *r = &m->runtime[i];
		emit_runtime_comment(fp, "", r);
		for (int f = 0; f < FAMILY_COUNT; f++) {
			fprintf(fp, "create %s hash:net family %s timeout %u\n", r->ipset[f],
				family_word[f], r->timeout);
			fprintf(fp, "flush %s\n", r->ipset[f]);
		}
	}
	bool any = write_static_sets(fp, m);
	if (m->record != RECORD_OFF)
		emit_record_ipsets(m, fp);
	else if (!any && !m->nruntime)
		fputs("# The policy has no set of more than one prefix, wildcard or dynamic set:\n"
		      "# nothing to create.\n",
		      fp);
	return ferror(fp) ? -1 : 0;
}
