/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc diff: what two policies let out differently, both compiled
 * alike and compared. */
#include <stdio.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/query.h"

static const char *const diff_usage[] = {
	"egressc diff [OPTIONS] OLD NEW",
	NULL,
};

static const struct cmd_option diff_options[] = {
	{ .val = 'f',
	  .long_name = "format",
	  .arg = "text|json",
	  .help = "text (default): a line per change; json: a list of objects" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec diff_spec = {
	.name = "diff",
	.usage = diff_usage,
	.about = "Prints the traffic NEW allows that OLD denied (+) and the traffic OLD\n"
		 "allowed that NEW denies (-), each with the rule responsible.\n",
	.options = diff_options,
	.notes = "Exit status: 0 the same, 1 different, 2 errors.\n",
};

struct diff_args {
	enum diff_format format;
	struct policy_args policy_args;
};

static int parse_args(struct cmd_parse *p, struct diff_args *o)
{
	const char *arg;
	int c, taken;

	while ((c = options_next(p, &arg)) > 0) {
		if ((taken = policy_args_take(&o->policy_args, p, c, arg)) != 0) {
			if (taken < 0)
				return -1;
			continue;
		}
		if (c != 'f')
			continue;
		if (strcmp(arg, "text") == 0)
			o->format = DIFF_TEXT;
		else if (strcmp(arg, "json") == 0)
			o->format = DIFF_JSON;
		else
			return options_error(p, "--format takes text or json, not '%s'", arg);
	}
	if (c < 0)
		return -1;
	if (p->nargs != 2)
		return options_error(p, "expected OLD NEW");
	return 0;
}

/* Both compiled alike, then compared; errors are 2. */
static int run_diff(const struct diff_args *o, const char *old_path, const char *new_path)
{
	const struct compile_opts *copts = &o->policy_args.compile;
	struct compilation old, new;
	int rc = 2;

	compilation_init(&old);
	compilation_init(&new);
	if (compilation_run(&old, old_path, copts) == 0) {
		if (compilation_run(&new, new_path, copts) == 0) {
			size_t lines = policy_diff(stdout, &old.model, &new.model, o->format);
			rc = fflush(stdout) == 0 ? (lines ? 1 : 0) : 2;
		}
		diags_print_errors(&new.diags, stderr);
	}
	diags_print_errors(&old.diags, stderr);
	compilation_release(&new);
	compilation_release(&old);
	return rc;
}

int cmd_diff(int argc, char **argv)
{
	struct diff_args o = { .format = DIFF_TEXT };
	struct cmd_parse p;
	int status;

	policy_args_init(&o.policy_args);
	options_init(&p, &diff_spec, argc, argv);
	status = parse_args(&p, &o) < 0 ? p.status : run_diff(&o, p.args[0], p.args[1]);
	policy_args_release(&o.policy_args);
	return status;
}
