/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping pinned names current on a running runner (the agent's timer).
 * Each pinned name is asked again when its TTL ends, clamped to
 * [min_ttl, max_ttl]. An address DNS now gives is added, in place, to the
 * sets of every class the model says the name feeds (no reload: nothing
 * established is dropped, run-time sets are untouched) unless a deny rule
 * covers it, which the model says, or it is inside the network (private,
 * link-local, ...: the ranges whose answers the dnsmasq fragment refuses
 * for wildcards); then the hosts splice gets it. An
 * address DNS stops giving (an answer without it, NXDOMAIN included)
 * stays for the grace period after it was last seen, then leaves the
 * hosts splice and then the sets. When DNS fails for a name (no answer,
 * SERVFAIL, REFUSED), its last answer's addresses stay until max_stale
 * after it; then they go (fail closed), loudly. At least every min_ttl
 * the sets and the splice are put right again, should an apply have
 * replaced them. Every change is a log line; each round changes
 * the sets in one transaction, under the apply lock.
 *
 * The addresses the policy was compiled with age out alike, where the
 * model says the name alone put them in a set as an element of their own;
 * one merged with others' stays until the next apply (egressc pins check
 * says when it drifted). On nft the agent changes the classes' own sets
 * (or the shared lookup's elements); on iptables, the classes' refresh
 * ipsets (model_class_refreshed()).
 *
 * What the agent did and how its names stand is kept as counters, which
 * it writes after each round to a state file that egressc stats reads. */
#ifndef EGRESSC_REFRESH_H
#define EGRESSC_REFRESH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "host/apply.h"
#include "lib/addr.h"

struct diags;
struct host;
struct model;
struct resolve_opts;
struct rule_class;

/* Documented bounds (egressc(1), agent). */
#define REFRESH_MIN_TTL 30
#define REFRESH_MAX_TTL 3600
#define REFRESH_GRACE 600
#define REFRESH_MAX_STALE 86400

struct refresh_opts {
	uint32_t min_ttl, max_ttl;	/* seconds */
	uint32_t grace;			/* an added address outlives its last answer by this */
	uint32_t max_stale;		/* a name's addresses outlive its last answer by this */
	const struct resolve_opts *resolve;
	const char *hosts_path;		/* the hosts file with egressc's splice */
	enum apply_backend backend;	/* which firewall holds the sets */
};

struct refresh_addr {
	struct prefix p;
	time_t last_seen;
	bool added;		/* by the agent (else the policy's own) */
};

/* An address in one class's set, as the agent changed it. */
struct refresh_placed {
	const struct rule_class *cls;
	struct prefix p;
};

struct refresh_name {
	struct host *host;	/* the model's pinned host: its addresses are the splice's */
	const struct rule_class **classes;
	size_t nclasses;
	struct refresh_addr *addrs;
	size_t naddrs, addrs_cap;
	struct prefix *shown;	/* what host->addrs points at, owned here */
	time_t due;
	time_t last_answer;	/* with addresses or without (NXDOMAIN) */
	bool empty;		/* the last answer had no addresses */
	bool failing;		/* the last ask got no answer */
	bool closed;		/* stale beyond max_stale: failed closed */
};

struct refresh {
	const struct model *m;
	const struct refresh_opts *o;
	struct refresh_name *names;
	size_t n;
	time_t last_round;
	/* What the agent added to the sets, and what it took out of them
	 * (the policy's own addresses), as of the last round. */
	struct refresh_placed *added;
	size_t nadded, added_cap;
	struct refresh_placed *taken;
	size_t ntaken, taken_cap;
	/* Since the agent started. */
	uint64_t rounds, failed_rounds, added_total, removed_total;
	time_t last_success;	/* 0: none yet */
};

/* The agent's counters, as the state file holds them ("NAME VALUE"
 * lines, in this order) and egressc stats prints them. */
enum refresh_metric_id {
	REFRESH_NAMES,
	REFRESH_NAMES_FAILING,
	REFRESH_NAMES_CLOSED,
	REFRESH_ADDRESSES_ADDED,
	REFRESH_ADDED_TOTAL,
	REFRESH_REMOVED_TOTAL,
	REFRESH_ROUNDS_TOTAL,
	REFRESH_FAILED_ROUNDS_TOTAL,
	REFRESH_LAST_ROUND,
	REFRESH_LAST_SUCCESS,
	REFRESH_CGROUP_REBINDS,	/* not the refresh's: the cgroup watch's (cgroupbind.h) */
	REFRESH_METRICS
};
struct refresh_metric {
	const char *name;	/* Prometheus' metric name */
	const char *type;	/* "gauge" or "counter" */
	const char *help;
};
extern const struct refresh_metric refresh_metrics[REFRESH_METRICS];
#define REFRESH_STATE_PATH "/run/egressc/refresh.state"

/* Tracks M's pinned names; HOSTS[0..NHOSTS) are the compilation's hosts,
 * whose addresses the refresh replaces (the model holds the same ones).
 * Every name is due at once. */
void refresh_init(struct refresh *r, const struct model *m, struct host **hosts, size_t nhosts,
		  const struct refresh_opts *o, time_t now);
/* When the next name is due. */
time_t refresh_next(const struct refresh *r);
/* Asks DNS for the names due at NOW and changes the sets and the hosts
 * splice as above, logging each change on LOG. Returns 0, or -1 with
 * errors queued (the sets as they were, or as far as one transaction
 * went). */
int refresh_run(struct refresh *r, time_t now, FILE *log, struct diags *d);
void refresh_release(struct refresh *r);

/* R's counters (R NULL: the agent does not refresh; they are 0) and the
 * agent's CGROUP_REBINDS as the state file holds them, into *TEXT
 * (malloc'd). */
void refresh_state_format(const struct refresh *r, uint64_t cgroup_rebinds, char **text,
			  size_t *len);
/* Reads a state file's TEXT into VALUES. Returns 0, or -1 when a line is
 * not a known metric with a number or one is missing. */
int refresh_state_parse(const char *text, uint64_t values[REFRESH_METRICS]);

#endif
