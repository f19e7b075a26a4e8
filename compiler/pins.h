/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pins against DNS now: for each pinned name, the addresses DNS gives now
 * that the pins lack (added) and the pinned ones it no longer gives
 * (gone). 'egressc pins check' reports them for image pipelines; the
 * refresh agent acts on them. Pins come from a compiled model (its pinned
 * hosts, as the hosts output writes them) or from a hosts-format file. */
#ifndef EGRESSC_PINS_H
#define EGRESSC_PINS_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

struct diags;
struct hostsfile;
struct model;
struct resolve_opts;

struct pin {
	const char *name;		/* lower case, no final dot */
	const struct prefix *addrs;	/* sorted (addr_sort_cmp), unique */
	size_t naddrs;
};

/* Every pinned name once, sorted by name; the addresses are borrowed. */
struct pins {
	struct pin *pins;
	size_t n, cap;
	bool owns_addrs;	/* pins_from_hostsfile(): sorted copies */
};

/* The model's pinned hosts (what the hosts output pins). */
void pins_from_model(struct pins *ps, const struct model *m);
/* Every name of a hosts-format file and its addresses, sorted into ARRAYS
 * the pins own. */
void pins_from_hostsfile(struct pins *ps, const struct hostsfile *hf);
void pins_release(struct pins *ps);

/* One name's drift: what DNS gives now that the pin lacks, and what the
 * pin holds that DNS no longer gives. STATUS: 0, or a failure (dns.h's
 * dns_status_reason() says it), nothing compared then. */
struct pin_drift {
	const struct pin *pin;
	struct prefix *added, *gone;	/* malloc'd, sorted */
	size_t nadded, ngone;
	struct prefix *now;		/* malloc'd: every address DNS gave */
	size_t nnow;
	int ttl;			/* the lowest TTL on the way; -1: unknown */
	int status;
};

static inline bool pin_drifted(const struct pin_drift *d)
{
	return d->status || d->nadded || d->ngone;
}

/* Whether DNS answered for D's name, if with no addresses (NXDOMAIN, no
 * A or AAAA records): the name has none now. Else it failed (a timeout,
 * SERVFAIL, REFUSED, ...), which says nothing about its addresses. */
bool pin_drift_answered(const struct pin_drift *d);

/* Why D's name did not resolve ("NXDOMAIN (no such name)", ...). */
const char *pin_drift_reason(const struct pin_drift *d);

/* Asks DNS for every pin of PS now, as O says, into *OUT (PS->n drifts,
 * malloc'd, in PS's order). Returns 0, or -1 with an error queued when DNS
 * could not be asked at all. */
int pins_compare(const struct pins *ps, const struct resolve_opts *o, struct diags *d,
		 struct pin_drift **out);
void pin_drifts_free(struct pin_drift *drifts, size_t n);

#endif
