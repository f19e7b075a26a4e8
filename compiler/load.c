/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading, in two passes, so that a file included many times costs once
 * until the expanded policy is known to fit its limits.
 *
 * The first pass reads and parses every file once - the policy, each file
 * it includes however often, each module it uses - depth-first in the
 * order of the statements, and works out bottom-up how many statements
 * and bytes each file expands to with everything it includes (an include
 * repeats the whole file it names, so that can be exponential; the counts
 * saturate instead of overflowing). A walk over those counts, in the order
 * the expanded policy will hold its statements, finds the first place
 * that passes a limit: that is an error there, and nothing is expanded.
 * Only a policy within its limits gets the second pass, which splices the
 * statements together: a file's first inclusion takes the statements of
 * the first pass, each later one parses the text again (later stages fill
 * in the nodes of each copy, so copies cannot be shared). */
#include "compiler/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/arena.h"
#include "compiler/diag.h"
#include "grammar/grammar.h"
#include "compiler/modpath.h"
#include "compiler/source.h"
#include "lib/strmap.h"
#include "lib/suggest.h"
#include "lib/xalloc.h"

/* Statements and bytes of text; each saturates one past its limit. */
struct expansion {
	size_t stmts, bytes;
};

/* One file of the policy, read and parsed once however often it is
 * included. Included files are found relative to the including file, so
 * a file reached through two directories is two nodes. */
struct file_node {
	struct source *src;		/* as first read; later inclusions copy it */
	bool valid;			/* its text passed source_validate() */
	struct stmt *stmts;		/* as parsed: the first inclusion's */
	bool handed_out;		/* stmts are in the policy: parse again */
	/* For each include and 'use' statement, in order, what it loads
	 * (NULL: nothing, after an error). */
	struct file_node **edges;
	size_t nedges;
	struct expansion size;		/* itself and its includes (not its modules) */
	int height;			/* 1, or 1 + the deepest include below it */
	bool counted;			/* a module: counted toward the limits */
	bool spliced;			/* a module: its statements are in the policy */
	struct file_node *next;		/* loader.nodes, in the order read */
};

/* The files being loaded, innermost first, to refuse include cycles. */
struct open_file {
	dev_t dev;
	ino_t ino;
	const struct source *src;
	const struct open_file *outer;
};

struct loader {
	struct arena *arena;
	struct diags *diags;
	const struct modpath *modules;	/* NULL: no 'use' */
	const char *git_rev;		/* the policy's revision, or NULL */
	struct strmap loaded;		/* module name -> its node */
	struct strmap by_file;		/* file and directory ids -> node */
	struct file_node *nodes, **tail;
	struct source *last;		/* the last file read, for source.next_file */
	struct expansion total;		/* the limit walk, so far */
	bool over;			/* a limit was passed: expand nothing */
};

static size_t saturated(size_t a, size_t b, size_t max)
{
	return a > max - b ? max + 1 : a + b;
}

static void expansion_add(struct expansion *e, const struct expansion *more)
{
	e->stmts = saturated(e->stmts, more->stmts, POLICY_MAX_STATEMENTS);
	e->bytes = saturated(e->bytes, more->bytes, POLICY_MAX_BYTES);
}

static bool expansion_fits(const struct expansion *e)
{
	return e->stmts <= POLICY_MAX_STATEMENTS && e->bytes <= POLICY_MAX_BYTES;
}

/* The file at PATH and the directory its relative includes are found in,
 * as a key for loader.by_file; NULL when PATH cannot be stat'ed. */
static const char *file_key(struct arena *a, const char *path, struct stat *st)
{
	const char *slash = strrchr(path, '/');
	struct stat dir;

	if (stat(path, st) != 0)
		return NULL;
	char *dirname = slash == path ? xstrdup("/")
			: slash	      ? xstrndup(path, (size_t)(slash - path))
				      : xstrdup(".");
	int rc = stat(dirname, &dir);
	free(dirname);
	if (rc != 0)
		return NULL;
	return arena_printf(a, "%llx:%llx:%llx:%llx", (unsigned long long)st->st_dev,
			    (unsigned long long)st->st_ino, (unsigned long long)dir.st_dev,
			    (unsigned long long)dir.st_ino);
}

