/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc query: what a policy does with one packet, and why; or with a
 * packet a line of standard input. */
#include <stdio.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/query.h"

static const char *const query_usage[] = {
	"egressc query [OPTIONS] POLICY DEST [PORT[/tcp|/udp]]",
	"egressc query [OPTIONS] POLICY -",
	NULL,
};

static const struct cmd_option query_options[] = {
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec query_spec = {
	.name = "query",
	.usage = query_usage,
	.about = "Says what POLICY does with a packet to DEST, and why. DEST is an address or\n"
		 "a hostname, resolved as the compiler would (a name no rule names but a\n"
		 "wildcard covers: as once dnsmasq has resolved it); PORT alone means TCP, no\n"
		 "PORT a packet without ports. With DEST '-', reads 'DEST [PORT[/PROTO]]' lines\n"
		 "from standard input and answers each on a line.\n",
	.options = query_options,
	.notes = "Exit status: 0 allow, 1 deny, 2 errors (for '-': the worst answer).\n",
};

/* "ghcr.io:443" where "ghcr.io 443" was meant: says what to type (the
 * command, or in a BATCH the line) and returns true. */
static bool dest_with_port(struct compilation *c, const char *dest, const char *policy,
			   bool batch, const char *svc)
{
	const char *host, *port, *rest;

	if (!query_dest_has_port(&c->arena, dest, &host, &port))
		return false;
	rest = port ? port : svc;
	if (batch)
		printf("error %s %s %s: '%s%s%s'\n", dest, svc && *svc ? svc : "-",
		       port ? "ports go after the destination" : "an IPv6 address goes without brackets",
		       host, rest && *rest ? " " : "", rest ? rest : "");
	else
		diag_error(&c->diags, NULL, "%s: 'egressc query %s %s%s%s'",
			   port ? "ports go after the destination"
				: "an IPv6 address goes without brackets",
			   policy, host, rest && *rest ? " " : "", rest ? rest : "");
	return true;
}

/* One answer, or a line each for queries on stdin. ARGS: POLICY DEST
 * [SERVICE]. */
static int run_query(const struct resolve_opts *ropts, struct compilation *c, char **argv,
		     int nargs)
{
	struct packet pkt;
	const char *policy = argv[0];
	char **args = argv + 1;

	nargs--;
	if (strcmp(args[0], "-") != 0) {
		if (dest_with_port(c, args[0], policy, false, nargs > 1 ? args[1] : NULL))
			return 2;
		if (query_parse_service(nargs > 1 ? args[1] : NULL, &pkt) < 0) {
			diag_error(&c->diags, NULL, "bad service '%s' (PORT, PORT/tcp or PORT/udp)",
				   args[1]);
			return 2;
		}
		int v = query_answer(stdout, &c->arena, &c->diags, &c->model, args[0], &pkt,
				     ropts, &c->resolved, false);
		return v < 0 ? 2 : v;
	}
	/* Batch: "DEST [SERVICE]" a line; exit 0 if all allowed, 1 if any
	 * denied, 2 if any could not be answered. */
	char line[1024];
	int status = 0;
	while (fgets(line, sizeof(line), stdin)) {
		char dest[512] = "", svc[64] = "";
		if (sscanf(line, "%511s %63s", dest, svc) < 1 || dest[0] == '#')
			continue;
		if (dest_with_port(c, dest, policy, true, svc)) {
			status = 2;
			continue;
		}
		if (query_parse_service(svc, &pkt) < 0) {
			printf("error %s %s bad service\n", dest, svc);
			status = 2;
			continue;
		}
		int v = query_answer(stdout, &c->arena, &c->diags, &c->model, dest, &pkt, ropts,
				     &c->resolved, true);
		if (v < 0) {
			printf("error %s %s cannot resolve\n", dest, svc[0] ? svc : "-");
			status = 2;
		} else if (v > status) {
			status = v;
		}
	}
	return status;
}

static int parse_args(struct cmd_parse *p, struct policy_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, o, &arg)) > 0)
		;	/* query has no options of its own */
	if (c < 0)
		return -1;
	if (p->nargs < 2 || p->nargs > 3)
		return options_error(p, "expected POLICY DEST [PORT[/PROTO]]");
	if (p->nargs == 3 && strcmp(p->args[1], "-") == 0)
		return options_error(p, "'-' reads DEST [PORT[/PROTO]] lines from standard input");
	if (strcmp(p->args[0], "-") == 0 && strcmp(p->args[1], "-") == 0)
		return options_error(p, "standard input ('-') holds the policy or the queries, "
					"not both");
	return 0;
}

int cmd_query(int argc, char **argv)
{
	struct policy_args o;
	struct compilation c;
	struct cmd_parse p;
	int status;

	policy_args_init(&o);
	options_init(&p, &query_spec, argc, argv);
	if (parse_args(&p, &o) < 0) {
		policy_args_release(&o);
		return p.status;
	}
	const char *policy = policy_args_path(&o, &p, p.args[0]);
	if (!policy) {
		policy_args_release(&o);
		return p.status;
	}
	compilation_init(&c);
	/* The answer comes from the model; errors are 2. */
	if (compilation_run(&c, policy, &o.compile) < 0)
		status = 2;
	else
		status = run_query(&o.compile.resolve, &c, p.args, p.nargs);
	diags_print_errors(&c.diags, stderr);
	compilation_release(&c);
	policy_args_release(&o);
	return status;
}
