/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipset restore output: the run-time sets the iptables rules match, as
 * hash:net sets with a timeout. Sets must exist before iptables-restore
 * loads a rule naming them, so this file loads first. Each set is flushed
 * as it is (re)created: reloading starts them empty, as reloading the nft
 * table does. */
#include "emit/emit.h"

#include "compiler/model.h"

#include "emit/names.h"

static const char *const family_word[FAMILY_COUNT] = { "inet", "inet6" };

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
	emit_header(fp, m);
	fputs("# Load with 'ipset restore -exist < FILE', before iptables-restore and\n"
	      "# ip6tables-restore: their rules match these sets.\n",
	      fp);
	if (!m->nruntime && m->record == RECORD_OFF)
		fputs("# The policy has no wildcard or dynamic set: nothing to create.\n", fp);
	for (size_t i = 0; i < m->nruntime; i++) {
		const struct runtime_set *r = &m->runtime[i];
		emit_runtime_comment(fp, "", r);
		for (int f = 0; f < FAMILY_COUNT; f++) {
			fprintf(fp, "create %s hash:net family %s timeout %u\n", r->ipset[f],
				family_word[f], r->timeout);
			fprintf(fp, "flush %s\n", r->ipset[f]);
		}
	}
	if (m->record != RECORD_OFF)
		emit_record_ipsets(m, fp);
	return ferror(fp) ? -1 : 0;
}
