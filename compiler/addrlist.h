/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Address lists: files of addresses and prefixes, one a line, '#' comments
 * - the format FireHOL and iprange users already have. A list is streamed,
 * never held whole: a million entries cost 8 bytes each (IPv4). Errors
 * point into the list file. */
#ifndef EGRESSC_ADDRLIST_H
#define EGRESSC_ADDRLIST_H

#include <stddef.h>
#include <stdint.h>

#include "lib/addr.h"
#include "lib/rangeset.h"

struct arena;
struct diags;
struct loc;

/* A list holds at most this many entries. */
#define ADDRLIST_MAX_ENTRIES (1u << 23)

struct addrlist {
	const char *path;	/* as opened */
	uint64_t *v4;		/* rangeset_v4_key(), in file order */
	size_t n4;
	struct prefix *v6;
	size_t n6;
};

/* Reads PATH into L (arrays malloc'd; addrlist_release() frees them).
 * Errors are queued: reading ones at AT, bad entries at their line. Returns
 * 0, or -1 if there was any error. */
int addrlist_load(struct arena *a, struct diags *d, const char *path, const struct loc *at,
		  struct addrlist *l);
/* The same for PATH of git revision REV (gitblob.h); L->path shows
 * "REV:PATH". */
int addrlist_load_git(struct arena *a, struct diags *d, const char *rev, const char *path,
		      const struct loc *at, struct addrlist *l);
static inline struct prefix addrlist_v4(const struct addrlist *l, size_t i)
{
	return rangeset_v4_key_prefix(l->v4[i]);
}
void addrlist_release(struct addrlist *l);

#endif
