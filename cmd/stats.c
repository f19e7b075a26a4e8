/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc stats: the counters of the loaded ruleset of a policy - what
 * each deny rule and the default decided, what recording holds and what
 * it could not hold - in Prometheus' text exposition format (for
 * node_exporter's textfile collector) or as JSON. Which counter belongs
 * to which rule, and whether it counts blocks or accepts, is the
 * model's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/builtin.h"
#include "cmd/options.h"
#include "cmd/policy_options.h"
#include "compiler/driver.h"
#include "compiler/model.h"
#include "emit/names.h"
#include "host/record.h"
#include "host/refresh.h"
#include "host/wholefile.h"
#include "lib/jsonout.h"
#include "lib/xalloc.h"

enum {
	OPT_BACKEND = OPT_OWN,
	OPT_FORMAT,
	OPT_AGENT_STATE,
};

static const char *const stats_usage[] = {
	"egressc stats [OPTIONS] POLICY",
	NULL,
};

static const struct cmd_option stats_options[] = {
	{ .val = OPT_BACKEND,
	  .long_name = "backend",
	  .arg = "nft|iptables",
	  .help = "which firewall holds the counters (default nft)" },
	{ .val = OPT_FORMAT,
	  .long_name = "format",
	  .arg = "prometheus|json",
	  .help = "Prometheus' text exposition format (default) or JSON" },
	{ .val = OPT_AGENT_STATE,
	  .long_name = "agent-state",
	  .arg = "FILE",
	  .help = "the counters 'egressc agent --refresh' writes (default " REFRESH_STATE_PATH
		  "; none there: no refresh counters)" },
	POLICY_OPTIONS,
	OPTION_COLOR,
	OPTION_HELP,
	OPTION_END,
};

static const struct cmd_spec stats_spec = {
	.name = "stats",
	.usage = stats_usage,
	.about = "Prints the counters of the loaded ruleset of POLICY: packets and bytes each\n"
		 "deny rule and the default policy blocked (in monitor mode: would have), or\n"
		 "under default allow accepted; the destinations recording holds and the\n"
		 "packets it could not record; and, where the agent refreshes pinned names,\n"
		 "what it added and removed and how many names fail to resolve or failed\n"
		 "closed.\n",
	.options = stats_options,
	.notes = "Exit status: 0 printed, 1 nothing to read (no ruleset loaded) or the policy\n"
		 "has errors, 2 usage errors.\n",
};

struct stats_args {
	struct policy_args policy;
	bool iptables, json;
	const char *agent_state;
};

/* One counter of the model, read. */
struct stat_line {
	const struct counter *k;
	char source[512];
	uint64_t packets, bytes;
};

struct stats {
	const struct model *m;
	struct stat_line *lines;
	size_t nlines;
	bool recording;
	uint64_t destinations, overflow_packets, overflow_bytes;
	bool refreshing;	/* the agent's state file is there */
	uint64_t refresh[REFRESH_METRICS];
};

/* A Prometheus label value: backslash, quote and newline escaped. */
static void label_value(FILE *fp, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(fp, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", fp);
		else
			fputc(*s, fp);
	}
}

static bool line_blocks(const struct stats *st, const struct stat_line *l)
{
	return l->k->rule || st->m->default_verdict == VERDICT_DENY;
}

/* One counter family: the lines that block (BLOCKED) or accept. */
static void prometheus_family(FILE *fp, const struct stats *st, const char *metric,
			      const char *help, bool blocked, bool bytes)
{
	bool any = false;

	for (size_t i = 0; i < st->nlines; i++)
		any |= line_blocks(st, &st->lines[i]) == blocked;
	if (!any)
		return;
	fprintf(fp, "# HELP %s %s\n# TYPE %s counter\n", metric, help, metric);
	for (size_t i = 0; i < st->nlines; i++) {
		const struct stat_line *l = &st->lines[i];
		if (line_blocks(st, l) != blocked)
			continue;
		fprintf(fp, "%s{rule=\"", metric);
		label_value(fp, l->k->name);
		fputs("\",source=\"", fp);
		label_value(fp, l->source);
		fprintf(fp, "\"} %llu\n", (unsigned long long)(bytes ? l->bytes : l->packets));
	}
}

