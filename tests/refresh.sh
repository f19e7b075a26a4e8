#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc agent --refresh: pinned names kept current on a running runner,
# through a DNS server whose answers change on command (dnsmasq in the
# client namespace, answering from a hosts file it rereads on SIGHUP, with
# a TTL of 1 s; SIGSTOP makes it silent). With each backend (nft: the
# classes' sets; iptables: their refresh ipsets):
#   - an address DNS starts to give connects once the agent asked again,
#     and appears in the hosts splice;
#   - one the agent added that DNS stops giving still connects during the
#     grace period, and is blocked (and leaves the splice) after it; so
#     is one the policy was compiled with (another name's);
#   - a newly given address a deny rule covers is never admitted, nor
#     one inside the network (link-local, private, ...);
#   - DNS silence keeps the last known addresses until --max-stale, then
#     they are removed, the compiled-in ones too: the name fails closed,
#     and the journal says so;
#   - a re-apply (which loads the policy's own sets) is put right within
#     --refresh-min; one that fails after loading the firewall puts the
#     sets back as they were, the agent's additions included;
#   - a TCP stream to a pinned address, open all along, survives every
#     refresh and the re-apply (nothing it uses is reloaded);
#   - on nft, all of it again (REFRESH_SHARED=1) with the name's class in
#     the shared allow lookup (enough classes beside it to make one): the
#     agent adds and deletes ADDRESS . tcp . PORT elements there.
#
#   PROBE=build/tests/probe tests/refresh.sh EGRESSC [nft|iptables]  (as root)
# Without a backend, both, one after the other.
#@check full
set -u
here=$(cd "$(dirname "$0")" && pwd)
egressc=${1:?usage: PROBE=build/tests/probe tests/refresh.sh EGRESSC [nft|iptables]}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
backend=${2:-}
if [ -z "$backend" ]; then
	"$0" "$egressc" nft
	nft_rc=$?
	"$0" "$egressc" iptables || exit 1
	exit $nft_rc
fi
case $backend in nft | iptables) ;; *) echo "refresh.sh: nft or iptables, not '$backend'" >&2; exit 2 ;; esac
. "$here/lib.sh"
. "$here/netns.sh"
testlib_init "refresh-$backend"
chmod 755 "$tmp"
PROBE=${PROBE:-$here/../build/tests/probe}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
TCP_TIMEOUT_MS=700
pids=()
stop_all() {
	local p
	for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=()
}

if ! netns_setup; then
	bad "cannot set up the namespaces"
	testlib_finish
	exit
fi
trap 'stop_all; netns_cleanup; testlib_cleanup' EXIT
netns_add_server_addr 203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.20 203.0.113.66 || exit 1
netns_serve 8080 || exit 1
ip netns exec "$NS_CLIENT" ip link set lo up

# An echo server for the long stream, in the server namespace.
ip netns exec "$NS_SERVER" /usr/bin/python3 -c '
import socket, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 9090)); s.listen(4)
def echo(c):
    while True:
        b = c.recv(64)
        if not b: return
        c.sendall(b)
while True:
    c, _ = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()' &
pids+=($!)

zone=$tmp/zone.hosts
other=203.0.113.20	# other.rf.test's address, until it is dropped
pool() { { printf '%s pool.rf.test\n' "$@"; [ -z "$other" ] || echo "$other other.rf.test"; } >"$zone"; }
pool 203.0.113.10
ip netns exec "$NS_CLIENT" dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --addn-hosts="$zone" --local=/rf.test/ --local-ttl=1 \
	--keep-in-foreground --pid-file= --user=root --log-facility="$tmp/dnsmasq.log" &
dns_pid=$!
pids+=($dns_pid)
sleep 0.5
rezone() { pool "$@"; kill -HUP "$dns_pid"; }

shared=${REFRESH_SHARED:-0}
{
	cat <<'EOF2'
essentials off
allow pool.rf.test, other.rf.test port 8080, 9090
deny 203.0.113.66
EOF2
	# Classes enough beside it for the shared lookup.
	[ "$shared" = 0 ] || for p in 1 2 3 4 5 6 7; do echo "allow 192.0.2.10$p port $p"; done
} >"$tmp/policy.eg"
ip netns exec "$NS_CLIENT" "$egressc" --resolver 127.0.0.1 --save-resolved "$tmp/resolved.hosts" \
	-O "$tmp/out" "$tmp/policy.eg" 2>"$tmp/stderr"
