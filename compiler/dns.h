/* Live resolution through c-ares: A and AAAA for every name, every query
 * of every round in flight at once on one channel, so a thousand names
 * cost a few round trips, not a thousand. Only DNS is asked (never
 * /etc/hosts, which may hold our own earlier pins), names are fully
 * qualified (no search domains), and every failure is reported. */
#ifndef EGRESSC_DNS_H
#define EGRESSC_DNS_H

#include <stddef.h>

#include "lib/addr.h"

struct arena;
struct diags;
struct host;
struct resolve_opts;

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
/* "NXDOMAIN (no such name)", "timed out", ... for a failure status. */
const char *dns_status_reason(int status);

/* Resolves HOSTS[0..N) as OPTS says, filling each host's addresses and
 * TTL. A name that fails is an error at its first use (a warning with
 * opts->allow_unresolved, the name then having no addresses). Returns 0,
 * or -1 with errors queued. */
int dns_resolve(struct arena *a, struct diags *d, struct host **hosts, size_t n,
		const struct resolve_opts *opts);

#endif