static void print_prometheus(FILE *fp, const struct stats *st)
{
	const char *would = st->m->mode == MODE_MONITOR ? " (monitor mode: would have blocked)" : "";
	char help[256];

	snprintf(help, sizeof(help), "Packets each deny rule or the default policy blocked%s.", would);
	prometheus_family(fp, st, "egressc_blocked_packets_total", help, true, false);
	snprintf(help, sizeof(help), "Bytes each deny rule or the default policy blocked%s.", would);
	prometheus_family(fp, st, "egressc_blocked_bytes_total", help, true, true);
	prometheus_family(fp, st, "egressc_accepted_packets_total",
			  "Packets the default allow policy accepted.", false, false);
	prometheus_family(fp, st, "egressc_accepted_bytes_total",
			  "Bytes the default allow policy accepted.", false, true);
	fprintf(fp, "# HELP egressc_monitor_mode Whether the policy only monitors (1) or enforces (0).\n"
		    "# TYPE egressc_monitor_mode gauge\n"
		    "egressc_monitor_mode %d\n",
		st->m->mode == MODE_MONITOR);
	for (int i = 0; st->refreshing && i < REFRESH_METRICS; i++)
		fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", refresh_metrics[i].name,
			refresh_metrics[i].help, refresh_metrics[i].name, refresh_metrics[i].type,
			refresh_metrics[i].name, (unsigned long long)st->refresh[i]);
	if (!st->recording)
		return;
	fprintf(fp, "# HELP egressc_recorded_destinations Destinations (address, protocol, port) recording holds.\n"
		    "# TYPE egressc_recorded_destinations gauge\n"
		    "egressc_recorded_destinations %llu\n"
		    "# HELP egressc_record_limit Destinations recording can hold.\n"
		    "# TYPE egressc_record_limit gauge\n"
		    "egressc_record_limit %u\n"
		    "# HELP egressc_record_overflow_packets_total Packets not recorded: the record sets were full.\n"
		    "# TYPE egressc_record_overflow_packets_total counter\n"
		    "egressc_record_overflow_packets_total %llu\n",
		(unsigned long long)st->destinations, st->m->record_limit,
		(unsigned long long)st->overflow_packets);
}

static void print_json(FILE *fp, const struct stats *st)
{
	fprintf(fp, "{\"mode\": \"%s\", \"counters\": [",
		st->m->mode == MODE_MONITOR ? "monitor" : "enforce");
	for (size_t i = 0; i < st->nlines; i++) {
		const struct stat_line *l = &st->lines[i];
		fprintf(fp, "%s\n  {\"rule\": ", i ? "," : "");
		json_write_string(fp, l->k->name);
		fputs(", \"source\": ", fp);
		json_write_string(fp, l->source);
		fprintf(fp, ", \"counts\": \"%s\", \"packets\": %llu, \"bytes\": %llu}",
			line_blocks(st, l) ? "blocked" : "accepted", (unsigned long long)l->packets,
			(unsigned long long)l->bytes);
	}
	fputs("\n ]", fp);
	if (st->recording)
		fprintf(fp, ",\n \"recorded_destinations\": %llu, \"record_limit\": %u,"
			    " \"record_overflow_packets\": %llu, \"record_overflow_bytes\": %llu",
			(unsigned long long)st->destinations, st->m->record_limit,
			(unsigned long long)st->overflow_packets,
			(unsigned long long)st->overflow_bytes);
	if (st->refreshing) {
		/* "egressc_refresh_names" as "names", and so on;
		 * "egressc_cgroup_rebinds_total" as "cgroup_rebinds_total". */
		fputs(",\n \"refresh\": {", fp);
		for (int i = 0; i < REFRESH_METRICS; i++) {
			const char *name = refresh_metrics[i].name + strlen("egressc_");
			if (strncmp(name, "refresh_", strlen("refresh_")) == 0)
				name += strlen("refresh_");
			fprintf(fp, "%s\"%s\": %llu", i ? ", " : "", name,
				(unsigned long long)st->refresh[i]);
		}
		fputs("}", fp);
	}
	fputs("}\n", fp);
}

/* Reads the refresh agent's counters from PATH into ST; none there (no
 * agent refreshes) is no error. */
static int stats_read_refresh(struct stats *st, const char *path, struct diags *d)
{
	char *text;
	size_t len;

	if (wholefile_read(path, &text, &len) < 0) {
		if (errno == ENOENT)
			return 0;
		diag_error(d, NULL, "cannot read the agent's counters '%s': %s", path, strerror(errno));
		return -1;
	}
	int rc = refresh_state_parse(text, st->refresh);
	free(text);
	if (rc < 0) {
		diag_error(d, NULL, "'%s' is not the agent's counters", path);
		return -1;
	}
	st->refreshing = true;
	return 0;
}

