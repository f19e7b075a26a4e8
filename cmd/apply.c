/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc apply: loads a directory as -O wrote it, or a policy compiled
 * here, on this host; or takes it all away again. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/model.h"
#include "host/apply.h"

enum {
	OPT_BACKEND = OPT_OWN,
	OPT_DRY_RUN,
	OPT_REMOVE,
	OPT_HOSTS_PATH,
	OPT_DNSMASQ_PATH,
	OPT_DNSMASQ_RESTART,
	OPT_FAIL_CLOSED,
};

static const char *const apply_usage[] = {
	"egressc apply [OPTIONS] DIR|POLICY",
	"egressc apply --remove [OPTIONS]",
	NULL,
};

static const struct cmd_option apply_options[] = {
	{ .val = OPT_BACKEND,
	  .long_name = "backend",
	  .arg = "nft|iptables",
	  .help = "which firewall (default nft)" },
	{ .val = OPT_DRY_RUN, .long_name = "dry-run", .help = "say what would be done, change nothing" },
	{ .val = OPT_REMOVE,
	  .long_name = "remove",
	  .help = "take egressc's ruleset, hosts splice and fragment away" },
	{ .val = OPT_HOSTS_PATH,
	  .long_name = "hosts-path",
	  .arg = "FILE",
	  .help = "the hosts file to splice (default " APPLY_HOSTS_PATH ")" },
	{ .val = OPT_DNSMASQ_PATH,
	  .long_name = "dnsmasq-path",
	  .arg = "FILE",
	  .help = "where the fragment goes (default " APPLY_DNSMASQ_PATH ", if that "
		  "directory exists)" },
	{ .val = OPT_DNSMASQ_RESTART,
	  .long_name = "dnsmasq-restart",
	  .arg = "CMD",
	  .help = "how to restart dnsmasq after the fragment is installed (default: "
		  "dnsmasq.service, for the default --dnsmasq-path); a failure undoes the "
		  "apply" },
	{ .val = OPT_FAIL_CLOSED,
	  .long_name = "fail-closed",
	  .help = "first close the firewall (loopback, container networks and replies "
		  "only), and leave it closed if the apply fails" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec apply_spec = {
	.name = "apply",
	.usage = apply_usage,
	.about = "Loads DIR (what egressc -O DIR wrote) or POLICY (compiled first, as the\n"
		 "options below say) on this host: the firewall, then the hosts splice, then\n"
		 "the dnsmasq fragment.\n",
	.options = apply_options,
	.notes = "Exit status: 0 applied, 1 failed (the previous state kept), 2 usage errors.\n",
};

struct apply_args {
	const char *target;	/* DIR or POLICY; NULL with --remove */
	bool remove;
	struct apply_opts apply;
	struct policy_args policy_args;
};

static int parse_args(struct cmd_parse *p, struct apply_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, &o->policy_args, &arg)) > 0) {
		switch (c) {
		case OPT_BACKEND:
			if (strcmp(arg, "nft") == 0)
				o->apply.backend = APPLY_NFT;
			else if (strcmp(arg, "iptables") == 0)
				o->apply.backend = APPLY_IPTABLES;
			else
				return options_error(p, "--backend takes nft or iptables, not '%s'", arg);
			break;
		case OPT_DRY_RUN:
			o->apply.dry_run = true;
			break;
		case OPT_REMOVE:
			o->remove = true;
			break;
		case OPT_HOSTS_PATH:
			o->apply.hosts_path = arg;
			break;
		case OPT_DNSMASQ_PATH:
			o->apply.dnsmasq_path = arg;
			o->apply.dnsmasq_path_given = true;
			break;
		case OPT_DNSMASQ_RESTART:
			o->apply.dnsmasq_restart = arg;
			break;
		case OPT_FAIL_CLOSED:
			o->apply.fail_closed = true;
			break;
		}
	}
	if (c < 0)
		return -1;
	if (o->remove && o->apply.fail_closed)
		return options_error(p, "options '--remove' and '--fail-closed' cannot be used together");
	if (o->remove) {
		if (p->nargs)
			return options_error(p, "--remove takes no DIR or POLICY");
		return 0;
	}
	if (p->nargs == 0)
		return options_error(p, "expected DIR or POLICY");
	if (p->nargs > 1)
		return options_error(p, "unexpected argument '%s' (one policy at a time)",
				     p->args[1]);
	o->target = p->args[0];
	return 0;
}

/* A deny for a cgroup holds the cgroup the load found: one made again
 * later (a service restarted) escapes it until the agent binds it again.
 * Said once, at the first such rule. */
static void warn_cgroup_denies(const struct model *m, struct diags *d)
{
	for (size_t i = 0; i < m->nclasses; i++) {
		const struct rule_class *c = &m->classes[i];
		if (c->verdict != VERDICT_DENY || !c->who.cgroup || !c->nrules)
			continue;
		diag_warning(d, &c->rules[0]->loc, "the deny for cgroup '%s' holds the cgroup there is "
			     "now: one made again later (a service restarted) escapes it until 'egressc "
			     "agent' loads the rules again (it does so as soon as the cgroup is made; "
			     "egressc-agent.service runs it)", c->who.cgroup);
		return;
	}
}

static int apply(struct apply_args *o)
{
	struct compilation c;
	struct apply_set set;
	struct stat st;
	int rc;

	compilation_init(&c);
	memset(&set, 0, sizeof(set));
	/* One apply at a time; closed before anything can fail: a missing
	 * directory, an unreadable file, a policy that does not compile. */
	if (!o->apply.dry_run && geteuid() == 0 && apply_lock(&c.diags) < 0) {
		rc = -1;
	} else if (o->apply.fail_closed && apply_close(&o->apply, stdout, &c.diags) < 0) {
		rc = -1;
	} else if (o->remove) {
		rc = apply_remove(&o->apply, stdout, &c.diags);
	} else if (stat(o->target, &st) == 0 && S_ISDIR(st.st_mode)) {
		rc = apply_read_dir(&set, o->target, o->apply.backend, &c.diags);
		if (rc == 0)
			rc = apply_run(&set, &o->apply, stdout, &c.diags);
	} else {
		rc = compilation_run(&c, o->target, &o->policy_args.compile);
		if (rc == 0)
			rc = apply_render(&set, &c.model, &c.diags);
		if (rc == 0)
			rc = apply_run(&set, &o->apply, stdout, &c.diags);
		if (rc == 0)
			warn_cgroup_denies(&c.model, &c.diags);
	}
	fflush(stdout);
	diags_print(&c.diags, stderr);
	apply_set_release(&set);
	compilation_release(&c);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_args o = { 0 };
	struct cmd_parse p;
	int status;

	policy_args_init(&o.policy_args);
	options_init(&p, &apply_spec, argc, argv);
	status = parse_args(&p, &o) < 0 ? p.status : apply(&o);
	policy_args_release(&o.policy_args);
	return status;
}
