/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The files a compile is to write, checked before it writes any: none may
 * be one of its inputs (the policy, a file it includes, a module, the
 * hosts file, an address list), and no two may be one file. Paths are
 * compared by device and inode where the file exists, else resolved (made
 * absolute, their directories' symbolic links followed). */
#ifndef EGRESSC_OUTPATHS_H
#define EGRESSC_OUTPATHS_H

#include <stddef.h>

struct compilation;
struct diags;

/* One output: PATH ("-" is standard output) and the option that asks for
 * it, as messages name it ("-o", "-O out", "--save-resolved"). */
struct out_path {
	const char *path;
	const char *option;
};

/* Queues an error for each output of OUTS[0..N) that is an input of C
 * (HOSTS_FILE: --hosts-file, or NULL) or an output before it. Returns 0,
 * or -1 when there was any. */
int outpaths_check(struct diags *d, const struct out_path *outs, size_t n,
		   const struct compilation *c, const char *hosts_file);

#endif
