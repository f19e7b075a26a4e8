/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc: finds the command named by the first argument in commands[]
 * and runs it; without a command word, egressc compiles. Each command
 * parses its own options (builtin.h says how to add one). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/builtin.h"
#include "compiler/diag.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "compile", cmd_compile, "compile a policy into firewall rulesets (the default)" },
	{ "query", cmd_query, "say what a policy does with one packet, and why" },
	{ "diff", cmd_diff, "print the traffic two policies let out differently" },
	{ "apply", cmd_apply, "load compiled outputs (or a policy) on this host" },
	{ "fmt", cmd_fmt, "print policies in the canonical layout" },
	{ "names", cmd_names, "list the hostnames a policy needs resolved" },
	{ "import", cmd_import, "turn a provider's published endpoint list into a module or list" },
	{ NULL, NULL, NULL },
};

void commands_help(FILE *fp)
{
	fputs("Commands ('egressc help COMMAND' shows a command's options):\n", fp);
	for (const struct command *c = commands; c->name; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
}

int main(int argc, char **argv)
{
	/* --color=auto, the default: on a terminal, unless NO_COLOR is set. */
	const char *no_color = getenv("NO_COLOR");
	diags_set_color(isatty(2) && !(no_color && *no_color));

	/* "egressc help [COMMAND]" is "egressc [COMMAND] --help". */
	if (argc > 1 && strcmp(argv[1], "help") == 0 && argc <= 3) {
		char help[] = "--help";
		const char *name = argc == 3 ? argv[2] : "compile";
		for (const struct command *c = commands; c->name; c++) {
			if (strcmp(name, c->name) == 0) {
				char *args[] = { (char *)c->name, help, NULL };
				return c->fn(2, args);
			}
		}
		fprintf(stderr, "egressc: help: no command '%s'\n", name);
		commands_help(stderr);
		return EXIT_USAGE;
	}
	if (argc > 1)
		for (const struct command *c = commands; c->name; c++)
			if (strcmp(argv[1], c->name) == 0)
				return c->fn(argc - 1, argv + 1);
	return cmd_compile(argc, argv);
}
