/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/hostsfile.h"

#include <stdio.h>
#include <string.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "lib/dnsname.h"
#include "compiler/source.h"
#include "lib/vec.h"

static void entry_add(struct arena *a, struct hostsfile_entry *e, const struct prefix *p)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->addrs[i].family == p->family && e->addrs[i].addr == p->addr)
			return;
	VEC_GROW_ARENA(a, e->addrs, e->n, e->n + 1, e->cap);
	e->addrs[e->n++] = *p;
}

static struct loc field_loc(const struct source *src, int line, size_t col, size_t len)
{
	struct loc l = {
		.src = src,
		.first_line = line,
		.first_column = (int)col + 1,
		.last_line = line,
		.last_column = (int)(col + (len ? len : 1)),
	};
	return l;
}

/* One line: ADDRESS NAME [ALIAS...], '#' to end of line is a comment. */
static void parse_line(struct arena *a, struct diags *d, struct hostsfile *hf,
		       const struct source *src, int lineno, const char *text, size_t len)
{
	const char *hash = memchr(text, '#', len);
	struct prefix addr;
	size_t i = 0, field = 0;
	int ttl = -1;

	/* A "# ttl=N" comment is what --save-resolved writes: the lowest TTL
	 * DNS gave, so a compile from the saved file says the same. */
	if (hash) {
		unsigned long v;
		char tail[32] = "";
		size_t n = len - (size_t)(hash - text);
		memcpy(tail, hash, n < sizeof(tail) - 1 ? n : sizeof(tail) - 1);
		if (sscanf(tail, "# ttl=%lu", &v) == 1 && v <= 0x7fffffff)
			ttl = (int)v;
		len = (size_t)(hash - text);
	}
	while (i < len) {
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i == len)
			break;
		size_t start = i;
		while (i < len && text[i] != ' ' && text[i] != '\t')
			i++;
		char *word = arena_strndup(a, text + start, i - start);
		struct loc loc = field_loc(src, lineno, start, i - start);

		if (field++ == 0) {
			if (!strchr(word, '/') && prefix_parse(word, &addr) == PREFIX_OK)
				continue;
			diag_error(d, &loc, "invalid address '%s' in hosts file",
				   diag_quote(d, word, strlen(word)));
			return;
		}
		hostname_normalize(word);
		const char *problem = hostname_problem(word);
		if (problem) {
			diag_error(d, &loc, "invalid hostname '%s' in hosts file: %s",
				   diag_quote(d, word, strlen(word)), problem);
			continue;
		}
		struct hostsfile_entry *e = strmap_get(&hf->names, word);
		if (!e) {
			e = arena_alloc(a, sizeof(*e));
			e->ttl = -1;
			strmap_put(&hf->names, word, e);
		}
		entry_add(a, e, &addr);
		if (ttl >= 0 && (e->ttl < 0 || ttl < e->ttl))
			e->ttl = ttl;
	}
	if (field == 1) {
		struct loc loc = field_loc(src, lineno, 0, len);
		diag_error(d, &loc, "hosts file line has an address but no name");
	}
}

int hostsfile_load(struct arena *a, struct diags *d, const char *path, struct hostsfile *hf)
{
	unsigned errors = d->errors;
	/* Named on the command line: a pipe will do ('<(...)'). */
	const struct source *src = source_load_arg(a, d, path);

	hf->path = path;
	strmap_init(&hf->names);
	if (!src || source_validate(d, src) < 0)
		return -1;
	const char *p = src->text, *end = src->text + src->len;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t len = (size_t)(eol - p);
		if (len && p[len - 1] == '\r')
			len--;
		parse_line(a, d, hf, src, line, p, len);
		p = nl ? nl + 1 : end;
	}
	return d->errors > errors ? -1 : 0;
}

const struct hostsfile_entry *hostsfile_lookup(const struct hostsfile *hf, const char *name)
{
	return strmap_get(&hf->names, name);
}

void hostsfile_release(struct hostsfile *hf)
{
	strmap_release(&hf->names);
}
