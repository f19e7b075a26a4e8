/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd/outpaths.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compiler/addrlist.h"
#include "lib/arena.h"
#include "compiler/diag.h"
#include "compiler/driver.h"

/* Which file a path names. */
struct file_id {
	enum {
		ID_NONE,	/* nothing that can clash */
		ID_STDOUT,
		ID_FILE,	/* exists: dev and ino */
		ID_PATH,	/* does not exist yet: path */
	} kind;
	dev_t dev;
	ino_t ino;
	char *path;	/* malloc'd */
};

/* PATH made absolute, with the symbolic links of the part that exists
 * followed, for a file that does not exist (yet). malloc'd. */
static char *resolve_path(const char *path)
{
	char *real = realpath(path, NULL);

	if (real)
		return real;
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	char *dir;
	if (!slash) {
		dir = getcwd(NULL, 0);
		if (!dir)
			dir = xstrdup(".");
	} else if (slash == path) {
		dir = xstrdup("/");
	} else {
		char *parent = xstrdup(path);
		parent[slash - path] = '\0';
		dir = resolve_path(parent);
		free(parent);
	}
	if (!*base || strcmp(base, ".") == 0)
		return dir;
	if (strcmp(base, "..") == 0) {
		/* DIR has no links left to follow: ".." is its parent. */
		char *up = strrchr(dir, '/');
		if (up)
			up[up == dir] = '\0';
		return dir;
	}
	size_t len = strlen(dir) + strlen(base) + 2;
	char *joined = xmalloc(len);
	snprintf(joined, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", base);
	free(dir);
	return joined;
}

static void file_id_get(struct file_id *id, const char *path, bool output)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (output && strcmp(path, "-") == 0) {
		id->kind = ID_STDOUT;
	} else if (stat(path, &st) == 0) {
		/* A device or a FIFO is written in place, never replaced
		 * (output.h), and no input is one. */
		if (!output || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
			id->kind = ID_FILE;
			id->dev = st.st_dev;
			id->ino = st.st_ino;
		}
	} else if (output) {
		id->kind = ID_PATH;
		id->path = resolve_path(path);
	}
}

static bool file_id_same(const struct file_id *a, const struct file_id *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case ID_STDOUT:
		return true;
	case ID_FILE:
		return a->dev == b->dev && a->ino == b->ino;
	case ID_PATH:
		return strcmp(a->path, b->path) == 0;
	default:
		return false;
	}
}

struct checker {
	struct diags *diags;
	const struct out_path *outs;
	const struct file_id *ids;
	size_t n;
};

/* Input PATH, which is WHAT (named at AT, or nowhere), against every
 * output. */
static void check_input(struct checker *k, const char *path, const char *what,
			const struct loc *at)
{
	struct file_id in;

	file_id_get(&in, path, false);
	for (size_t i = 0; i < k->n; i++) {
		if (!file_id_same(&in, &k->ids[i]))
			continue;
		const char *q = diag_quote(k->diags, k->outs[i].path, strlen(k->outs[i].path));
		diag_error(k->diags, at, "'%s' is both an output (%s) and %s", q, k->outs[i].option,
			   what);
	}
	free(in.path);
}

/* Where address list L is first named, for its diagnostic. */
static const struct loc *list_loc(const struct policy *p, const struct addrlist *l)
{
	for (const struct stmt *s = p->stmts; s; s = s->next) {
		const struct target *t = s->kind == STMT_RULE	 ? s->rule.targets
					 : s->kind == STMT_DEFINE ? s->define.targets
								  : NULL;
		for (; t; t = t->next)
			if (t->kind == TARGET_FILE && t->list == l)
				return &t->loc;
	}
	return NULL;
}

int outpaths_check(struct diags *d, const struct out_path *outs, size_t n,
		   const struct compilation *c, const char *hosts_file)
{
	struct file_id *ids = xcalloc(n ? n : 1, sizeof(*ids));
	struct checker k = { .diags = d, .outs = outs, .ids = ids, .n = n };
	unsigned errors = d->errors;

	for (size_t i = 0; i < n; i++) {
		file_id_get(&ids[i], outs[i].path, true);
		for (size_t j = 0; j < i; j++) {
			if (!file_id_same(&ids[i], &ids[j]))
				continue;
			if (ids[i].kind == ID_STDOUT)
				diag_error(d, NULL, "standard output is two outputs (%s and %s)",
					   outs[j].option, outs[i].option);
			else
				diag_error(d, NULL, "outputs '%s' (%s) and '%s' (%s) are one file",
					   diag_quote(d, outs[j].path, strlen(outs[j].path)),
					   outs[j].option,
					   diag_quote(d, outs[i].path, strlen(outs[i].path)),
					   outs[i].option);
			break;
		}
	}
	for (const struct source *s = c->policy.root; s; s = s->next_file) {
		if (!s->file)
			continue;
		if (s == c->policy.root)
			check_input(&k, s->file, "the policy", NULL);
		else if (s->module)
			check_input(&k, s->file,
				    arena_printf(d->arena, "module '%s'", s->module),
				    s->included_from);
		else
			check_input(&k, s->file, "this included file", s->included_from);
	}
	if (hosts_file)
		check_input(&k, hosts_file, "the hosts file (--hosts-file)", NULL);
	for (size_t i = 0; i < c->resolved.nlists; i++) {
		const struct addrlist *l = c->resolved.lists[i];
		const struct loc *at = list_loc(&c->policy, l);
		check_input(&k, l->path, at ? "this address list" : "an address list", at);
	}
	for (size_t i = 0; i < n; i++)
		free(ids[i].path);
	free(ids);
	return d->errors > errors ? -1 : 0;
}
