/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names the runner's forwarder answered: dnsmasq's query log (the
 * fragment's log-queries=extra, to DNS_LOG_FILE) read back as pairs of
 * an address and a name that resolved to it, and the names asked. A CNAME
 * chain's addresses belong to the name asked too (dnsmasq's serial number
 * ties a query's lines together). The log owns its strings and arrays:
 * dns_log_release(). */
#ifndef EGRESSC_DNSLOG_H
#define EGRESSC_DNSLOG_H

#include <stddef.h>

#include "lib/addr.h"

struct dns_answer {
	enum family family;
	addr_t addr;
	char *name;		/* a hostname: lower case, no final dot */
};

struct dns_log {
	struct dns_answer *answers;	/* sorted by address, then name; unique */
	size_t nanswers, answers_cap;
	char **queried;			/* every name asked, sorted, unique; bytes no
					 * hostname has spelt \DDD */
	size_t nqueried, queried_cap;
};

/* Adds what TEXT (the log, whole) says. Lines that are not dnsmasq's query
 * log are skipped. */
void dns_log_parse(struct dns_log *l, const char *text);
/* Sorts and makes unique, for the lookups below. */
void dns_log_normalize(struct dns_log *l);
/* The first answer for address A of family F, and how many there are
 * (they follow it), or NULL. */
const struct dns_answer *dns_log_names(const struct dns_log *l, enum family f, addr_t a,
				       size_t *n);
void dns_log_release(struct dns_log *l);

#endif
