/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Advice about rules that do nothing: an allow rule that deny rules
 * entirely block (dead), and one whose every packet other allow rules
 * already allow (redundant). Warnings only, each pointing with '~' at a
 * rule that makes it so; they never change the output. Runs on the model
 * before the optimizer touches it. */
#ifndef EGRESSC_LINT_H
#define EGRESSC_LINT_H

#include <stdbool.h>

struct diags;
struct model;
struct policy;

void lint_rules(struct diags *d, const struct policy *p, const struct model *m);

/* DNS can point an allow rule into the internal network: a pinned name
 * with a loopback, link-local, private, unspecified or multicast address
 * is a warning, or with STRICT an error. Returns -1 if it made an error. */
int lint_pinned_addresses(struct diags *d, const struct model *m, bool strict);

#endif