rc=$?
exit_is "compiles through the test server" 0 "$tmp/stderr"
# The class's refresh ipset on iptables: its name is the model's.
pinset=$(awk '/^# allow_tcp_8080_9090: its pinned names/ { getline; print $2; exit }' "$tmp/out/ipsets")
if [ "$backend" = iptables ]; then
	expect "the name's class has a refresh set" [ -n "$pinset" ]
elif [ "$shared" = 0 ]; then
	expect "the name's class has a rule of its own" \
		grep -q "@allow_tcp_8080_9090_v4 tcp dport { 8080, 9090 } accept" "$tmp/out/ruleset.nft"
else
	expect "the name's class is in the shared lookup" \
		grep -q "^			203.0.113.10 . tcp . 9090" "$tmp/out/ruleset.nft"
fi
# in_set ADDRESS: whether the name's class admits ADDRESS in the kernel's
# set: the address in its own, or with each port in the shared one.
in_set() {
	local list e
	if [ "$backend" = iptables ]; then
		ip netns exec "$NS_CLIENT" ipset save "$pinset" | grep -q "^add $pinset $1\(/32\)\? *\$"
		return
	elif [ "$shared" = 0 ]; then
		set -- "$1"
		list=$(ip netns exec "$NS_CLIENT" nft list set inet egressc allow_tcp_8080_9090_v4)
	else
		set -- "$1.tcp.8080" "$1.tcp.9090"
		list=$(ip netns exec "$NS_CLIENT" nft list set inet egressc allow_v4)
	fi
	list=$(echo "$list" | tr -d '\n\t ')
	for e; do
		[[ $list == *[{,]"$e"[,}]* ]] || return 1
	done
}
not_in_set() { ! in_set "$1"; }
printf '127.0.0.1\tlocalhost\n' >"$tmp/hosts"
ip netns exec "$NS_CLIENT" "$egressc" apply --backend "$backend" --hosts-path "$tmp/hosts" \
	--dnsmasq-path "$tmp/frag.conf" "$tmp/out" >"$tmp/apply.log" 2>&1
rc=$?
exit_is "apply" 0 "$tmp/apply.log"
reaches "the pinned address" 203.0.113.10 8080
blocked() { if [ "$(probe "$2" "$3")" = connected ]; then bad "$1: $2 port $3 connects"; else ok; fi; }
blocked "not yet given" 203.0.113.11 8080

# The long stream, to the pinned address: a byte every 0.2 s, echoed.
ip netns exec "$NS_CLIENT" /usr/bin/python3 -c '
import os, socket, sys, time
c = socket.create_connection(("203.0.113.10", 9090), timeout=2)
n = 0
while not os.path.exists(sys.argv[1]):
    c.sendall(b"x")
    if c.recv(1) != b"x": sys.exit(1)
    n += 1
    time.sleep(0.2)
print(n)' "$tmp/stop-stream" >"$tmp/stream.out" 2>&1 &
stream_pid=$!

start_agent() {
	ip netns exec "$NS_CLIENT" "$egressc" agent --backend "$backend" --socket "$tmp/agent.sock" \
		--resolver 127.0.0.1 --refresh --refresh-min 1s --refresh-max 2s --grace 5s \
		--max-stale 8s --hosts-path "$tmp/hosts" --hosts-file "$tmp/resolved.hosts" \
		--state "$tmp/refresh.state" "$tmp/policy.eg" >>"$tmp/agent.log" 2>&1 &
	agent_pid=$!
	pids+=($agent_pid)
}
start_agent

# until SECONDS PATTERN: waits for the agent's log to say PATTERN.
until_log() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		grep -q -- "$2" "$tmp/agent.log" && return 0
		sleep 0.1
	done
	return 1
}

# until_metric SECONDS NAME MIN: waits for egressc stats to give the
# agent's counter NAME (egressc_refresh_NAME) a value of at least MIN.
until_metric() {
	local i v
	for ((i = 0; i < $1 * 5; i++)); do
		v=$(ip netns exec "$NS_CLIENT" "$egressc" stats --backend "$backend" \
			--agent-state "$tmp/refresh.state" --hosts-file "$tmp/resolved.hosts" \
			"$tmp/policy.eg" 2>/dev/null | awk -v m="egressc_refresh_$2" '$1 == m { print $2 }')
		[ -n "$v" ] && [ "$v" -ge "$3" ] && return 0
		sleep 0.2
	done
	echo "    egressc_refresh_$2 is '$v', wanted at least $3"
	return 1
}

