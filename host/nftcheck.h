/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Validation of an nft script by nft itself, through libnftables in dry-run
 * mode. A dry run still talks to the kernel, and nft_ctx_new() exits the
 * process when it cannot open netlink, so the check runs in a child; as
 * root the child first moves into a new network namespace, so the host's
 * rules are never touched or even read. */
#ifndef EGRESSC_NFTCHECK_H
#define EGRESSC_NFTCHECK_H

#include <stddef.h>

/* Returns 0 when nft accepts SCRIPT; otherwise -1 and *MESSAGE (malloc'd,
 * the caller frees) holds nft's own error text or why the check failed. */
int nft_check_script(const char *script, size_t len, char **message);

#endif
