/* SPDX-License-Identifier: GPL-2.0-or-later */
/* "Did you mean" for misspelt names: the closest candidate by edit distance,
 * if it is close enough to be a plausible typo. */
#ifndef EGRESSC_SUGGEST_H
#define EGRESSC_SUGGEST_H

#include <stddef.h>

/* Returns the candidate nearest to WORD, or NULL if none is within a third
 * of WORD's length (at least 1, at most 3 edits). */
const char *suggest_closest(const char *word, const char *const *candidates, size_t n);

#endif
