#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live resolution against a real DNS server: dnsmasq on 127.0.0.1 and ::1,
# on a port of our own, answering only the records below (no upstream, no
# hosts file). Every address of every name must be pinned; failures must
# fail closed and say why; a dead server must not hang the compiler.
#
#   tests/dns.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/dns.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
top=$PWD
. tests/lib.sh
testlib_init dns netns
port=$((20000 + $$ % 20000))
dns_pid=

stop_server() { [ -n "$dns_pid" ] && kill "$dns_pid" 2>/dev/null; }
trap "stop_server; testlib_cleanup" EXIT

{
	echo "port=$port"
	echo "listen-address=127.0.0.1,::1"
	echo "bind-interfaces"
	echo "no-resolv"
	echo "no-hosts"
	echo "local=/ci.test/"	# unknown names under ci.test: NXDOMAIN
	echo "local-ttl=300"
	# A pool of 8 IPv4 and 4 IPv6 addresses, none adjacent, so each
	# stays an element of its own after merging.
	for i in 1 3 5 7; do echo "host-record=pool.ci.test,198.51.100.$i,2001:db8:1::$i"; done
	for i in 9 11 13 15; do echo "host-record=pool.ci.test,198.51.100.$i"; done
	# alias -> mid -> pool, the chain's TTLs lower than the records'.
	echo "cname=alias.ci.test,mid.ci.test,60"
	echo "cname=mid.ci.test,pool.ci.test,120"
	echo "host-record=v6only.ci.test,2001:db8:6::6"
	echo "host-record=internal.ci.test,10.1.2.3"
	# An AAAA record holding an IPv4-mapped address: a client reaches it
	# over IPv4, at 169.254.169.254.
	echo "host-record=mapped.ci.test,::ffff:169.254.169.254"
} >"$tmp/dnsmasq.conf"
dnsmasq --conf-file="$tmp/dnsmasq.conf" --keep-in-foreground --pid-file= \
	--log-facility="$tmp/dnsmasq.log" &
dns_pid=$!
for _ in $(seq 50); do
	listening=$(ss -lun 2>/dev/null | grep -c ":$port ")
	[ "$listening" -gt 0 ] && break
	sleep 0.1
done

dns="--resolver 127.0.0.1:$port"
cd "$tmp" || exit 2

# The pool: every address, in the hosts output and in the sets.
printf 'essentials off\nallow pool.ci.test port 443\n' >pool.eg
run $dns --verify -O pool pool.eg
expect "pool resolves" [ $rc -eq 0 ]
expect "hosts pins 8 IPv4 and 4 IPv6 addresses" \
	[ "$(grep -c 'pool.ci.test$' pool/hosts)" -eq 12 ]
for i in 1 3 5 7 9 11 13 15; do
	expect "198.51.100.$i in the nft set" grep -q "^			198.51.100.$i,\?$" pool/ruleset.nft
done
for i in 1 3 5 7; do
	expect "2001:db8:1::$i pinned" grep -q "^2001:db8:1::$i	pool.ci.test$" pool/hosts
done
expect "no other addresses" [ "$(grep -c '^			[0-9a-f]' pool/ruleset.nft)" -eq 12 ]
expect "the TTL is noted" grep -q '^# pool.ci.test: lowest TTL 300 s$' pool/hosts

# A CNAME chain: pinned under the name the policy wrote, lowest TTL of all.
printf 'essentials off\nallow alias.ci.test port 443\n' >alias.eg
run $dns -o alias.hosts alias.eg
expect "the chain resolves" [ $rc -eq 0 ]
expect "pinned as alias.ci.test" [ "$(grep -c 'alias.ci.test$' alias.hosts)" -eq 12 ]
expect "the chain's lowest TTL" grep -q '^# alias.ci.test: lowest TTL 60 s$' alias.hosts

