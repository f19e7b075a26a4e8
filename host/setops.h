/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the agent's changes to loaded sets share (dynamic.c, refresh.c):
 * an nft script run as one transaction, or an 'ipset restore' text, and
 * the apply lock held while a change is made, so that an apply replacing
 * the ruleset and a change to its sets never interleave. */
#ifndef EGRESSC_SETOPS_H
#define EGRESSC_SETOPS_H

struct diags;

/* Runs SCRIPT in one libnftables transaction; what nft printed into
 * *OUTPUT (malloc'd) when OUTPUT is given. Returns 0, or -1 with nft's
 * words queued as an error on D (D NULL: quietly, for a change that may
 * find its work done). */
int setops_nft(const char *script, char **output, struct diags *d);

/* Runs ARGV with INPUT on its standard input, its output and errors into
 * *SAID (malloc'd). Returns its exit status, or -1. */
int setops_run(char *const argv[], const char *input, char **said);

/* Runs SCRIPT with 'ipset restore -exist': adding what is there, or
 * deleting what is not, is no error. ipset runs each line on its own,
 * not as one transaction: a failure leaves the lines before it done.
 * Returns 0, or -1 with ipset's words queued on D (D NULL: quietly). */
int setops_ipset(const char *script, struct diags *d);

/* Waits for the apply lock and takes it. Returns a descriptor for
 * setops_unlock(), or -1 with an error queued. */
int setops_lock(struct diags *d);
void setops_unlock(int fd);

#endif
