/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/fmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"
#include "grammar/grammar.h"
#include "compiler/source.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

/* Lines longer than this are split, one target a line. */
#define FMT_WIDTH 80
/* Trailing comments start at least this far after the code. */
#define FMT_COMMENT_GAP 2

/* --- the source's lines ---------------------------------------------------- */

struct src_line {
	bool code;		/* has something besides blanks and a comment */
	const char *comment;	/* "# ...", trimmed; NULL: none */
	size_t comment_len;
};

/* Splits SRC into lines and finds each one's comment: a '#' outside a
 * string. */
static struct src_line *scan_lines(const struct source *src, int *nlines)
{
	int n = 1;
	for (size_t i = 0; i < src->len; i++)
		n += src->text[i] == '\n';
	struct src_line *lines = xcalloc((size_t)n + 2, sizeof(*lines));
	for (int l = 1; l <= n; l++) {
		size_t len;
		const char *p = source_line(src, l, &len);
		bool in_string = false;
		for (size_t i = 0; i < len; i++) {
			char c = p[i];
			if (c == '"') {
				in_string = !in_string;
			} else if (c == '#' && !in_string) {
				size_t end = len;
				while (end > i && (p[end - 1] == ' ' || p[end - 1] == '\t'))
					end--;
				lines[l].comment = p + i;
				lines[l].comment_len = end - i;
				break;
			}
			if (c != ' ' && c != '\t')
				lines[l].code = true;
		}
	}
	*nlines = n;
	return lines;
}

/* --- output lines ---------------------------------------------------------- */

struct out_line {
	char *code;		/* NULL: a blank or comment-only line */
	char *comment;		/* NULL: none */
};

struct printer {
	struct out_line *v;
	size_t n, cap;
};

static void put(struct printer *pr, char *code, char *comment)
{
	VEC_PUSH(pr->v, pr->n, pr->cap, (struct out_line){ code, comment });
}

static void put_blank(struct printer *pr)
{
	/* One blank line at most, and none at the top. */
	if (pr->n && (pr->v[pr->n - 1].code || pr->v[pr->n - 1].comment))
		put(pr, NULL, NULL);
}

static char *comment_of(const struct src_line *lines, int l)
{
	return lines[l].comment ? xstrndup(lines[l].comment, lines[l].comment_len) : NULL;
}

/* A comment line inside a statement: inside braces, indented as the
 * targets are. */
static char *inside_comment(const struct src_line *lines, int l, bool braces)
{
	char *c = comment_of(lines, l), *t;

	if (!braces || !c)
		return c;
	t = xmalloc(strlen(c) + 2);
	t[0] = '\t';
	strcpy(t + 1, c);
	free(c);
	return t;
}

/* --- statements as text ---------------------------------------------------- */

/* A growing string. */
struct buf {
	char *s;
	size_t n, cap;
};

static void add(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	VEC_GROW(b->s, b->n + n + 1, b->cap);
	memcpy(b->s + b->n, s, n + 1);
	b->n += n;
}

static char *take(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");

	memset(b, 0, sizeof(*b));
	return s;
}

static void add_target(struct buf *b, const struct target *t)
{
	if (t->kind == TARGET_VARIABLE)
		add(b, "$");
	if (t->kind == TARGET_FILE)
		add(b, "file \"");
	add(b, t->text);
	if (t->kind == TARGET_FILE)
		add(b, "\"");
}

static void add_ports(struct buf *b, const struct port_item *p)
{
	char num[32];

	add(b, " port ");
	for (; p; p = p->next) {
		if (p->lo == p->hi)
			snprintf(num, sizeof(num), "%u", p->lo);
		else
			snprintf(num, sizeof(num), "%u-%u", p->lo, p->hi);
		add(b, num);
		if (p->next)
			add(b, ", ");
	}
}

static void add_protos(struct buf *b, const struct proto_item *p)
{
	add(b, " proto ");
	for (; p; p = p->next) {
		add(b, p->name);
		if (p->next)
			add(b, ", ");
	}
}

/* " user runner, 1001" */
static void add_owners(struct buf *b, const char *keyword, const struct owner_item *o)
{
	char num[16];

	add(b, keyword);
	for (; o; o = o->next) {
		snprintf(num, sizeof(num), "%u", o->id);
		add(b, o->name ? o->name : num);
		if (o->next)
			add(b, ", ");
	}
}

/* Rules: port, proto, timeout, user, group; dynamic sets: timeout first,
 * as the declaration's main fact. */
