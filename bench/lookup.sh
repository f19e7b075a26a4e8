#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/lookup.sh BUILD_DIR - where nft's shared allow lookup (one set of
# address . protocol . port, compiler/model.h's model_share_lookups())
# pays, measured to choose its threshold (SHARED_CLASSES_MIN) and its cap
# on a class's elements (SHARED_CLASS_ELEMENTS_MAX). Rulesets written here
# in the emitter's two shapes, loaded with nft -f into a client namespace
# joined to a server's by a veth pair; new TCP connections per second,
# one at a time (bench/connrate.c), through the client's output hook:
#   rules:N   N classes, one address and one port each, as a set and a
#             rule each, then the server's class: a new connection walks
#             every rule;
#   shared:N  the same classes in one shared lookup, with the protocol in
#             the key, as emitted;
#   noproto:N the same without the protocol (ipv4_addr . inet_service, one
#             set per protocol): what the protocol in the key costs;
#   big:N     one class of N /24 prefixes on port 443 as a set and a rule
#             of its own, then the server's class;
#   bigshared:N  the same N prefixes x 443 in the shared lookup with the
#             server's elements.
# RUNS (5) rounds of every ruleset in turn, MS (1000) ms of connections
# each; medians, with the ratio to no ruleset and nft -f's time. Nothing
# leaves the two namespaces. Exit status 1 if a connection failed.
set -euo pipefail
export LC_ALL=C

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1/bench"
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
B=$BUILD/bench W=$BUILD/bench/lookup
RUNS=${RUNS:-5} MS=${MS:-1000}
SERVER=192.0.2.2 PORT=5201
CONFIGS=(none rules:8 shared:8 rules:64 shared:64 rules:256 shared:256 rules:1024 shared:1024
	 noproto:1024 big:4096 bigshared:4096 big:16384 bigshared:16384 big:65536 bigshared:65536)

die() { echo "$0: $*" >&2; exit 1; }
rm -rf "$W"
mkdir -p "$W"
if [ ! -x "$B/connrate" ] || [ "$SRC/connrate.c" -nt "$B/connrate" ]; then
	${CC:-cc} -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -o "$B/connrate" "$SRC/connrate.c"
fi

# ruleset SHAPE N: the ruleset, on stdout.
ruleset() {
	awk -v shape="$1" -v n="$2" -v server="$SERVER" -v port="$PORT" '
		function addr(i) { return sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256) }
		function pfx(i) { return sprintf("%d.%d.%d.0/24", 11 + int(i / 65536), int(i / 256) % 256, i % 256) }
		function head(name, type) {
			printf "\tset %s {\n\t\ttype %s\n\t\tflags interval\n\t\telements = {\n", name, type
		}
		function elem(e, last) { printf "\t\t\t%s%s\n", e, last ? "" : "," }
		function tail() { print "\t\t}\n\t}" }
		BEGIN {
			key = "ipv4_addr . inet_proto . inet_service"
			print "table inet t {"
			if (shape == "rules") {
				for (i = 0; i < n; i++) {
					head("c" i, "ipv4_addr"); elem(addr(i), 1); tail()
				}
			} else if (shape == "shared" || shape == "noproto") {
				proto = shape == "shared" ? " . tcp" : ""
				head("allow_v4", shape == "shared" ? key : "ipv4_addr . inet_service")
				for (i = 0; i < n; i++)
					elem(addr(i) proto " . " (1 + i), 0)
				elem(server proto " . " port, 1)
				tail()
			} else if (shape == "big") {
				head("big", "ipv4_addr")
				for (i = 0; i < n; i++)
					elem(pfx(i), i == n - 1)
				tail()
			} else if (shape == "bigshared") {
				head("allow_v4", key)
				for (i = 0; i < n; i++)
					elem(pfx(i) " . tcp . 443", 0)
				elem(server " . tcp . " port, 1)
				tail()
			}
			if (shape == "rules" || shape == "big") {
				head("s", "ipv4_addr"); elem(server, 1); tail()
			}
			print "\tchain output {\n\t\ttype filter hook output priority filter; policy drop;"
			print "\t\tct state established,related accept"
			if (shape == "rules")
				for (i = 0; i < n; i++)
					printf "\t\tip daddr @c%d tcp dport %d accept\n", i, 1 + i
			else if (shape == "big")
				print "\t\tip daddr @big tcp dport 443 accept"
			else if (shape == "noproto")
				print "\t\tip daddr . tcp dport @allow_v4 accept"
			else
				print "\t\tip daddr . meta l4proto . th dport @allow_v4 accept"
			if (shape == "rules" || shape == "big")
				printf "\t\tip daddr @s tcp dport %d accept\n", port
			print "\t}\n}"
		}'
}

NS_C=egressc-lookup-client-$$ NS_S=egressc-lookup-server-$$ SERVE_PID=''
cleanup() {
	[ -z "$SERVE_PID" ] || { kill "$SERVE_PID" 2>/dev/null; wait "$SERVE_PID" 2>/dev/null; } || true
	ip netns del "$NS_C" 2>/dev/null || true
	ip netns del "$NS_S" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$NS_S"
ip netns add "$NS_C"
ip -n "$NS_S" link set lo up
ip -n "$NS_C" link set lo up
ip link add eth0 netns "$NS_C" type veth peer name eth0 netns "$NS_S"
ip -n "$NS_C" addr add 192.0.2.1/24 dev eth0
ip -n "$NS_S" addr add "$SERVER/24" dev eth0
ip -n "$NS_C" link set eth0 up
ip -n "$NS_S" link set eth0 up

for c in "${CONFIGS[@]}"; do
	[ "$c" = none ] || ruleset "${c%%:*}" "${c#*:}" > "$W/$c.nft"
done
FAILED=0
for ((r = 1; r <= RUNS; r++)); do
	echo "== round $r of $RUNS" >&2
	for c in "${CONFIGS[@]}"; do
		ip netns exec "$NS_C" nft flush ruleset
		if [ "$c" != none ]; then
			t0=$EPOCHREALTIME
			ip netns exec "$NS_C" nft -f "$W/$c.nft" || die "nft -f $W/$c.nft failed"
			awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f\n", b - a }' >> "$W/$c.load"
		fi
		ip netns exec "$NS_S" "$B/connrate" serve "$PORT" $((MS / 1000 + 15)) > "$W/serve" 2>&1 &
		SERVE_PID=$!
		for _ in $(seq 250); do grep -q '^ready$' "$W/serve" && break; sleep 0.02; done
		if ip netns exec "$NS_C" "$B/connrate" connect "$SERVER" "$PORT" "$MS" > "$W/conn" 2>&1; then
			awk '{ print $6 }' "$W/conn" >> "$W/$c.conn"
		else
			echo "$c round $r: $(head -n 1 "$W/conn")" >&2
			FAILED=1
		fi
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
		SERVE_PID=''
	done
done

median() {
	[ -s "$1" ] || { echo -; return; }
	sort -n "$1" | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
base=$(median "$W/none.conn")
echo
echo "lookup: new TCP connections one at a time for $MS ms, medians of $RUNS rounds"
printf '%-16s %8s %8s %8s\n' ruleset conn/s "vs none" "nft -f s"
for c in "${CONFIGS[@]}"; do
	m=$(median "$W/$c.conn")
	l=-
	[ "$c" = none ] || l=$(median "$W/$c.load")
	printf '%-16s %8s %8s %8s\n' "$c" "$m" \
		"$(awk -v a="$m" -v b="$base" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.2f", a / b }')" "$l"
done
exit "$FAILED"
