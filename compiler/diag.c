/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/diag.h"

#include <stdarg.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/utf8.h"

/* Source lines longer than this are shown as a window around the marker. */
#define DIAG_LINE_WINDOW 120

void diags_init(struct diags *d, struct arena *a)
{
	memset(d, 0, sizeof(*d));
	d->arena = a;
	d->tail = &d->head;
	d->max_errors = DIAG_MAX_ERRORS;
}

static struct diag *diag_vadd(struct diags *d, enum diag_kind kind, const struct loc *loc,
			      const char *fmt, va_list ap)
{
	if (kind == DIAG_ERROR && d->max_errors && d->errors >= d->max_errors) {
		d->errors++;
		d->dropped++;
		return NULL;
	}
	struct diag *dg = arena_alloc(d->arena, sizeof(*dg));
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	char *msg = arena_alloc(d->arena, (size_t)n + 1);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);

	dg->kind = kind;
	dg->msg = msg;
	if (loc && loc->src) {
		dg->has_loc = true;
		dg->loc = *loc;
	}
	*d->tail = dg;
	d->tail = &dg->next;
	if (kind == DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
	return dg;
}

struct diag *diag_error(struct diags *d, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *dg = diag_vadd(d, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	return dg;
}

struct diag *diag_warning(struct diags *d, const struct loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct diag *dg = diag_vadd(d, DIAG_WARNING, loc, fmt, ap);
	va_end(ap);
	return dg;
}

void diag_related(struct diag *dg, const struct loc *loc, const char *note)
{
	if (!dg || !loc || !loc->src || dg->nrelated == DIAG_MAX_RELATED)
		return;
	dg->related[dg->nrelated].loc = *loc;
	dg->related[dg->nrelated].note = note;
	dg->nrelated++;
}

const char *diag_quote(struct diags *d, const char *s, size_t len)
{
	const size_t max = 64;
	size_t n = len > max ? max : len;
	char *out = arena_alloc(d->arena, n * 4 + 4), *o = out;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\x%02x", c);
	}
	if (n < len)
		o = stpcpy(o, "...");
	*o = '\0';
	return out;
}

/* Column range [from, to] (1-based, inclusive) that LOC covers on LINE. */
static bool loc_on_line(const struct loc *l, int line, int *from, int *to)
{
	if (line < l->first_line || line > l->last_line)
		return false;
	*from = line == l->first_line ? l->first_column : 1;
	*to = line == l->last_line ? l->last_column : 1 << 30;
	if (*to < *from)
		*to = *from;
	return true;
}

static char marker_at(const struct diag *dg, const struct source *src, const struct loc *main,
		      int line, int col)
{
	int from, to;

	if (main && loc_on_line(main, line, &from, &to) && col >= from && col <= to)
		return '^';
	for (int i = 0; i < dg->nrelated; i++) {
		const struct loc *r = &dg->related[i].loc;
		if (r->src == src && loc_on_line(r, line, &from, &to) && col >= from &&
		    col <= to)
			return '~';
	}
	return ' ';
}

/* Prints the source line of LOC and a marker line under it. Columns count
 * bytes; the marker advances once per UTF-8 character so it stays aligned. */
static void print_excerpt(FILE *fp, const struct diag *dg, const struct loc *loc,
			  const struct loc *main)
{
	size_t len;
	const char *text = source_line(loc->src, loc->first_line, &len);
	size_t start = 0, end = len;
	int line = loc->first_line;

	if (len > DIAG_LINE_WINDOW) {
		size_t col = (size_t)loc->first_column;
		start = col > DIAG_LINE_WINDOW / 2 ? col - DIAG_LINE_WINDOW / 2 : 0;
		end = start + DIAG_LINE_WINDOW < len ? start + DIAG_LINE_WINDOW : len;
	}
	if (start)
		fputs("...", fp);
	/* Control characters and broken UTF-8 would garble a terminal. */
	for (size_t i = start, n; i < end; i += n) {
		unsigned char c = (unsigned char)text[i];
		n = utf8_sequence((const unsigned char *)text + i, end - i);
		if (n > 1 || (n == 1 && (c == '\t' || (c >= 0x20 && c != 0x7f)))) {
			fwrite(text + i, 1, n, fp);
		} else {
			fputc('?', fp);
			n = 1;
		}
	}
	if (end < len)
		fputs("...", fp);
	fputc('\n', fp);

	char buf[DIAG_LINE_WINDOW + 8];
	size_t n = 0;
	if (start)
		n += (size_t)sprintf(buf, "   ");
	/* One column past the end, where "unexpected end of line" points. */
	for (size_t i = start; i <= end; i++) {
		unsigned char c = i < len ? (unsigned char)text[i] : ' ';
		if ((c & 0xc0) == 0x80)
			continue;
		char m = marker_at(dg, loc->src, main, line, (int)i + 1);
		buf[n++] = m == ' ' && c == '\t' ? '\t' : m;
	}
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	fprintf(fp, "%s\n", buf);
}

