/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Lists of address intervals for set algebra: the verifier, the linter
 * and the optimizer compute unions and differences with them. A list is
 * normalized - sorted, disjoint, non-adjacent - by ivl_normalize(); the
 * operations below that take normalized lists say so. The list owns its
 * array; ivl_free() frees it. */
#ifndef EGRESSC_IVLIST_H
#define EGRESSC_IVLIST_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/addr.h"

struct ivl {
	addr_t lo, hi;		/* inclusive */
};

struct ivlist {
	struct ivl *v;
	size_t n, cap;
};

void ivl_add(struct ivlist *l, addr_t lo, addr_t hi);
void ivl_append(struct ivlist *dst, const struct ivlist *src);
void ivl_normalize(struct ivlist *l);
/* OUT = A minus B, both normalized; OUT comes out normalized. */
void ivl_subtract(struct ivlist *out, const struct ivlist *a, const struct ivlist *b);
bool ivl_equal(const struct ivlist *a, const struct ivlist *b);
/* Whether normalized L contains all of [LO, HI]. */
bool ivl_covers(const struct ivlist *l, addr_t lo, addr_t hi);
void ivl_free(struct ivlist *l);

#endif
