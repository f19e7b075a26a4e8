/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc diff: what two policies let out differently, both compiled
 * alike and compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/gitblob.h"
#include "lib/xalloc.h"
#include "compiler/query.h"

static const char *const diff_usage[] = {
	"egressc diff [OPTIONS] OLD NEW",
	"egressc diff [OPTIONS] --git-base REV [OLD] NEW",
	NULL,
};

enum {
	OPT_OLD_HOSTS_FILE = OPT_OWN,
	OPT_NEW_HOSTS_FILE,
	OPT_GIT_BASE,
};

static const struct cmd_option diff_options[] = {
	{ .val = 'f',
	  .long_name = "format",
	  .arg = "text|json",
	  .help = "text (default): a line per change; json: a list of objects" },
	{ .val = OPT_OLD_HOSTS_FILE,
	  .long_name = "old-hosts-file",
	  .arg = "FILE",
	  .help = "resolve OLD's hostnames from FILE (as OLD's side saved them with "
		  "--save-resolved), not from --hosts-file or DNS" },
	{ .val = OPT_NEW_HOSTS_FILE,
	  .long_name = "new-hosts-file",
	  .arg = "FILE",
	  .help = "resolve NEW's hostnames from FILE: a change that only re-pins a name "
		  "shows as the addresses it moves" },
	{ .val = OPT_GIT_BASE,
	  .long_name = "git-base",
	  .arg = "REV",
	  .help = "read OLD (without OLD: NEW's path) from git revision REV, and the "
		  "files it includes and lists with it" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec diff_spec = {
	.name = "diff",
	.usage = diff_usage,
	.about = "Prints the settings that differ (a line each, old -> new; '!' for those\n"
		 "that let everything out), then the traffic NEW allows that OLD denied (+)\n"
		 "and the traffic OLD allowed that NEW denies (-), each with the rule\n"
		 "responsible.\n",
	.options = diff_options,
	.notes = "OLD or NEW may be REV:PATH, PATH as git revision REV has it (with what it\n"
		 "includes and lists), or '-', standard input; '<(...)' works too.\n"
		 "Exit status: 0 the same, 1 different, 2 errors.\n",
};

struct diff_args {
	enum diff_format format;
	struct policy_args policy_args;
	const char *side_hosts[2];	/* --old-hosts-file, --new-hosts-file */
	const char *git_base;		/* --git-base */
	/* Each side: a path, and the git revision it is read from (or NULL). */
	const char *path[2];
	const char *rev[2];
};

static int parse_args(struct cmd_parse *p, struct diff_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, &o->policy_args, &arg)) > 0) {
		if (c == OPT_OLD_HOSTS_FILE || c == OPT_NEW_HOSTS_FILE) {
			o->side_hosts[c == OPT_NEW_HOSTS_FILE] = arg;
			continue;
		}
		if (c == OPT_GIT_BASE) {
			if (!gitblob_rev_valid(arg))
				return options_error(p, "--git-base takes a git revision, not '%s'", arg);
			o->git_base = arg;
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
	if (p->nargs != 2 && !(o->git_base && p->nargs == 1))
		return options_error(p, o->git_base ? "expected [OLD] NEW" : "expected OLD NEW");
	for (int side = 0; side < 2; side++) {
		const char *given = p->args[p->nargs == 2 ? side : 0];
		if (policy_path_split(p, given, &o->path[side], &o->rev[side]) < 0)
			return -1;
	}
	if (o->git_base) {
		if (o->rev[0])
			return options_error(p, "--git-base and '%s' both name OLD's revision",
					     p->args[0]);
		o->rev[0] = xstrdup(o->git_base);
	}
	if (strcmp(o->path[0], "-") == 0 && strcmp(o->path[1], "-") == 0 && !o->rev[0] &&
	    !o->rev[1])
		return options_error(p, "standard input ('-') can be only one side");
	return 0;
}

/* Both compiled alike (each side with its own hosts file, if given), then
 * compared; errors are 2. */
static int run_diff(const struct diff_args *o)
{
	struct compile_opts copts[2] = { o->policy_args.compile, o->policy_args.compile };
	const char *old_path = o->path[0], *new_path = o->path[1];
	struct compilation old, new;
	int rc = 2;

	for (int side = 0; side < 2; side++) {
		if (o->side_hosts[side])
			copts[side].resolve.hosts_file = o->side_hosts[side];
		copts[side].git_rev = o->rev[side];
	}
	compilation_init(&old);
	compilation_init(&new);
	if (compilation_run(&old, old_path, &copts[0]) == 0) {
		if (compilation_run(&new, new_path, &copts[1]) == 0) {
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
	status = parse_args(&p, &o) < 0 ? p.status : run_diff(&o);
	policy_args_release(&o.policy_args);
	free((char *)o.rev[0]);
	free((char *)o.rev[1]);
	return status;
}
