/* DNS lockdown: what 'resolver ADDR[, ADDR]' means for the firewall, said
 * as ordinary rules so that the model, the verifier, lint, query and diff
 * need nothing new to understand it. */
#ifndef EGRESSC_LOCKDOWN_H
#define EGRESSC_LOCKDOWN_H

#include "ast.h"

struct arena;

/* Splices, right after the checked resolver statement RES, the rules
 *   deny  (everything but the resolvers) port 53 proto tcp, udp
 *   deny  (everything but the resolvers) port 853 proto tcp
 *   allow (the resolvers) port 53 proto tcp, udp
 *   allow (the resolvers) port 853 proto tcp
 * each located at RES and marked rule.lockdown. Deny before allow then
 * blocks DNS and DNS over TLS to every other server, whatever allow rules
 * say, and lets it reach the resolvers unless a deny rule blocks them. */
void lockdown_expand(struct arena *a, struct stmt *res);

#endif
