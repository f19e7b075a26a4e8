/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc agent: the resident process on a runner. It compiles the policy
 * that was applied and serves 'egressc dynamic' on its socket (host/
 * agent.h) until it is stopped; contrib/systemd runs it after the boot
 * unit. */
#include <grp.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "host/agent.h"
#include "host/cgroupbind.h"
#include "host/cgroupcheck.h"
#include "host/refresh.h"
#include "lib/duration.h"

enum {
	OPT_BACKEND = OPT_OWN,
	OPT_SOCKET,
	OPT_GROUP,
	OPT_REFRESH,
	OPT_REFRESH_MIN,
	OPT_REFRESH_MAX,
	OPT_GRACE,
	OPT_MAX_STALE,
	OPT_HOSTS_PATH,
	OPT_STATE,
};

/* The longest of the refresh durations. */
#define AGENT_DURATION_MAX (24u * 86400u)

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
	{ .val = OPT_REFRESH,
	  .long_name = "refresh",
	  .help = "keep pinned names current: ask DNS again when each one's TTL ends and "
		  "add what it gives now to the loaded sets" },
	{ .val = OPT_REFRESH_MIN,
	  .long_name = "refresh-min",
	  .arg = "D",
	  .help = "ask no sooner than this after an answer, whatever its TTL (default 30s)" },
	{ .val = OPT_REFRESH_MAX,
	  .long_name = "refresh-max",
	  .arg = "D",
	  .help = "ask no later than this after an answer (default 1h)" },
	{ .val = OPT_GRACE,
	  .long_name = "grace",
	  .arg = "D",
	  .help = "an address stays this long after DNS last gave it "
		  "(default 10m)" },
	{ .val = OPT_MAX_STALE,
	  .long_name = "max-stale",
	  .arg = "D",
	  .help = "when DNS fails for a name, the addresses of its last answer stay this long "
		  "after it, then go: the name fails closed (default 1d)" },
	{ .val = OPT_HOSTS_PATH,
	  .long_name = "hosts-path",
	  .arg = "FILE",
	  .help = "the hosts file whose splice the refresh keeps in step (default "
		  APPLY_HOSTS_PATH ")" },
	{ .val = OPT_STATE,
	  .long_name = "state",
	  .arg = "FILE",
	  .help = "where the agent's counters go after each change, for 'egressc stats' "
		  "(default " REFRESH_STATE_PATH ")" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec agent_spec = {
	.name = "agent",
	.usage = agent_usage,
	.about = "Compiles POLICY, as it was applied (give the same options; --hosts-file\n"
		 "with the resolution saved when it was compiled makes it the same), and\n"
		 "serves 'egressc dynamic' on a socket until stopped; with --refresh, keeps\n"
		 "the pinned names' addresses current in the sets and the hosts splice.\n"
		 "Keeps the rules for cgroups bound to a cgroup made again under the same\n"
		 "path (a service restarted). A journal line for every change. Needs root.\n",
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
	struct refresh_opts ro = {
		.min_ttl = REFRESH_MIN_TTL,
		.max_ttl = REFRESH_MAX_TTL,
		.grace = REFRESH_GRACE,
		.max_stale = REFRESH_MAX_STALE,
		.hosts_path = APPLY_HOSTS_PATH,
	};
	struct refresh refresh;
	struct cgroup_bind cgroups;
	bool refreshing = false;
	uint32_t *duration = NULL;
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
		case OPT_REFRESH:
			refreshing = true;
			break;
		case OPT_REFRESH_MIN:
			duration = &ro.min_ttl;
			break;
		case OPT_REFRESH_MAX:
			duration = &ro.max_ttl;
			break;
		case OPT_GRACE:
			duration = &ro.grace;
			break;
		case OPT_MAX_STALE:
			duration = &ro.max_stale;
			break;
		case OPT_HOSTS_PATH:
			ro.hosts_path = arg;
			break;
		case OPT_STATE:
			o.state_path = arg;
			break;
		case OPT_GROUP:
			if (parse_group(arg, &o.group) < 0)
				opt = options_error(&p, "--group: no group '%s'", arg);
			o.group_given = true;
			break;
		}
		if (duration) {
			enum duration_problem why;
			*duration = duration_parse(arg, AGENT_DURATION_MAX, &why);
			if (!*duration)
				opt = options_error(&p, "'%s' is not a duration such as 90s, 10m or "
							"1h30m (at most 24d)", arg);
			duration = NULL;
		}
		if (opt < 0)
			break;
	}
	if (opt == 0 && ro.min_ttl > ro.max_ttl)
		opt = options_error(&p, "--refresh-min is longer than --refresh-max");
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
		if (refreshing) {
			ro.resolve = &args.compile.resolve;
			ro.backend = o.backend;
			refresh_init(&refresh, &c.model, c.resolved.hosts, c.resolved.nhosts, &ro,
				     time(NULL));
			o.refresh = &refresh;
		}
		if (model_names_cgroups(&c.model) &&
		    cgroup_bind_init(&cgroups, &c.model, o.backend, CGROUP2_ROOT, stdout) == 0)
			o.cgroups = &cgroups;
		if (agent_serve(&c.model, &o, stdout, &c.diags) == 0)
			status = EXIT_OK;
	}
	fflush(stdout);
	diags_print(&c.diags, stderr);
	compilation_release(&c);
	if (o.refresh)
		refresh_release(&refresh);
	if (o.cgroups)
		cgroup_bind_release(&cgroups);
	policy_args_release(&args);
	return status;
}
