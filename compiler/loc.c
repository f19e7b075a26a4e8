/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/loc.h"

#include <string.h>

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