static void add_opts(struct buf *b, const struct rule_opts *o, bool timeout_first)
{
	if (timeout_first && o->timeout_text) {
		add(b, " timeout ");
		add(b, o->timeout_text);
	}
	if (o->ports)
		add_ports(b, o->ports);
	if (o->protos)
		add_protos(b, o->protos);
	if (!timeout_first && o->timeout_text) {
		add(b, " timeout ");
		add(b, o->timeout_text);
	}
	if (o->users)
		add_owners(b, " user ", o->users);
	if (o->groups)
		add_owners(b, " group ", o->groups);
	if (o->cgroup) {
		add(b, " cgroup \"");
		add(b, o->cgroup);
		add(b, "\"");
	}
	if (o->during) {
		add(b, " during \"");
		add(b, o->during);
		add(b, "\"");
	}
	for (const struct target *t = o->sources; t; t = t->next) {
		add(b, t == o->sources ? " from " : ", ");
		add_target(b, t);
	}
}

/* The settings, in the order they are printed. */
static const struct {
	enum stmt_kind kind;
	const char *keyword;
} settings[] = {
	{ STMT_DEFAULT, "default" },
	{ STMT_ON_DENY, "on-deny" },
	{ STMT_ESSENTIALS, "essentials" },
	{ STMT_MODE, "mode" },
	{ STMT_LOG, "log" },
	{ STMT_RECORD, "record" },
};

#define NSETTINGS (int)(sizeof(settings) / sizeof(*settings))

/* S's place among the settings; -1: not one. */
static int setting_rank(const struct stmt *s)
{
	for (int i = 0; i < NSETTINGS; i++)
		if (settings[i].kind == s->kind)
			return i;
	return -1;
}

/* --- units: what prints as one statement ------------------------------------ */

/* A statement, or the run of STMT_USEs one 'use' line made. */
struct unit {
	struct stmt *first;
	int nstmts;
	int line, last;		/* its first and last source lines with code */
	int pre_from;		/* the lines before it that are its to print */
	bool owns_comment;	/* the trailing comment of its last line is its */
};

static const struct target *unit_targets(const struct stmt *s)
{
	switch (s->kind) {
	case STMT_RULE:
		return s->rule.targets;
	case STMT_DEFINE:
		return s->define.targets;
	case STMT_RESOLVER:
		return s->resolver.addrs;
	default:
		return NULL;
	}
}

/* The statement's text before its targets ("allow ", "define x = {") and
 * after them (" port 443"). */
static void unit_parts(const struct unit *u, char **head, char **tail)
{
	const struct stmt *s = u->first;
	struct buf h = { 0 }, t = { 0 };

	switch (s->kind) {
	case STMT_RULE:
		add(&h, s->rule.verdict == VERDICT_ALLOW ? "allow " : "deny ");
		add_opts(&t, &s->rule.opts, false);
		break;
	case STMT_DEFINE:
		add(&h, "define ");
		add(&h, s->define.name);
		add(&h, " = {");
		add(&t, "}");
		break;
	case STMT_RESOLVER:
		add(&h, "resolver ");
		if (s->resolver.user_given) {
			add(&t, " user ");
			add(&t, s->resolver.user);
		}
		break;
	case STMT_DYNAMIC:
		add(&h, "dynamic ");
		add(&h, s->dynamic.name);
		add_opts(&h, &s->dynamic.opts, true);
		break;
	case STMT_INCLUDE:
		add(&h, "include \"");
		add(&h, s->include.path);
		add(&h, "\"");
		break;
	case STMT_USE:
		add(&h, "use ");
		for (int i = 0; i < u->nstmts; i++, s = s->next) {
			add(&h, s->use.name);
			if (i + 1 < u->nstmts)
				add(&h, ", ");
		}
		break;
	case STMT_LOG:
	case STMT_RECORD:
		add(&h, s->kind == STMT_LOG ? "log" : "record");
		for (const struct log_item *it = s->log.items; it; it = it->next) {
			char num[16];
			add(&h, " ");
			add(&h, it->word);
			if (it->has_number) {
				snprintf(num, sizeof(num), " %u", it->number);
				add(&h, num);
			}
		}
		break;
	default:
		add(&h, settings[setting_rank(s)].keyword);
		add(&h, " ");
		add(&h, s->setting.word);
		break;
	}
	*head = take(&h);
	*tail = take(&t);
}

static bool inner_comments(const struct unit *u, const struct src_line *lines)
{
	int trailing = 0;

	for (int l = u->line; l <= u->last; l++) {
		if (lines[l].comment && !lines[l].code)
			return true;
		trailing += lines[l].comment && (l < u->last || u->owns_comment);
	}
	return trailing > 1;
}

