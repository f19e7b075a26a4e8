/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/loc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/xalloc.h"

const char *source_line(const struct source *s, int line, size_t *len)
{
	const char *p = s->text, *end = s->text + s->len;

	for (int l = s->first_line ? s->first_line : 1; l < line && p < end; l++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			p = end;
			break;
		}
		p = nl + 1;
	}
	const char *e = memchr(p, '\n', (size_t)(end - p));
	if (!e)
		e = end;
	if (e > p && e[-1] == '\r')
		e--;
	*len = (size_t)(e - p);
	return p;
}

/* LINE's length up to a comment ('#' outside quotes), less trailing blanks. */
static size_t uncommented_len(const char *line, size_t len)
{
	bool quoted = false;
	size_t n = 0;

	for (; n < len; n++) {
		if (line[n] == '"')
			quoted = !quoted;
		else if (line[n] == '#' && !quoted)
			break;
	}
	while (n && (line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	return n;
}

char *source_span_text(const struct loc *loc)
{
	char *text;
	size_t size;
	FILE *fp = xopen_memstream(&text, &size);
	int last = loc->last_line > loc->first_line ? loc->last_line : loc->first_line;
	bool any = false;

	for (int l = loc->first_line; l <= last; l++) {
		size_t len;
		const char *line = source_line(loc->src, l, &len);
		if (l == last && l > loc->first_line && loc->last_column > 0 &&
		    (size_t)loc->last_column < len)
			len = (size_t)loc->last_column;
		len = uncommented_len(line, len);
		while (len && (*line == ' ' || *line == '\t')) {
			line++;
			len--;
		}
		if (!len)
			continue;
		fprintf(fp, "%s%.*s", any && l > loc->first_line ? " " : "", (int)len, line);
		any = true;
	}
	if (fclose(fp) != 0)
		abort();
	return text;
}
