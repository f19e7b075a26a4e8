/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The CI platform's hook into the dynamic sets a policy declares: add,
 * delete and list members by the set's declared name, whichever backend
 * holds the sets, so that nothing outside egressc spells nft or ipset
 * commands. Set names are checked against the model's dynamic sets, and
 * addresses before anything is changed: a request is applied whole or not
 * at all, under the apply lock. */
#ifndef EGRESSC_DYNAMIC_H
#define EGRESSC_DYNAMIC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "host/apply.h"
#include "lib/addr.h"

struct diags;
struct model;

enum dynamic_op {
	DYNAMIC_ADD,
	DYNAMIC_DEL,
	DYNAMIC_LIST,
};

struct dynamic_request {
	enum dynamic_op op;
	const char *set;		/* as declared: "builders" */
	const char *const *addrs;	/* ADDR or ADDR/LEN, as given */
	size_t naddrs;
	uint32_t timeout;		/* add: seconds; 0: the set's */
};

/* The widest network a dynamic set takes: a site's, not the Internet's. */
#define DYNAMIC_V4_WIDEST 8
#define DYNAMIC_V6_WIDEST 32

/* Parses ADDR[/LEN] as a member of a dynamic set may be: an address or a
 * network without host bits, no wider than the above, and none that is
 * no build machine's (loopback, link-local - the metadata service -,
 * multicast, unspecified). Returns 0, or -1 with *WHY (static) saying
 * what is wrong. */
int dynamic_parse_addr(const char *text, struct prefix *p, const char **why);

/* Carries out RQ on the sets of M's backend B, saying what it did on OUT.
 * Returns 0, or -1 with errors queued and nothing changed. */
int dynamic_run(const struct model *m, enum apply_backend b, const struct dynamic_request *rq,
		FILE *out, struct diags *d);

#endif
