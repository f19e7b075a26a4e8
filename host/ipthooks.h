/* SPDX-License-Identifier: GPL-2.0-or-later */
/* egressc's share of an iptables filter table, as iptables-restore
 * --noflush transactions computed from what the table holds now (the text
 * iptables-save -t filter prints). egressc owns the chains named EGRESSC*
 * and the jumps into them from other chains (its hooks), and nothing else:
 * Docker's chains and the administrator's rules stay as they are.
 *
 * Loading hooks EGRESSC-OUTPUT from OUTPUT and EGRESSC-FORWARD from
 * DOCKER-USER, each once and first: Docker runs DOCKER-USER before its own
 * rules, keeps it when it restarts and re-inserts its jump at the top of
 * FORWARD, so the hook stays ahead of Docker's accepts. Where DOCKER-USER
 * does not exist yet it is made, with FORWARD's jump to it, as Docker
 * would make it. Pure text in, text out: no tool is run here. */
#ifndef EGRESSC_IPTHOOKS_H
#define EGRESSC_IPTHOOKS_H

/* The transaction that replaces egressc's chains by those of RULES (a
 * rules file as emitted, for one family; its hand-load hook lines are
 * replaced), deletes the chains of egressc's RULES does not have, and
 * hooks them idempotently. Malloc'd. */
char *ipt_hooks_load(const char *rules, const char *current);

/* The transaction that takes every chain and hook of egressc's away, and
 * DOCKER-USER with FORWARD's jump to it when nothing else is in it (egressc
 * made it; Docker's own has a RETURN). Malloc'd; NULL when the table holds
 * nothing of egressc's. */
char *ipt_hooks_remove(const char *current);

/* The raw table's share, when enforcing 'from': the chain EGRESSC-RPF,
 * hooked first in PREROUTING (rpfilter works nowhere later). The
 * transaction that replaces it by RULES's raw section (a rules file as
 * emitted, whose filter section is ipt_hooks_load()'s), or takes it away
 * when RULES has none; CURRENT is what iptables-save -t raw prints.
 * Malloc'd; NULL when there is nothing to do. */
char *ipt_raw_load(const char *rules, const char *current);
/* The transaction that takes egressc's raw chains and hooks away, or
 * NULL when the raw table holds none. Malloc'd. */
char *ipt_raw_remove(const char *current);

#endif
