/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/addrlist.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "compiler/gitblob.h"
#include "compiler/source.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

struct list_reader {
	struct arena *arena;
	struct diags *diags;
	struct addrlist *list;
	size_t cap4, cap6;
	bool failed;
};

/* A bad entry's diagnostic needs its line: a one-line source carries it,
 * numbered as in the file, so nothing else of the file is kept. MSG is
 * already formatted. */
static void entry_error(struct list_reader *r, int lineno, const char *line, size_t len,
			size_t col, size_t width, const char *msg)
{
	struct source *src = source_from_buffer(r->arena, r->list->path, line, len);
	struct loc loc = {
		.src = src,
		.first_line = lineno,
		.first_column = (int)col + 1,
		.last_line = lineno,
		.last_column = (int)(col + (width ? width : 1)),
	};

	src->first_line = lineno;
	diag_error(r->diags, &loc, "%s", msg);
	r->failed = true;
}

/* The value of C as a decimal digit, or more than 9 if it is none. */
static inline unsigned digit(char c)
{
	return (unsigned)(unsigned char)c - '0';
}

/* A decimal number of at most MAX (255 or 32) at S, without a leading
 * zero: its value in *V; returns how many digits it took, or 0 when S
 * does not start with one. S is read up to the first non-digit. */
static inline size_t parse_decimal(const char *s, unsigned max, unsigned *v)
{
	unsigned d0 = digit(s[0]), d1, d2;

	if (d0 > 9)
		return 0;
	if ((d1 = digit(s[1])) > 9) {
		*v = d0;
		return 1;
	}
	if (d0 == 0)
		return 0;
	if ((d2 = digit(s[2])) > 9) {
		*v = d0 * 10 + d1;
		return *v <= max ? 2 : 0;
	}
	*v = d0 * 100 + d1 * 10 + d2;
	return *v <= max && digit(s[3]) > 9 ? 3 : 0;
}

/* A dotted quad with an optional /LEN at the start of S[0..N), as strict
 * as inet_pton (no leading zeros) but without its cost per call: lists
 * have millions of lines. S[N] must be readable and neither a digit, '.'
 * nor '/' (the line's newline, or the reader's sentinel): so no digit is
 * compared with N. Returns how many characters it took (what follows is
 * the caller's to judge), or 0 when S does not start with one. */