# Only AAAA records: fine, and IPv6 only.
printf 'essentials off\nallow v6only.ci.test\n' >v6.eg
run $dns -o v6.hosts v6.eg
expect "AAAA only resolves" [ $rc -eq 0 ]
expect "AAAA only pinned" [ "$(grep -v '^#' v6.hosts)" = "2001:db8:6::6	v6only.ci.test" ]

# The same over IPv6 to the server.
run --resolver "[::1]:$port" -o v6b.hosts v6.eg
expect "a server on ::1" cmp -s v6.hosts v6b.hosts

# A private address: a warning, an error with --strict.
printf 'essentials off\nallow internal.ci.test port 443\n' >internal.eg
run $dns -o internal.nft internal.eg
expect "private: compiles" [ $rc -eq 0 ]
expect "private: warns" grep -q "warning: 'internal.ci.test' resolves to 10.1.2.3, a private address" "$tmp/stderr"
run $dns --strict -o strict.nft internal.eg
expect "private --strict: fails" [ $rc -eq 1 -a ! -e strict.nft ]
expect "private --strict: says why" grep -q "error: 'internal.ci.test' resolves to 10.1.2.3" "$tmp/stderr"

# An IPv4-mapped AAAA answer is the IPv4 address: a deny blocks it, and the
# private-address check sees it.
printf 'essentials off\ndefault allow\ndeny mapped.ci.test\n' >mapped.eg
run $dns --verify -o mapped.nft mapped.eg
expect "mapped AAAA: compiles" [ $rc -eq 0 ]
expect "mapped AAAA: denied as IPv4" \
	grep -q '^			169.254.169.254$' mapped.nft
expect "mapped AAAA: nothing IPv6" sh -c "! grep -q 'ffff' mapped.nft"
printf 'essentials off\nallow mapped.ci.test port 443\n' >mapped-allow.eg
run $dns -o mapped.hosts mapped-allow.eg
expect "mapped AAAA: pinned as IPv4" grep -q '^169.254.169.254	mapped.ci.test$' mapped.hosts
expect "mapped AAAA: warns link-local" \
	grep -q "warning: 'mapped.ci.test' resolves to 169.254.169.254, a link-local address" "$tmp/stderr"
run $dns --strict -o mapped-strict.nft mapped-allow.eg
expect "mapped AAAA --strict: fails" [ $rc -eq 1 -a ! -e mapped-strict.nft ]

# NXDOMAIN and REFUSED fail closed, at the rule, and write nothing.
printf 'essentials off\nallow pool.ci.test\nallow nothing.ci.test port 443\n' >nx.eg
run $dns -o nx.nft nx.eg
expect "NXDOMAIN: exit 1, nothing written" [ $rc -eq 1 -a ! -e nx.nft ]
expect "NXDOMAIN: located and named" \
	grep -q "^nx.eg:3:7: error: 'nothing.ci.test' did not resolve: NXDOMAIN" "$tmp/stderr"
printf 'essentials off\nallow other.example port 443\n' >refused.eg
run $dns -o refused.nft refused.eg
expect "REFUSED: fails and says so" grep -q "did not resolve: .*REFUSED" "$tmp/stderr"
run $dns --allow-unresolved -o nx.nft nx.eg
expect "--allow-unresolved: compiles" [ $rc -eq 0 ]
expect "--allow-unresolved: warns" grep -q "warning: 'nothing.ci.test' did not resolve" "$tmp/stderr"
expect "--allow-unresolved: the rule adds nothing" \
	[ "$(grep -c '^			[0-9a-f]' nx.nft)" -eq 12 ]

# Resolve once, then compile hermetically from the saved file.
printf 'essentials off\nallow pool.ci.test, alias.ci.test port 443\ndeny v6only.ci.test\n' >both.eg
run $dns --save-resolved saved.hosts -O live both.eg
expect "--save-resolved writes" [ $rc -eq 0 -a -s saved.hosts ]
run --hosts-file saved.hosts -O replay both.eg
expect "replayed from the saved file" [ $rc -eq 0 ]
expect "byte-identical outputs" diff -r live replay

