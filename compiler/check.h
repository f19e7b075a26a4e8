/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Semantic checks on the loaded policy: settings, defines and their cycles,
 * addresses and prefixes, hostnames' syntax, ports and protocols. Fills the
 * checked fields of the AST (target->prefix, target->define, proto bits,
 * rule indexes, policy settings). */
#ifndef EGRESSC_CHECK_H
#define EGRESSC_CHECK_H

#include "compiler/ast.h"

struct arena;
struct diags;

/* A define may name another define, this many levels deep. */
#define DEFINE_MAX_DEPTH 32

/* The rules may name at most this many targets in all, counting a
 * define's targets again at every use (defines nest, so a few lines can
 * stand for billions); counted before anything is expanded. */
#define POLICY_MAX_TARGETS (1u << 24)

/* "egressc_dyn_" + NAME + "_v4" must fit ipset's 31 characters. */
#define DYNAMIC_NAME_MAX 16

/* ipset keeps an element at most 2147483 s; a whole number of days below it. */
#define TIMEOUT_MAX_SECONDS (24u * 86400u)

/* Returns 0, or -1 with errors queued. */
int check_policy(struct arena *a, struct diags *d, struct policy *p);

#endif
