/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/hostsplice.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit/names.h"
#include "lib/xalloc.h"

enum marker { NOT_MARKER, BEGIN_MARKER, END_MARKER };

static const char begin_text[] = HOSTS_BEGIN;
static const char end_text[] = HOSTS_END;

/* What the line TEXT[0, n) (its newline not included) is. */
static enum marker marker_of(const char *text, size_t n)
{
	while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	if (n == sizeof(begin_text) - 1 && memcmp(text, begin_text, n) == 0)
		return BEGIN_MARKER;
	if (n == sizeof(end_text) - 1 && memcmp(text, end_text, n) == 0)
		return END_MARKER;
	return NOT_MARKER;
}

/* One line of a text: [start, next), its newline (if any) included. */
struct line {
	size_t start, next;
	size_t number; /* from 1 */
	enum marker marker;
};

/* Steps L to the next line of TEXT[0, len); false at the end. */
static bool next_line(const char *text, size_t len, struct line *l)
{
	if (l->next >= len)
		return false;
	l->start = l->next;
	const char *nl = memchr(text + l->start, '\n', len - l->start);
	size_t eol = nl ? (size_t)(nl - text) : len;
	l->next = nl ? eol + 1 : len;
	l->number++;
	l->marker = marker_of(text + l->start, eol - l->start);
	return true;
}

/* fragment -> BEGIN line {line} END line, the END with its newline */
static bool one_block(const char *fragment, size_t len)
{
	struct line l = {0};
	enum marker last = NOT_MARKER;

	if (len == 0 || fragment[len - 1] != '\n')
		return false;
	while (next_line(fragment, len, &l)) {
		if (l.number == 1 ? l.marker != BEGIN_MARKER
				  : l.marker != (l.next == len ? END_MARKER : NOT_MARKER))
			return false;
		last = l.marker;
	}
	return l.number >= 2 && last == END_MARKER;
}

/* The reason hosts_splice() gives, with its line numbers. */
static char why_buf[160];

static int refuse(const char **why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Sets *WHY to FMT's text; returns -1. */
static int refuse(const char **why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	*why = why_buf;
	return -1;
}

int hosts_splice(const char *old, size_t oldlen, const char *fragment, size_t fraglen, char **out,
		 size_t *outlen, const char **why)
{
	if (fragment && !one_block(fragment, fraglen)) {
		*why = "the hosts output is not one '" HOSTS_BEGIN "' ... '" HOSTS_END "' block";
		return -1;
	}
	/* At most the old text, a newline and the fragment. */
	char *buf = xmalloc(oldlen + 1 + (fragment ? fraglen : 0) + 1);
	struct line l = {0};
	size_t n = 0, opened = 0; /* the open block's BEGIN line, 0 outside one */
	bool placed = false;

	while (next_line(old, oldlen, &l)) {
		if (l.marker == BEGIN_MARKER && opened) {
			free(buf);
			return refuse(why,
				      "it has '" HOSTS_BEGIN "' at line %zu inside the block "
				      "begun at line %zu; fix it by hand",
				      l.number, opened);
		}
		if (l.marker == END_MARKER && !opened) {
			free(buf);
			return refuse(why,
				      "it has '" HOSTS_END "' without '" HOSTS_BEGIN "' at "
				      "line %zu; fix it by hand",
				      l.number);
		}
		if (l.marker == BEGIN_MARKER) {
			opened = l.number;
			if (fragment && !placed) {
				memcpy(buf + n, fragment, fraglen);
				n += fraglen;
			}
			placed = true;
		} else if (l.marker == END_MARKER) {
			opened = 0;
		} else if (!opened) {
			memcpy(buf + n, old + l.start, l.next - l.start);
			n += l.next - l.start;
		}
	}
	if (opened) {
		free(buf);
		return refuse(why,
			      "it has '" HOSTS_BEGIN "' without '" HOSTS_END "' at line %zu; "
			      "fix it by hand",
			      opened);
	}
	if (fragment && !placed) {
		/* The last line keeps its own line (see hostsplice.h). */
		if (oldlen > 0 && old[oldlen - 1] != '\n')
			buf[n++] = '\n';
		memcpy(buf + n, fragment, fraglen);
		n += fraglen;
	}
	buf[n] = '\0';
	*out = buf;
	*outlen = n;
	return 0;
}
