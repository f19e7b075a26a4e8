/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Resolution: every hostname and every address list a rule reaches
 * (directly or through defines) is looked up once, and all its uses share
 * the result. A hostname gets one struct host holding every address the
 * name has, from DNS (dns.c) or from a hosts(5)-format file. A list file
 * gets one struct addrlist. */
#ifndef EGRESSC_RESOLVE_H
#define EGRESSC_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compiler/ast.h"
#include "lib/strmap.h"

struct addrlist;
struct arena;
struct diags;

/* Owns its indexes and the lists' arrays; hosts and their addresses live
 * in the arena. */
struct resolution {
	struct strmap hosts_by_name;
	struct host **hosts;	/* in order of first use */
	size_t nhosts, hosts_cap;
	struct strmap lists_by_path;
	struct addrlist **lists;
	size_t nlists, lists_cap;
};

struct resolve_opts {
	const char *hosts_file;	/* addresses from this file; NULL: from DNS */
	const char **servers;	/* DNS servers, ADDR or ADDR:PORT ([V6]:PORT); none: resolv.conf */
	size_t nservers;
	int resolve_rounds;	/* queries per name, answers united */
	int dns_timeout_ms;	/* the budget of one query, retries included */
	bool allow_unresolved;	/* a failed name warns and allows nothing */
};

#define RESOLVE_ROUNDS_DEFAULT 3
#define DNS_TIMEOUT_MS_DEFAULT 3000

/* Where diagnostics about H point: its first use, or nowhere. */
static inline const struct loc *host_loc(const struct host *h)
{
	return h->first_use ? &h->first_use->loc : NULL;
}

/* Resolves one NAME as the compiler would (query does this for its
 * destination), into R. Returns the host, or NULL with errors queued. */
struct host *resolve_hostname(struct arena *a, struct diags *d, const char *name,
			      const struct resolve_opts *opts, struct resolution *r);

struct dns_result;

/* Asks DNS for NAMES[0..N) now, as O says (its servers, rounds and
 * timeout; never its hosts file), into RESULTS[0..N) (dns.h: each with
 * addresses or a failure status; dns_result_release() frees each): for
 * the runtime, which compares or refreshes pins. Returns 0, or -1 with an
 * error queued when nothing could be asked (RESULTS then untouched). */
int resolve_names_now(struct diags *d, const char *const *names, size_t n,
		      const struct resolve_opts *o, struct dns_result *results);

void resolution_init(struct resolution *r);
/* Writes every resolved name as a hosts(5) file, one address a line, each
 * with a "# ttl=N" note when the TTL is known; --hosts-file reads it back
 * to the same addresses and TTLs. */
int resolution_save(const struct resolution *r, const char *policy, FILE *fp);
void resolution_release(struct resolution *r);

/* Interns every hostname and address list reachable from a rule into R
 * (r->hosts, in order of first use), reading the lists but resolving
 * nothing: what 'egressc names' lists. Errors (an unreadable list) are
 * queued. */
void resolve_collect(struct arena *a, struct diags *d, struct policy *p, struct resolution *r);

/* Attaches a struct host to every TARGET_HOST and a struct addrlist to
 * every TARGET_FILE reachable from a rule, and fills them. A name without
 * addresses is an error at its first use. Returns 0, or -1 with errors
 * queued. */
int resolve_policy(struct arena *a, struct diags *d, struct policy *p,
		   const struct resolve_opts *opts, struct resolution *r);

#endif
