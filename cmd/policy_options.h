/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The options of the commands that compile a policy before they do their
 * work (compile, query, diff, apply): where modules come from, how
 * hostnames resolve, the mode and the optimization level. Written once
 * here; each of those commands puts POLICY_OPTIONS in its option table
 * and hands what options_next() returns to policy_args_take(). */
#ifndef EGRESSC_POLICY_OPTIONS_H
#define EGRESSC_POLICY_OPTIONS_H

#include "cmd/options.h"
#include "compiler/driver.h"

/* -I DIR may be given this many times. */
#define MAX_MODULE_DIRS 16

enum {
	OPT_MONITOR = OPT_SHARED,
	OPT_HOSTS_FILE,
	OPT_RESOLVER,
	OPT_RESOLVE_ROUNDS,
	OPT_DNS_TIMEOUT,
	OPT_ALLOW_UNRESOLVED,
	OPT_STRICT,
	OPT_MAX_ERRORS,
};

#define POLICY_OPTIONS                                                                        \
	{ .val = 'I',                                                                         \
	  .arg = "DIR",                                                                       \
	  .repeatable = true,                                                                 \
	  .help = "look for modules ('use NAME') in DIR first (repeatable, at most 16 "       \
		  "times; then $EGRESSC_PATH, then the installed stdlib)" },                  \
	{ .val = OPT_MONITOR,                                                                 \
	  .long_name = "monitor",                                                             \
	  .help = "compile as if the policy said 'mode monitor': log and count what it "      \
		  "would block, block nothing" },                                             \
	{ .val = OPT_HOSTS_FILE,                                                              \
	  .long_name = "hosts-file",                                                          \
	  .arg = "FILE",                                                                      \
	  .help = "resolve hostnames from a hosts(5)-format file, not DNS" },                 \
	{ .val = OPT_RESOLVER,                                                                \
	  .long_name = "resolver",                                                            \
	  .arg = "ADDR[:PORT]",                                                               \
	  .repeatable = true,                                                                 \
	  .help = "a DNS server to ask (repeatable; [V6]:PORT); default: the servers of "     \
		  "/etc/resolv.conf" },                                                       \
	{ .val = OPT_RESOLVE_ROUNDS,                                                          \
	  .long_name = "resolve-rounds",                                                      \
	  .arg = "N",                                                                         \
	  .help = "ask each name N times and pin the union (default 3)" },                    \
	{ .val = OPT_DNS_TIMEOUT,                                                             \
	  .long_name = "dns-timeout",                                                         \
	  .arg = "MS",                                                                        \
	  .help = "give up on a query after MS milliseconds (default 3000)" },                \
	{ .val = OPT_ALLOW_UNRESOLVED,                                                        \
	  .long_name = "allow-unresolved",                                                    \
	  .help = "a name that does not resolve warns instead of failing" },                  \
	{ .val = OPT_STRICT,                                                                  \
	  .long_name = "strict",                                                              \
	  .help = "a name resolving to a private, loopback, link-local, unspecified or "      \
		  "multicast address is an error" },                                          \
	{ .val = OPT_MAX_ERRORS,                                                              \
	  .long_name = "max-errors",                                                          \
	  .arg = "N",                                                                         \
	  .help = "show at most N errors, counting the rest (default 20; 0: all)" },          \
	OPTION_OPTIMIZE

/* What POLICY_OPTIONS set: the options of a compilation. */
struct policy_args {
	struct compile_opts compile;
	const char *module_dirs[MAX_MODULE_DIRS];
	size_t servers_cap;	/* of compile.resolve.servers */
};

/* The defaults. A must not move afterwards: compile points into it. */
void policy_args_init(struct policy_args *a);
/* Takes option VAL with ARG if POLICY_OPTIONS holds it. Returns 1 if it
 * did, 0 if VAL is not one of them, or -1 after a usage error on P. */
int policy_args_take(struct policy_args *a, struct cmd_parse *p, int val, const char *arg);
void policy_args_release(struct policy_args *a);

/* A policy named on the command line: a file, "-", or "REV:PATH" when no
 * file is called that - PATH as git revision REV has it. Sets *PATH, and
 * *REV (malloc'd; the caller frees it) or NULL. Returns 0, or -1 after a
 * usage error on P. */
int policy_path_split(struct cmd_parse *p, const char *arg, const char **path,
		      const char **rev);
/* The same for the one policy of A's compilation: its revision goes to
 * A->compile.git_rev, which policy_args_release() frees. Returns the
 * path, or NULL after a usage error. */
const char *policy_args_path(struct policy_args *a, struct cmd_parse *p, const char *arg);

/* options_next() for a command whose table holds POLICY_OPTIONS: takes
 * those into A itself and returns the command's own options, then 0 or
 * -1 as options_next() does. */
int policy_options_next(struct cmd_parse *p, struct policy_args *a, const char **arg);

#endif