/* Reads the counters of the model's ruleset from the kernel into ST. */
static int stats_read(struct stats *st, bool iptables, struct diags *d)
{
	const struct model *m = st->m;
	struct record_counters rc = { 0 };
	int status;

	if (iptables) {
		const char **names = xmalloc(m->ncounters * sizeof(*names));
		for (size_t i = 0; i < m->ncounters; i++)
			names[i] = m->counters[i].name;
		status = record_read_ipt_counters(&rc, names, m->ncounters, d);
		free(names);
	} else {
		status = record_read_nft_counters(&rc, d);
	}
	for (size_t i = 0; status == 0 && i < m->ncounters; i++) {
		const struct counter *k = &m->counters[i];
		struct stat_line *l = &st->lines[st->nlines++];
		bool found = false;
		l->k = k;
		if (k->rule)
			snprintf(l->source, sizeof(l->source), "%s:%d", k->rule->loc.src->path,
				 k->rule->loc.first_line);
		else
			snprintf(l->source, sizeof(l->source), "default %s",
				 m->default_verdict == VERDICT_DENY ? "deny" : "allow");
		for (size_t j = 0; j < rc.n; j++)
			if (strcmp(rc.v[j].name, k->name) == 0) {
				l->packets = rc.v[j].packets;
				l->bytes = rc.v[j].bytes;
				found = true;
			}
		if (!found) {
			diag_error(d, NULL, "the loaded ruleset has no counter '%s': it is not the "
				   "ruleset of this policy", k->name);
			status = -1;
		}
	}
	record_counters_release(&rc);
	if (status == 0 && m->record != RECORD_OFF) {
		struct record_table t = { 0 };
		const char *const ipsets[FAMILY_COUNT] = { m->record_ipset[FAMILY_V4],
							   m->record_ipset[FAMILY_V6] };
		status = iptables ? record_read_ipt(&t, ipsets, d) : record_read_nft(&t, d);
		st->recording = true;
		st->destinations = t.n;
		st->overflow_packets = t.overflow_packets;
		st->overflow_bytes = t.overflow_bytes;
		record_table_release(&t);
	}
	return status;
}

static int parse_args(struct cmd_parse *p, struct stats_args *o)
{
	const char *arg;
	int c;

	while ((c = policy_options_next(p, &o->policy, &arg)) > 0) {
		switch (c) {
		case OPT_BACKEND:
			if (strcmp(arg, "nft") != 0 && strcmp(arg, "iptables") != 0)
				return options_error(p, "--backend takes nft or iptables, not '%s'", arg);
			o->iptables = strcmp(arg, "iptables") == 0;
			break;
		case OPT_FORMAT:
			if (strcmp(arg, "prometheus") != 0 && strcmp(arg, "json") != 0)
				return options_error(p, "--format takes prometheus or json, not '%s'", arg);
			o->json = strcmp(arg, "json") == 0;
			break;
		case OPT_AGENT_STATE:
			o->agent_state = arg;
			break;
		}
	}
	if (c < 0)
		return -1;
	if (p->nargs != 1)
		return options_error(p, "expected POLICY");
	return 0;
}

int cmd_stats(int argc, char **argv)
{
	struct stats_args o = { 0 };
	struct compilation c;
	struct cmd_parse p;
	int rc;

	policy_args_init(&o.policy);
	options_init(&p, &stats_spec, argc, argv);
	if (parse_args(&p, &o) < 0) {
		policy_args_release(&o.policy);
		return p.status;
	}
	compilation_init(&c);
	rc = compilation_run(&c, p.args[0], &o.policy.compile);
	if (rc == 0) {
		struct stats st = { .m = &c.model };
		st.lines = xmalloc(c.model.ncounters * sizeof(*st.lines));
		rc = stats_read(&st, o.iptables, &c.diags);
		if (rc == 0)
			rc = stats_read_refresh(&st, o.agent_state ? o.agent_state : REFRESH_STATE_PATH,
						&c.diags);
		if (rc == 0) {
			if (o.json)
				print_json(stdout, &st);
			else
				print_prometheus(stdout, &st);
			if (fflush(stdout) != 0)
				rc = -1;
		}
		free(st.lines);
	}
	diags_print_errors(&c.diags, stderr);
	compilation_release(&c);
	policy_args_release(&o.policy);
	return rc == 0 ? EXIT_OK : EXIT_POLICY;
}
