/* Whether this machine's way out is one of its bridges. egressc keeps what
 * leaves through a bridge local (the bridges are its container and VM
 * networks); where a default route leaves through one - a br0 over the
 * uplink, as hypervisor hosts have - that exemption would cover all
 * traffic, so apply refuses such a machine rather than filter nothing. */
#ifndef EGRESSC_UPLINK_H
#define EGRESSC_UPLINK_H

#include <net/if.h>

/* The interface of a default route (IPv4 or IPv6) of this network
 * namespace that is a bridge, into NAME; returns 1, or 0 when there is
 * none (or the routes cannot be read: no default route, nothing to
 * exempt). */
int uplink_bridge(char name[IF_NAMESIZE]);

#endif
