/* A set of address ranges of one family, kept twice: the ranges as the
 * policy contributed them (each with its origin), sorted by start, and the
 * merged spans - maximal disjoint, non-adjacent intervals - that emitters
 * turn into prefixes. The contributors of a span are a contiguous run of
 * the sorted ranges, so every emitted element can name the rules it came
 * from. The set owns both arrays; rangeset_release() frees them. */
#ifndef EGRESSC_RANGESET_H
#define EGRESSC_RANGESET_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct range {
	addr_t lo, hi;		/* inclusive */
	uint32_t origin;	/* index into the model's origins */
};

struct span {
	addr_t lo, hi;		/* inclusive; spans never touch or overlap */
	size_t first, count;	/* contributing ranges[first .. first + count) */
};

struct rangeset {
	enum family family;
	struct range *ranges;
	size_t nranges, cap;
	struct span *spans;	/* valid after rangeset_finish() */
	size_t nspans;
};

void rangeset_init(struct rangeset *s, enum family f);
void rangeset_add(struct rangeset *s, addr_t lo, addr_t hi, uint32_t origin);
/* Sorts the ranges (by start, end, origin: deterministic) and computes spans. */
void rangeset_finish(struct rangeset *s);
/* The span containing A, or NULL. */
const struct span *rangeset_find(const struct rangeset *s, addr_t a);
void rangeset_release(struct rangeset *s);

#endif
