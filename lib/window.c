/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "lib/window.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const day_names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

const char *window_day_name(unsigned d)
{
	return day_names[d % 7];
}

struct cursor {
	const char *start, *p;
	const char *why;
	size_t at;
};

static int fail(struct cursor *c, const char *where, const char *why)
{
	if (!c->why) {
		c->why = why;
		c->at = (size_t)(where - c->start);
	}
	return -1;
}

static void skip_blanks(struct cursor *c)
{
	while (*c->p == ' ')
		c->p++;
}

/* "Mon" (any case): 0..6, or -1. */
static int read_day(struct cursor *c)
{
	for (int d = 0; d < 7; d++) {
		if (strncasecmp(c->p, day_names[d], 3) == 0 &&
		    !((c->p[3] | 0x20) >= 'a' && (c->p[3] | 0x20) <= 'z')) {
			c->p += 3;
			return d;
		}
	}
	return -1;
}

/* "HH:MM": minutes, 0 to 24:00 (which only an end may be), or -1. */
static int read_time(struct cursor *c)
{
	const char *p = c->p;

	if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' && p[2] == ':' &&
	      p[3] >= '0' && p[3] <= '5' && p[4] >= '0' && p[4] <= '9'))
		return -1;
	int h = (p[0] - '0') * 10 + (p[1] - '0'), m = (p[3] - '0') * 10 + (p[4] - '0');
	if (h > 24 || (h == 24 && m))
		return -1;
	c->p += 5;
	return h * 60 + m;
}