static char *one_line(const char *head, const struct target *ts, const char *tail, bool define)
{
	struct buf b = { 0 };

	add(&b, head);
	if (define)
		add(&b, " ");
	for (const struct target *t = ts; t; t = t->next) {
		add_target(&b, t);
		if (t->next)
			add(&b, ", ");
	}
	if (define)
		add(&b, " ");
	add(&b, tail);
	return take(&b);
}

/* The comment of source line L if it belongs to U: every line of U but a
 * last one shared with a later statement. */
static char *unit_comment(const struct unit *u, const struct src_line *lines, int l)
{
	if (l == u->last && !u->owns_comment)
		return NULL;
	return comment_of(lines, l);
}

static void print_unit(struct printer *pr, const struct unit *u, const struct src_line *lines)
{
	const struct target *ts = unit_targets(u->first);
	const bool define = u->first->kind == STMT_DEFINE;
	char *head, *tail;

	unit_parts(u, &head, &tail);
	char *line = one_line(head, ts, tail, define);
	size_t ntargets = 0;
	for (const struct target *t = ts; t; t = t->next)
		ntargets++;
	/* Comments on more than one line need a line each to stay on, even
	 * with one target. */
	bool split = ntargets && (inner_comments(u, lines) ||
				  (ntargets > 1 && (strlen(line) > FMT_WIDTH || (define && ntargets > 3))));
	if (!split) {
		/* All of U's comments (at most one, or none) on its line. */
		char *comment = NULL;
		for (int l = u->line; l <= u->last && !comment; l++)
			comment = unit_comment(u, lines, l);
		put(pr, line, comment);
		free(head);
		free(tail);
		return;
	}
	free(line);

	/* One target a line; a comment goes with the last target of its
	 * source line, or on its own line before the next target. USED: the
	 * last source line whose comment is out. */
	int used = u->line - 1;
	size_t indent = strlen(head);
	struct buf b = { 0 };
	add(&b, head);
	if (define) {
		bool target_here = ts->loc.last_line == u->line;
		put(pr, take(&b), target_here ? NULL : unit_comment(u, lines, u->line));
		used = target_here ? used : u->line;
	}
	for (const struct target *t = ts; t; t = t->next) {
		int tl = t->loc.last_line;
		for (int l = used + 1; l < tl; l++)
			if (lines[l].comment)
				put(pr, NULL, inside_comment(lines, l, define));
		used = used > tl - 1 ? used : tl - 1;
		if (define) {
			add(&b, "\t");
		} else if (!b.n) {
			for (size_t i = 0; i < indent; i++)
				add(&b, " ");
		}
		add_target(&b, t);
		if (t->next || define)
			add(&b, ",");
		else
			add(&b, tail);
		char *comment = NULL;
		if ((!t->next || t->next->loc.first_line > tl) && tl > used) {
			comment = unit_comment(u, lines, tl);
			used = tl;
		}
		put(pr, take(&b), comment);
	}
	if (define) {
		for (int l = used + 1; l < u->last; l++)
			if (lines[l].comment)
				put(pr, NULL, inside_comment(lines, l, define));
		put(pr, xstrdup("}"), u->last > used ? unit_comment(u, lines, u->last) : NULL);
	}
	free(head);
	free(tail);
}

/* --- the file -------------------------------------------------------------- */

/* The lines before U, from U->pre_from: comments and blank lines, which
 * ATTACHED limits to the block right above U (no blank line between). */
static void print_pre(struct printer *pr, const struct src_line *lines, int from, int to)
{
	for (int l = from; l < to; l++) {
		if (lines[l].code)
			continue;
		if (lines[l].comment)
			put(pr, NULL, comment_of(lines, l));
		else
			put_blank(pr);
	}
}

/* The first line of the comment block directly above LINE. */
static int attached_from(const struct src_line *lines, int from, int line)
{
	int l = line;

	while (l > from && lines[l - 1].comment && !lines[l - 1].code)
		l--;
	return l;
}

static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w = *s == '\t' ? (w / 8 + 1) * 8 : w + 1;
	return w;
}

/* Writes PR, aligning the comments of each run of lines that have code
 * and a comment. */
