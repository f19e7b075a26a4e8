/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc dynamic: the CI platform's hook into the dynamic sets a policy
 * declares - add, delete and list members by the set's name, whichever
 * backend holds them. The agent (egressc agent) holds the model and does
 * the work; this command asks it on its socket, which root and the group
 * the administrator gave the agent may use. Addresses are checked here
 * too, so that a typo is reported without asking anyone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "compiler/diag.h"
#include "host/agent.h"
#include "host/dynamic.h"
#include "lib/arena.h"
#include "lib/duration.h"
#include "lib/xalloc.h"

enum {
	OPT_TIMEOUT = OPT_OWN,
	OPT_SOCKET,
};

/* The longest --timeout, as for the policy's 'timeout'. */
#define DYNAMIC_TIMEOUT_MAX (24u * 86400u)

static const char *const dynamic_usage[] = {
	"egressc dynamic add [OPTIONS] NAME ADDR[/LEN]...",
	"egressc dynamic del [OPTIONS] NAME ADDR[/LEN]...",
	"egressc dynamic list [OPTIONS] NAME",
	NULL,
};

static const struct cmd_option dynamic_options[] = {
	{ .val = OPT_TIMEOUT,
	  .long_name = "timeout",
	  .arg = "D",
	  .help = "add: how long the members stay (90s, 10m, 1h30m; default and at most "
		  "the set's timeout)" },
	{ .val = OPT_SOCKET,
	  .long_name = "socket",
	  .arg = "PATH",
	  .help = "the agent's socket (default " AGENT_SOCKET_PATH ")" },
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec dynamic_spec = {
	.name = "dynamic",
	.usage = dynamic_usage,
	.about = "Adds members to, deletes them from, or lists the dynamic set NAME that the\n"
		 "applied policy declares ('dynamic NAME'), through the egressc agent, for\n"
		 "either backend. Root and the group the agent was given (--group) may.\n",
	.options = dynamic_options,
	.notes = "Exit status: 0 done, 1 refused (no such set, a bad address, the agent\n"
		 "unreachable), 2 usage errors.\n",
};

int cmd_dynamic(int argc, char **argv)
{
	const char *arg, *socket = AGENT_SOCKET_PATH, *op;
	uint32_t timeout = 0;
	struct cmd_parse p;
	int opt;

	options_init(&p, &dynamic_spec, argc, argv);
	while ((opt = options_next(&p, &arg)) > 0) {
		enum duration_problem why;
		switch (opt) {
		case OPT_TIMEOUT:
			timeout = duration_parse(arg, DYNAMIC_TIMEOUT_MAX, &why);
			if (!timeout) {
				options_error(&p, "--timeout takes a duration such as 90s, 10m or "
						  "1h30m (at most 24d), not '%s'", arg);
				return p.status;
			}
			break;
		case OPT_SOCKET:
			socket = arg;
			break;
		}
	}
	if (opt < 0)
		return p.status;
	op = p.nargs ? p.args[0] : "";
	if (strcmp(op, "add") != 0 && strcmp(op, "del") != 0 && strcmp(op, "list") != 0) {
		options_error(&p, p.nargs ? "unknown subcommand '%s' (add, del or list)"
					  : "expected add, del or list%s", op);
		return p.status;
	}
	if (p.nargs < 2 || (strcmp(op, "list") != 0 && p.nargs < 3) ||
	    (strcmp(op, "list") == 0 && p.nargs != 2)) {
		options_error(&p, strcmp(op, "list") == 0 ? "list takes one NAME"
							  : "%s takes NAME and at least one ADDR", op);
		return p.status;
	}
	if (timeout && strcmp(op, "add") != 0) {
		options_error(&p, "--timeout is for add");
		return p.status;
	}

	struct arena arena;
	struct diags d;
	char *request = NULL;
	size_t len = 0;
	int status = EXIT_POLICY;

	arena_init(&arena);
	diags_init(&d, &arena);
	FILE *rq = xopen_memstream(&request, &len);
	fprintf(rq, "%s %s", op, p.args[1]);
	if (strcmp(op, "add") == 0)
		fprintf(rq, " %u", timeout);
	for (int i = 2; i < p.nargs; i++) {
		struct prefix pfx;
		const char *why;
		if (dynamic_parse_addr(p.args[i], &pfx, &why) < 0)
			diag_error(&d, NULL, "'%s' cannot be a member of dynamic set '%s': %s",
				   p.args[i], p.args[1], why);
		fprintf(rq, " %s", p.args[i]);
	}
	xmemstream_close(rq);
	if (strcspn(p.args[1], " \n") != strlen(p.args[1]))
		diag_error(&d, NULL, "'%s' is not a set's name", p.args[1]);
	if (d.errors == 0) {
		int rc = agent_ask(socket, request, stdout, stderr, &d);
		if (rc >= 0)
			status = rc;
	}
	fflush(stdout);
	diags_print(&d, stderr);
	free(request);
	arena_release(&arena);
	return status;
}
