# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# netns.sh - a client and a server network namespace for traffic tests.
# Source it from bash; needs root, iproute2 and nft.
#
#	netns_setup			create $NS_CLIENT and $NS_SERVER
#	netns_add_server_addr ADDR...	make the server own each ADDR
#	netns_serve PORT[,PORT...]	run "$PROBE serve" in the server
#	netns_add_container		create $NS_CONTAINER: a "container"
#					behind a bridge in the client, whose
#					traffic the client forwards
#	netns_fresh_client		new client namespace: no firewall,
#					no conntrack state, nothing left over
#					(the container is attached to it anew)
#	netns_cleanup			kill the servers, delete namespaces
#
# And, from the client (set TCP_TIMEOUT_MS, IPTABLES_RESTORE and
# IP6TABLES_RESTORE first to change their defaults):
#	load_nft DIR			load DIR/ruleset.nft
#	load_iptables DIR		load DIR/ipsets (if any), DIR/rules.v4
#					and DIR/rules.v6
#	probe ADDR PORT			what a TCP connect comes to: connected,
#					refused, unreachable, timeout, ...
#	reaches WHAT ADDR PORT		ok if it connects, bad (saying WHAT) if not
#
# Topology, with nothing else routed (no default route anywhere):
#
#	client eth0 192.0.2.1/24 2001:db8::1/64  ---  server eth0 192.0.2.2/24
#	  198.51.100.0/24, 203.0.113.0/24 via 192.0.2.2       2001:db8::2/64
#	  2001:db8::/32 via 2001:db8::2
#
# With netns_add_container, the client is also the host of a container
# network, wired as Docker wires a user-defined one:
#
#	container eth0 198.51.100.0/31 2001:db8:ec::2/64
#	  default via 198.51.100.1 and 2001:db8:ec::1
#	    |
#	client veth-egressc, a port of bridge br-egressc 198.51.100.1/31
#	  2001:db8:ec::1/64; forwarding on (IPv4 and IPv6); what the container
#	  sends out of eth0 is masqueraded to the client's own address
#	  (nft tables "ip egressc-test-nat" and "ip6 egressc-test-nat")
#
# So a probe from the container takes the client's forward path, not its
# output path, and leaves it as the client's traffic, as on a runner:
#	ip netns exec "$NS_CONTAINER" "$PROBE" tcp ADDR PORT
# Masquerading rather than routes back in the server: it is what Docker
# does, so the forward hook sees the container's own source address, and
# replies and ICMP errors come back through conntrack as on a runner; the
# server needs no route to the container, and renewing the client (which
# renews the server's eth0) has nothing of the server's to restore.
# The container's subnets are more specific than the client's routes to
# the server and hold no address tests/randpolicy.sh probes (.3 to .254
# of each /24, 2001:db8:0-3::/48); the bridge is named like Docker's
# networks (br-*), which egressc keeps local.
#
# Cleanup: the first netns_setup makes netns_cleanup run on EXIT, ahead of
# whatever EXIT trap the caller had set before (which still runs after it),
# and makes HUP, INT, PIPE and TERM exit the shell (so that the EXIT trap
# runs) unless the caller traps them already.  A caller that sets an EXIT
# trap after netns_setup replaces ours and must call netns_cleanup itself:
#	trap 'netns_cleanup; my_cleanup' EXIT
# Calling netns_cleanup more than once is safe.

PROBE=${PROBE:-build/tests/probe}
NS_CLIENT=
NS_SERVER=
NS_CONTAINER=
NETNS_PIDS=()
NETNS_ADDRS=()
NETNS_LOGS=()
NETNS_TRAP_SET=

_netns_fail()
{
	echo "netns: $*" >&2
	return 1
}

# The veth pair is created straight inside the two namespaces, so that its
# names never clash with the host or with a parallel run.
_netns_link()
{
	ip link add eth0 netns "$NS_CLIENT" type veth \
		peer name eth0 netns "$NS_SERVER" || return
	ip -n "$NS_CLIENT" addr add 192.0.2.1/24 dev eth0 &&
	ip -n "$NS_CLIENT" addr add 2001:db8::1/64 dev eth0 nodad &&
	ip -n "$NS_SERVER" addr add 192.0.2.2/24 dev eth0 &&
	ip -n "$NS_SERVER" addr add 2001:db8::2/64 dev eth0 nodad &&
	ip -n "$NS_CLIENT" link set eth0 up &&
	ip -n "$NS_SERVER" link set eth0 up &&
	ip -n "$NS_CLIENT" route add 198.51.100.0/24 via 192.0.2.2 &&
	ip -n "$NS_CLIENT" route add 203.0.113.0/24 via 192.0.2.2 &&
	ip -n "$NS_CLIENT" route add 2001:db8::/32 via 2001:db8::2 &&
	_netns_server_addrs "${NETNS_ADDRS[@]}"
}