# A server that never answers: a bounded, clear failure. Queries leave and
# vanish on the way in (dropped on output, a send would fail at once).
ip -n "$ns" link set lo up
ip netns exec "$ns" nft add table inet t
ip netns exec "$ns" nft 'add chain inet t i { type filter hook input priority 0; }'
ip netns exec "$ns" nft add rule inet t i udp dport 53 drop
start=$(date +%s%N)
ip netns exec "$ns" "$egressc" --resolver 127.0.0.1:53 --dns-timeout 1000 -o dead.nft pool.eg \
	>/dev/null 2>"$tmp/stderr"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
expect "dead server: fails" [ $rc -eq 1 -a ! -e dead.nft ]
expect "dead server: says timeout" grep -q "no answer before the timeout" "$tmp/stderr"
expect "dead server: gives up within 3 s (took $ms ms)" [ $ms -lt 3000 ]


# Many names through what runners really ask: a dnsmasq forwarder with its
# default limits (150 queries forwarded at once; a burst beyond gets
# REFUSED) in front of a server that answers in 10 ms, and a server that
# loses every tenth query. Every name must resolve, in the namespace.
cc -std=c11 -D_GNU_SOURCE -O2 -o "$tmp/dns-delay" "$top/bench/dns-delay.c" || bad "build dns-delay"
printf 'essentials off\n' >bulk.eg
for i in $(seq 1000); do echo "allow n$i.bench.test port 443"; done >>bulk.eg
ip netns exec "$ns" "$tmp/dns-delay" 25353 10 >/dev/null 2>&1 &
slow_pid=$!
ip netns exec "$ns" "$tmp/dns-delay" 25355 10 4194304 10 >/dev/null 2>&1 &
lossy_pid=$!
ip netns exec "$ns" dnsmasq --port=25354 --listen-address=127.0.0.1 --bind-interfaces \
	--no-resolv --no-hosts --server=127.0.0.1#25353 --keep-in-foreground --pid-file= \
	--log-facility="$tmp/forwarder.log" &
fwd_pid=$!
trap 'kill $slow_pid $lossy_pid $fwd_pid 2>/dev/null; stop_server; testlib_cleanup' EXIT
sleep 0.5
for rounds in 1 3; do
	ip netns exec "$ns" "$egressc" --resolver 127.0.0.1:25354 --resolve-rounds $rounds \
		-o "bulk-$rounds.hosts" bulk.eg >/dev/null 2>"$tmp/stderr"
	rc=$?
	expect "forwarder, 1,000 names, $rounds rounds: all resolve (exit $rc; $(grep -c 'did not resolve' "$tmp/stderr") failed)" \
		[ $rc -eq 0 ]
	pinned=$(cat "bulk-$rounds.hosts" 2>/dev/null | grep -c 'bench.test$')
	expect "forwarder, $rounds rounds: 2,000 addresses pinned ($pinned)" [ "$pinned" -eq 2000 ]
done
expect "the forwarder did refuse a burst (its limit was reached)" \
	grep -q "Maximum number of concurrent DNS queries" "$tmp/forwarder.log"
head -300 bulk.eg >lossy.eg
ip netns exec "$ns" "$egressc" --resolver 127.0.0.1:25355 -o lossy.hosts lossy.eg \
	>/dev/null 2>"$tmp/stderr"
rc=$?
expect "a server losing a tenth of the queries: all resolve (exit $rc; $(grep -c 'did not resolve' "$tmp/stderr") failed)" \
	[ $rc -eq 0 ]
pinned=$(cat lossy.hosts 2>/dev/null | grep -c 'bench.test$')
expect "lossy: every address pinned ($pinned)" [ "$pinned" -eq 598 ]
kill $slow_pid $lossy_pid $fwd_pid 2>/dev/null
wait $slow_pid $lossy_pid $fwd_pid 2>/dev/null

testlib_finish
