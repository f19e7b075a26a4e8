/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc apply: loads compiled outputs on this host, in an order with no
 * moment where traffic the policy denies is allowed.
 *
 *   nft:      the ruleset in one libnftables transaction (all of it or
 *             nothing), then the hosts splice, then the dnsmasq fragment.
 *   iptables: every file is checked first (ipsets created, then
 *             iptables-restore --test and ip6tables-restore --test); the
 *             current tables are saved; IPv6 is closed (loopback and
 *             replies only) while IPv4 is replaced, then IPv6 is replaced.
 *             Any failure restores what was saved. Then hosts, dnsmasq.
 *
 * The firewall goes first because it is what allows traffic; the hosts
 * lines and the fragment only change which allowed addresses names reach.
 * Every file is written whole (a temporary renamed over it), and applying
 * twice is applying once. The run-time sets' members that the new ruleset
 * still has sets for are kept (keepstate.h); dnsmasq restarts only for a
 * changed fragment. A failed apply leaves the previous state, except
 * with fail_closed. */
#ifndef EGRESSC_APPLY_H
#define EGRESSC_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct diags;
struct model;

enum apply_backend {
	APPLY_NFT,
	APPLY_IPTABLES,
};

struct apply_opts {
	enum apply_backend backend;
	bool dry_run;			/* say what would be done, do nothing */
	const char *hosts_path;		/* default /etc/hosts */
	const char *dnsmasq_path;	/* default /etc/dnsmasq.d/egressc.conf */
	bool dnsmasq_path_given;	/* its directory must then exist */
	/* Close the firewall (loopback and replies only) first, and leave
	 * it closed if the apply fails: for boot, where there is no earlier
	 * state worth keeping. */
	bool fail_closed;
	/* A shell command that restarts dnsmasq; NULL: dnsmasq.service, for
	 * the fragment at its default place. */
	const char *dnsmasq_restart;
};

#define APPLY_HOSTS_PATH "/etc/hosts"
#define APPLY_DNSMASQ_PATH "/etc/dnsmasq.d/egressc.conf"
/* Applies, removals and their dnsmasq restarts take turns on this lock. */
#define APPLY_LOCK_PATH "/run/egressc.lock"

/* One text per output; NULL where the output is absent. */
enum apply_part {
	PART_NFT,
	PART_IPSETS,
	PART_V4,
	PART_V6,
	PART_HOSTS,
	PART_DNSMASQ,		/* nftset= lines, for nft */
	PART_DNSMASQ_IPSET,	/* ipset= lines, for iptables */
	PART_COUNT,
};

struct apply_set {
	char *text[PART_COUNT];
	size_t len[PART_COUNT];
	char *where[PART_COUNT];	/* for messages: the file it came from */
};

/* Reads what egressc -O DIR wrote. Returns 0, or -1 with errors queued
 * (a file the backend needs is missing or unreadable). */
int apply_read_dir(struct apply_set *s, const char *dir, enum apply_backend b,
		   struct diags *d);
/* Renders the outputs of a compiled model. */
int apply_render(struct apply_set *s, const struct model *m, struct diags *d);
void apply_set_release(struct apply_set *s);

/* Waits for other applies on this machine to end, then holds the lock
 * until the process ends. Returns 0, or -1 with an error queued. */
int apply_lock(struct diags *d);

/* --fail-closed, before any input is read: only loopback, this machine's
 * container networks and replies pass until apply_run() loads the policy;
 * when anything fails, that is what stays. Returns 0, or -1 with errors
 * queued. */
int apply_close(const struct apply_opts *o, FILE *log, struct diags *d);

/* Applies S, saying what it does (or would do) on LOG. Returns 0, or -1
 * with errors queued and the previous state in place (with fail_closed:
 * the closed firewall, which the caller loaded first). */
int apply_run(const struct apply_set *s, const struct apply_opts *o, FILE *log,
	      struct diags *d);
/* Takes egressc's ruleset, hosts splice and fragment away again. */
int apply_remove(const struct apply_opts *o, FILE *log, struct diags *d);

#endif
