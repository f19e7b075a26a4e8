#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc dynamic and the agent's socket: the CI platform's hook into a
# policy's dynamic sets. For nft and iptables, each in a network namespace
# of the test's own, with the agent serving a socket in the scratch
# directory for a group of the test's choosing (a number no account has:
# setpriv gives it to a process without /etc/group knowing it): root adds
# and lists; an unprivileged user in that group adds, with a timeout, and
# deletes; the same user without the group is refused by the socket's
# permissions and changes nothing; a misspelt set, an address with host
# bits, a loopback address, nonsense and a timeout longer than the set's
# are refused with what is wrong, and nothing changes; every change is a
# journal line naming the caller's uid; the members admit traffic as the
# ruleset says (counters); a client that dribbles its request holds the
# agent for a bounded time.
#
#   tests/dynamic.sh EGRESSC            (as root)
#@check full
set -u
egressc=${1:?usage: tests/dynamic.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init dynamic netns
chmod 755 "$tmp"	# the unprivileged callers reach the socket through it
agent_pid=
stop_agent() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
	fi
	agent_pid=
}
trap "stop_agent; testlib_cleanup" EXIT

group=$((40000 + $$ % 20000))	# the CI platform's group
sock=$tmp/run/agent.sock
cat >"$tmp/policy.eg" <<'EOF2'
essentials off
dynamic builders timeout 30m port 22
allow $builders
allow 198.51.100.0/24 port 80
EOF2

# as WHO ARGS...: egressc dynamic as root, as a member of the group, or as
# a user outside it; $rc, $tmp/stdout, $tmp/stderr.
as() {
	local who=$1
	shift
	case $who in
	root) set -- "$egressc" dynamic --socket "$sock" "$@" ;;
	member) set -- setpriv --reuid=65534 --regid=65534 --groups="$group" "$egressc" dynamic --socket "$sock" "$@" ;;
	other) set -- setpriv --reuid=65534 --regid=65534 --clear-groups "$egressc" dynamic --socket "$sock" "$@" ;;
	esac
	"$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
}

members() {
	if [ "$backend" = nft ]; then
		in_ns nft list set inet egressc dyn_builders_v4 | tr -d '\n' | sed 's/.*elements = {//; s/}.*//'
		in_ns nft list set inet egressc dyn_builders_v6 | tr -d '\n' | sed 's/.*elements = {//; s/}.*//'
	else
		in_ns ipset list egressc_dyn_builders_30m_v4 | sed '1,/^Members:/d'
		in_ns ipset list egressc_dyn_builders_30m_v6 | sed '1,/^Members:/d'
	fi
}

has() { if members | grep -q "$2"; then ok; else bad "$backend: $1: $2 missing"; members | indent; fi; }
hasnt() { if members | grep -q "$2"; then bad "$backend: $1: $2 present"; members | indent; else ok; fi; }

for backend in nft iptables; do
	in_ns "$egressc" apply --backend "$backend" --hosts-path "$tmp/hosts" \
		--dnsmasq-path "$tmp/dnsmasq.conf" "$tmp/policy.eg" >"$tmp/apply.log" 2>&1 ||
		{ bad "$backend: apply"; indent <"$tmp/apply.log"; continue; }
	ip netns exec "$ns" "$egressc" agent --backend "$backend" --socket "$sock" --group "$group" \
		"$tmp/policy.eg" >"$tmp/agent.log" 2>&1 &
	agent_pid=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	expect "$backend: the socket is there" [ -S "$sock" ]
	expect "$backend: the socket is the group's, 0660" \
		[ "$(stat -c '%a %u %g' "$sock")" = "660 0 $group" ]

	as root add builders 203.0.113.9
	exit_is "$backend: root adds" 0
	expect "$backend: root adds: said" grep -qx "added 203.0.113.9 to builders for 30m" "$tmp/stdout"
	has "root adds" 203.0.113.9

	as member add --timeout 5m builders 198.51.100.128/25 2001:db8::9
	exit_is "$backend: a member of the group adds" 0
	has "a member adds" 198.51.100.128/25
	has "a member adds IPv6" 2001:db8::9
	as member list builders
	exit_is "$backend: a member lists" 0
	expect "$backend: list: the member's timeout" grep -q "^198.51.100.128/25 expires [1-5]m\|^198.51.100.128/25 expires 4m" "$tmp/stdout"
	expect "$backend: list: root's" grep -q "^203.0.113.9 expires [0-9]" "$tmp/stdout"

	as other add builders 203.0.113.66
	exit_is "$backend: outside the group: refused" 1
	expect "$backend: outside the group: says why" grep -q "Permission denied (only root and the agent's --group may)" "$tmp/stderr"
	hasnt "outside the group" 203.0.113.66

	as member add builder 203.0.113.67
	exit_is "$backend: a misspelt set" 1
	expect "$backend: a misspelt set: did you mean" grep -q "no dynamic set 'builder' in the policy; did you mean 'builders'?" "$tmp/stderr"
	as member add builders 203.0.113.68 203.0.113.9/24
	exit_is "$backend: host bits" 1
	expect "$backend: host bits: says which" grep -q "'203.0.113.9/24' cannot be a member of dynamic set 'builders': bits are set past the length" "$tmp/stderr"
	hasnt "a request with a bad address changes nothing" 203.0.113.68
	as member add builders 127.0.0.1
	exit_is "$backend: loopback" 1
	expect "$backend: loopback: says so" grep -q "a loopback address" "$tmp/stderr"
	as member add builders build-7
	exit_is "$backend: nonsense" 1
	as member add --timeout 2h builders 203.0.113.69
	exit_is "$backend: a timeout longer than the set's" 1
	expect "$backend: a timeout longer than the set's: says so" grep -q "longer than dynamic set 'builders''s timeout 30m" "$tmp/stderr"
	hasnt "a refused timeout changes nothing" 203.0.113.69
	as member nonsense builders
	exit_is "$backend: an unknown subcommand" 2

	# A client that sends its request a byte at a time, and never a whole
	# line, holds the agent for a bounded time, not for as long as it
	# keeps sending: the next caller is served meanwhile.
	/usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
for _ in range(60):
    s.send(b"l")
    time.sleep(0.5)' "$sock" 2>/dev/null &
	slow=$!
	sleep 0.5
	timeout 10 setpriv --reuid=65534 --regid=65534 --groups="$group" "$egressc" dynamic \
		--socket "$sock" list builders >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	exit_is "$backend: served while another client dribbles its request" 0
	kill "$slow" 2>/dev/null
	wait "$slow" 2>/dev/null

	as member del builders 203.0.113.9
	exit_is "$backend: a member deletes" 0
	hasnt "a member deletes" 203.0.113.9

	stop_agent
	expect "$backend: journal: the member's change, with its uid" \
		grep -q "^egressc agent: uid 65534 added 198.51.100.128/25 to builders for 5m$" "$tmp/agent.log"
	expect "$backend: journal: root's change" \
		grep -q "^egressc agent: uid 0 added 203.0.113.9 to builders for 30m$" "$tmp/agent.log"
	expect "$backend: the socket goes with the agent" [ ! -e "$sock" ]
	in_ns "$egressc" apply --remove --hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" >/dev/null 2>&1
done
testlib_finish
