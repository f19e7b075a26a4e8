#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# monitor.sh EGRESSC - monitor mode and the named counters, proven with real
# traffic.  tests/monitor/policy.eg is compiled twice, as written (enforce)
# and with --monitor, and each is loaded by each backend in turn (nft, then
# iptables + ip6tables), each into a fresh client namespace: four runs.
#
#   PROBE=build/tests/probe tests/monitor.sh build/egressc
#
# Every probe that the policy denies is sent a known number of times, and
# the counter of the rule that denies it (deny_1, deny_2, deny_3 in policy
# order, or default) must have grown by exactly that many packets: one SYN
# an attempt, as a reject answers it with a reset at once and monitor mode
# lets the rest of the connection through as established before any
# counter.  Enforced, each such connect is refused; monitored, it connects,
# and the ruleset has nowhere left to block.
#
# The server namespace runs "probe serve" on ports 443 and 8080 of every
# probed address.
#
# Needs root, iproute2, nft, iptables and ip6tables (iptables-nft).
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
egressc=${1:?usage: PROBE=build/tests/probe tests/monitor.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

# 800 ms: short, yet clear of the 1 s SYN retransmit, so that a reject that
# only fails the connect on the retransmit shows up as a timeout.
# To read the counters back: the same flavour as the restore commands.
IPTABLES=${IPTABLES:-iptables}
IP6TABLES=${IP6TABLES:-ip6tables}

policy=$here/monitor/policy.eg
# What the policy makes of each probed address.
ALLOW_V4=198.51.100.10		# port 443 allowed; port 8080: default
ALLOW_V6=2001:db8:100::10	# port 443 allowed
DENY1_V4=198.51.100.20		# deny_1, port 443 only
DENY2_V4=203.0.113.5		# deny_2, every port
DENY3_V6=2001:db8:100::20	# deny_3, every port
# The counters, in policy order; those of the deny rules; and the one
# counter that iptables keeps in ip6tables (the others: in iptables).
COUNTERS=(deny_1 deny_2 deny_3 default)
DENY_COUNTERS=(deny_1 deny_2 deny_3)
V6_COUNTER=deny_3

testlib_init monitor

# probe_refused WHAT ADDR PORT: blocked by the policy's tcp reset: failed at once, neither timed out nor
# answered with an ICMP error.
probe_refused()
{
	local got

	got=$(probe "$2" "$3")
	if [ "$got" = refused ]; then ok; else
		bad "$1: tcp $2 port $3 should be refused by a tcp reset (got ${got:-nothing})"
	fi
}

# counter_packets BACKEND NAME: the packets counted under NAME in the client, or
# nothing when there is no such counter.  nft has a named counter object;
# iptables a chain EGRESSC-NAME whose last rule sees every packet counted.
counter_packets()
{
	local ipt=$IPTABLES

	if [ "$1" = nft ]; then
		ip netns exec "$NS_CLIENT" nft list counter inet egressc "$2" \
			2>/dev/null | grep -oE 'packets [0-9]+' | awk '{ print $2 }'
	else
		[ "$2" = "$V6_COUNTER" ] && ipt=$IP6TABLES
		ip netns exec "$NS_CLIENT" "$ipt" -L "EGRESSC-$2" -v -x -n \
			2>/dev/null | tail -n 1 | awk '$1 ~ /^[0-9]+$/ { print $1 }'
	fi
}

declare -A before after

# counters_snap ARRAY BACKEND: every counter, now, into the associative ARRAY.
counters_snap()
{
	local -n _snap=$1
	local c

	for c in "${COUNTERS[@]}"; do
		_snap["$c"]=$(counter_packets "$2" "$c")
	done
}

# counter_grew WHAT NAME eq|ge N: counter NAME grew from $before to $after by
# exactly (eq) or at least (ge) N packets.
counter_grew()
{
	local what=$1 c=$2 op=$3 n=$4 b=${before[$2]} a=${after[$2]} how=exactly

	[ "$op" = ge ] && how="at least"
	if [ -z "$b" ] || [ -z "$a" ]; then
		bad "$what: cannot read counter $c (before: ${b:-nothing}, after: ${a:-nothing})"
	elif { [ "$op" = eq ] && [ $((a - b)) -eq "$n" ]; } ||
	     { [ "$op" = ge ] && [ $((a - b)) -ge "$n" ]; }; then
		ok
	else
		bad "$what: counter $c should grow by $how $n packets (from $b to $a: $((a - b)))"
	fi
}

# allowed_probes RUN: the policy's allowed probes connect in either mode and move
# no deny counter.
allowed_probes()
{
	local run=$1 c

	counters_snap before "$backend"
	reaches "$run: allowed" "$ALLOW_V4" 443
	reaches "$run: allowed" "$ALLOW_V6" 443
	counters_snap after "$backend"
	for c in "${DENY_COUNTERS[@]}"; do
		counter_grew "$run: the allowed probes" "$c" eq 0
	done
}

# denied RUN MODE COUNTER TIMES ADDR PORT [ADDR PORT...]: TIMES connects
# to each ADDR PORT, all denied by the rule counted as COUNTER, must be
# refused (enforce) or connect (monitor); COUNTER must grow by one packet
# each (default: at least, as it also sees what the kernel sends by
# itself) and the other deny counters not at all.
denied()
{
	local run=$1 mode=$2 c=$3 times=$4 total=0 op=eq i o

	shift 4
	counters_snap before "$backend"
	while [ $# -ge 2 ]; do
		for ((i = 0; i < times; i++)); do
			if [ "$mode" = monitor ]; then
				reaches "$run: $c, monitored" "$1" "$2"
			else
				probe_refused "$run: $c, enforced" "$1" "$2"
			fi
			total=$((total + 1))
		done
		shift 2
	done
	counters_snap after "$backend"
	[ "$c" = default ] && op=ge
	counter_grew "$run: $total probes for $c" "$c" "$op" "$total"
	for o in "${DENY_COUNTERS[@]}"; do
		[ "$o" = "$c" ] || counter_grew "$run: the probes for $c" "$o" eq 0
	done
}

# listing BACKEND: the client's ruleset, as the backend shows it.
listing()
{
	if [ "$1" = nft ]; then
		ip netns exec "$NS_CLIENT" nft list ruleset
	else
		ip netns exec "$NS_CLIENT" "$IPTABLES" -S &&
		ip netns exec "$NS_CLIENT" "$IP6TABLES" -S
	fi
}

# can_block RUN MODE: enforced, the loaded ruleset has its block chain (nft:
# blocked, iptables: EGRESSC-BLOCK); monitored, it has none, in either
# family.
can_block()
{
	local run=$1 mode=$2 loaded='^-N EGRESSC$' block=EGRESSC-BLOCK
	local name=EGRESSC-BLOCK

	if [ "$backend" = nft ]; then
		loaded='^table inet egressc \{'
		block='^[[:space:]]*chain blocked \{'
		name="chain blocked"
	fi
	if ! listing "$backend" >"$tmp/listing" 2>&1 ||
	   ! grep -qE "$loaded" "$tmp/listing"; then
		bad "$run: cannot list the loaded ruleset:"
		indent <"$tmp/listing"
	elif grep -qE "$block" "$tmp/listing"; then
		if [ "$mode" = enforce ]; then ok; else
			bad "$run: the ruleset can still block:"
			grep -E "$block" "$tmp/listing" | indent
		fi
	elif [ "$mode" = enforce ]; then
		bad "$run: the ruleset has no $name"
	else
		ok
	fi
}

run_mode()
{
	local mode=$1 run="$backend $1" c

	if ! netns_fresh_client >"$tmp/load.log" 2>&1; then
		bad "$run: client reset failed:"
		indent <"$tmp/load.log"
		return
	fi
	if ! "load_$backend" "$tmp/$mode" >"$tmp/load.log" 2>&1; then
		bad "$run: loading the outputs failed:"
		indent <"$tmp/load.log"
		return
	fi

	can_block "$run" "$mode"
	for c in "${COUNTERS[@]}"; do
		if [ -n "$(counter_packets "$backend" "$c")" ]; then ok; else
			bad "$run: no counter named $c"
		fi
	done
	allowed_probes "$run"
	denied "$run" "$mode" deny_1 3 "$DENY1_V4" 443
	denied "$run" "$mode" deny_2 2 "$DENY2_V4" 443 "$DENY2_V4" 8080
	denied "$run" "$mode" deny_3 2 "$DENY3_V6" 443
	denied "$run" "$mode" default 3 "$ALLOW_V4" 8080
}

compiled=1
for mode in enforce monitor; do
	flags=()
	[ "$mode" = monitor ] && flags=(--monitor)
	if ! "$egressc" "${flags[@]}" -O "$tmp/$mode" "$policy" \
	     >"$tmp/compile.log" 2>&1; then
		bad "egressc ${flags[*]} $policy failed:"
		indent <"$tmp/compile.log"
		compiled=
	fi
done
if [ -z "$compiled" ]; then
	testlib_finish
	exit
fi

# netns_setup makes netns_cleanup run ahead of testlib_init's EXIT trap.
if ! netns_setup; then
	bad "cannot set up the namespaces"
	testlib_finish
	exit
fi

setup_ok=1
for addr in "$ALLOW_V4" "$ALLOW_V6" "$DENY1_V4" "$DENY2_V4" "$DENY3_V6"; do
	netns_add_server_addr "$addr" || setup_ok=
done
if [ -z "$setup_ok" ] || ! netns_serve 443,8080; then
	bad "server setup failed"
	testlib_finish
	exit
fi

# Without a firewall every probe connects, so that a refused probe below
# proves the policy and not a gap in the setup.
reaches "no firewall" "$ALLOW_V4" 443
reaches "no firewall" "$ALLOW_V6" 443
reaches "no firewall" "$DENY1_V4" 443
reaches "no firewall" "$DENY2_V4" 443
reaches "no firewall" "$DENY2_V4" 8080
reaches "no firewall" "$DENY3_V6" 443
reaches "no firewall" "$ALLOW_V4" 8080

for backend in nft iptables; do
	for mode in enforce monitor; do
		run_mode "$mode"
	done
done

testlib_finish
