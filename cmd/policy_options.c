/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "cmd/policy_options.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/diag.h"
#include "compiler/gitblob.h"
#include "compiler/optimize.h"
#include "lib/vec.h"
#include "lib/xalloc.h"

static int parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

void policy_args_init(struct policy_args *a)
{
	*a = (struct policy_args){
		.compile = {
			.optimize = OPTIMIZE_DEFAULT,
			.max_errors = DIAG_MAX_ERRORS,
			.resolve = {
				.resolve_rounds = RESOLVE_ROUNDS_DEFAULT,
				.dns_timeout_ms = DNS_TIMEOUT_MS_DEFAULT,
			},
		},
	};
	a->compile.module_dirs = a->module_dirs;
}

int policy_args_take(struct policy_args *a, struct cmd_parse *p, int val, const char *arg)
{
	struct compile_opts *c = &a->compile;
	struct resolve_opts *r = &c->resolve;

	switch (val) {
	case 'I':
		if (c->nmodule_dirs == MAX_MODULE_DIRS)
			return options_error(p, "-I may be given at most %d times", MAX_MODULE_DIRS);
		a->module_dirs[c->nmodule_dirs++] = arg;
		return 1;
	case OPT_MONITOR:
		c->monitor = true;
		return 1;
	case OPT_HOSTS_FILE:
		r->hosts_file = arg;
		return 1;
	case OPT_RESOLVER:
		VEC_PUSH(r->servers, r->nservers, a->servers_cap, arg);
		return 1;
	case OPT_RESOLVE_ROUNDS:
		if (parse_int(arg, 1, 16, &r->resolve_rounds) < 0)
			return options_error(p, "--resolve-rounds takes 1 to 16, not '%s'", arg);
		return 1;
	case OPT_DNS_TIMEOUT:
		if (parse_int(arg, 10, 600000, &r->dns_timeout_ms) < 0)
			return options_error(p, "--dns-timeout takes 10 to 600000 ms, not '%s'", arg);
		return 1;
	case OPT_ALLOW_UNRESOLVED:
		r->allow_unresolved = true;
		return 1;
	case OPT_STRICT:
		c->strict = true;
		return 1;
	case OPT_MAX_ERRORS: {
		int n;
		if (parse_int(arg, 0, 1000000, &n) < 0)
			return options_error(p, "--max-errors takes 0 (all) to 1000000, not '%s'",
					     arg);
		c->max_errors = (unsigned)n;
		return 1;
	}
	case OPT_OPTIMIZE:
		/* The word is -O0 or -O1. */
		c->optimize = arg[2] - '0';
		return 1;
	}
	return 0;
}

int policy_options_next(struct cmd_parse *p, struct policy_args *a, const char **arg)
{
	int c, taken;

	while ((c = options_next(p, arg)) > 0) {
		if ((taken = policy_args_take(a, p, c, *arg)) == 0)
			return c;
		if (taken < 0)
			return -1;
	}
	return c;
}

int policy_path_split(struct cmd_parse *p, const char *arg, const char **path, const char **rev)
{
	const char *colon = strchr(arg, ':');

	*path = arg;
	*rev = NULL;
	if (!colon || strcmp(arg, "-") == 0 || access(arg, F_OK) == 0)
		return 0;
	char *r = xstrndup(arg, (size_t)(colon - arg));
	if (!gitblob_rev_valid(r)) {
		options_error(p, "'%s' is neither a file nor REV:PATH with a git revision", arg);
		free(r);
		return -1;
	}
	if (!colon[1]) {
		options_error(p, "'%s' names no path in revision '%s'", arg, r);
		free(r);
		return -1;
	}
	*rev = r;
	*path = colon + 1;
	return 0;
}

const char *policy_args_path(struct policy_args *a, struct cmd_parse *p, const char *arg)
{
	const char *path, *rev;

	if (policy_path_split(p, arg, &path, &rev) < 0)
		return NULL;
	free((char *)a->compile.git_rev);
	a->compile.git_rev = rev;
	return path;
}

void policy_args_release(struct policy_args *a)
{
	free((char *)a->compile.git_rev);
	a->compile.git_rev = NULL;
	free(a->compile.resolve.servers);
	a->compile.resolve.servers = NULL;
	a->compile.resolve.nservers = 0;
}
