/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an apply carries over from the ruleset it replaces: the members of
 * its run-time sets (what dnsmasq answered for wildcards, what the CI
 * platform added to dynamic sets, what the refresh agent added for pinned
 * names), so that re-applying a policy does not empty them.
 *
 * A member is kept when the new ruleset has a run-time set of the same
 * name. The name says what fills the set (a dynamic set's declared name; a
 * wildcard set's hash of its domains and timeout; a refresh set's class),
 * so a kept member is one the same source would add again; which packets
 * it admits is the new ruleset's to say, deny rules first, as for every
 * member. It keeps the time it has left, never more than the new set's
 * timeout. */
#ifndef EGRESSC_KEEPSTATE_H
#define EGRESSC_KEEPSTATE_H

#include <stddef.h>
#include <stdint.h>

/* The nft commands ("add element inet egressc SET { ... }" lines) that put
 * the members of LISTING's ('list table inet egressc') run-time sets back
 * into the sets of the same name that SCRIPT (a ruleset as emit_nft()
 * writes it) declares, each with the time it had left. Malloc'd; "" when
 * there is nothing to keep. */
char *keep_nft_members(const char *listing, const char *script);

/* The names of the run-time sets SCRIPT declares, those whose members
 * keep_nft_members() carries over, one a line (malloc'd; "" when none):
 * what an apply needs listed of the table it replaces, where listing the
 * whole table reads every static set's elements back. */
char *keep_nft_set_names(const char *script);

/* Calls FN for each member of set SET in LISTING (nft's text listing of
 * a table or a set): VALUE[0..LEN) as nft spells it (an address, a prefix
 * or a range), and the milliseconds it has left (0: no timeout). Members
 * that expired are skipped. */
typedef void nft_member_fn(void *ctx, const char *value, size_t len, uint64_t left_ms);
void nft_listing_members(const char *listing, const char *set, nft_member_fn *fn, void *ctx);

/* RESTORE (an 'ipset restore' text as emit_ipset() writes it) without the
 * "flush" lines of its run-time sets (those created with a timeout), so
 * that loading it keeps the members of sets that exist already. An ipset's
 * name spells its timeout, so a kept member never outlives a timeout it
 * was not added under. Malloc'd. */
char *keep_ipset_members(const char *restore);

#endif
