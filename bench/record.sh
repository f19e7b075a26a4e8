#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/record.sh BUILD_DIR - what recording ('record') costs per new
# connection.
#
# A client and a server network namespace joined by a veth pair; the
# client sends N (20000) one-byte UDP datagrams, each from a socket of its
# own and so each a new connection, over 2000 destinations (200 addresses
# of 203.0.113.0/24, 10 ports), under three rulesets:
#   (a) none: no egressc table in the client (no conntrack either);
#   (b) a monitor-mode policy (default deny: every datagram goes to the
#       default counter's chain, is logged at the rate limit and accepted)
#       with 'record off';
#   (c) the same policy as monitor mode compiles it, recording: the chain
#       also adds the destination to the record set, counting on it.
# The ratio (c)/(b) is recording's cost; (b)/(a) the ruleset's. RUNS (5)
# rounds, each loading every ruleset into a new client namespace in turn;
# medians of the time per connection are reported. After (c), every
# datagram must be in the record set (2000 destinations, N packets): a run
# that lost one fails (exit 1). Nothing about the figures is asserted.
set -euo pipefail
export LC_ALL=C

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1/bench"
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
B=$BUILD/bench W=$BUILD/bench/record
EGRESSC=$BUILD/egressc
RUNS=${RUNS:-5} N=${N:-20000}
[ -x "$EGRESSC" ] || { echo "$0: no $EGRESSC; run make first" >&2; exit 2; }
rm -rf "$W"
mkdir -p "$W"
if [ ! -x "$B/newconn" ] || [ "$SRC/newconn.c" -nt "$B/newconn" ]; then
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$B/newconn" "$SRC/newconn.c"
fi

CLIENT=egressc-bench-rc-$$ SERVER=egressc-bench-rs-$$
cleanup() { ip netns del "$CLIENT" 2>/dev/null || true; ip netns del "$SERVER" 2>/dev/null || true; }
trap cleanup EXIT

printf 'essentials off\nmode monitor\nrecord off\n' >"$W/off.eg"
printf 'essentials off\nmode monitor\n' >"$W/on.eg"
"$EGRESSC" -o "$W/off.nft" "$W/off.eg"
"$EGRESSC" -o "$W/on.nft" "$W/on.eg"

# fresh: a new client (and server) pair of namespaces, routed.
fresh() {
	cleanup
	ip netns add "$CLIENT" && ip netns add "$SERVER"
	ip link add eth0 netns "$CLIENT" type veth peer name eth0 netns "$SERVER"
	ip -n "$CLIENT" addr add 192.0.2.1/24 dev eth0
	ip -n "$SERVER" addr add 192.0.2.2/24 dev eth0
	ip -n "$CLIENT" link set eth0 up
	ip -n "$SERVER" link set eth0 up
	ip -n "$CLIENT" link set lo up
	ip -n "$CLIENT" route add 203.0.113.0/24 via 192.0.2.2
}

declare -A times
for ((r = 1; r <= RUNS; r++)); do
	for v in none off on; do
		fresh
		[ "$v" = none ] || ip netns exec "$CLIENT" nft -f "$W/$v.nft"
		t=$(ip netns exec "$CLIENT" "$B/newconn" 203.0.113 200 20001 10 "$N")
		times[$v]+="$t "
		if [ "$v" = on ]; then
			got=$(ip netns exec "$CLIENT" nft -n list set inet egressc record_v4 |
				grep -oE 'packets [0-9]+' | awk '{ n++; s += $2 } END { print n + 0, s + 0 }')
			if [ "$got" != "2000 $N" ]; then
				echo "$0: run $r: the record set holds $got (destinations, packets), not 2000 $N" >&2
				exit 1
			fi
		fi
	done
done

median() { tr ' ' '\n' | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
a=$(median <<<"${times[none]}") b=$(median <<<"${times[off]}") c=$(median <<<"${times[on]}")
awk -v a="$a" -v b="$b" -v c="$c" -v n="$N" -v runs="$RUNS" 'BEGIN {
	printf "record: %d new UDP connections to 2000 destinations, median of %d runs\n", n, runs
	printf "  (a) no ruleset          %7.2f us/connection\n", a / n * 1e6
	printf "  (b) monitor, record off %7.2f us/connection  (b)/(a) %.3f\n", b / n * 1e6, b / a
	printf "  (c) monitor, recording  %7.2f us/connection  (c)/(a) %.3f\n", c / n * 1e6, c / a
	printf "  recording costs (c)/(b) %.3f: %+.2f us per new connection\n", c / b, (c - b) / n * 1e6
}'
