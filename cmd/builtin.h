/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commands of egressc, in git's builtin/ pattern: each one is
 * cmd_NAME() in cmd/NAME.c, with its own usage and option table, and
 * main.c finds it by its row in commands[]. A command gets the command
 * line from its name on (argv[0] is "query") and returns the exit status.
 * Without a command word egressc compiles: cmd_compile() then gets the
 * whole command line, argv[0] the program.
 *
 * To add a command:
 *   1. write cmd/NAME.c with int cmd_NAME(int argc, char **argv): a
 *      struct cmd_spec with its usage, what it does, its option table
 *      (options.h; shared options are macros there and in
 *      policy_options.h) and its exit statuses, and an options_next()
 *      loop with a case for each option in the table;
 *   2. declare cmd_NAME() below;
 *   3. add its row (name, function, one-line summary) to commands[] in
 *      cmd/main.c;
 *   4. document its synopsis and options in man/egressc.1 and in the
 *      README's option table: tests/options.sh fails until both list
 *      exactly what 'egressc NAME --help' does.
 * The Makefile builds every cmd/ file into the binary by itself. */
#ifndef EGRESSC_BUILTIN_H
#define EGRESSC_BUILTIN_H

#include <stdio.h>

enum exit_status {
	EXIT_OK = 0,
	EXIT_POLICY = 1,	/* the policy has errors, or an output failed */
	EXIT_USAGE = 2,
};

int cmd_compile(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_fmt(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_import(int argc, char **argv);

/* The commands and their summaries, for 'egressc --help'. */
void commands_help(FILE *fp);

#endif
