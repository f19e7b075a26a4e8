/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A set of address prefixes of one family, kept twice: the prefixes as the
 * policy contributed them (each with its origin), sorted, and the merged
 * spans - maximal disjoint, non-adjacent intervals - that emitters turn
 * into prefixes. The contributors of a span are a contiguous run of the
 * sorted prefixes, so every emitted element can name the rules it came
 * from.
 *
 * Storage is compact because address lists run to millions of entries: an
 * IPv4 prefix with its origin packs into 8 bytes, an IPv4 span into 16.
 * Read them through rangeset_range() and rangeset_span(), which hand out
 * family-neutral copies. The set owns its arrays; rangeset_release() frees
 * them. */
#ifndef EGRESSC_RANGESET_H
#define EGRESSC_RANGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"

/* Origins are indexes into the model's origin table; an IPv4 entry has
 * room for this many. */
#define RANGESET_MAX_ORIGINS (1u << 26)

struct range {
	addr_t lo, hi;		/* inclusive */
	uint32_t origin;
};

struct span {
	addr_t lo, hi;		/* inclusive; spans never touch or overlap */
	size_t first, count;	/* contributing ranges [first, first + count) */
};

struct rangeset6_entry;
struct rangeset4_span;
struct rangeset6_span;

struct rangeset {
	enum family family;
	size_t nranges, cap;
	uint64_t *v4;			/* addr << 32 | len << 26 | origin */
	struct rangeset6_entry *v6;
	size_t nspans;			/* valid after rangeset_finish() */
	struct rangeset4_span *spans4;
	struct rangeset6_span *spans6;
};

void rangeset_init(struct rangeset *s, enum family f);
/* Room for N more prefixes, so that adding them does not grow the set
 * step by step. */
void rangeset_reserve(struct rangeset *s, size_t n);
/* P must be of the set's family; ORIGIN below RANGESET_MAX_ORIGINS. */
void rangeset_add(struct rangeset *s, const struct prefix *p, uint32_t origin);
/* An IPv4 prefix as an IPv4 set holds it, before its origin is known: so
 * that a list of a million, read into this form, goes into a set in one
 * copy (rangeset_add_v4_keys()). */
static inline uint64_t rangeset_v4_key(uint32_t addr, unsigned len)
{
	return (uint64_t)addr << 32 | (uint64_t)len << 26;
}
static inline struct prefix rangeset_v4_key_prefix(uint64_t key)
{
	struct prefix p = { .addr = (addr_t)(key >> 32), .len = (unsigned char)((key >> 26) & 0x3f),
			    .family = FAMILY_V4 };
	return p;
}
/* Adds KEYS[0..N), rangeset_v4_key()s, each with ORIGIN, to an IPv4 set:
 * rangeset_add() of each, at the cost of a copy. */
void rangeset_add_v4_keys(struct rangeset *s, const uint64_t *keys, size_t n, uint32_t origin);
/* Sorts the prefixes (by address, length, origin: deterministic) and
 * computes the spans. */
void rangeset_finish(struct rangeset *s);

struct range rangeset_range(const struct rangeset *s, size_t i);
struct span rangeset_span(const struct rangeset *s, size_t i);
/* The index of the span containing A, or -1. */
long rangeset_find(const struct rangeset *s, addr_t a);

/* Replaces the spans by SPANS[0..N) (sorted, disjoint, non-adjacent, each
 * within the spans it replaces): the optimizer's way to trim a set while
 * its contributors stay on record. */
void rangeset_set_spans(struct rangeset *s, const struct span *spans, size_t n);
/* How many prefixes the spans need. */
size_t rangeset_prefix_count(const struct rangeset *s);

void rangeset_release(struct rangeset *s);

#endif
