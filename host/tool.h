/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Running the firewall tools (nft, iptables-restore, ipset, systemctl):
 * one way for apply, the agent's set changes and everything else that
 * starts one. */
#ifndef EGRESSC_TOOL_H
#define EGRESSC_TOOL_H

#include <stddef.h>

/* Runs ARGV (looked up in PATH) with INPUT's LEN bytes on its standard
 * input. With OUTPUT, what it prints on standard output and error goes to
 * *OUTPUT (malloc'd, NUL-terminated; NULL when it could not start);
 * without, to ours. The tool is killed if we die first, so none outlives
 * the operation that started it. Returns its exit status, or -1 when it
 * could not run or was killed. */
int tool_run(char *const argv[], const char *input, size_t len, char **output);

#endif
