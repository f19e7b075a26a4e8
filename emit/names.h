/* The names egressc gives what it creates in the kernel, in one place: the
 * emitters write them, apply finds, hooks and removes by them, and the
 * verifier reads them back. A change here changes them everywhere. */
#ifndef EGRESSC_NAMES_H
#define EGRESSC_NAMES_H

/* nftables: everything lives in one table, which is replaced whole. */
#define NFT_TABLE "inet egressc"
/* Its chains: the policy, and the two base chains that send traffic to it
 * (this machine's own, and what it forwards for its containers). */
#define NFT_CHAIN_POLICY "egress"
#define NFT_CHAIN_BLOCKED "blocked"

/* iptables: egressc owns the chains whose names begin with the prefix,
 * and nothing else in the filter table but its hook jumps. */
#define IPT_CHAIN_PREFIX "EGRESSC"
#define IPT_CHAIN_POLICY "EGRESSC"
#define IPT_CHAIN_OUTPUT "EGRESSC-OUTPUT"
#define IPT_CHAIN_FORWARD "EGRESSC-FORWARD"
#define IPT_CHAIN_BLOCK "EGRESSC-BLOCK"

/* Where the chains are hooked when a file is loaded by hand (first load
 * only: iptables-restore --noflush adds the jumps again on every load).
 * apply replaces these two lines by idempotent hooks: OUTPUT, and
 * Docker's DOCKER-USER (which Docker keeps first in FORWARD, even when it
 * restarts and re-inserts its own rules at the top). */
#define IPT_HOOK_OUTPUT "-I OUTPUT 1 -j " IPT_CHAIN_OUTPUT
#define IPT_HOOK_FORWARD "-I FORWARD 1 -j " IPT_CHAIN_FORWARD
#define IPT_DOCKER_USER "DOCKER-USER"
#define IPT_HOOK_DOCKER_USER "-I " IPT_DOCKER_USER " 1 -j " IPT_CHAIN_FORWARD

/* An IPv6 packet with a routing header has no final destination a rule
 * could judge: the hook chains drop it (ip6tables). */
#define IPT_NO_ROUTING_HEADER "-m ipv6header --header ipv6-route --soft -j DROP"

/* ipsets (run-time sets of the iptables backend) begin with this. */
#define IPSET_PREFIX "egressc_"

/* The interfaces iptables treats as this machine's own container and VM
 * networks: it cannot ask an interface's kind, as nft does (meta oifkind
 * "bridge"), so it goes by the names the usual managers give their
 * bridges (Docker's default and user-defined networks, CNI and podman,
 * libvirt, LXC, LXD and Incus, kubenet). NULL-terminated. */
extern const char *const ipt_local_bridges[];

#endif