# One ip process for all of them: a test may have the server own a hundred
# addresses, and renewing the client adds them all again.
_netns_server_addrs()
{
	local addr

	[ $# -gt 0 ] || return 0
	for addr; do
		case $addr in
		*:*)	echo "addr add $addr/128 dev eth0 nodad" ;;
		*)	echo "addr add $addr/32 dev eth0" ;;
		esac
	done | ip -n "$NS_SERVER" -batch -
}

# The container's veth pair, created straight inside the client and the
# container like the client's own; the bridge and the NAT are the client's.
_netns_container_link()
{
	ip -n "$NS_CLIENT" link add br-egressc type bridge &&
	ip link add eth0 netns "$NS_CONTAINER" type veth \
		peer name veth-egressc netns "$NS_CLIENT" &&
	ip -n "$NS_CLIENT" link set veth-egressc master br-egressc up &&
	ip -n "$NS_CLIENT" addr add 198.51.100.1/31 dev br-egressc &&
	ip -n "$NS_CLIENT" addr add 2001:db8:ec::1/64 dev br-egressc nodad &&
	ip -n "$NS_CLIENT" link set br-egressc up &&
	ip -n "$NS_CONTAINER" addr add 198.51.100.0/31 dev eth0 &&
	ip -n "$NS_CONTAINER" addr add 2001:db8:ec::2/64 dev eth0 nodad &&
	ip -n "$NS_CONTAINER" link set eth0 up &&
	ip -n "$NS_CONTAINER" route add default via 198.51.100.1 &&
	ip -n "$NS_CONTAINER" route add default via 2001:db8:ec::1 &&
	ip netns exec "$NS_CLIENT" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 &&
	ip netns exec "$NS_CLIENT" nft -f - <<-'EOF'
	table ip egressc-test-nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			ip saddr 198.51.100.0/31 oif "eth0" masquerade
		}
	}
	table ip6 egressc-test-nat {
		chain postrouting {
			type nat hook postrouting priority srcnat; policy accept;
			ip6 saddr 2001:db8:ec::/64 oif "eth0" masquerade
		}
	}
	EOF
}

_netns_third()
{
	printf '%s' "${3:-}"
}

_netns_sigexit()
{
	# shellcheck disable=SC2064 # the status is meant to expand now
	[ -n "$(trap -p "$1")" ] || trap "exit $2" "$1"
}

_netns_new()
{
	ip netns add "$1" && ip -n "$1" link set lo up
}

netns_setup()
{
	local old

	[ -x "$PROBE" ] || _netns_fail "PROBE=$PROBE is not executable" ||
		return
	netns_cleanup
	if [ -z "$NETNS_TRAP_SET" ]; then
		# trap -p prints "trap -- 'CMD' EXIT"; pick CMD out of it.
		old=$(eval "_netns_third $(trap -p EXIT)")
		old=${old:+; $old}
		trap -- "netns_cleanup$old" EXIT
		# A shell killed by a signal runs no EXIT trap: turn the
		# usual ones into an exit, unless the caller traps them.
		_netns_sigexit HUP 129
		_netns_sigexit INT 130
		_netns_sigexit PIPE 141
		_netns_sigexit TERM 143
		NETNS_TRAP_SET=1
	fi
	NS_CLIENT=egc-client-$$
	NS_SERVER=egc-server-$$
	if ! { _netns_new "$NS_CLIENT" && _netns_new "$NS_SERVER" &&
	       _netns_link; }; then
		_netns_fail "setup failed"
	fi
}

# After netns_setup (which makes netns_cleanup delete the container too);
# a second call keeps the one there is.
netns_add_container()
{
	[ -n "$NS_CLIENT" ] || _netns_fail "netns_add_container before netns_setup" ||
		return
	[ -z "$NS_CONTAINER" ] || return 0
	NS_CONTAINER=egc-container-$$
	if ! { _netns_new "$NS_CONTAINER" && _netns_container_link; }; then
		_netns_fail "cannot add a container to $NS_CLIENT"
	fi
}

