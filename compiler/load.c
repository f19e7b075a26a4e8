#include "load.h"

#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "diag.h"
#include "grammar.h"

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
	size_t total;	/* bytes read so far, for POLICY_MAX_BYTES */
};

static struct stmt *load_source(struct loader *ld, struct source *src,
				const struct open_file *outer, int depth);

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
	if ((ld->total += src->len) > POLICY_MAX_BYTES) {
		diag_error(ld->diags, at, "the policy's files exceed the limit of %u bytes in all",
			   POLICY_MAX_BYTES);
		return NULL;
	}
	return load_source(ld, src, outer, depth);
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
		next = s->next;
		if (s->kind != STMT_INCLUDE)
			continue;
		struct stmt *child = load_include(ld, s, &self, depth + 1);
		if (!child)
			continue;
		struct stmt *last = child;
		while (last->next)
			last = last->next;
		last->next = next;
		s->next = child;
	}
	return head;
}

int load_policy(struct arena *a, struct diags *d, const char *path, struct policy *policy)
{
	struct loader ld = { .arena = a, .diags = d };
	unsigned errors = d->errors;
	struct source *src = source_load(a, d, path, NULL);

	memset(policy, 0, sizeof(*policy));
	if (!src)
		return -1;
	policy->root = src;
	policy->stmts = load_source(&ld, src, NULL, 0);
	return d->errors > errors ? -1 : 0;
}

int load_policy_buffer(struct arena *a, struct diags *d, const char *name, const char *text,
		       size_t len, struct policy *policy)
{
	struct loader ld = { .arena = a, .diags = d };
	unsigned errors = d->errors;
	struct source *src = source_from_buffer(a, name, text, len);

	memset(policy, 0, sizeof(*policy));
	policy->root = src;
	policy->stmts = load_source(&ld, src, NULL, 0);
	return d->errors > errors ? -1 : 0;
}
