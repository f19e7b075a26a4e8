/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Live resolution through c-ares: A and AAAA for every name, the queries
 * of every round in flight together on one channel, as many at once as
 * the server sustains (a window that adapts, and what a busy forwarder
 * refuses or a lossy network loses is asked again), so a thousand names
 * cost a few round trips, not a thousand. Only DNS is asked (never
 * /etc/hosts, which may hold our own earlier pins), names are fully
 * qualified (no search domains), and every failure comes back as a
 * status. Transport only: names in, answers out. What the answers mean
 * for a policy - which names to ask, how often, whether a failure is an
 * error - is resolve.c's. */
#ifndef EGRESSC_DNS_H
#define EGRESSC_DNS_H

#include <stddef.h>

#include "lib/addr.h"

struct dns_config {
	const char *servers;	/* as c-ares takes them, "ADDR,ADDR:PORT,[V6]:PORT";
				 * NULL: those of resolv.conf */
	int rounds;		/* times each name is asked, the answers united */
	int timeout_ms;		/* the budget of one query, retries included */
};

/* What the rounds of queries for one name found: the union of the
 * addresses, the lowest TTL of any record on the way (CNAMEs included),
 * and the first failure. */
struct dns_result {
	struct prefix *addrs;	/* malloc'd; sorted and unique after dns_result_finish() */
	size_t n, cap;
	int ttl;		/* -1 until a record is seen */
	int status;		/* 0, or the first ARES_E* failure */
};

void dns_result_add(struct dns_result *r, const struct prefix *p, int ttl);
void dns_result_ttl(struct dns_result *r, int ttl);
void dns_result_fail(struct dns_result *r, int status);
void dns_result_finish(struct dns_result *r);
void dns_result_release(struct dns_result *r);
/* "NXDOMAIN (no such name)", "timed out", ... for a failure status. */
const char *dns_status_reason(int status);

/* Why dns_lookup() could ask nothing. */
struct dns_error {
	enum dns_stage {
		DNS_STAGE_LIBRARY,	/* c-ares would not initialize */
		DNS_STAGE_CHANNEL,	/* the resolver would not start */
		DNS_STAGE_SERVERS,	/* c-ares refused CONFIG's servers */
	} stage;
	const char *reason;	/* c-ares' words (static), or NULL */
};

/* Asks for NAMES[0..N) (no final dot) as C says, into RESULTS[0..N),
 * which it initializes; each result ends finished, with addresses or a
 * failure status (no addresses is ARES_ENODATA). dns_result_release()
 * frees each. Returns 0, or -1 with *ERR set and nothing asked. */
int dns_lookup(const char *const *names, size_t n, const struct dns_config *c,
	       struct dns_result *results, struct dns_error *err);

#endif
