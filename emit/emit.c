/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "emit/emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/model.h"
#include "lib/xalloc.h"
#include "emit/names.h"

/* A comment names at most this many rules; the rest are counted. */
#define EMIT_MAX_RULES_NAMED 8

const char *const emit_family_suffix[FAMILY_COUNT] = { "v4", "v6" };
const char *const emit_example_addr[FAMILY_COUNT] = { "203.0.113.9", "2001:db8::9" };

const struct emitter emitters[] = {
	{ "nft", ".nft", FILE_NFT, emit_nft, false },
	{ "iptables", ".v4", FILE_IPTABLES, emit_iptables, true },
	{ "ip6tables", ".v6", FILE_IP6TABLES, emit_ip6tables, true },
	{ "hosts", ".hosts", FILE_HOSTS, emit_hosts, false },
	{ "ipset", ".ipset", FILE_IPSETS, emit_ipset, true },
	{ "dnsmasq", ".dnsmasq", FILE_DNSMASQ, emit_dnsmasq_nftset, false },
	{ "dnsmasq-ipset", ".dnsmasq-ipset", FILE_DNSMASQ_IPSET, emit_dnsmasq_ipset, false },
	{ "explain", ".explain", NULL, emit_explain, true },
	{ NULL, NULL, NULL, NULL, false },
};

const struct emitter *emitter_by_name(const char *name)
{
	for (const struct emitter *e = emitters; e->name; e++)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

const struct emitter *emitter_by_path(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot = strrchr(base ? base : path, '.');

	if (!dot)
		return NULL;
	for (const struct emitter *e = emitters; e->name; e++)
		if (strcmp(e->extension, dot) == 0)
			return e;
	return NULL;
}

int emit_to_memory(const struct model *m, int (*emit)(const struct model *, FILE *),
		   char **text, size_t *len)
{
	FILE *fp;

	*text = NULL;
	*len = 0;
	fp = xopen_memstream(text, len);	/* memory runs out: abort */
	int rc = emit(m, fp);
	xmemstream_close(fp);
	if (rc < 0) {
		free(*text);
		*text = NULL;
		return -1;
	}
	return 0;
}

int emit_formats(const struct model *m, const char *const *formats, size_t n, char **texts,
		 size_t *lens)
{
	for (size_t i = 0; i < n; i++) {
		const struct emitter *e = emitter_by_name(formats[i]);
		if (!e || emit_to_memory(m, e->emit, &texts[i], &lens[i]) < 0) {
			int saved = e ? errno : EINVAL;
			while (i--)
				free(texts[i]);
			errno = saved;
			return -1;
		}
	}
	return 0;
}

static void emit_locations(FILE *fp, const struct stmt *const *rules, size_t n);

static bool comment_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '\\';
}

/* In runs: a path is written beside every class, hundreds of thousands
 * of times in a large policy's outputs. */
void emit_comment_text(FILE *fp, const char *s)
{
	while (*s) {
		size_t run = 0;
		while (comment_safe((unsigned char)s[run]))
			run++;
		fwrite(s, 1, run, fp);
		s += run;
		if (*s)
			fprintf(fp, "\\x%02x", (unsigned char)*s++);
	}
}

void emit_header(FILE *fp, const struct model *m)
{
	fputs(EMIT_HEADER_BEGIN, fp);
	emit_comment_text(fp, m->policy->root->path);
	fputs(EMIT_HEADER_END "\n", fp);
}

void emit_mode_comment(FILE *fp, const struct model *m)
{
	if (m->mode == MODE_MONITOR)
		fputs("# Monitor mode: nothing is blocked. What the policy denies is logged and\n"
		      "# counted, then accepted.\n",
		      fp);
}

void emit_class_comment(FILE *fp, const char *indent, const struct rule_class *c,
			enum family f)
{
	const size_t n = c->nfamily_rules[f];

	fprintf(fp, "%s# %s:", indent, c->name);
	emit_locations(fp, c->family_rules[f], n);
	fputc('\n', fp);
}

void emit_location(FILE *fp, const struct stmt *s)
{
	emit_comment_text(fp, s->loc.src->path);
	fprintf(fp, ":%d", s->loc.first_line);
}

static void emit_locations(FILE *fp, const struct stmt *const *rules, size_t n)
{
	for (size_t i = 0; i < n && i < EMIT_MAX_RULES_NAMED; i++) {
		fputs(i ? ", " : " ", fp);
		emit_location(fp, rules[i]);
	}
	if (n > EMIT_MAX_RULES_NAMED)
		fprintf(fp, " and %zu more", n - EMIT_MAX_RULES_NAMED);
}

void emit_runtime_comment(FILE *fp, const char *indent, const struct runtime_set *r)
{
	fprintf(fp, "%s# %s:", indent, r->name);
	if (r->kind == RUNTIME_WILDCARD) {
		for (size_t i = 0; i < r->nwildcards && i < EMIT_MAX_RULES_NAMED; i++)
			fprintf(fp, "%s%s", i ? ", " : " ", r->wildcards[i]->text);
		if (r->nwildcards > EMIT_MAX_RULES_NAMED)
			fprintf(fp, " and %zu more", r->nwildcards - EMIT_MAX_RULES_NAMED);
		fputs(", filled by dnsmasq; rules", fp);
	} else {
		fputs(" dynamic set declared at ", fp);
		emit_location(fp, r->decl);
		fputs(r->nrules ? "; rules" : "; no rule uses it", fp);
	}
	emit_locations(fp, r->rules, r->nrules);
	fputc('\n', fp);
}

const char *emit_log_prefix(const struct model *m, const struct counter *k, char *buf)
{
	snprintf(buf, EMIT_LOG_PREFIX_MAX, LOG_PREFIX "%s %s ",
		 model_counter_blocks(m, k) ? "block" : "would-block", k->name);
	return buf;
}