/* PATH without "." and without a name followed by "..": "a/./b/../c" is
 * "a/c". How a file of a git revision is told apart from another, where
 * no inode says it. */
static const char *normalized_path(struct arena *a, const char *path)
{
	size_t n = strlen(path);
	char *out = arena_alloc(a, n + 1);
	size_t len = 0;

	for (const char *p = path; *p;) {
		const char *end = strchr(p, '/');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		bool up = seg == 2 && p[0] == '.' && p[1] == '.';
		const char *last = len ? memrchr(out, '/', len) : NULL;
		size_t last_start = last ? (size_t)(last - out) + 1 : 0;
		bool can_pop = len && !(len - last_start == 2 && out[last_start] == '.' &&
					out[last_start + 1] == '.');
		if (seg == 0 || (seg == 1 && p[0] == '.')) {
			/* nothing */
		} else if (up && can_pop) {
			len = last ? (size_t)(last - out) : 0;
		} else {
			if (len)
				out[len++] = '/';
			memcpy(out + len, p, seg);
			len += seg;
		}
		p += seg;
		if (*p == '/')
			p++;
	}
	out[len] = '\0';
	return out;
}

/* Whether the files being read include the file PATH of git revision REV. */
static bool git_file_open(struct loader *ld, const struct open_file *outer, const char *rev,
			  const char *path)
{
	const char *want = normalized_path(ld->arena, path);

	for (const struct open_file *f = outer; f; f = f->outer)
		if (f->src->git_rev && strcmp(f->src->git_rev, rev) == 0 &&
		    strcmp(normalized_path(ld->arena, f->src->file), want) == 0)
			return true;
	return false;
}

static struct file_node *node_new(struct loader *ld, struct source *src)
{
	struct file_node *n = arena_alloc(ld->arena, sizeof(*n));

	n->src = src;
	n->height = 1;
	*ld->tail = n;
	ld->tail = &n->next;
	if (ld->last)
		ld->last->next_file = src;
	ld->last = src;
	return n;
}

static void scan_file(struct loader *ld, struct file_node *node, dev_t dev, ino_t ino,
		      const struct open_file *outer, int depth);

static struct file_node *scan_include(struct loader *ld, const struct stmt *inc,
				      const struct open_file *outer, int depth)
{
	const char *path = source_relative_path(ld->arena, outer->src, inc->include.path);
	const struct loc *at = &inc->include.path_loc;
	struct stat st = { 0 };

	if (depth > INCLUDE_MAX_DEPTH) {
		diag_error(ld->diags, at, "includes nest deeper than %d files", INCLUDE_MAX_DEPTH);
		return NULL;
	}
	/* A module's directory depends on the machine; what it needs, it uses. */
	if (outer->src->module) {
		diag_error(ld->diags, at, "a module cannot include files (it can 'use' other modules)");
		return NULL;
	}
	if (inc->include.path[0] == '\0') {
		diag_error(ld->diags, at, "empty include path");
		return NULL;
	}
	/* A file of a git revision includes from the same revision. */
	const char *rev = outer->src->git_rev;
	const char *key = rev ? arena_printf(ld->arena, "git:%s:%s", rev,
					     normalized_path(ld->arena, path))
			      : file_key(ld->arena, path, &st);
	if (key) {
		bool cycle = rev ? git_file_open(ld, outer, rev, path) : false;
		for (const struct open_file *f = outer; f && !rev && !cycle; f = f->outer)
			cycle = f->dev == st.st_dev && f->ino == st.st_ino;
		if (cycle) {
			const char *shown = rev ? arena_printf(ld->arena, "%s:%s", rev, path) : path;
			diag_error(ld->diags, at, "include cycle: '%s' is already being read",
				   diag_quote(ld->diags, shown, strlen(shown)));
			return NULL;
		}
		/* Read before: its includes nest as deep as they did then. */
		struct file_node *seen = strmap_get(&ld->by_file, key);
		if (seen && depth + seen->height - 1 > INCLUDE_MAX_DEPTH) {
			diag_error(ld->diags, at, "includes nest deeper than %d files",
				   INCLUDE_MAX_DEPTH);
			return NULL;
		}
		if (seen)
			return seen;
	}
	struct source *src = rev ? source_load_git(ld->arena, ld->diags, rev, path, at)
				 : source_load(ld->arena, ld->diags, path, at);
	if (!src)
		return NULL;
	src->included_from = at;
	struct file_node *node = node_new(ld, src);
	if (key)
		strmap_put(&ld->by_file, key, node);
	scan_file(ld, node, st.st_dev, st.st_ino, outer, depth);
	return node;
}

