/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names egressc gives what it creates, in one place: in the kernel
 * (tables, chains, sets, log lines), on disk (the files -O DIR writes,
 * the hosts file's markers). The emitters write them, apply finds, hooks
 * and removes by them, and the verifier reads them back. A change here
 * changes them everywhere. Tests and documentation spell them out: they
 * check what the outputs say. */
#ifndef EGRESSC_NAMES_H
#define EGRESSC_NAMES_H

#include "lib/ipsetname.h"

/* nftables: everything lives in one table, which is replaced whole; nft
 * commands name it "inet egressc", dnsmasq's nftset= "inet#egressc". */
#define NFT_TABLE_FAMILY "inet"
#define NFT_TABLE_NAME "egressc"
#define NFT_TABLE NFT_TABLE_FAMILY " " NFT_TABLE_NAME
/* Its chains: the policy, the one that blocks (on-deny), and the two base
 * chains that send traffic to the policy (this machine's own, and what it
 * forwards for its containers). */
#define NFT_CHAIN_POLICY "egress"
#define NFT_CHAIN_BLOCKED "blocked"
#define NFT_CHAIN_OUTPUT "output"
#define NFT_CHAIN_FORWARD "forward"
/* The policy again, with the rules for cgroups, for this machine's own
 * traffic: nft refuses a socket match in any chain the forward hook
 * reaches. Only when the policy names a cgroup. */
#define NFT_CHAIN_LOCAL "egress_local"

/* The shared allow lookup of each family (model_share_lookups()): set
 * "allow_v4" of address . protocol . port. No class is named "allow"
 * alone (classes are "allow_" and their service), nor any other set. */
#define NFT_SET_SHARED "allow"

/* iptables: egressc owns the chains whose names begin with the prefix,
 * and nothing else in the filter table but its hook jumps. */
#define IPT_CHAIN_PREFIX "EGRESSC"
#define IPT_CHAIN_POLICY IPT_CHAIN_PREFIX
#define IPT_CHAIN_OUTPUT IPT_CHAIN_PREFIX "-OUTPUT"
#define IPT_CHAIN_FORWARD IPT_CHAIN_PREFIX "-FORWARD"
#define IPT_CHAIN_BLOCK IPT_CHAIN_PREFIX "-BLOCK"
/* The policy again, with the rules for users and groups, for this
 * machine's own traffic: the owner match is refused in any chain the
 * forward hook reaches. Only when the policy names a user or group. */
#define IPT_CHAIN_LOCAL IPT_CHAIN_PREFIX "-LOCAL"

/* Where the chains are hooked when a file is loaded by hand (first load
 * only: iptables-restore --noflush adds the jumps again on every load).
 * apply replaces these two lines by idempotent hooks: OUTPUT, and
 * Docker's DOCKER-USER (which Docker keeps first in FORWARD, even when it
 * restarts and re-inserts its own rules at the top). */
#define IPT_HOOK_OUTPUT "-I OUTPUT 1 -j " IPT_CHAIN_OUTPUT
#define IPT_HOOK_FORWARD "-I FORWARD 1 -j " IPT_CHAIN_FORWARD
#define IPT_DOCKER_USER "DOCKER-USER"
/* In the raw table, when enforcing 'from': the reverse-path check, which
 * rpfilter does only in PREROUTING (raw or mangle), hooked first there. */
#define IPT_CHAIN_RPF IPT_CHAIN_PREFIX "-RPF"
#define IPT_HOOK_RPF "-I PREROUTING 1 -j " IPT_CHAIN_RPF
#define IPT_RPF_DROP "-A " IPT_CHAIN_RPF " -m addrtype ! --dst-type LOCAL -m rpfilter --invert -j DROP"
#define IPT_HOOK_DOCKER_USER "-I " IPT_DOCKER_USER " 1 -j " IPT_CHAIN_FORWARD

/* An IPv6 packet with a routing header has no final destination a rule
 * could judge: the hook chains drop it (ip6tables). */
#define IPT_NO_ROUTING_HEADER "-m ipv6header --header ipv6-route --soft -j DROP"

/* Recording (model.record): a table of destinations per family, each
 * with its packet and byte counts, that the chain of this name adds to,
 * and a counter of the packets that found the table full. nft: sets
 * "record_v4", "record_v6" (address . protocol . port), a chain and a
 * named counter; iptables: the chain EGRESSC-RECORD, whose last rule
 * counts the overflow, and ipsets the model names (hash:ip,port). An
 * element ages out RECORD_TIMEOUT_SECONDS after nft last saw it (after
 * ipset first added it): what is left of it tells when. */
#define NFT_SET_RECORD "record"
#define NFT_CHAIN_RECORD "record"
#define NFT_COUNTER_RECORD_OVERFLOW "record_overflow"
#define IPT_CHAIN_RECORD IPT_CHAIN_PREFIX "-RECORD"
#define RECORD_TIMEOUT_SECONDS 86400u
#define RECORD_TIMEOUT_NFT "1d"
/* While recording, the dnsmasq fragment logs each query and answer here
 * (dnsmasq's whole log goes there), so that a recorded address maps back
 * to the names that resolved to it: egressc report reads it. */
#define DNS_LOG_FILE "/var/log/egressc-dns.log"

/* ipsets (run-time sets of the iptables backend) begin with IPSET_PREFIX:
 * lib/ipsetname.h names them, for the model and the verifier alike. */

/* Log lines of blocked packets begin with this ("egressc: block deny_3 "),
 * in every backend. */
#define LOG_PREFIX "egressc: "

/* The hosts file's lines between these two are egressc's. */
#define HOSTS_BEGIN "# BEGIN egressc"
#define HOSTS_END "# END egressc"

/* The files -O DIR writes, which apply reads back from DIR. */
#define FILE_NFT "ruleset.nft"
#define FILE_IPTABLES "rules.v4"
#define FILE_IP6TABLES "rules.v6"
#define FILE_HOSTS "hosts"
#define FILE_IPSETS "ipsets"
#define FILE_DNSMASQ "dnsmasq.conf"
#define FILE_DNSMASQ_IPSET "dnsmasq-ipset.conf"

/* The interfaces iptables treats as this machine's own container and VM
 * networks: it cannot ask an interface's kind, as nft does (meta oifkind
 * "bridge"), so it goes by the names the usual managers give their
 * bridges (Docker's default and user-defined networks, CNI and podman,
 * libvirt, LXC, LXD and Incus, kubenet). NULL-terminated. */
extern const char *const ipt_local_bridges[];

/* Logging of blocked packets, the same in every backend: at most
 * EMIT_LOG_PER_SECOND a second per counter, after a burst of
 * EMIT_LOG_BURST; spelt for each backend (and for the overview) from
 * these two numbers. */
#define EMIT_LOG_PER_SECOND 5
#define EMIT_LOG_BURST 10
#define EMIT_STRINGIFY_(x) #x
#define EMIT_STRINGIFY(x) EMIT_STRINGIFY_(x)
#define EMIT_LOG_RATE_NFT \
	EMIT_STRINGIFY(EMIT_LOG_PER_SECOND) "/second burst " EMIT_STRINGIFY(EMIT_LOG_BURST) " packets"
#define EMIT_LOG_RATE_IPT \
	"-m limit --limit " EMIT_STRINGIFY(EMIT_LOG_PER_SECOND) "/sec --limit-burst " \
	EMIT_STRINGIFY(EMIT_LOG_BURST)

#endif
