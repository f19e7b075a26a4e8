#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc pins check: a DNS server whose answers change on command
# (dnsmasq answering from a hosts file it rereads on SIGHUP, in a network
# namespace of the test's own). Pins that DNS still gives: exit 0; a pool
# that rotated: the new addresses '+', the dropped ones '-', exit 1; a name
# that no longer resolves: said, exit 1; the same for a DIR (its hosts
# output) and for a POLICY with the hosts file its image was built from;
# a silent server fails the check (exit 3) within the timeout; usage
# errors exit 2.
#
#   tests/pins.sh EGRESSC            (as root)
#@check full
set -u
egressc=${1:?usage: tests/pins.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init pins netns
dns_pid=
stop_server() { [ -n "$dns_pid" ] && kill -CONT "$dns_pid" 2>/dev/null && kill "$dns_pid" 2>/dev/null; }
trap "stop_server; testlib_cleanup" EXIT

in_ns ip link set lo up
zone=$tmp/zone.hosts
printf '203.0.113.10 pool.pins.test\n203.0.113.11 pool.pins.test\n2001:db8::10 pool.pins.test\n203.0.113.20 fixed.pins.test\n203.0.113.30 going.pins.test\n' >"$zone"
ip netns exec "$ns" dnsmasq --port=53 --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
	--addn-hosts="$zone" --local=/pins.test/ --local-ttl=5 --keep-in-foreground --pid-file= \
	--user=root --log-facility="$tmp/dnsmasq.log" &
dns_pid=$!
for _ in $(seq 50); do
	in_ns "$egressc" pins check --resolver 127.0.0.1 --resolve-rounds 1 --dns-timeout 200 \
		--hosts-file "$zone" /dev/null >/dev/null 2>&1 ; [ $? -ne 3 ] && break
	sleep 0.1
done

cat >"$tmp/policy.eg" <<'EOF2'
essentials off
allow pool.pins.test, fixed.pins.test, going.pins.test port 443
EOF2

check() { in_ns "$egressc" pins check --resolver 127.0.0.1 --resolve-rounds 2 "$@" >"$tmp/stdout" 2>"$tmp/stderr"; rc=$?; }

in_ns "$egressc" --resolver 127.0.0.1 --save-resolved "$tmp/saved.hosts" -O "$tmp/out" "$tmp/policy.eg" 2>"$tmp/stderr"
rc=$?
exit_is "compiles through the test server" 0 "$tmp/stderr"

check "$tmp/out"
exit_is "DIR: nothing drifted" 0
expect "DIR: the summary" grep -qx "3 pinned names checked, 0 drifted" "$tmp/stdout"
check --hosts-file "$tmp/saved.hosts" "$tmp/policy.eg"
exit_is "POLICY: nothing drifted" 0

# Rotate the pool (one address replaced, one added), drop a name.
printf '203.0.113.10 pool.pins.test\n203.0.113.12 pool.pins.test\n2001:db8::10 pool.pins.test\n2001:db8::12 pool.pins.test\n203.0.113.20 fixed.pins.test\n' >"$zone"
kill -HUP "$dns_pid"
sleep 0.2
for target in DIR POLICY; do
	if [ "$target" = DIR ]; then check "$tmp/out"; else check --hosts-file "$tmp/saved.hosts" "$tmp/policy.eg"; fi
	exit_is "$target: drifted" 1
	cat >"$tmp/want" <<'EOF2'
going.pins.test: did not resolve: NXDOMAIN (no such name)
pool.pins.test: + 203.0.113.12
pool.pins.test: + 2001:db8::12
pool.pins.test: - 203.0.113.11
3 pinned names checked, 1 drifted, 1 did not resolve
EOF2
	if diff -u "$tmp/want" "$tmp/stdout" >"$tmp/diff"; then ok; else bad "$target: the drift report"; indent <"$tmp/diff"; fi
done

# A silent server: the check cannot be made, and says so in time.
kill -STOP "$dns_pid"
check --dns-timeout 300 "$tmp/out"
kill -CONT "$dns_pid"
exit_is "a silent server: drifted (no answer)" 1
expect "a silent server: said" grep -q "did not resolve: " "$tmp/stdout"

# Usage and unusable inputs.
check "$tmp/policy.eg"
exit_is "POLICY without --hosts-file" 2
expect "POLICY without --hosts-file: says why" grep -q "give --hosts-file" "$tmp/stderr"
check --hosts-file "$tmp/saved.hosts" "$tmp/out"
exit_is "DIR with --hosts-file" 2
check "$tmp"
exit_is "a DIR without a hosts output" 3
check list "$tmp/out"
exit_is "an unknown subcommand" 2
testlib_finish