static void unknown_module(struct loader *ld, const char *name, const struct loc *at)
{
	const char **names;
	size_t n = modpath_list(ld->modules, ld->arena, &names);
	const char *near = suggest_closest(name, names, n);
	const char *q = diag_quote(ld->diags, name, strlen(name));

	if (!at)
		diag_error(ld->diags, NULL,
			   "essentials need the module '%s', which is not installed (or say 'essentials off')",
			   q);
	else if (near)
		diag_error(ld->diags, at, "unknown module '%s'; did you mean '%s'?", q, near);
	else if (n == 0)
		diag_error(ld->diags, at, "unknown module '%s' (the module path holds no modules)", q);
	else
		diag_error(ld->diags, at, "unknown module '%s'", q);
}

/* Module NAME, read unless it was already: a module named twice, or by two
 * modules, is one set of rules. AT is its 'use', or NULL when essentials
 * ask for it. */
static struct file_node *scan_module(struct loader *ld, const char *name, const struct loc *at,
				     const struct open_file *outer, int depth)
{
	struct file_node *node = strmap_get(&ld->loaded, name);
	const char *display;

	if (node)
		return node;
	if (!module_name_valid(name)) {
		diag_error(ld->diags, at,
			   "invalid module name '%s' (lower-case letters, digits and '-')",
			   diag_quote(ld->diags, name, strlen(name)));
		return NULL;
	}
	if (!ld->modules) {
		diag_error(ld->diags, at, "modules cannot be used here");
		return NULL;
	}
	if (depth > INCLUDE_MAX_DEPTH) {
		diag_error(ld->diags, at, "modules nest deeper than %d files", INCLUDE_MAX_DEPTH);
		return NULL;
	}
	const char *path = modpath_find(ld->modules, ld->arena, name, &display);
	if (!path) {
		unknown_module(ld, name, at);
		return NULL;
	}
	/* A module in a directory of the repository's own (a relative one,
	 * not the stdlib) is the policy's as much as its includes are: read
	 * from the same revision, so that a change to it is a change. */
	const bool from_rev = ld->git_rev && display == path && path[0] != '/';
	struct source *src = from_rev ? source_load_git(ld->arena, ld->diags, ld->git_rev, path, at)
				      : source_load(ld->arena, ld->diags, path, at);
	if (!src)
		return NULL;
	if (!from_rev)
		src->path = display;
	src->module = name;
	src->implicit = at == NULL;
	src->included_from = at;
	node = node_new(ld, src);
	strmap_put(&ld->loaded, name, node);
	scan_file(ld, node, 0, 0, outer, depth);
	return node;
}

/* The first pass over one file: parse it, read what it includes and uses,
 * and add up what it expands to. */
