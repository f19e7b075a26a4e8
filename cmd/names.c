/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc names: the hostnames a policy needs resolved - its own, its
 * modules' and what essentials add - so that a hosts file for a hermetic
 * compile (--hosts-file) can be built without compiling and reading
 * errors in a loop. Nothing is resolved. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "lib/xalloc.h"

static const char *const names_usage[] = {
	"egressc names [OPTIONS] POLICY",
	NULL,
};

static const struct cmd_option names_options[] = {
	{ .val = 'I',
	  .arg = "DIR",
	  .repeatable = true,
	  .help = "look for modules ('use NAME') in DIR first (repeatable, at most 16 "
		  "times; then $EGRESSC_PATH, then the installed stdlib)" },
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec names_spec = {
	.name = "names",
	.usage = names_usage,
	.about = "Prints every hostname POLICY needs resolved, its modules' and essentials'\n"
		 "included, a line each, sorted. Wildcards are not among them: dnsmasq\n"
		 "fills their sets at run time.\n",
	.options = names_options,
	.notes = "Exit status: 0 listed, 1 errors in the policy, 2 usage errors.\n",
};

static int name_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct host *const *)a)->name,
		      (*(const struct host *const *)b)->name);
}

int cmd_names(int argc, char **argv)
{
	struct policy_args args;
	struct cmd_parse p;
	struct compilation c;
	const char *arg;
	int opt, status = EXIT_POLICY;

	policy_args_init(&args);
	options_init(&p, &names_spec, argc, argv);
	while ((opt = policy_options_next(&p, &args, &arg)) > 0)
		;	/* -I is all names takes */
	if (opt == 0 && p.nargs != 1)
		opt = options_error(&p, "expected one POLICY");
	const char *policy = opt == 0 ? policy_args_path(&args, &p, p.args[0]) : NULL;
	if (opt != 0 || !policy) {
		policy_args_release(&args);
		return p.status;
	}
	compilation_init(&c);
	if (compilation_names(&c, policy, &args.compile) == 0) {
		struct host **sorted = xreallocarray(NULL, c.resolved.nhosts + 1, sizeof(*sorted));
		for (size_t i = 0; i < c.resolved.nhosts; i++)
			sorted[i] = c.resolved.hosts[i];
		if (c.resolved.nhosts > 1)
			qsort(sorted, c.resolved.nhosts, sizeof(*sorted), name_cmp);
		for (size_t i = 0; i < c.resolved.nhosts; i++)
			printf("%s\n", sorted[i]->name);
		free(sorted);
		status = fflush(stdout) == 0 ? EXIT_OK : EXIT_POLICY;
	}
	diags_print(&c.diags, stderr);
	compilation_release(&c);
	policy_args_release(&args);
	return status;
}
