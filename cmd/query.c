/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc query: what a policy does with one packet, and why; or with a
 * packet a line of standard input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/query.h"
#include "lib/window.h"

static const char *const query_usage[] = {
	"egressc query [OPTIONS] POLICY DEST [PORT[/tcp|/udp]]",
	"egressc query [OPTIONS] POLICY -",
	NULL,
};

enum {
	OPT_USER = OPT_OWN,
	OPT_GROUP,
	OPT_CGROUP,
	OPT_AT,
	OPT_FROM,
};

static const struct cmd_option query_options[] = {
	POLICY_OPTIONS,
	{ .val = OPT_USER, .long_name = "user", .arg = "NAME|UID",
	  .help = "the packet is sent by a socket of this user (default: by none, as a "
		  "forwarded packet is): rules for users match it as written, a name its "
		  "name, a number its number" },
	{ .val = OPT_GROUP, .long_name = "group", .arg = "NAME|GID",
	  .help = "... whose primary group is this one" },
	{ .val = OPT_CGROUP, .long_name = "cgroup", .arg = "PATH",
	  .help = "... made by a process in this cgroup v2 (as /proc/PID/cgroup names it): "
		  "rules for it and for the cgroups above it match" },
	{ .val = OPT_FROM, .long_name = "from", .arg = "ADDR",
	  .help = "the packet is forwarded (a container's) from this source address; not "
		  "with --user, --group or --cgroup, which are this machine's own sockets'" },
	{ .val = OPT_AT, .long_name = "at", .arg = "'DAY HH:MM'",
	  .help = "the packet is sent at this time of the week, UTC, as in 'Mon 02:00' "
		  "(default: at a time no rule's window holds)" },
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

struct query_args {
	struct policy_args policy_args;
	struct owner_id user, group;
	bool has_user, has_group;
	const char *cgroup;	/* --cgroup, without its leading '/' */
	struct instant at;
	const char *from;	/* --from, as given */
};

/* One answer, or a line each for queries on stdin. ARGS: POLICY DEST
 * [SERVICE]. */
static int run_query(const struct query_args *o, struct compilation *c, char **argv, int nargs)
{
	const struct resolve_opts *ropts = &o->policy_args.compile.resolve;
	struct packet pkt = { .from = { .user = o->has_user ? &o->user : NULL,
					.group = o->has_group ? &o->group : NULL,
					.cgroup = o->cgroup, .at = o->at } };

	if (o->from) {
		pkt.from.src.known = true;
		addr_parse(o->from, &pkt.from.src.family, &pkt.from.src.addr);
	}
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

/* "runner" or "1001", as a rule's clause writes it. */
static int parse_owner(struct cmd_parse *p, const char *what, const char *arg,
		       struct owner_id *out)
{
	char *end;

	if (*arg >= '0' && *arg <= '9') {
		unsigned long long id = strtoull(arg, &end, 10);
		if (*end || id > 4294967294ull)
			return options_error(p, "--%s takes a name or a number up to 4294967294, not '%s'",
					     what, arg);
		*out = (struct owner_id){ .id = (uint32_t)id };
		return 0;
	}
	if (!*arg || strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(arg))
		return options_error(p, "--%s takes a name (lower case letters, digits, '_' and '-') "
				     "or a number, not '%s'", what, arg);
	*out = (struct owner_id){ .name = arg };
	return 0;
}

/* "/system.slice/docker.service" as /proc/PID/cgroup writes it, or
 * without the '/' as a rule does: one '/' between names, none "." or
 * "..". "/" is the root, which holds a process in no cgroup a rule names. */
static int parse_cgroup(struct cmd_parse *p, const char *arg, const char **out)
{
	const char *path = arg + (*arg == '/');

	for (const char *name = path; *path; name += strcspn(name, "/") + 1) {
		size_t n = strcspn(name, "/");
		if (!n || (n == 1 && name[0] == '.') || (n == 2 && strncmp(name, "..", 2) == 0))
			return options_error(p, "--cgroup takes a cgroup v2 path, as in "
					     "'system.slice/docker.service', not '%s'", arg);
		if (!name[n])
			break;
	}
	*out = path;
	return 0;
}

static int parse_args(struct cmd_parse *p, struct query_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, &o->policy_args, &arg)) > 0) {
		if (c == OPT_USER && parse_owner(p, "user", arg, &o->user) < 0)
			return -1;
		if (c == OPT_GROUP && parse_owner(p, "group", arg, &o->group) < 0)
			return -1;
		o->has_user |= c == OPT_USER;
		o->has_group |= c == OPT_GROUP;
		if (c == OPT_FROM)
			o->from = arg;
		if (c == OPT_CGROUP && parse_cgroup(p, arg, &o->cgroup) < 0)
			return -1;
		if (c == OPT_AT) {
			int minute = window_parse_instant(arg);
			if (minute < 0)
				return options_error(p, "--at takes a day and a time, UTC, as in 'Mon 02:00', "
						     "not '%s'", arg);
			o->at = (struct instant){ true, (uint16_t)minute };
		}
	}
	if (c < 0)
		return -1;
	if (o->from) {
		enum family f;
		addr_t a;
		if (!addr_parse(o->from, &f, &a))
			return options_error(p, "--from takes an address, not '%s'", o->from);
		if (o->has_user || o->has_group || o->cgroup)
			return options_error(p, "--from is a forwarded packet's source: it has no user, "
					     "group or cgroup (--user, --group, --cgroup)");
	}
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
	struct query_args o = { 0 };
	struct compilation c;
	struct cmd_parse p;
	int status;

	policy_args_init(&o.policy_args);
	options_init(&p, &query_spec, argc, argv);
	if (parse_args(&p, &o) < 0) {
		policy_args_release(&o.policy_args);
		return p.status;
	}
	const char *policy = policy_args_path(&o.policy_args, &p, p.args[0]);
	if (!policy) {
		policy_args_release(&o.policy_args);
		return p.status;
	}
	compilation_init(&c);
	/* The answer comes from the model; errors are 2. */
	if (compilation_run(&c, policy, &o.policy_args.compile) < 0)
		status = 2;
	else
		status = run_query(&o, &c, p.args, p.nargs);
	diags_print_errors(&c.diags, stderr);
	compilation_release(&c);
	policy_args_release(&o.policy_args);
	return status;
}
