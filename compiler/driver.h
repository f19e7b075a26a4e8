/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One compilation: load, check, resolve, build the model, in that order,
 * each stage queuing diagnostics and the next running only if it succeeded.
 * The compilation owns everything it made; compilation_release() frees it
 * all. Printing and writing outputs are the caller's. */
#ifndef EGRESSC_DRIVER_H
#define EGRESSC_DRIVER_H

#include <stdbool.h>

#include "lib/arena.h"
#include "compiler/ast.h"
#include "compiler/diag.h"
#include "compiler/model.h"
#include "compiler/resolve.h"

struct compile_opts {
	struct resolve_opts resolve;
	const char *const *module_dirs;	/* -I, searched before the rest of modpath.h's path */
	size_t nmodule_dirs;
	bool no_modules;	/* no module path: 'use' fails, no essentials (fuzz_parse) */
	bool monitor;		/* --monitor: as if the policy said 'mode monitor' */
	bool strict;		/* pinned addresses inside the network are errors */
	/* No output wanted has the iptables backend's static ipsets: leave
	 * them unnamed (model_name_static_ipsets()), as an nft output can. */
	bool no_static_ipsets;
	int optimize;		/* optimize.h's level; 0 leaves the model as built */
	unsigned max_errors;	/* errors shown, the rest counted; 0: all */
	/* Read the policy, its includes and its lists from this git revision
	 * of the repository holding the current directory; NULL: files. */
	const char *git_rev;
};

struct compilation {
	struct arena arena;
	struct diags diags;
	struct policy policy;
	struct resolution resolved;
	struct model model;
	bool have_model;
};

void compilation_init(struct compilation *c);
/* Returns 0 with c->model built, or -1 with errors in c->diags. */
int compilation_run(struct compilation *c, const char *path, const struct compile_opts *o);
/* Loads and checks the policy at PATH and collects the hostnames it needs
 * (c->resolved.hosts), resolving none. Returns 0, or -1 with errors. */
int compilation_names(struct compilation *c, const char *path, const struct compile_opts *o);
/* The same on a policy held in memory, named NAME in diagnostics. */
int compilation_run_buffer(struct compilation *c, const char *name, const char *text,
			   size_t len, const struct compile_opts *o);
void compilation_release(struct compilation *c);

#endif
