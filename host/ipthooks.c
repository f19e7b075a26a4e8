/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/ipthooks.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/names.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* A text's lines, NUL-terminated copies, in order. */
struct lines {
	char **v;
	size_t n, cap;
};

static void lines_split(struct lines *l, const char *text)
{
	l->v = NULL;
	l->n = l->cap = 0;
	while (text && *text) {
		size_t len = strcspn(text, "\n");
		VEC_PUSH(l->v, l->n, l->cap, xstrndup(text, len));
		text += len + (text[len] == '\n');
	}
}

static void lines_release(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static bool lines_have(const struct lines *l, const char *line)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], line) == 0)
			return true;
	return false;
}

/* Whether the chain name NAME[0..len) is one of egressc's. */
static bool chain_ours(const char *name, size_t len)
{
	const size_t n = strlen(IPT_CHAIN_PREFIX);

	return len >= n && memcmp(name, IPT_CHAIN_PREFIX, n) == 0 && (len == n || name[n] == '-');
}

/* ":NAME POLICY [p:b]": NAME, when the line declares a chain. */
static const char *declared(const char *line, size_t *len)
{
	if (line[0] != ':')
		return NULL;
	*len = strcspn(line + 1, " ");
	return line + 1;
}

/* "-A CHAIN ...": CHAIN, when the line is a rule. */
static const char *rule_chain(const char *line, size_t *len)
{
	if (strncmp(line, "-A ", 3) != 0)
		return NULL;
	*len = strcspn(line + 3, " ");
	return line + 3;
}

/* A rule of a chain not egressc's that jumps or goes to one of egressc's. */
static bool is_hook(const char *line)
{
	size_t len;
	const char *chain = rule_chain(line, &len);

	if (!chain || chain_ours(chain, len))
		return false;
	for (const char *p = line; (p = strstr(p, " -")) != NULL; p += 2) {
		if ((p[2] == 'j' || p[2] == 'g') && p[3] == ' ') {
			const char *target = p + 4;
			return chain_ours(target, strcspn(target, " "));
		}
	}
	return false;
}

/* Deletes every hook CURRENT has. Returns how many. */
static size_t write_unhooks(FILE *fp, const struct lines *current)
{
	size_t n = 0;

	for (size_t i = 0; i < current->n; i++) {
		if (is_hook(current->v[i])) {
			fprintf(fp, "-D %s\n", current->v[i] + 3);
			n++;
		}
	}
	return n;
}

/* Flushes, then deletes, egressc's chains of CURRENT that KEEP (NULL:
 * none) does not declare. Returns how many. */
static size_t write_chain_removals(FILE *fp, const struct lines *current, const struct lines *keep)
{
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < current->n; i++) {
			size_t len;
			const char *name = declared(current->v[i], &len);
			if (!name || !chain_ours(name, len))
				continue;
			/* A chain is kept by its declaration, whatever its counts. */
			bool kept = false;
			for (size_t j = 0; keep && j < keep->n && !kept; j++) {
				size_t klen;
				const char *k = declared(keep->v[j], &klen);
				kept = k && klen == len && memcmp(k, name, len) == 0;
			}
			if (kept)
				continue;
			fprintf(fp, "%s %.*s\n", pass == 0 ? "-F" : "-X", (int)len, name);
			n += pass;
		}
	}
	return n;
}

static bool has_chain(const struct lines *l, const char *chain)
{
	size_t want = strlen(chain);

	for (size_t i = 0; i < l->n; i++) {
		size_t len;
		const char *name = declared(l->v[i], &len);
		if (name && len == want && memcmp(name, chain, len) == 0)
			return true;
	}
	return false;
}

/* Closes FP, the memory stream writing *BUF, and returns *BUF. */
static char *finish(FILE *fp, char **buf)
{
	xmemstream_close(fp);
	return *buf;
}