expect "the agent starts" until_log 10 "listening on"
sleep 1

# 1. The pool grows: the new address connects after the TTL. It gains
# its first IPv6 address too, a family the policy had none of for it: on
# nft, whose ruleset has no IPv6 set for the class, that address waits
# for an apply (and must not fail the round for the IPv4 one); iptables
# has a refresh set of each family.
rezone 203.0.113.10 203.0.113.11 2001:db8:ec1::11
expect "a new address is taken in" until_log 10 "refresh pool.rf.test: new address 203.0.113.11" || head -20 "$tmp/agent.log"
where=_v4
[ "$shared" = 0 ] || where=" in allow_v4"
[ "$backend" = nft ] || where=" in $pinset"
expect "and added to the class's set, the journal says where" \
	until_log 2 "203.0.113.11 added to allow_tcp_8080_9090$where$"
expect "the kernel's set has it, for each port" in_set 203.0.113.11
expect "stats counts the addition" until_metric 5 added_total 1
expect "stats counts the address held" until_metric 5 addresses_added 1
expect "stats counts the names" until_metric 5 names 2
reaches "a new address" 203.0.113.11 8080
reaches "a new address, on the class's other port" 203.0.113.11 9090
expect "the hosts splice has it" grep -q "^203.0.113.11	pool.rf.test$" "$tmp/hosts"
expect "the hosts splice keeps the rest" grep -q "^127.0.0.1	localhost$" "$tmp/hosts"
if [ "$backend" = nft ]; then
	expect "a first address of the other family waits for an apply" \
		until_log 2 "2001:db8:ec1::11 not admitted to allow_tcp_8080_9090: the loaded ruleset has no set"
	expect "and is not in the hosts splice" bash -c "! grep -q '^2001:db8:ec1::11' '$tmp/hosts'"
else
	expect "a first address of the other family goes in its refresh set" \
		until_log 2 "2001:db8:ec1::11 added to allow_tcp_8080_9090 in "
fi

# 1b. A re-apply puts the policy's own sets and splice back; the agent
# puts the refreshed address back within --refresh-min.
ip netns exec "$NS_CLIENT" "$egressc" apply --backend "$backend" --hosts-path "$tmp/hosts" \
	--dnsmasq-path "$tmp/frag.conf" "$tmp/out" >"$tmp/apply.log" 2>&1
rc=$?
exit_is "re-apply" 0 "$tmp/apply.log"
if [ "$backend" = iptables ]; then
	expect "the re-apply swaps the refresh sets in whole" \
		grep -q "refresh sets hold the policy's pins again, swapped in whole" "$tmp/apply.log"
fi
back() {
	local i
	for ((i = 0; i < 50; i++)); do
		[ "$(probe 203.0.113.11 8080)" = connected ] && grep -q "^203.0.113.11	" "$tmp/hosts" && return 0
		sleep 0.1
	done
	return 1
}
expect "after a re-apply, the refreshed address is back in the set and the splice" back

# 1c. A re-apply that fails once the firewall is loaded (here, dnsmasq's
# restart) puts the sets back as they were, the agent's addition with
# them - with the agent stopped, nothing else would put it back.
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null
ip netns exec "$NS_CLIENT" "$egressc" apply --backend "$backend" --hosts-path "$tmp/hosts" \
	--dnsmasq-path "$tmp/frag-new.conf" --dnsmasq-restart false "$tmp/out" >"$tmp/apply.log" 2>&1
rc=$?
exit_is "a re-apply whose last step fails" 1 "$tmp/apply.log"
reaches "after a failed re-apply, the refreshed address" 203.0.113.11 8080
start_agent
started_twice() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(grep -c "listening on" "$tmp/agent.log")" -ge 2 ] && return 0
		sleep 0.1
	done
	return 1
}
expect "the agent starts again" started_twice

# 2. The pool rotates: .11 goes, .12 comes; .11 lasts the grace period.
rezone 203.0.113.10 203.0.113.12
reaches "a dropped address, within its grace period" 203.0.113.11 8080
expect "the next new address" until_log 10 "new address 203.0.113.12"
reaches "the rotated-in address" 203.0.113.12 8080
expect "the dropped address goes after the grace period" until_log 10 "203.0.113.11 removed from allow_tcp_"
blocked "a dropped address, after its grace period" 203.0.113.11 8080
expect "the kernel's set has it no longer" not_in_set 203.0.113.11
expect "and leaves the hosts splice" bash -c "! grep -q '^203.0.113.11' '$tmp/hosts'"

