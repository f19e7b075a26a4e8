/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The optimizer: makes allow sets smaller where that is cheaper, without
 * changing what the ruleset accepts. At level 1 it takes out of each allow
 * class the addresses that a deny class already blocks for all of its
 * packets (dead parts), and those that an allow class of wider service
 * already accepts - whenever the trimmed set needs no more prefixes than
 * before. Level 0 leaves the model as built. Only spans change; the
 * contributors stay on record, so every element still names its rules. */
#ifndef EGRESSC_OPTIMIZE_H
#define EGRESSC_OPTIMIZE_H

struct model;

#define OPTIMIZE_DEFAULT 1

void optimize_model(struct model *m, int level);

#endif
