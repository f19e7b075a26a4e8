/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Whether this machine's way out is one egressc keeps local. What leaves
 * through a bridge is kept local (the bridges are its container and VM
 * networks): nft tells a bridge by its kind, iptables by its name. Where
 * the way out is such an interface - a br0 over the uplink, as hypervisor
 * hosts have, or under iptables an uplink named like a bridge - that
 * exemption would cover all traffic, so apply refuses such a machine
 * rather than filter nothing. */
#ifndef EGRESSC_UPLINK_H
#define EGRESSC_UPLINK_H

#include <net/if.h>
#include <stdbool.h>

/* The first way out of this network namespace that egressc keeps local
 * (BY_NAME: as iptables does, else as nft does), into NAME: the interfaces
 * of the main table's default routes, and of the routes the kernel picks
 * for an address out on the internet of each family (every table, policy
 * routing included). Returns 1, or 0 when there is none. */
int uplink_local(bool by_name, char name[IF_NAMESIZE]);

/* A bridge egressc keeps local (BY_NAME as above) that holds a port other
 * than a container's or VM's (a veth or a tap): an Ethernet device, a bond,
 * a VLAN, a tunnel. What leaves through such a bridge reaches a network
 * segment beyond this machine unfiltered - and a process can send there
 * by binding its socket to the bridge (SO_BINDTODEVICE needs no privilege)
 * - so apply refuses the machine. Into BRIDGE and PORT; returns 1, 0 when
 * there is none, -1 when the links cannot be read. */
int bridge_outside_port(bool by_name, char bridge[IF_NAMESIZE], char port[IF_NAMESIZE]);

#endif