# 2b. Another name drops the address the policy was compiled with: it,
# too, goes after the grace period.
other=
rezone 203.0.113.10 203.0.113.12
reaches "a compiled-in address, within its grace period" 203.0.113.20 8080
expect "a compiled-in address goes after the grace period" \
	until_log 10 "203.0.113.20 removed from allow_tcp_.* (the policy's pin, no longer given)"
blocked "a compiled-in address, after its grace period" 203.0.113.20 8080
expect "and leaves the hosts splice" bash -c "! grep -q '^203.0.113.20' '$tmp/hosts'"
reaches "pool still reaches its pin" 203.0.113.10 8080

# 3. A new address a deny rule covers is never admitted.
rezone 203.0.113.10 203.0.113.12 203.0.113.66
expect "a denied address is said to be refused" until_log 5 "203.0.113.66 not admitted to allow_tcp_.*: a deny rule covers it"
blocked "a denied address DNS gives" 203.0.113.66 8080
expect "a denied address is not in the hosts splice" bash -c "! grep -q '^203.0.113.66' '$tmp/hosts'"

# 3b. An address inside the network (the metadata service's) that DNS
# starts to give is never admitted: run-time answers are held to what
# the fragment holds wildcards' answers to (no traffic: it is only an
# answer, and checked in the set).
rezone 203.0.113.10 203.0.113.12 169.254.169.254
expect "an inside address is said to be refused" \
	until_log 5 "169.254.169.254 not admitted: a link-local address"
# What the backend's sets hold.
sets() {
	if [ "$backend" = nft ]; then
		ip netns exec "$NS_CLIENT" nft list table inet egressc
	else
		ip netns exec "$NS_CLIENT" ipset list
	fi
}
not_in_sets() { ! sets | grep -q "$1"; }
expect "an inside address is in no set" not_in_sets 169.254.169.254
expect "an inside address is not in the hosts splice" bash -c "! grep -q '^169.254.169.254' '$tmp/hosts'"

# 4. DNS goes silent: the last known addresses stay until --max-stale,
# then the name fails closed.
kill -STOP "$dns_pid"
expect "silence is noticed" until_log 6 "refresh pool.rf.test: did not resolve"
expect "stats counts the names failing" until_metric 5 names_failing 1
reaches "a refreshed address while DNS is silent" 203.0.113.12 8080
expect "the name fails closed after --max-stale" until_log 20 "no answer for longer than 8s"
expect "its refreshed address is removed" until_log 3 "203.0.113.12 removed from allow_tcp_"
blocked "a refreshed address after --max-stale" 203.0.113.12 8080
expect "the compiled-in address is removed too" until_log 3 "203.0.113.10 removed from allow_tcp_.* (the policy's pin"
blocked "a compiled-in address after --max-stale" 203.0.113.10 8080
expect "stats counts the names failed closed" until_metric 5 names_closed 1
expect "stats counts the removals" until_metric 5 removed_total 2
stats_json() {
	ip netns exec "$NS_CLIENT" "$egressc" stats --format json --backend "$backend" \
		--agent-state "$tmp/refresh.state" --hosts-file "$tmp/resolved.hosts" "$tmp/policy.eg" |
		python3 -c 'import json, sys; r = json.load(sys.stdin)["refresh"]
sys.exit(not (r["names_closed"] >= 1 and r["rounds_total"] >= r["failed_rounds_total"] and r["last_round_timestamp_seconds"] > 0))'
}
expect "stats --format json has the agent's counters" stats_json
kill -CONT "$dns_pid"

# 5. The stream to the pinned address lived through all of it: refreshes
# change set elements, never the table, and established connections pass
# (the name failing closed stops new connections, not this one).
touch "$tmp/stop-stream"
wait "$stream_pid"
rc=$?
exit_is "the long stream survived every refresh" 0 "$tmp/stream.out"
expect "the long stream carried data" [ "$(cat "$tmp/stream.out")" -gt 20 ]

stop_all
[ "$fail" -eq 0 ] || indent <"$tmp/agent.log"
if [ "$backend" = nft ] && [ "$shared" = 0 ]; then
	expect "all of it with the name's class in the shared lookup" \
		env REFRESH_SHARED=1 PROBE="$PROBE" bash "$0" "$egressc" nft
fi
testlib_finish
