/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A hosts(5)-format file as a name -> addresses table. Every address listed
 * for a name counts, across all lines: that is how round-robin pools are
 * pinned. */
#ifndef EGRESSC_HOSTSFILE_H
#define EGRESSC_HOSTSFILE_H

#include <stddef.h>

#include "lib/addr.h"
#include "lib/strmap.h"

struct arena;
struct diags;

struct hostsfile_entry {
	struct prefix *addrs;	/* arena, in file order, duplicates removed */
	size_t n, cap;
	int ttl;		/* lowest "# ttl=N" note on the name's lines; -1: none */
};

struct hostsfile {
	const char *path;
	struct strmap names;	/* lower-case name -> struct hostsfile_entry */
};

/* Returns 0, or -1 with errors (located in the file) queued. */
int hostsfile_load(struct arena *a, struct diags *d, const char *path, struct hostsfile *hf);
const struct hostsfile_entry *hostsfile_lookup(const struct hostsfile *hf, const char *name);
void hostsfile_release(struct hostsfile *hf);

#endif
