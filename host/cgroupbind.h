/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeping the rules for cgroups bound to the cgroups their paths name
 * (the agent's job). nft, and the kernel for iptables's cgroup match,
 * turn a rule's path into the cgroup it names when the ruleset is loaded.
 * A cgroup removed and made again under the same path (systemd restarting
 * a service) is another cgroup, which the loaded rule no longer matches:
 * an allow for it fails closed, but a deny would let the restarted
 * service out.
 *
 * So the agent watches the directory above each path (inotify reports a
 * child cgroup's mkdir and rmdir on cgroup v2), and, as a backstop,
 * compares every CGROUP_BIND_CHECK_SECONDS each path's inode number (a
 * cgroup's id) with the one it last bound. When one changed, it loads the
 * chain that holds the rules for cgroups again, alone, rendered from the
 * model, in one transaction under the apply lock: nft's egress_local
 * flushed and filled in one 'nft -f' (sets, their run-time elements,
 * named counters and the rest of the table stay); iptables's
 * EGRESSC-LOCAL by one 'iptables-restore --noflush' per family (its
 * rules' counters read first and given back; the deny rules' and the
 * default's, in chains of their own, stay). The ids are read before the
 * load: a cgroup made again between the two is seen as changed at the
 * next look, never missed. A cgroup not there is a change too: its rules
 * are left out of the load (ruleset_bind_cgroups(): they match no
 * process), and its mkdir puts them back. The agent binds once when it
 * starts, since it cannot know what happened before; the watch runs in a
 * process of its own (host/agent.c), which nothing else the agent does
 * holds up.
 *
 * Only the ruleset the agent's model compiled is touched: apply records,
 * per network namespace, the local chain it loaded (cgroup_bind_record()),
 * and the agent loads its own rendering only while it is that record, so
 * an older policy's chain never replaces a newer one. */
#ifndef EGRESSC_CGROUPBIND_H
#define EGRESSC_CGROUPBIND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "host/apply.h"

struct model;

/* The backstop's period: the longest a change inotify missed goes unseen. */
#define CGROUP_BIND_CHECK_SECONDS 5
/* Where apply records the local chain it loaded, a file per network
 * namespace (its inode number after the dot): a ruleset is a namespace's. */
#define CGROUP_BIND_RECORD_PREFIX "/run/egressc/local-chain.net"

struct cgroup_bound {
	const char *path;	/* the model's, relative to the v2 root */
	ino_t id;		/* the cgroup the loaded rules hold, as last bound; 0: none known */
};

struct cgroup_bind {
	const struct model *m;
	enum apply_backend backend;
	const char *root;		/* where cgroup v2 is mounted */
	struct cgroup_bound *paths;
	size_t n;
	int inotify_fd;			/* -1: not watching (the backstop alone) */
	bool due;			/* an id differs from the bound one, or none is bound yet */
	time_t next_check;
	char *problem;			/* why the last try did not bind, as journaled */
	uint64_t rebinds;		/* loads that bound a changed cgroup, since the start */
};

/* Watches the cgroups M names under ROOT (CGROUP2_ROOT); the first
 * cgroup_bind_run() binds them. Returns 0, or -1 (nothing to release)
 * when ROOT is no cgroup v2 mount, where the agent cannot see them, which
 * it says on LOG; so it does when inotify fails (the backstop alone). */
int cgroup_bind_init(struct cgroup_bind *b, const struct model *m, enum apply_backend backend,
		      const char *root, FILE *log);
/* What to poll for a change (-1: nothing), and when to look anyway. */
int cgroup_bind_fd(const struct cgroup_bind *b);
time_t cgroup_bind_next(const struct cgroup_bind *b);
/* Takes what the watch reported and, when a change is seen or the backstop
 * is due at NOW, binds again what changed, with a journal line on LOG.
 * Returns 1 when it loaded the chain, else 0. */
int cgroup_bind_run(struct cgroup_bind *b, time_t now, FILE *log);
void cgroup_bind_release(struct cgroup_bind *b);

/* For apply, after it loaded S on BACKEND: records the local chain S
 * holds (none: no record), for the agent to compare; said on LOG when the
 * record cannot be written (the agent then refuses to rebind).
 * cgroup_bind_forget(): the ruleset went (apply --remove, the closed
 * table). */
void cgroup_bind_record(const struct apply_set *s, enum apply_backend backend, FILE *log);
void cgroup_bind_forget(void);

/* The local chain in TEXT, an nft ruleset (NFT: the chain block of
 * egress_local, its head and end lines included) or an iptables-restore
 * file (its '-A EGRESSC-LOCAL' lines), as egressc writes them; NULL
 * (malloc'd otherwise) when TEXT has none. */
char *cgroup_bind_local_rules(const char *text, bool nft);

/* RULES (EGRESSC-LOCAL's, a line each) with the counters of the chain's
 * rules in SAVED (iptables-save -c), "[PACKETS:BYTES] " before each, in
 * order: what the agent loads again keeps them. Without them when SAVED
 * has not as many rules of the chain. Malloc'd. */
char *cgroup_bind_with_counters(const char *rules, const char *saved);

#endif
