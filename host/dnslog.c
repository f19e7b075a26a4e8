/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "host/dnslog.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/dnsname.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* The names of the queries in flight, by dnsmasq's serial number: a
 * small ring, as a query's lines come close together. */
#define SERIALS 256

struct serial_name {
	unsigned long serial;
	char *name;
};

/* NAME[0..N) as the report shows it: lower case, no final dot, and every
 * byte a hostname has no use for spelt "\DDD" (as dnsmasq escapes), so
 * that a name a zone or a process made up is no more than text in any of
 * report's formats. */
static char *name_dup(const char *s, size_t n)
{
	while (n && s[n - 1] == '.')
		n--;
	char *out = xmalloc(4 * n + 1), *o = out;
	for (size_t i = 0; i < n; i++) {
		const unsigned char c = (unsigned char)tolower((unsigned char)s[i]);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_')
			*o++ = (char)c;
		else
			o += sprintf(o, "\\%03u", c);
	}
	*o = '\0';
	return out;
}

/* An answer names its address only by a hostname: what report --suggest
 * writes as "allow NAME" must be that one name ("a.test,0.0.0.0/1" would
 * be two targets, "*.a.test" a wildcard). The address stands alone
 * otherwise. */
static void add_answer(struct dns_log *l, enum family f, addr_t a, const char *name, size_t n)
{
	char *kept = name_dup(name, n);

	if (hostname_problem(kept)) {
		free(kept);
		return;
	}
	VEC_GROW(l->answers, l->nanswers + 1, l->answers_cap);
	l->answers[l->nanswers++] = (struct dns_answer){ .family = f, .addr = a, .name = kept };
}

/* The word at *S, which is moved past it and the spaces after it. */
static size_t word(const char **s, const char **start)
{
	size_t n = strcspn(*s, " \n");

	*start = *s;
	*s += n;
	*s += strspn(*s, " ");
	return n;
}

/* "... dnsmasq[PID]: SERIAL CLIENT/PORT WHAT NAME (is ADDR|from C|to S)" */
static void parse_line(struct dns_log *l, const char *line, struct serial_name *ring)
{
	const char *p = strstr(line, "]: "), *w, *name;
	char *end;

	if (!p || !strstr(line, "dnsmasq"))
		return;
	p += 3;
	unsigned long serial = strtoul(p, &end, 10);
	if (end == p || *end != ' ')
		return;
	p = end + 1;
	word(&p, &w);				/* the client */
	size_t wn = word(&p, &w);		/* query[A], reply, cached, ... */
	size_t nn = word(&p, &name);
	if (!nn)
		return;
	struct serial_name *slot = &ring[serial % SERIALS];
	if (wn > 6 && strncmp(w, "query[", 6) == 0) {
		VEC_GROW(l->queried, l->nqueried + 1, l->queried_cap);
		l->queried[l->nqueried++] = name_dup(name, nn);
		free(slot->name);
		slot->serial = serial;
		slot->name = name_dup(name, nn);
		return;
	}
	const char *is;
	if (word(&p, &is) != 2 || strncmp(is, "is", 2) != 0)
		return;
	char text[PREFIX_STRLEN];
	size_t an = strcspn(p, " \n");
	if (an == 0 || an >= sizeof(text))
		return;
	memcpy(text, p, an);
	text[an] = '\0';
	enum family f;
	addr_t a;
	if (!addr_parse(text, &f, &a))
		return;			/* NXDOMAIN, NODATA, <CNAME>, ... */
	add_answer(l, f, a, name, nn);
	if (slot->name && slot->serial == serial)
		add_answer(l, f, a, slot->name, strlen(slot->name));
}

void dns_log_parse(struct dns_log *l, const char *text)
{
	struct serial_name ring[SERIALS] = { { 0 } };
	char line[2048];

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (n < sizeof(line)) {
			memcpy(line, p, n);
			line[n] = '\0';
			parse_line(l, line, ring);
		}
		p += n;
		p += *p == '\n';
	}
	for (size_t i = 0; i < SERIALS; i++)
		free(ring[i].name);
}

static int answer_cmp(const void *pa, const void *pb)
{
	const struct dns_answer *a = pa, *b = pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return strcmp(a->name, b->name);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void dns_log_normalize(struct dns_log *l)
{
	size_t out = 0;

	if (l->nanswers)
		qsort(l->answers, l->nanswers, sizeof(*l->answers), answer_cmp);
	for (size_t i = 0; i < l->nanswers; i++) {
		if (out && answer_cmp(&l->answers[out - 1], &l->answers[i]) == 0)
			free(l->answers[i].name);
		else
			l->answers[out++] = l->answers[i];
	}
	l->nanswers = out;
	out = 0;
	if (l->nqueried)
		qsort(l->queried, l->nqueried, sizeof(*l->queried), str_cmp);
	for (size_t i = 0; i < l->nqueried; i++) {
		if (out && strcmp(l->queried[out - 1], l->queried[i]) == 0)
			free(l->queried[i]);
		else
			l->queried[out++] = l->queried[i];
	}
	l->nqueried = out;
}

const struct dns_answer *dns_log_names(const struct dns_log *l, enum family f, addr_t a,
				       size_t *n)
{
	size_t lo = 0, hi = l->nanswers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dns_answer *m = &l->answers[mid];
		if (m->family < f || (m->family == f && m->addr < a))
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = 0;
	while (lo + *n < l->nanswers && l->answers[lo + *n].family == f &&
	       l->answers[lo + *n].addr == a)
		(*n)++;
	return *n ? &l->answers[lo] : NULL;
}

void dns_log_release(struct dns_log *l)
{
	for (size_t i = 0; i < l->nanswers; i++)
		free(l->answers[i].name);
	for (size_t i = 0; i < l->nqueried; i++)
		free(l->queried[i]);
	free(l->answers);
	free(l->queried);
	*l = (struct dns_log){ 0 };
}
