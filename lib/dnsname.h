/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS names as policies and hosts files write them: their syntax (RFC 1035's
 * limits; letters, digits, '-' and, as real zones have them, '_'), the
 * one form egressc keeps them in, and which names lie below which. */
#ifndef EGRESSC_DNSNAME_H
#define EGRESSC_DNSNAME_H

#include <stdbool.h>

/* DNS limits (RFC 1035): 63 bytes a label, 253 a name without its final dot. */
#define HOSTNAME_MAX_LEN 253
#define LABEL_MAX_LEN 63

/* NAME as egressc keeps it, in place: names are case-insensitive, so
 * lower case, and "a.example." is "a.example", so without a final dot
 * (a lone "." stays, for hostname_problem() to refuse). */
void hostname_normalize(char *name);

/* Validates NAME as a hostname; on failure returns a message (static). */
const char *hostname_problem(const char *name);

/* Whether every name below SUB is below DOMAIN too: SUB is DOMAIN or ends
 * in ".DOMAIN". What '*.DOMAIN' matches, the names below SUB included. */
bool domain_within(const char *sub, const char *domain);

#endif
