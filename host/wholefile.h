/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files apply installs, read and written whole: a file is either what it
 * was or what it is to be, never half of each. */
#ifndef EGRESSC_WHOLEFILE_H
#define EGRESSC_WHOLEFILE_H

#include <stddef.h>

struct diags;

/* Reads PATH whole into *TEXT (NUL-terminated, malloc'd) and *LEN.
 * Returns 0, or -1 with errno set. */
int wholefile_read(const char *path, char **text, size_t *len);

/* Writes PATH whole (a temporary renamed over it), keeping the mode and
 * owner of the file it replaces; the temporary has them before the rename,
 * so no reader sees the file otherwise. A symbolic link is written through,
 * as open() would: the rename is at the link's final target (a relative
 * link is relative to its own directory, a link to a link is followed on,
 * a dangling link gets its target made) and every link stays. A file that
 * cannot be renamed over (a container's bind-mounted /etc/hosts) is
 * rewritten in place instead. Returns 0, or -1 with an error queued. */
int wholefile_write(const char *path, const char *text, size_t len, struct diags *d);

#endif