/* days = day ["-" day] {"," day ["-" day]}: into the bits of *DAYS. */
static int read_days(struct cursor *c, unsigned *days)
{
	for (;;) {
		const char *at = c->p;
		int a = read_day(c), b;
		if (a < 0)
			return fail(c, at, "unknown weekday (Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
		b = a;
		if (*c->p == '-') {
			c->p++;
			at = c->p;
			if ((b = read_day(c)) < 0)
				return fail(c, at, "unknown weekday (Mon, Tue, Wed, Thu, Fri, Sat or Sun)");
		}
		for (int d = a;; d = (d + 1) % 7) {
			*days |= 1u << d;
			if (d == b)
				break;
		}
		if (*c->p != ',')
			return 0;
		c->p++;
		skip_blanks(c);
	}
}

/* zone = "UTC" ["+"|"-" HH:MM] | ("+"|"-") HH:MM: minutes east of UTC. */
static int read_zone(struct cursor *c, int *offset)
{
	const char *at = c->p;

	*offset = 0;
	if (strncmp(c->p, "UTC", 3) == 0) {
		c->p += 3;
		if (*c->p != '+' && *c->p != '-')
			return 0;
	}
	if (*c->p != '+' && *c->p != '-')
		return fail(c, at, "unknown zone (UTC, or an offset such as +02:00: a named zone's "
				   "daylight saving time would move the window)");
	int sign = *c->p++ == '-' ? -1 : 1;
	int t = read_time(c);
	if (t < 0 || t > 14 * 60)
		return fail(c, at, "bad offset (from -14:00 to +14:00, as in UTC+02:00)");
	*offset = sign * t;
	return 0;
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct week_span *a = pa, *b = pb;

	return a->lo != b->lo ? (a->lo < b->lo ? -1 : 1) : (a->hi > b->hi) - (a->hi < b->hi);
}

/* Adds LEN minutes from LO, a minute of the week that may lie before or
 * past it (a zone's offset, a window past Sunday midnight): split at the
 * week's end. */
static void add_wrapped(struct window *w, long lo, long len)
{
	const long week = WEEK_MINUTES;

	lo = ((lo % week) + week) % week;
	if (lo + len <= week) {
		w->spans[w->n++] = (struct week_span){ (uint16_t)lo, (uint16_t)(lo + len) };
		return;
	}
	w->spans[w->n++] = (struct week_span){ (uint16_t)lo, (uint16_t)week };
	w->spans[w->n++] = (struct week_span){ 0, (uint16_t)(lo + len - week) };
}

static void normalize(struct window *w)
{
	size_t n = 0;

	qsort(w->spans, w->n, sizeof(*w->spans), span_cmp);
	for (size_t i = 0; i < w->n; i++) {
		if (n && w->spans[i].lo <= w->spans[n - 1].hi) {
			if (w->spans[i].hi > w->spans[n - 1].hi)
				w->spans[n - 1].hi = w->spans[i].hi;
			continue;
		}
		w->spans[n++] = w->spans[i];
	}
	w->n = n;
}

int window_parse(const char *text, struct window *w, const char **why, size_t *at)
{
	struct cursor c = { .start = text, .p = text };
	unsigned days = 0;
	int start = 0, end = DAY_MINUTES, offset = 0;
	bool have_days = false, have_times = false;

	memset(w, 0, sizeof(*w));
	skip_blanks(&c);
	if ((*c.p | 0x20) >= 'a' && (*c.p | 0x20) <= 'z' && strncmp(c.p, "UTC", 3) != 0) {
		if (read_days(&c, &days) < 0)
			goto bad;
		have_days = true;
		skip_blanks(&c);
	}
	if (*c.p >= '0' && *c.p <= '9') {
		const char *t = c.p;
		start = read_time(&c);
		if (start < 0 || start == (int)DAY_MINUTES) {
			fail(&c, t, "bad time (HH:MM, 00:00 to 23:59)");
			goto bad;
		}
		if (*c.p != '-') {
			fail(&c, c.p, "expected '-' and the end, as in 01:00-03:00");
			goto bad;
		}
		c.p++;
		t = c.p;
		if ((end = read_time(&c)) < 0) {
			fail(&c, t, "bad time (HH:MM, 00:00 to 24:00)");
			goto bad;
		}
		if (end == start) {
			fail(&c, text, "empty window: it ends when it starts");
			goto bad;
		}
		have_times = true;
		skip_blanks(&c);
	}
	if (!have_days && !have_times) {
		fail(&c, c.p, "expected days, times or both, as in \"Mon-Fri 01:00-03:00\"");
		goto bad;
	}
	if (*c.p && read_zone(&c, &offset) < 0)
		goto bad;
	skip_blanks(&c);
	if (*c.p) {
		fail(&c, c.p, "unexpected text after the window");
		goto bad;
	}
	if (!have_days)
		days = 0x7f;
	/* An end at or before the start is the next day's. */
	long len = end > start ? end - start : (long)DAY_MINUTES - start + end;
	for (unsigned d = 0; d < 7; d++)
		if (days & 1u << d)
			add_wrapped(w, (long)d * DAY_MINUTES + start - offset, len);
	normalize(w);
	return 0;
bad:
	*why = c.why;
	*at = c.at;
	return -1;
}

int window_holds(const struct window *w, unsigned t)
{
	for (size_t i = 0; i < w->n; i++)
		if (t >= w->spans[i].lo && t < w->spans[i].hi)
			return 1;
	return 0;
}

size_t window_pieces(const struct window *w, struct window_piece out[WINDOW_MAX_PIECES])
{
	size_t n = 0;

	for (size_t i = 0; i < w->n; i++) {
		for (unsigned d = w->spans[i].lo / DAY_MINUTES; d * DAY_MINUTES < w->spans[i].hi; d++) {
			unsigned day_lo = d * DAY_MINUTES;
			unsigned lo = w->spans[i].lo > day_lo ? w->spans[i].lo : day_lo;
			unsigned hi = w->spans[i].hi < day_lo + DAY_MINUTES ? w->spans[i].hi
									   : day_lo + DAY_MINUTES;
			struct window_piece p = { 1u << d, (uint16_t)(lo - day_lo), (uint16_t)(hi - day_lo) };
			size_t j = 0;
			while (j < n && (out[j].lo != p.lo || out[j].hi != p.hi))
				j++;
			if (j < n)
				out[j].days |= p.days;
			else if (n < WINDOW_MAX_PIECES)
				out[n++] = p;
		}
	}
	/* By lo, then hi: insertion sort of at most 14. */
	for (size_t i = 1; i < n; i++) {
		struct window_piece v = out[i];
		size_t j = i;
		for (; j > 0 && (out[j - 1].lo > v.lo || (out[j - 1].lo == v.lo && out[j - 1].hi > v.hi)); j--)
			out[j] = out[j - 1];
		out[j] = v;
	}
	return n;
}

int window_parse_instant(const char *text)
{
	struct cursor c = { .start = text, .p = text };
	int d = read_day(&c);

	if (d < 0 || *c.p != ' ')
		return -1;
	skip_blanks(&c);
	int t = read_time(&c);
	if (t < 0 || t >= (int)DAY_MINUTES || *c.p)
		return -1;
	return d * (int)DAY_MINUTES + t;
}
