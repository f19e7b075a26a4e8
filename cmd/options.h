/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A command's options are one table of struct cmd_option. getopt_long's
 * short string, its long options and the command's --help are all made
 * from that table, so what a command takes and what it says it takes
 * cannot drift apart (nftables' src/main.c works the same way). An option
 * the table does not hold is a usage error naming the command: nothing is
 * silently ignored.
 *
 * Every command's table holds OPTION_COLOR and OPTION_HELP, and ends
 * with OPTION_END; the parser itself takes those two options, so the
 * commands never see them. Options several commands share are macros (here and in
 * policy_options.h), written once and put in each table that takes them. */
#ifndef EGRESSC_OPTIONS_H
#define EGRESSC_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* What options_next() returns for an option: its short letter, or for one
 * without a letter a value from OPT_LONG up. The ranges keep the values of
 * this file, of policy_options.h and of each command's own apart. */
enum {
	OPT_LONG = 256,
	OPT_COLOR = OPT_LONG,
	OPT_WERROR,
	OPT_OPTIMIZE,
	OPT_SHARED = 288,	/* policy_options.h's */
	OPT_OWN = 320,		/* a command's own, in its own file */
};

struct cmd_option {
	int val;		/* a letter: also the short option -val */
	const char *long_name;	/* without its "--"; NULL: none */
	const char *arg;	/* the argument's name in --help; NULL: takes none */
	const char *help;	/* one paragraph; --help wraps it */
	/* Spelt as one word with one dash, as compilers spell it
	 * ("-Werror"; alternatives separated by '|'): getopt cannot take
	 * that beside bundled short options, so the parser takes such
	 * words out of argv before getopt sees it. */
	const char *word;
	/* May be given more than once, each adding a value (-I, --resolver).
	 * Any other option with an argument given twice is a usage error:
	 * which of two --hosts-file a command read should never be a
	 * question. */
	bool repeatable;
};

#define OPTION_END { 0 }

#define OPTION_COLOR                                                                   \
	{                                                                              \
		.val = OPT_COLOR, .long_name = "color", .arg = "auto|always|never",   \
		.help = "colour diagnostics (default auto: on a terminal, unless "    \
			"NO_COLOR is set)",                                            \
	}
#define OPTION_HELP { .val = 'h', .long_name = "help", .help = "show this help" }

/* The one-word options. The parser knows them all, so that one a command
 * does not take is refused whole, not as getopt's "-W". */
#define OPTION_WERROR                                                                  \
	{                                                                              \
		.val = OPT_WERROR, .word = "-Werror",                                  \
		.help = "treat warnings (dead, redundant, duplicate) as errors",      \
	}
#define OPTION_OPTIMIZE                                                                \
	{                                                                              \
		.val = OPT_OPTIMIZE, .word = "-O0|-O1",                                \
		.help = "optimization level (default 1): -O0 leaves allow sets as "   \
			"written, -O1 drops what deny or wider rules cover",          \
	}

/* What --help says of a command, and what it takes. */
struct cmd_spec {
	const char *name;		/* "query": in messages */
	const char *const *usage;	/* synopsis lines, NULL-terminated */
	const char *about;		/* what the command does: lines after the usage */
	const struct cmd_option *options;
	const char *notes;		/* lines after the options: exit statuses */
};

/* Options in a table, at most. */
#define OPTIONS_MAX 40

/* The parse of one command line. */
struct cmd_parse {
	const struct cmd_spec *spec;
	int argc;
	char **argv;		/* argv[0]: the command's name */
	/* Without a command word, egressc compiles: its --help then lists
	 * the commands too, and messages point at 'egressc --help'. */
	bool toplevel;
	/* Once options_next() returned 0: the operands. */
	char **args;
	int nargs;
	/* Once options_next() returned -1: the exit status. */
	int status;

	bool started;
	/* The one-word options, taken out first: for each row of the
	 * table, the last word given for it (each sets one value, so the
	 * last one given is what counts), or NULL. */
	const char *words[OPTIONS_MAX];
	int nextword;
	unsigned given[OPTIONS_MAX];	/* per row: how often getopt returned it */
	char shorts[2 * OPTIONS_MAX + 2];
	struct option longopts[OPTIONS_MAX + 1];
};

/* Starts parsing ARGV (as the command gets it: ARGV[0] its name) for the
 * command SPEC describes. */
void options_init(struct cmd_parse *p, const struct cmd_spec *spec, int argc, char **argv);

/* The next option: its val, with *ARG its argument (NULL if it takes none;
 * a one-word option's word). Returns 0 when the options are done, with
 * p->args the operands; -1 when the command is to return p->status at
 * once: after --help (0), or after a usage error was printed (2). */
int options_next(struct cmd_parse *p, const char **arg);

/* Prints "egressc: NAME: MESSAGE" and where to find help on stderr; sets
 * p->status to the usage error status. Returns -1. */
int options_error(struct cmd_parse *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The command's --help: usage, what it does, its options, its notes. */
void options_help(const struct cmd_parse *p, FILE *fp);

#endif
