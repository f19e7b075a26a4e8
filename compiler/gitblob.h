/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One file of a git revision, read through 'git cat-file blob REV:./PATH'
 * run as a child process (no shell, no library): a reviewer compiles the
 * base of a pull request, its includes and its lists, without checking it
 * out. PATH is relative to the current directory, as git reads "./". */
#ifndef EGRESSC_GITBLOB_H
#define EGRESSC_GITBLOB_H

#include <sys/types.h>

struct gitblob {
	pid_t pid;
	int fd;		/* the file's bytes, until EOF */
	int err_fd;	/* git's complaint, if any */
};

/* Whether REV can be handed to git as a revision: not empty, not an
 * option, no ':' (the separator of REV:PATH), no control characters. */
int gitblob_rev_valid(const char *rev);

/* Starts git. Returns 0 with B->fd open, or -1 with errno set (PATH
 * absolute: EINVAL; git cannot be started: its errno). */
int gitblob_open(struct gitblob *b, const char *rev, const char *path);

/* After B->fd was read (to its end, or as far as the reader wanted):
 * closes it and waits for git. Returns 0 when git gave the whole file;
 * else -1 and, in *MSG (malloc'd; the caller frees it), what git said or
 * how it ended. */
int gitblob_close(struct gitblob *b, char **msg);

#endif