static void scan_file(struct loader *ld, struct file_node *node, dev_t dev, ino_t ino,
		      const struct open_file *outer, int depth)
{
	struct open_file self = { .dev = dev, .ino = ino, .src = node->src, .outer = outer };
	struct expansion size = { .stmts = 0, .bytes = node->src->len };

	node->size = size;
	if (source_validate(ld->diags, node->src) < 0)
		return;
	node->valid = true;
	node->stmts = parse_source(ld->arena, ld->diags, node->src);
	for (const struct stmt *s = node->stmts; s; s = s->next)
		node->nedges += s->kind == STMT_INCLUDE || s->kind == STMT_USE;
	node->edges = arena_alloc(ld->arena, node->nedges * sizeof(*node->edges) + 1);

	size_t e = 0;
	for (const struct stmt *s = node->stmts; s; s = s->next) {
		struct file_node *child = NULL;
		size.stmts = saturated(size.stmts, 1, POLICY_MAX_STATEMENTS);
		if (s->kind == STMT_INCLUDE) {
			child = scan_include(ld, s, &self, depth + 1);
			if (child) {
				expansion_add(&size, &child->size);
				if (child->height + 1 > node->height)
					node->height = child->height + 1;
			}
		} else if (s->kind == STMT_USE) {
			child = scan_module(ld, s->use.name, &s->use.name_loc, &self, depth + 1);
		} else {
			continue;
		}
		node->edges[e++] = child;
	}
	node->size = size;
}

/* Counts NODE, brought in at AT, into the total in the order the expanded
 * policy will hold it. A file that fits is added whole; one that alone
 * would pass a limit is entered, so the error points at the innermost
 * include that repeats too much. */
static void walk(struct loader *ld, const struct file_node *node, const struct loc *at)
{
	if (ld->total.bytes > POLICY_MAX_BYTES - node->src->len) {
		diag_error(ld->diags, at, "the policy's files exceed the limit of %u bytes in all",
			   POLICY_MAX_BYTES);
		ld->over = true;
		return;
	}
	ld->total.bytes += node->src->len;
	size_t e = 0;
	for (const struct stmt *s = node->stmts; s && !ld->over; s = s->next) {
		if (++ld->total.stmts > POLICY_MAX_STATEMENTS) {
			diag_error(ld->diags, &s->loc, "the policy expands to more than %u statements",
				   POLICY_MAX_STATEMENTS);
			ld->over = true;
			return;
		}
		if (s->kind != STMT_INCLUDE) {
			e += s->kind == STMT_USE;
			continue;
		}
		const struct file_node *child = node->edges[e++];
		if (!child)
			continue;
		struct expansion with = ld->total;
		expansion_add(&with, &child->size);
		if (expansion_fits(&with)) {
			ld->total = with;
			continue;
		}
		if (!expansion_fits(&child->size)) {
			walk(ld, child, &s->include.path_loc);
			continue;
		}
		const char *q = diag_quote(ld->diags, s->include.path, strlen(s->include.path));
		if (with.stmts > POLICY_MAX_STATEMENTS)
			diag_error(ld->diags, &s->include.path_loc,
				   "including '%s' here expands the policy to more than %u statements (an include repeats all of the file)",
				   q, POLICY_MAX_STATEMENTS);
		else
			diag_error(ld->diags, &s->include.path_loc,
				   "including '%s' here takes the policy's files past the limit of %u bytes in all (an include repeats all of the file)",
				   q, POLICY_MAX_BYTES);
		ld->over = true;
	}
}

/* Counts every module not counted yet, at its first 'use'. */
static void walk_modules(struct loader *ld)
{
	for (struct file_node *n = ld->nodes; n && !ld->over; n = n->next) {
		if (!n->src->module || n->counted)
			continue;
		n->counted = true;
		walk(ld, n, n->src->included_from);
	}
}

/* Splices CHILD's statements in after S. */
static void splice_after(struct stmt *s, struct stmt *child)
{
	struct stmt *last = child;

	while (last->next)
		last = last->next;
	last->next = s->next;
	s->next = child;
}