/* The script, or NULL when it changes nothing (N changes in it). */
static char *finish_unless_empty(FILE *fp, char **buf, size_t n)
{
	finish(fp, buf);
	if (n == 0) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *ipt_hooks_load(const char *rules, const char *current)
{
	struct lines cur, next;
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = xopen_memstream(&buf, &size);

	lines_split(&cur, current);
	lines_split(&next, rules);
	const bool docker_user = has_chain(&cur, IPT_DOCKER_USER);
	bool raw = false;
	for (size_t i = 0; i < next.n; i++) {
		const char *line = next.v[i];
		/* The raw table's section is ipt_raw_load()'s. */
		if (strcmp(line, "*raw") == 0)
			raw = true;
		if (raw || strcmp(line, IPT_HOOK_OUTPUT) == 0 || strcmp(line, IPT_HOOK_FORWARD) == 0 ||
		    strcmp(line, "COMMIT") == 0) {
			raw &= strcmp(line, "COMMIT") != 0;
			continue;
		}
		fprintf(fp, "%s\n", line);
		if (strcmp(line, "*filter") == 0 && !docker_user)
			fputs(":" IPT_DOCKER_USER " - [0:0]\n", fp);
	}
	write_unhooks(fp, &cur);
	write_chain_removals(fp, &cur, &next);
	if (!lines_have(&cur, "-A FORWARD -j " IPT_DOCKER_USER))
		fputs("-I FORWARD 1 -j " IPT_DOCKER_USER "\n", fp);
	fputs(IPT_HOOK_OUTPUT "\n" IPT_HOOK_DOCKER_USER "\nCOMMIT\n", fp);
	lines_release(&cur);
	lines_release(&next);
	return finish(fp, &buf);
}

/* The lines of RULES's raw section, without its header, hook and COMMIT. */
static void raw_section(struct lines *out, const char *rules)
{
	struct lines all;
	bool raw = false;

	lines_split(&all, rules);
	out->v = NULL;
	out->n = out->cap = 0;
	for (size_t i = 0; i < all.n; i++) {
		const char *line = all.v[i];
		if (strcmp(line, "*raw") == 0) {
			raw = true;
			continue;
		}
		if (raw && strcmp(line, "COMMIT") == 0)
			raw = false;
		if (raw && strcmp(line, IPT_HOOK_RPF) != 0)
			VEC_PUSH(out->v, out->n, out->cap, xstrdup(line));
	}
	lines_release(&all);
}

char *ipt_raw_load(const char *rules, const char *current)
{
	struct lines cur, next;
	char *buf = NULL;
	size_t size = 0;

	raw_section(&next, rules);
	if (!next.n) {
		lines_release(&next);
		return ipt_raw_remove(current);
	}
	FILE *fp = xopen_memstream(&buf, &size);
	lines_split(&cur, current);
	fputs("*raw\n", fp);
	for (size_t i = 0; i < next.n; i++)
		fprintf(fp, "%s\n", next.v[i]);
	write_unhooks(fp, &cur);
	write_chain_removals(fp, &cur, &next);
	fputs(IPT_HOOK_RPF "\nCOMMIT\n", fp);
	lines_release(&cur);
	lines_release(&next);
	return finish(fp, &buf);
}

char *ipt_raw_remove(const char *current)
{
	struct lines cur;
	char *buf = NULL;
	size_t size = 0;
	FILE *fp = xopen_memstream(&buf, &size);

	lines_split(&cur, current);
	fputs("*raw\n", fp);
	size_t n = write_unhooks(fp, &cur) + write_chain_removals(fp, &cur, NULL);
	fputs("COMMIT\n", fp);
	lines_release(&cur);
	return finish_unless_empty(fp, &buf, n);
}

char *ipt_hooks_remove(const char *current)
{
	struct lines cur;
	char *buf = NULL;
	size_t size = 0, others = 0;
	FILE *fp = xopen_memstream(&buf, &size);

	lines_split(&cur, current);
	fputs("*filter\n", fp);
	size_t n = write_unhooks(fp, &cur) + write_chain_removals(fp, &cur, NULL);
	/* DOCKER-USER with nothing but egressc's hook is the one apply made. */
	for (size_t i = 0; i < cur.n; i++) {
		size_t len;
		const char *chain = rule_chain(cur.v[i], &len);
		others += chain && len == strlen(IPT_DOCKER_USER) &&
			  memcmp(chain, IPT_DOCKER_USER, len) == 0 && !is_hook(cur.v[i]);
	}
	if (n && has_chain(&cur, IPT_DOCKER_USER) && !others) {
		for (size_t i = 0; i < cur.n; i++)
			if (strcmp(cur.v[i], "-A FORWARD -j " IPT_DOCKER_USER) == 0)
				fputs("-D FORWARD -j " IPT_DOCKER_USER "\n", fp);
		fputs("-X " IPT_DOCKER_USER "\n", fp);
	}
	fputs("COMMIT\n", fp);
	lines_release(&cur);
	return finish_unless_empty(fp, &buf, n);
}
