#include "load.h"

#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "diag.h"
#include "grammar.h"
#include "modpath.h"
#include "strmap.h"
#include "suggest.h"

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
	struct strmap loaded;		/* module name -> its source */
	size_t total;	/* bytes read so far, for POLICY_MAX_BYTES */
};

static struct stmt *load_source(struct loader *ld, struct source *src,
				const struct open_file *outer, int depth);

static struct stmt *count_and_load(struct loader *ld, struct source *src, const struct loc *at,
				   const struct open_file *outer, int depth)
{
	if ((ld->total += src->len) > POLICY_MAX_BYTES) {
		diag_error(ld->diags, at, "the policy's files exceed the limit of %u bytes in all",
			   POLICY_MAX_BYTES);
		return NULL;
	}
	return load_source(ld, src, outer, depth);
}

static struct stmt *load_include(struct loader *ld, const struct stmt *inc,
				 const struct open_file *outer, int depth)
{
	const char *path = source_relative_path(ld->arena, outer->src, inc->include.path);
	const struct loc *at = &inc->include.path_loc;
	struct stat st;

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
	if (stat(path, &st) == 0) {
		for (const struct open_file *f = outer; f; f = f->outer) {
			if (f->dev == st.st_dev && f->ino == st.st_ino) {
				diag_error(ld->diags, at, "include cycle: '%s' is already being read",
					   diag_quote(ld->diags, path, strlen(path)));
				return NULL;
			}
		}
	}
	struct source *src = source_load(ld->arena, ld->diags, path, at);
	if (!src)
		return NULL;
	src->included_from = at;
	return count_and_load(ld, src, at, outer, depth);
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

/* Loads module NAME unless it is loaded already: a module named twice, or
 * by two modules, is one set of rules. AT is its 'use', or NULL when
 * essentials ask for it. */
static struct stmt *load_module(struct loader *ld, const char *name, const struct loc *at,
				const struct open_file *outer, int depth)
{
	const char *display;

	if (strmap_get(&ld->loaded, name))
		return NULL;
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
	struct source *src = source_load(ld->arena, ld->diags, path, at);
	if (!src)
		return NULL;
	src->path = display;
	src->module = name;
	src->implicit = at == NULL;
	src->included_from = at;
	strmap_put(&ld->loaded, name, src);
	return count_and_load(ld, src, at, outer, depth);
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

static struct stmt *load_source(struct loader *ld, struct source *src,
				const struct open_file *outer, int depth)
{
	struct open_file self = { .src = src, .outer = outer };
	struct stat st;

	if (stat(src->path, &st) == 0) {
		self.dev = st.st_dev;
		self.ino = st.st_ino;
	}
	if (source_validate(ld->diags, src) < 0)
		return NULL;
	struct stmt *head = parse_source(ld->arena, ld->diags, src);
	for (struct stmt *s = head, *next; s; s = next) {
		struct stmt *child = NULL;
		next = s->next;
		if (s->kind == STMT_INCLUDE)
			child = load_include(ld, s, &self, depth + 1);
		else if (s->kind == STMT_USE)
			child = load_module(ld, s->use.name, &s->use.name_loc, &self, depth + 1);
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

static int load_root(struct loader *ld, struct source *src, struct policy *policy)
{
	unsigned errors = ld->diags->errors;

	memset(policy, 0, sizeof(*policy));
	strmap_init(&ld->loaded);
	if (src) {
		policy->root = src;
		policy->stmts = load_source(ld, src, NULL, 0);
		if (ld->modules && ld->diags->errors == errors && essentials_wanted(policy->stmts)) {
			struct open_file root = { .src = src };
			struct stmt **tail = &policy->stmts;
			while (*tail)
				tail = &(*tail)->next;
			*tail = load_module(ld, ESSENTIALS_MODULE, NULL, &root, 1);
		}
	}
	strmap_release(&ld->loaded);
	return ld->diags->errors > errors || !src ? -1 : 0;
}

int load_policy(struct arena *a, struct diags *d, const char *path,
		const struct load_opts *o, struct policy *policy)
{
	struct loader ld = { .arena = a, .diags = d, .modules = o ? o->modules : NULL };

	return load_root(&ld, source_load(a, d, path, NULL), policy);
}

int load_policy_buffer(struct arena *a, struct diags *d, const char *name, const char *text,
		       size_t len, const struct load_opts *o, struct policy *policy)
{
	struct loader ld = { .arena = a, .diags = d, .modules = o ? o->modules : NULL };

	return load_root(&ld, source_from_buffer(a, name, text, len), policy);
}
