/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What of an ipset restore file (the ipset output) apply has to load, given
 * the sets the kernel has. A static set (created without a timeout) is
 * named by what it holds and sized to hold exactly that (maxelem is its
 * prefix count; see emit/ipset.c): one that exists with all its members
 * is what the file would make of it, and is left out - adding 160k
 * members that are there already takes ipset seconds, where leaving them
 * takes nothing. One that exists but lacks members (a load cut short) is
 * emptied and filled again. Run-time sets are kept as the file has them:
 * created and flushed. */
#ifndef EGRESSC_IPSETPLAN_H
#define EGRESSC_IPSETPLAN_H

/* TEXT (the ipset output) as apply loads it before the rules, given
 * LISTING, what 'ipset list -t' prints (NULL or "": no sets). Malloc'd;
 * aborts when memory runs out.
 *
 * A refresh set (a static set's create line, then its flush: see
 * emit/ipset.c) that does not exist yet is created and filled there. One
 * that exists is matched by the rules in place and holds what the refresh
 * agent added: it is never flushed (the rules would block its names
 * while it fills) nor left out as complete. It is left out of the text
 * (it exists), and *SWAP (malloc'd, "" when there is none) gets the
 * commands that fill a spare set (ipsetname_swap_spare()) with
 * the policy's members, swap it with the live one in one step, and
 * destroy it: what apply runs once the new rules are loaded, so that the
 * old rules never see the new policy's addresses. The agent puts its
 * additions back on its next round. */
char *ipset_plan(const char *text, const char *listing, char **swap);

/* The names of TEXT's (the ipset output's) refresh sets that LISTING
 * has, one a line (malloc'd): what apply saves before it swaps them, to
 * put their members back when a later step fails. */
char *ipset_refresh_names(const char *text, const char *listing);

/* SAVED ('ipset save' of refresh sets) as the commands that put those
 * members back as apply loads them: each set filled aside, swapped in
 * whole, the spare destroyed. Malloc'd. */
char *ipset_swap_back(const char *saved);

/* The names of the sets in LISTING that have a timeout (run-time sets) and
 * begin with PREFIX, one a line (malloc'd): what apply saves, to put their
 * members back when a later step fails. Static sets are never changed
 * before the new rules hold, so they need no saving. */
char *ipset_runtime_names(const char *listing, const char *prefix);

#endif
