/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Questions to a compiled policy, answered from the same model the
 * rulesets are emitted from: what happens to one packet, and why
 * (query); what two policies let out differently (diff). */
#ifndef EGRESSC_QUERY_H
#define EGRESSC_QUERY_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler/model.h"

struct arena;
struct diags;
struct resolution;
struct resolve_opts;

/* Why a rule decided: the contributors of the deciding span that hold the
 * address. The first in policy order is the deciding rule; hostnames
 * among them are where the address came from. */
struct because {
	const struct stmt *rule;
	const char *hosts[8];
	size_t nhosts;
};

void decision_explain(const struct model *m, const struct decision *dc,
		      const struct packet *pkt, struct because *b);

/* Parses "PORT", "PORT/tcp", "PORT/udp" (NULL or "": a packet with no
 * port, such as ICMP) into PKT. Returns 0, or -1 on a bad spec. */
int query_parse_service(const char *spec, struct packet *pkt);

/* Whether DEST is written the way a URL writes a host and port:
 * "ghcr.io:443", "192.0.2.1:443", "[2001:db8::1]:443", or an IPv6 address
 * in brackets alone. If so, *HOST is the destination (in A) and *PORT its
 * port, or NULL. An IPv6 address without brackets is an address, never an
 * address and a port: 2001:db8::1:443 is one. */
bool query_dest_has_port(struct arena *a, const char *dest, const char **host,
			 const char **port);

/* Answers for DEST (an address, or a hostname resolved as OPTS says)
 * and the service in PKT: prints the verdict, then why. Returns the
 * verdict's exit status (0 allow, 1 deny), or -1 with errors queued when
 * DEST cannot be understood. BRIEF prints one line, for batches. */
int query_answer(FILE *fp, struct arena *a, struct diags *d, const struct model *m,
		 const char *dest, struct packet *pkt, const struct resolve_opts *opts,
		 struct resolution *r, bool brief);

enum diff_format {
	DIFF_TEXT,
	DIFF_JSON,
};

/* Prints what NEW allows that OLD denied ("+") and the reverse ("-"),
 * per protocol, port range and prefix, each with the rule responsible.
 * Returns the number of lines (0: the policies allow the same traffic). */
size_t policy_diff(FILE *fp, const struct model *old, const struct model *new,
		   enum diff_format format);

#endif