/* "In file included from" for the innermost few includes: enough to find
 * the way in, without a screenful when the depth limit is what went wrong. */
#define DIAG_MAX_INCLUDES_SHOWN 4

static void print_include_chain(FILE *fp, const struct source *src)
{
	int shown = 0, more = 0;

	for (const struct source *s = src; s->included_from; s = s->included_from->src) {
		const struct loc *inc = s->included_from;
		if (shown == DIAG_MAX_INCLUDES_SHOWN) {
			more++;
			continue;
		}
		if (s->module)
			fprintf(fp, "In module '%s', used at %s:%d:%d:\n", s->module, inc->src->path,
				inc->first_line, inc->first_column);
		else
			fprintf(fp, "In file included from %s:%d:%d:\n", inc->src->path,
				inc->first_line, inc->first_column);
		shown++;
	}
	if (more)
		fprintf(fp, "(and %d more includes)\n", more);
}

static bool color;

void diags_set_color(bool on)
{
	color = on;
}

/* SGR sequences, or nothing when not colouring. */
static const char *sgr(const char *code)
{
	return color ? code : "";
}

#define SGR_BOLD "\033[1m"
#define SGR_RESET "\033[0m"

static const char *kind_color(const char *kind)
{
	return sgr(kind[0] == 'e' ? "\033[1;31m" : kind[0] == 'w' ? "\033[1;35m" : "\033[1;36m");
}

static void print_loc_prefix(FILE *fp, const struct loc *l)
{
	fprintf(fp, "%s%s:%d:%d:%s ", sgr(SGR_BOLD), l->src->path, l->first_line, l->first_column,
		sgr(SGR_RESET));
}

/* "error: MSG", coloured. */
static void print_kind(FILE *fp, const char *kind, const char *msg)
{
	fprintf(fp, "%s%s:%s %s\n", kind_color(kind), kind, sgr(SGR_RESET), msg);
}

static void print_all(const struct diags *d, FILE *fp, bool warnings)
{
	for (const struct diag *dg = d->head; dg; dg = dg->next) {
		const char *kind = dg->kind == DIAG_ERROR ? "error" : "warning";

		if (dg->kind == DIAG_WARNING && !warnings)
			continue;

		if (!dg->has_loc) {
			fputs("egressc: ", fp);
			print_kind(fp, kind, dg->msg);
			continue;
		}
		print_include_chain(fp, dg->loc.src);
		print_loc_prefix(fp, &dg->loc);
		print_kind(fp, kind, dg->msg);
		print_excerpt(fp, dg, &dg->loc, &dg->loc);
		/* Related locations elsewhere get a note of their own. */
		for (int i = 0; i < dg->nrelated; i++) {
			const struct diag_related *r = &dg->related[i];
			if (r->loc.src == dg->loc.src && r->loc.first_line == dg->loc.first_line)
				continue;
			print_loc_prefix(fp, &r->loc);
			print_kind(fp, "note", r->note);
			print_excerpt(fp, dg, &r->loc, NULL);
		}
	}
	if (d->dropped)
		fprintf(fp, "egressc: %u more errors not shown\n", d->dropped);
}

void diags_print(const struct diags *d, FILE *fp)
{
	print_all(d, fp, true);
}

void diags_print_errors(const struct diags *d, FILE *fp)
{
	print_all(d, fp, false);
}
