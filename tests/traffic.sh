#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# traffic.sh EGRESSC CASE... - prove compiled policies with real traffic.
#
# CASE is tests/traffic/NAME.eg; beside it NAME.probes lists the probes and
# an optional NAME.hostsdb (hosts(5) format) resolves the policy's names.
# Each case is compiled once, then loaded into a client network namespace
# by each backend in turn (nft, then iptables-nft), and every probe is sent
# from there to a server namespace that owns every probed address and
# serves every probed port (tcp and udp).
#
# Probes, one a line ('#' starts a comment):  PROTO ADDR PORT EXPECT
#	PROTO	tcp | udp
#	EXPECT	allow | reject | drop | deny (reject or drop)
#
# Needs root, iproute2, nft, iptables-nft.  $PROBE is the probe binary.
# A case that cannot be compiled or loaded counts as one failure.
#@check full tests/traffic/*.eg

set -u

here=$(cd "$(dirname "$0")" && pwd)
IPTABLES_RESTORE=${IPTABLES_RESTORE:-iptables-nft-restore}
IP6TABLES_RESTORE=${IP6TABLES_RESTORE:-ip6tables-nft-restore}
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

# As long as TCP_TIMEOUT_MS (netns.sh).
UDP_TIMEOUT_MS=${UDP_TIMEOUT_MS:-800}

# What the probe reports for each expectation, as measured with nft and
# iptables-nft: a blocked TCP connect is refused (tcp reset), unreachable
# (ICMP admin-prohibited) or, when dropped, times out; a blocked UDP send
# fails with EPERM, and the probe reports the ICMP error instead when the
# packet was rejected rather than dropped.
accepted()
{
	case $1/$2 in
	tcp/allow)	echo connected ;;
	udp/allow)	echo echoed ;;
	*/reject)	echo refused unreachable ;;
	tcp/drop)	echo timeout ;;
	udp/drop)	echo eperm ;;
	tcp/deny)	echo refused unreachable timeout ;;
	udp/deny)	echo refused unreachable eperm ;;
	esac
}

report()
{
	if [ "$1" = ok ]; then
		ok
		echo "ok   $2"
	else
		bad "$2"
	fi
}

# Prints the indented log $2 under a failure line $1.
report_log()
{
	report FAIL "$1"
	sed 's/^/    /' "$2"
}

# Fills the P_* arrays from probes file $1; complains about bad lines.
read_probes()
{
	local proto addr port expect extra n=0

	P_PROTO=() P_ADDR=() P_PORT=() P_EXPECT=()
	# "|| [ -n ... ]" keeps a last line that has no newline.
	while read -r proto addr port expect extra || [ -n "$proto" ]; do
		n=$((n + 1))
		case $proto in
		'' | '#'*) continue ;;
		esac
		if [[ ! $proto =~ ^(tcp|udp)$ || ! $addr =~ ^[0-9a-fA-F.:]+$ ||
		      ! $port =~ ^[0-9]{1,5}$ ||
		      ! $expect =~ ^(allow|reject|drop|deny)$ ||
		      -n $extra && $extra != '#'* ]]; then
			echo "$1:$n: bad probe line"
			return 1
		fi
		P_PROTO+=("$proto") P_ADDR+=("$addr")
		P_PORT+=("$port") P_EXPECT+=("$expect")
	done <"$1"
	[ "${#P_PROTO[@]}" -gt 0 ] || { echo "$1: no probes"; return 1; }
}

run_probes()
{
	local backend=$1 name=$2 i proto tmo got err what

	for i in "${!P_PROTO[@]}"; do
		proto=${P_PROTO[i]}
		tmo=$TCP_TIMEOUT_MS
		[ "$proto" = udp ] && tmo=$UDP_TIMEOUT_MS
		got=$(ip netns exec "$NS_CLIENT" "$PROBE" "$proto" \
		      "${P_ADDR[i]}" "${P_PORT[i]}" "$tmo" 2>"$tmp/err")
		err=$(tr '\n' ' ' <"$tmp/err")
		what="$backend $name $proto ${P_ADDR[i]} ${P_PORT[i]}"
		what+=" ${P_EXPECT[i]}"
		case " $(accepted "$proto" "${P_EXPECT[i]}") " in
		*" $got "*)
			report ok "$what ($got)" ;;
		*)
			report FAIL "$what (got ${got:-nothing}${err:+: $err})" ;;
		esac
	done
}

# Namespaces whose server owns every probed address and serves every port.
setup_server()
{
	local addr

	netns_setup || return
	for addr in $(printf '%s\n' "${P_ADDR[@]}" | sort -u); do
		netns_add_server_addr "$addr" || return
	done
	netns_serve "$(printf '%s\n' "${P_PORT[@]}" | sort -nu | paste -sd, -)"
}

run_case()
{
	local eg=$1 base name out backend
	local -a hosts=()

	base=${eg%.eg}
	name=${base##*/}
	out=$tmp/$name
	rm -rf "$out" && mkdir -p "$out" || return
	[ -f "$base.hostsdb" ] && hosts=(--hosts-file "$base.hostsdb")
	if ! "$EGRESSC" "${hosts[@]}" -O "$out" "$eg" >"$tmp/log" 2>&1; then
		report_log "$name: egressc failed" "$tmp/log"
		return
	fi
	if ! read_probes "$base.probes" >"$tmp/log" 2>&1; then
		report_log "$name: cannot read probes" "$tmp/log"
		return
	fi

	if ! setup_server >"$tmp/log" 2>&1; then
		report_log "$name: namespace setup failed" "$tmp/log"
		netns_cleanup
		return
	fi

	for backend in nft iptables; do
		if ! netns_fresh_client >"$tmp/log" 2>&1; then
			report_log "$backend $name: client reset failed" \
				"$tmp/log"
		elif ! "load_$backend" "$out" >"$tmp/log" 2>&1; then
			report_log "$backend $name: load failed" "$tmp/log"
		else
			run_probes "$backend" "$name"
		fi
	done
	netns_cleanup
}

if [ $# -lt 2 ]; then
	echo "usage: $0 EGRESSC CASE..." >&2
	exit 2
fi
EGRESSC=$1
shift

# netns_setup makes netns_cleanup run ahead of testlib_init's trap.
testlib_init traffic

for eg in "$@"; do
	run_case "$eg"
done
testlib_finish
