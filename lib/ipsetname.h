/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names egressc gives ipsets, and the short hashes in names. ipset
 * names are global on the host and at most 31 characters, and 'ipset
 * create' fixes a set's type, family and timeout (a later create of the
 * same name with another timeout fails, even with -exist), so a name
 * says all three: "egressc_" + a spelling that holds the timeout + "_v4".
 * A spelling too long to show whole is its start, cut after a word, and a
 * hash of all of it: "egressc_allow_tcp_880e0aca_v4". The model names its
 * sets with these; the verifier names a dynamic set's ipsets from the
 * policy alone with the same function. */
#ifndef EGRESSC_IPSETNAME_H
#define EGRESSC_IPSETNAME_H

#include <stddef.h>
#include <stdint.h>

/* ipset's limit on a set name. */
#define IPSET_NAME_MAX 31
/* Every ipset egressc makes begins with this. */
#define IPSET_PREFIX "egressc_"

/* 32-bit FNV-1a: short, stable hashes for names. */
#define FNV_SEED 2166136261u
uint32_t fnv1a(uint32_t h, const char *s, size_t n);
/* For a hash that collided: the same hash, salted with the attempt (0:
 * the hash itself). */
uint32_t fnv1a_salted(uint32_t h, unsigned salt);

/* SPELLING's ipset with family suffix SUFFIX ("v4", "v6"), hashed with
 * SALT when it is too long or SALT is not 0. */
void ipsetname_make(char out[IPSET_NAME_MAX + 1], const char *spelling, const char *suffix,
		    unsigned salt);

/* Dynamic set NAME kept TIMEOUT seconds is spelt "dyn_NAME_TIMEOUT" (at
 * most SIZE bytes with the final NUL). */
void ipsetname_dynamic_spelling(char *out, size_t size, const char *name, uint32_t timeout);

/* Its ipset ("egressc_dyn_builders_30m_v4"), never salted, so that a
 * reader with only the policy can name it. */
void ipsetname_dynamic(char out[IPSET_NAME_MAX + 1], const char *name, uint32_t timeout,
		       const char *suffix);

/* A static set (the addresses of a class or of a deny rule, fixed by the
 * policy) as an ipset: "egressc_allow_tcp_5d0e4c1b_v4", its spelling's
 * start and a hash of the spelling and of CONTENT, a hash of what the set
 * holds. The name says what is in the set, so a set that exists already
 * holds what it should: loading again changes nothing, and a changed
 * policy loads its sets beside the old ones, which its rules replace in
 * one step. */
void ipsetname_static(char out[IPSET_NAME_MAX + 1], const char *spelling, uint32_t content,
		      const char *suffix, unsigned salt);

/* The spare set apply fills and then swaps with refresh set LIVE (see
 * host/ipsetplan.h): LIVE with its family suffix "_v4" spelt "_s4", so
 * that it is as long, begins with IPSET_PREFIX (and goes when apply
 * destroys what no rule names) and is no other set's name. */
void ipsetname_swap_spare(char out[IPSET_NAME_MAX + 1], const char *live);

#endif