static void render(const struct printer *pr, FILE *fp)
{
	size_t i = 0;

	while (i < pr->n) {
		size_t j = i, col = 0;
		while (j < pr->n && pr->v[j].code && pr->v[j].comment) {
			size_t w = width(pr->v[j].code);
			col = w > col ? w : col;
			j++;
		}
		if (j == i) {
			const struct out_line *o = &pr->v[i];
			if (o->code)
				fputs(o->code, fp);
			if (o->comment)
				fputs(o->comment, fp);
			fputc('\n', fp);
			i++;
			continue;
		}
		for (; i < j; i++) {
			fputs(pr->v[i].code, fp);
			for (size_t w = width(pr->v[i].code); w < col + FMT_COMMENT_GAP; w++)
				fputc(' ', fp);
			fputs(pr->v[i].comment, fp);
			fputc('\n', fp);
		}
	}
}

int format_source(struct arena *a, struct diags *d, const struct source *src, char **out,
		  size_t *len)
{
	unsigned errors = d->errors;
	struct printer pr = { 0 };
	int nlines = 0, nunits = 0;

	if (source_validate(d, src) < 0)
		return -1;
	struct stmt *stmts = parse_source(a, d, src);
	if (d->errors > errors)
		return -1;
	struct src_line *lines = scan_lines(src, &nlines);
	size_t nstmts = 0;
	for (struct stmt *s = stmts; s; s = s->next)
		nstmts++;
	struct unit *units = xcalloc(nstmts + 1, sizeof(*units));
	for (struct stmt *s = stmts; s;) {
		struct unit *u = &units[nunits++];
		u->first = s;
		u->line = s->loc.first_line;
		u->nstmts = 1;
		s = s->next;
		while (u->first->kind == STMT_USE && s && s->kind == STMT_USE &&
		       s->loc.first_line == u->line) {
			u->nstmts++;
			s = s->next;
		}
	}
	/* Each unit's last line: the last line with code before the next
	 * unit starts, or its own line when the next shares it. */
	for (int i = 0; i < nunits; i++) {
		int next = i + 1 < nunits ? units[i + 1].line : nlines + 1;
		struct unit *u = &units[i];
		u->last = u->line;
		for (int l = u->line + 1; l < next; l++)
			if (lines[l].code)
				u->last = l;
		u->owns_comment = next > u->last;
		u->pre_from = i ? units[i - 1].last + 1 : 1;
	}

	/* The head of the file: what comes before its first statement, but
	 * the comment block attached to it. */
	int first = nunits ? attached_from(lines, 1, units[0].line) : nlines + 1;
	int top = -1;	/* the unit printed first: the first of the highest rank */
	for (int i = 0; i < nunits; i++)
		if (setting_rank(units[i].first) >= 0 &&
		    (top < 0 || setting_rank(units[i].first) < setting_rank(units[top].first)))
			top = i;
	bool hoisted_any = top >= 0;
	int head_from = 1;
	/* A comment the file starts with is its header, and stays first,
	 * though it sits right above a statement that another moves below. */
	if (hoisted_any && top != 0 && first == 1 && lines[1].comment && !lines[1].code) {
		int l = 1;
		while (l < units[0].line && lines[l].comment && !lines[l].code)
			l++;
		print_pre(&pr, lines, 1, l);
		put_blank(&pr);
		head_from = first = units[0].pre_from = l;
	}
	if (hoisted_any) {
		print_pre(&pr, lines, head_from, first);
		for (int rank = 0; rank < NSETTINGS; rank++) {
			for (int i = 0; i < nunits; i++) {
				struct unit *u = &units[i];
				if (setting_rank(u->first) != rank)
					continue;
				int from = attached_from(lines, u->pre_from, u->line);
				print_pre(&pr, lines, from, u->line);
				print_unit(&pr, u, lines);
			}
		}
		put_blank(&pr);
	}
	for (int i = 0; i < nunits; i++) {
		struct unit *u = &units[i];
		int from = i == 0 && hoisted_any ? first : u->pre_from;
		if (setting_rank(u->first) >= 0) {
			/* Its attached comments went with it; the rest stays. */
			print_pre(&pr, lines, from, attached_from(lines, from, u->line));
			continue;
		}
		print_pre(&pr, lines, from, u->line);
		print_unit(&pr, u, lines);
	}
	print_pre(&pr, lines, nunits ? units[nunits - 1].last + 1 : first, nlines + 1);
	/* No blank lines at the end. */
	while (pr.n && !pr.v[pr.n - 1].code && !pr.v[pr.n - 1].comment)
		pr.n--;

	char *text = NULL;
	size_t size = 0;
	FILE *fp = xopen_memstream(&text, &size);
	render(&pr, fp);
	xmemstream_close(fp);
	for (size_t i = 0; i < pr.n; i++) {
		free(pr.v[i].code);
		free(pr.v[i].comment);
	}
	free(pr.v);
	free(lines);
	free(units);
	*out = text;
	*len = size;
	return 0;
}
