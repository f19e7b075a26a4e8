/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc agent: the resident process on a runner. It compiles the policy
 * that was applied and serves 'egressc dynamic' on its socket (host/
 * agent.h) until it is stopped; contrib/systemd runs it after the boot
 * unit. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "host/agent.h"

enum {
	OPT_BACKEND = OPT_OWN,
	OPT_SOCKET,
	OPT_GROUP,
};

static const char *const agent_usage[] = {
	"egressc agent [OPTIONS] POLICY",
	NULL,
};

static const struct cmd_option agent_options[] = {
	{ .val = OPT_BACKEND,
	  .long_name = "backend",
	  .arg = "nft|iptables",
	  .help = "which firewall holds the sets (default nft), as it was applied" },
	{ .val = OPT_SOCKET,
	  .long_name = "socket",
	  .arg = "PATH",
	  .help = "where to listen (default " AGENT_SOCKET_PATH ")" },
	{ .val = OPT_GROUP,
	  .long_name = "group",
	  .arg = "GROUP",
	  .help = "the group whose members may use the socket, besides root (a name or a "
		  "number; default: root only)" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec agent_spec = {
	.name = "agent",
	.usage = agent_usage,
	.about = "Compiles POLICY, as it was applied (give the same options; --hosts-file\n"
		 "with the applied directory's hosts output compiles it without DNS), and\n"
		 "serves 'egressc dynamic' on a socket until stopped, a journal line for\n"
		 "every change. Needs root.\n",
	.options = agent_options,
	.notes = "Exit status: 0 stopped, 1 could not start, 2 usage errors.\n",
};

static int parse_group(const char *text, gid_t *gid)
{
	char *end;
	unsigned long n = strtoul(text, &end, 10);
	struct group *g;

	if (*text && !*end && n < (gid_t)-1) {
		*gid = (gid_t)n;
		return 0;
	}
	g = getgrnam(text);
	if (!g)
		return -1;
	*gid = g->gr_gid;
	return 0;
}

int cmd_agent(int argc, char **argv)
{
	struct agent_opts o = { .backend = APPLY_NFT };
	struct policy_args args;
	struct compilation c;
	struct cmd_parse p;
	const char *arg;
	int opt, status = EXIT_POLICY;

	policy_args_init(&args);
	options_init(&p, &agent_spec, argc, argv);
	while ((opt = policy_options_next(&p, &args, &arg)) > 0) {
		switch (opt) {
		case OPT_BACKEND:
			if (strcmp(arg, "nft") == 0)
				o.backend = APPLY_NFT;
			else if (strcmp(arg, "iptables") == 0)
				o.backend = APPLY_IPTABLES;
			else
				opt = options_error(&p, "--backend takes nft or iptables, not '%s'", arg);
			break;
		case OPT_SOCKET:
			o.socket_path = arg;
			break;
		case OPT_GROUP:
			if (parse_group(arg, &o.group) < 0)
				opt = options_error(&p, "--group: no group '%s'", arg);
			o.group_given = true;
			break;
		}
		if (opt < 0)
			break;
	}
	if (opt == 0 && p.nargs != 1)
		opt = options_error(&p, "expected one POLICY");
	if (opt != 0) {
		policy_args_release(&args);
		return p.status;
	}
	compilation_init(&c);
	if (geteuid() != 0)
		diag_error(&c.diags, NULL, "the agent changes the firewall's sets and needs root");
	else if (compilation_run(&c, p.args[0], &args.compile) == 0) {
		diags_print(&c.diags, stderr);	/* warnings, before serving */
		diags_init(&c.diags, &c.arena);
		if (agent_serve(&c.model, &o, stdout, &c.diags) == 0)
			status = EXIT_OK;
	}
	fflush(stdout);
	diags_print(&c.diags, stderr);
	compilation_release(&c);
	policy_args_release(&args);
	return status;
}
