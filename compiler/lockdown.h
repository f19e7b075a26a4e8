/* SPDX-License-Identifier: GPL-2.0-or-later */
/* DNS lockdown: what 'resolver ADDR[, ADDR] [user NAME]' means for the
 * firewall. For everyone, ordinary deny rules, so that the model, the
 * verifier, lint, query and diff need nothing new to understand them; for
 * the forwarder (dnsmasq, running as NAME), an exemption the model holds
 * beside loopback's: its queries to the resolvers, and nothing else. */
#ifndef EGRESSC_LOCKDOWN_H
#define EGRESSC_LOCKDOWN_H

#include "compiler/ast.h"

struct arena;

/* The forwarder's user when 'resolver' names none: the one Debian's
 * dnsmasq package makes and its init script runs dnsmasq as. */
#define RESOLVER_DEFAULT_USER "dnsmasq"

/* The ports DNS goes to: 53 (tcp, udp), and DNS over TLS (853/tcp) and
 * over QUIC (853/udp). */
#define LOCKDOWN_PORT_DNS 53
#define LOCKDOWN_PORT_TLS 853

/* Splices, right after the checked resolver statement RES, the rule
 *   deny (every address) port 53, 853 proto tcp, udp
 * located at RES and marked rule.lockdown. Deny before allow then blocks
 * DNS, DNS over TLS and DNS over QUIC to every server, the resolvers
 * included, whatever allow rules say: only the forwarder reaches them. */
void lockdown_expand(struct arena *a, struct stmt *res);

#endif