/* The second pass: NODE's statements, brought in at AT, with what it
 * includes spliced in after each include, and each module after its first
 * 'use'. */
static struct stmt *expand_file(struct loader *ld, struct file_node *node, const struct loc *at)
{
	struct stmt *head;

	if (!node->valid)
		return NULL;
	if (!node->handed_out) {
		node->handed_out = true;
		head = node->stmts;
	} else {
		/* The same text parses the same: its errors were reported
		 * the first time. */
		struct source *again = arena_alloc(ld->arena, sizeof(*again));
		struct diags quiet;
		*again = *node->src;
		again->included_from = at;
		diags_init(&quiet, ld->arena);
		head = parse_source(ld->arena, &quiet, again);
	}
	size_t e = 0;
	for (struct stmt *s = head, *next; s; s = next) {
		struct stmt *child = NULL;
		struct file_node *n;
		next = s->next;
		if (s->kind == STMT_INCLUDE) {
			n = node->edges[e++];
			if (n)
				child = expand_file(ld, n, &s->include.path_loc);
		} else if (s->kind == STMT_USE) {
			n = node->edges[e++];
			if (n && !n->spliced) {
				n->spliced = true;
				child = expand_file(ld, n, &s->use.name_loc);
			}
		}
		if (child)
			splice_after(s, child);
	}
	return head;
}

/* 'essentials off' anywhere outside a module (check.c refuses it inside
 * one, and any other word). */
static bool essentials_wanted(const struct stmt *stmts)
{
	for (const struct stmt *s = stmts; s; s = s->next)
		if (s->kind == STMT_ESSENTIALS && !s->loc.src->module &&
		    strcmp(s->setting.word, "off") == 0)
			return false;
	return true;
}

static void load_essentials(struct loader *ld, struct policy *policy)
{
	struct open_file root = { .src = policy->root };
	struct file_node *node = scan_module(ld, ESSENTIALS_MODULE, NULL, &root, 1);

	walk_modules(ld);
	if (!node || node->spliced || ld->over)
		return;
	node->spliced = true;
	struct stmt **tail = &policy->stmts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = expand_file(ld, node, NULL);
}

static int load_root(struct loader *ld, struct source *src, struct policy *policy)
{
	unsigned errors = ld->diags->errors;

	memset(policy, 0, sizeof(*policy));
	strmap_init(&ld->loaded);
	strmap_init(&ld->by_file);
	ld->tail = &ld->nodes;
	if (src) {
		struct stat st = { 0 };
		const char *key = file_key(ld->arena, src->path, &st);
		struct file_node *root = node_new(ld, src);
		if (key)
			strmap_put(&ld->by_file, key, root);
		policy->root = src;
		scan_file(ld, root, st.st_dev, st.st_ino, NULL, 0);
		walk(ld, root, NULL);
		walk_modules(ld);
		policy->stmts = ld->over ? root->stmts : expand_file(ld, root, NULL);
		if (ld->modules && ld->diags->errors == errors && essentials_wanted(policy->stmts))
			load_essentials(ld, policy);
	}
	strmap_release(&ld->loaded);
	strmap_release(&ld->by_file);
	return ld->diags->errors > errors || !src ? -1 : 0;
}

int load_policy(struct arena *a, struct diags *d, const char *path,
		const struct load_opts *o, struct policy *policy)
{
	const char *rev = o ? o->git_rev : NULL;
	struct loader ld = { .arena = a, .diags = d, .modules = o ? o->modules : NULL,
			     .git_rev = rev };

	return load_root(&ld, rev ? source_load_git(a, d, rev, path, NULL) : source_load_arg(a, d, path),
			 policy);
}

int load_policy_buffer(struct arena *a, struct diags *d, const char *name, const char *text,
		       size_t len, const struct load_opts *o, struct policy *policy)
{
	struct loader ld = { .arena = a, .diags = d, .modules = o ? o->modules : NULL };

	return load_root(&ld, source_from_buffer(a, name, text, len), policy);
}
