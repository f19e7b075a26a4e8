/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading: parse a policy file and splice every included file's statements
 * in place of its include statement, depth-first, once the whole is known
 * to fit POLICY_MAX_BYTES and POLICY_MAX_STATEMENTS. */
#ifndef EGRESSC_LOAD_H
#define EGRESSC_LOAD_H

#include "compiler/ast.h"

struct arena;
struct diags;
struct modpath;

/* MODULES: where 'use' looks. NULL (parser tests, fuzzers): every 'use' is
 * an error, and essentials are not added. */
struct load_opts {
	const struct modpath *modules;
	/* The policy is PATH of this git revision, and so are the files it
	 * includes and lists (modules come from the module path); NULL:
	 * files, PATH as source_load_arg() takes it. */
	const char *git_rev;
};

/* Includes nest at most this deep; deeper is an error, not a crash. */
#define INCLUDE_MAX_DEPTH 16
/* All the files of one policy together may hold at most this many bytes,
 * and at most this many statements, counting a file once for each time
 * it is included (an include repeats all of it). Both are checked before
 * any file is repeated. */
#define POLICY_MAX_BYTES (256u * 1024 * 1024)
#define POLICY_MAX_STATEMENTS (1u << 22)

/* Fills POLICY->root and POLICY->stmts, with each 'use'd module's statements
 * spliced in after its 'use' (a module is loaded once however often it is
 * named) and, unless the policy says 'essentials off', the essentials
 * module's appended at the end. Returns 0, or -1 with errors queued (the
 * statement list may then be partial). */
int load_policy(struct arena *a, struct diags *d, const char *path,
		const struct load_opts *o, struct policy *policy);

/* For fuzzers and tests: parse TEXT as if it were the file NAME; includes
 * are resolved relative to the working directory. */
int load_policy_buffer(struct arena *a, struct diags *d, const char *name, const char *text,
		       size_t len, const struct load_opts *o, struct policy *policy);

#endif
