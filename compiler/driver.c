/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "compiler/driver.h"

#include <string.h>

#include "compiler/check.h"
#include "compiler/lint.h"
#include "compiler/optimize.h"
#include "compiler/load.h"
#include "compiler/modpath.h"

void compilation_init(struct compilation *c)
{
	memset(c, 0, sizeof(*c));
	arena_init(&c->arena);
	diags_init(&c->diags, &c->arena);
	resolution_init(&c->resolved);
}

/* The stages after loading; a stage runs only if the ones before it
 * succeeded, so none sees a half-checked tree. */
static int compile_loaded(struct compilation *c, const struct compile_opts *o)
{
	if (check_policy(&c->arena, &c->diags, &c->policy) < 0)
		return -1;
	if (o->monitor)
		c->policy.mode = MODE_MONITOR;
	if (resolve_policy(&c->arena, &c->diags, &c->policy, &o->resolve, &c->resolved) < 0)
		return -1;
	/* The model is built whole even on error, so it is released either way. */
	int rc = model_build(&c->model, &c->policy, &c->diags);
	c->have_model = true;
	if (rc == 0) {
		lint_rules(&c->diags, &c->policy, &c->model);
		rc = lint_pinned_addresses(&c->diags, &c->model, o->strict);
		optimize_model(&c->model, o->optimize);
		if (!o->no_static_ipsets)
			model_name_static_ipsets(&c->model);
	}
	return rc;
}

static struct load_opts load_opts(struct compilation *c, const struct compile_opts *o,
				  struct modpath *mp)
{
	struct load_opts lo = { .modules = NULL, .git_rev = o->git_rev };

	c->diags.max_errors = o->max_errors;
	if (!o->no_modules) {
		modpath_init(mp, &c->arena, o->module_dirs, o->nmodule_dirs);
		lo.modules = mp;
	}
	return lo;
}

int compilation_run(struct compilation *c, const char *path, const struct compile_opts *o)
{
	struct modpath mp;
	struct load_opts lo = load_opts(c, o, &mp);

	if (load_policy(&c->arena, &c->diags, path, &lo, &c->policy) < 0)
		return -1;
	return compile_loaded(c, o);
}

int compilation_names(struct compilation *c, const char *path, const struct compile_opts *o)
{
	struct modpath mp;
	struct load_opts lo = load_opts(c, o, &mp);
	unsigned errors = c->diags.errors;

	if (load_policy(&c->arena, &c->diags, path, &lo, &c->policy) < 0 ||
	    check_policy(&c->arena, &c->diags, &c->policy) < 0)
		return -1;
	resolve_collect(&c->arena, &c->diags, &c->policy, &c->resolved);
	return c->diags.errors > errors ? -1 : 0;
}

int compilation_run_buffer(struct compilation *c, const char *name, const char *text,
			   size_t len, const struct compile_opts *o)
{
	struct modpath mp;
	struct load_opts lo = load_opts(c, o, &mp);

	if (load_policy_buffer(&c->arena, &c->diags, name, text, len, &lo, &c->policy) < 0)
		return -1;
	return compile_loaded(c, o);
}

void compilation_release(struct compilation *c)
{
	if (c->have_model)
		model_release(&c->model);
	resolution_release(&c->resolved);
	arena_release(&c->arena);
	memset(c, 0, sizeof(*c));
}