netns_add_server_addr()
{
	local addr new=()

	for addr; do
		case " 192.0.2.2 2001:db8::2 ${NETNS_ADDRS[*]} ${new[*]} " in
		*" $addr "*) ;;
		*) new+=("$addr") ;;
		esac
	done
	_netns_server_addrs "${new[@]}" ||
		_netns_fail "cannot add ${new[*]}" || return
	NETNS_ADDRS+=("${new[@]}")
}

netns_serve()
{
	local log pid i

	# The server's output goes to a log that netns_cleanup deletes; the
	# log is shown if the server does not get ready.
	log=$(mktemp) || return
	NETNS_LOGS+=("$log")
	ip netns exec "$NS_SERVER" "$PROBE" serve "$1" >"$log" 2>&1 &
	pid=$!
	NETNS_PIDS+=("$pid")
	# Bounded wait (5 s) for the "ready" line; give up early if the
	# server died.
	for ((i = 0; i < 100; i++)); do
		grep -qx ready "$log" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$log" >&2
	_netns_fail "probe serve $1 did not get ready"
}

# A whole new client namespace rather than "nft flush ruleset": a flush
# would leave conntrack entries behind, and an established entry from one
# backend's run can let the next backend's probe through.  Deleting the
# client's end of the veth deletes both ends at once, so the server's new
# eth0 cannot clash with an old one; its extra addresses are added again.
# The servers listen on :: and are not disturbed.  The container's veth
# goes the same way, and the container keeps its namespace: it gets a new
# eth0 into the new client's bridge.
netns_fresh_client()
{
	if ! { ip -n "$NS_CLIENT" link del eth0 &&
	       { [ -z "$NS_CONTAINER" ] ||
		 ip -n "$NS_CLIENT" link del veth-egressc; } &&
	       ip netns del "$NS_CLIENT" &&
	       _netns_new "$NS_CLIENT" && _netns_link &&
	       { [ -z "$NS_CONTAINER" ] || _netns_container_link; }; }; then
		_netns_fail "cannot renew $NS_CLIENT"
	fi
}

netns_cleanup()
{
	local pid ns

	for pid in "${NETNS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ ${#NETNS_LOGS[@]} -eq 0 ] || rm -f "${NETNS_LOGS[@]}"
	NETNS_PIDS=()
	NETNS_ADDRS=()
	NETNS_LOGS=()
	for ns in "$NS_CLIENT" "$NS_SERVER" "$NS_CONTAINER"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	NS_CLIENT=
	NS_SERVER=
	NS_CONTAINER=
	return 0
}

# 800 ms: short, yet clear of the 1 s SYN retransmit, so that a reject that
# only fails the connect on the retransmit shows up as a timeout.
TCP_TIMEOUT_MS=${TCP_TIMEOUT_MS:-800}
IPTABLES_RESTORE=${IPTABLES_RESTORE:-iptables-restore}
IP6TABLES_RESTORE=${IP6TABLES_RESTORE:-ip6tables-restore}

load_nft()
{
	ip netns exec "$NS_CLIENT" nft -f "$1/ruleset.nft"
}

# The ipsets first, when DIR has any: the rules name them.
load_iptables()
{
	{ [ ! -s "$1/ipsets" ] || ip netns exec "$NS_CLIENT" ipset restore -exist <"$1/ipsets"; } &&
	ip netns exec "$NS_CLIENT" "$IPTABLES_RESTORE" "$1/rules.v4" &&
	ip netns exec "$NS_CLIENT" "$IP6TABLES_RESTORE" "$1/rules.v6"
}

# probe ADDR PORT: what a TCP connect from the client comes to.
probe()
{
	ip netns exec "$NS_CLIENT" "$PROBE" tcp "$1" "$2" "$TCP_TIMEOUT_MS" 2>&1 |
		tr '\n' ' ' | sed 's/ $//'
}

reaches()
{
	local got

	got=$(probe "$2" "$3")
	if [ "$got" = connected ]; then ok; else
		bad "$1: tcp $2 port $3 should connect (got ${got:-nothing})"
	fi
}
