/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A string-keyed hash map of pointers: open addressing, linear probing.
 * Keys are not copied: they must outlive the map (arena strings do). The
 * map owns only its slot array; strmap_release() frees it. */
#ifndef EGRESSC_STRMAP_H
#define EGRESSC_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	const char *key;
	void *value;
	size_t hash;		/* the key's: probes and growth compare it, not the key */
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, count;
};

void strmap_init(struct strmap *m);
/* Room for N keys without growing: a map that will hold tens of
 * thousands is not doubled into place from 16 slots. */
void strmap_reserve(struct strmap *m, size_t n);
void *strmap_get(const struct strmap *m, const char *key);
/* Sets KEY to VALUE and returns the previous value (NULL if none). */
void *strmap_put(struct strmap *m, const char *key, void *value);
void strmap_release(struct strmap *m);

#endif
