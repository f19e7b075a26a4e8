/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Output files that appear whole or not at all: written to a temporary
 * file in the target's directory, flushed and synced, then renamed over the
 * target. Until output_commit() the previous file is untouched; a failed or
 * killed run leaves at most a stray temporary, never a truncated target. */
#ifndef EGRESSC_OUTPUT_H
#define EGRESSC_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

struct output {
	char *path;	/* the target; NULL for standard output or a device */
	char *tmp;	/* the temporary beside it */
	FILE *fp;
	char *buf;	/* fp's buffer, freed once fp is closed */
	bool owned;	/* fp was opened here (a device): close it */
};

/* "-" is standard output, and an existing target that is not a regular
 * file (/dev/null, a FIFO) is written directly: there is nothing to
 * clobber, and renaming over a device would replace it with a file.
 * Returns 0, or -1 with errno set. */
int output_open(struct output *o, const char *path);
/* Flushes, syncs and renames into place. Returns 0, or -1 with errno set
 * (the temporary is then removed). */
int output_commit(struct output *o);
/* Removes the temporary; the target stays as it was. */
void output_abort(struct output *o);

#endif
