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

/* TEXT (the ipset output) as apply loads it, given LISTING, what 'ipset
 * list -t' prints (NULL or "": no sets). Malloc'd; aborts when memory runs
 * out. */
char *ipset_plan(const char *text, const char *listing);

/* The names of the sets in LISTING that have a timeout (run-time sets) and
 * begin with PREFIX, one a line (malloc'd): what apply saves, to put their
 * members back when a later step fails. Static sets are never changed
 * before the new rules hold, so they need no saving. */
char *ipset_runtime_names(const char *listing, const char *prefix);

#endif