static size_t parse_v4(const char *s, size_t n, uint32_t *addr, unsigned *len)
{
	unsigned v;
	size_t i = parse_decimal(s, 255, &v), took;

	if (!i)
		return 0;
	uint32_t a = v;
	for (int octet = 1; octet < 4; octet++) {
		if (s[i] != '.' || !(took = parse_decimal(s + i + 1, 255, &v)))
			return 0;
		i += 1 + took;
		a = a << 8 | v;
	}
	*len = 32;
	if (s[i] == '/') {
		if (!(took = parse_decimal(s + i + 1, 32, len)))
			return 0;
		i += 1 + took;
	}
	*addr = a;
	return i <= n ? i : 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void add_v4(struct list_reader *r, uint32_t addr, unsigned len)
{
	struct addrlist *l = r->list;

	VEC_PUSH(l->v4, l->n4, r->cap4, rangeset_v4_key(addr, len));
}

/* Adds a clean IPv4 prefix, as parse_v4() read it, if it has no host bits
 * and the list has room; returns whether it did (else the general path
 * says why not). */
static bool take_v4(struct list_reader *r, uint32_t addr, unsigned len)
{
	struct addrlist *l = r->list;
	/* prefix_hostmask() of a length parse_v4() took (at most 32),
	 * without its 128-bit arithmetic: this runs a million times. */
	uint32_t host = (uint32_t)(((uint64_t)1 << (32 - len)) - 1);

	if ((addr & host) || l->n4 + l->n6 >= ADDRLIST_MAX_ENTRIES)
		return false;
	VEC_PUSH(l->v4, l->n4, r->cap4, rangeset_v4_key(addr, len));
	return true;
}

static void add_v6(struct list_reader *r, const struct prefix *p)
{
	struct addrlist *l = r->list;

	VEC_PUSH(l->v6, l->n6, r->cap6, *p);
}

/* One line, without its newline: blanks, '#' comments, or one entry. */
static void parse_line(struct list_reader *r, int lineno, const char *line, size_t len)
{
	size_t start = 0, end;

	if (len && line[len - 1] == '\r')
		len--;
	while (start < len && is_blank(line[start]))
		start++;

	/* The common line, a clean IPv4 prefix and perhaps blanks and a
	 * comment, read in one pass; anything else the way below judges. */
	uint32_t a4;
	unsigned l4;
	size_t j = start + parse_v4(line + start, len - start, &a4, &l4);
	if (j > start && (j == len || is_blank(line[j]) || line[j] == '#')) {
		while (j < len && is_blank(line[j]))
			j++;
		if ((j == len || line[j] == '#') && take_v4(r, a4, l4))
			return;
	}

	end = start;
	while (end < len && line[end] != ' ' && line[end] != '\t' && line[end] != '#')
		end++;
	if (end == start)
		return;
	for (size_t i = end; i < len && line[i] != '#'; i++) {
		if (line[i] != ' ' && line[i] != '\t') {
			entry_error(r, lineno, line, len, i, len - i,
				    arena_printf(r->arena, "one address or prefix a line; unexpected '%s'",
						 diag_quote(r->diags, line + i, len - i)));
			return;
		}
	}
	if (r->list->n4 + r->list->n6 >= ADDRLIST_MAX_ENTRIES) {
		if (!r->failed)
			entry_error(r, lineno, line, len, start, end - start,
				    arena_printf(r->arena, "the list has more entries than the limit of %u",
						 ADDRLIST_MAX_ENTRIES));
		return;
	}

	const char *tok = line + start;
	size_t n = end - start;

	/* Not a clean IPv4 prefix: let the general parser say what it is. */
	char text[PREFIX_STRLEN + 8], net[PREFIX_STRLEN];
	struct prefix p;
	enum prefix_status st = PREFIX_BAD_ADDRESS;
	if (n < sizeof(text)) {
		memcpy(text, tok, n);
		text[n] = '\0';
		st = prefix_parse(text, &p);
	}
	switch (st) {
	case PREFIX_OK:
		if (p.family == FAMILY_V4)
			add_v4(r, (uint32_t)p.addr, p.len);
		else
			add_v6(r, &p);
		return;
	case PREFIX_HOST_BITS:
		entry_error(r, lineno, line, len, start, n,
			    arena_printf(r->arena, "'%s' has host bits set; did you mean %s?",
					 diag_quote(r->diags, tok, n), prefix_format(&p, net)));
		return;
	default:
		entry_error(r, lineno, line, len, start, n,
			    arena_printf(r->arena, "invalid address or prefix '%s'",
					 diag_quote(r->diags, tok, n)));
		return;
	}
}

/* Reads FD's lines into R's list; Q names it in errors at AT. */
static void read_lines(struct list_reader *r, int fd, const char *q, const struct loc *at)
{
	size_t cap = SOURCE_MAX_LINE + 1, have = 0;
	char *buf = xmalloc(cap + 1);	/* always whole lines, up to the line limit; a sentinel */
	int lineno = 1;

	for (;;) {
		ssize_t got = read(fd, buf + have, cap - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			diag_error(r->diags, at, "cannot read list '%s': %s", q, strerror(errno));
			r->failed = true;
			break;
		}
		size_t end = have + (size_t)got, pos = 0;
		buf[end] = '\n';	/* what parse_v4() may read past a last line */
		for (;;) {
			/* The common line, a clean IPv4 prefix alone, taken
			 * where it starts, without a search for its end. */
			uint32_t a4;
			unsigned l4;
			size_t took = parse_v4(buf + pos, end - pos, &a4, &l4);
			if (took && pos + took < end && buf[pos + took] == '\n' && take_v4(r, a4, l4)) {
				lineno++;
				pos += took + 1;
				continue;
			}
			char *nl = memchr(buf + pos, '\n', end - pos);
			if (!nl)
				break;
			parse_line(r, lineno++, buf + pos, (size_t)(nl - (buf + pos)));
			pos = (size_t)(nl - buf) + 1;
		}
		if (got == 0) {
			if (pos < end)
				parse_line(r, lineno, buf + pos, end - pos);
			break;
		}
		memmove(buf, buf + pos, end - pos);
		have = end - pos;
		if (have == cap) {
			entry_error(r, lineno, buf, 0, 0, 1,
				    arena_printf(r->arena, "line is longer than the limit of %d bytes",
						 SOURCE_MAX_LINE));
			break;
		}
	}
	free(buf);
}

int addrlist_load(struct arena *a, struct diags *d, const char *path, const struct loc *at,
		  struct addrlist *l)
{
	struct list_reader r = { .arena = a, .diags = d, .list = l };
	const char *q = diag_quote(d, path, strlen(path));
	struct stat st;

	memset(l, 0, sizeof(*l));
	l->path = arena_strdup(a, path);
	/* Not blocking in open(): a FIFO with no writer would hang it. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		diag_error(d, at, "cannot open list '%s': %s", q, strerror(errno));
		return -1;
	}
	/* A policy must not make the compiler wait on a FIFO or read a device. */
	bool known = fstat(fd, &st) == 0;
	if (known && !S_ISREG(st.st_mode)) {
		diag_error(d, at, "list '%s' is not a regular file", q);
		close(fd);
		return -1;
	}
	/* Room for as many IPv4 entries as the file could hold (eight bytes
	 * at least: "1.2.3.4\n"), taken only as pages are touched, then given
	 * back: a million-line list grew by doubling, copied at each step. */
	if (known && st.st_size >= 8 * 1024)
		VEC_GROW(l->v4, (size_t)st.st_size / 8, r.cap4);
	read_lines(&r, fd, q, at);
	close(fd);
	if (r.cap4 > l->n4 && l->n4) {
		l->v4 = xreallocarray(l->v4, l->n4, sizeof(*l->v4));
	} else if (!l->n4) {
		free(l->v4);
		l->v4 = NULL;
	}
	return r.failed ? -1 : 0;
}

int addrlist_load_git(struct arena *a, struct diags *d, const char *rev, const char *path,
		      const struct loc *at, struct addrlist *l)
{
	struct list_reader r = { .arena = a, .diags = d, .list = l };
	const char *shown = arena_printf(a, "%s:%s", rev, path);
	const char *q = diag_quote(d, shown, strlen(shown));
	struct gitblob b;
	char *msg;

	memset(l, 0, sizeof(*l));
	l->path = shown;
	if (path[0] == '/') {
		diag_error(d, at, "list '%s': an absolute path cannot be read from git revision '%s'",
			   q, diag_quote(d, rev, strlen(rev)));
		return -1;
	}
	if (gitblob_open(&b, rev, path) < 0) {
		diag_error(d, at, "cannot run git to read list '%s': %s", q, strerror(errno));
		return -1;
	}
	read_lines(&r, b.fd, q, at);
	if (gitblob_close(&b, &msg) < 0) {
		if (!r.failed)
			diag_error(d, at, "cannot read list '%s' from git: %s", q, msg);
		free(msg);
		return -1;
	}
	return r.failed ? -1 : 0;
}

void addrlist_release(struct addrlist *l)
{
	free(l->v4);
	free(l->v6);
	l->v4 = NULL;
	l->v6 = NULL;
	l->n4 = l->n6 = 0;
}
