#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# runtime.sh EGRESSC - the run-time parts of a policy, proven with real
# traffic and real DNS: a wildcard target whose sets dnsmasq fills as it
# answers, the DNS lockdown of 'resolver', and a dynamic set whose elements
# age out.  tests/runtime/policy.eg is compiled once and loaded by each
# backend in turn (nft with dnsmasq.conf, then ipsets + iptables with
# dnsmasq-ipset.conf), each into a fresh client namespace.
#
# Then a policy change, applied with 'egressc apply' by each backend: from
# tests/runtime/stale-a.eg (*.a.test, $builders kept 3s) to stale-b.eg
# (*.b.test, $builders kept 5s), with the client's dnsmasq still running on
# A's fragment, as when nothing restarts it.  It resolves x.a.test and
# tries to fill A's sets: no set of B's may take the address (the kernel
# refuses it, and 'egressc query' agrees), and B's ipsets, whose timeout
# changed, load.
#
#   PROBE=build/tests/probe tests/runtime.sh build/egressc
#
# The server namespace runs one dnsmasq for the test zone, on 192.0.2.53
# (the policy's resolver) and on 192.0.2.54 (a resolver the policy does not
# name), and "probe serve" on ports 443 and 8080 of every probed address.
# The client runs the compiled dnsmasq fragment on 127.0.0.1:53.
#
# The zone also answers names below ci.test with addresses inside the
# network, one in each range --strict refuses at compile time, and with
# CNAMEs out of the domain: no set may take an address inside the network
# (its contents are read; nothing is sent to those addresses, which are not
# documentation addresses), and each of those addresses is refused by
# --strict too.
#
# Needs root, iproute2, nft, ipset, iptables-nft, dnsmasq (with nftset and
# ipset support) and dig.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
egressc=${1:?usage: PROBE=build/tests/probe tests/runtime.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

# The policy's "dynamic builders timeout 3s".
DYN_TIMEOUT=3

policy=$here/runtime/policy.eg
# The test zone, as the server's dnsmasq answers it.
A_V4=198.51.100.10		# a.ci.test
A_V6=2001:db8:100::10		# a.ci.test
DEEP_V4=198.51.100.11		# b.deep.ci.test
APEX_V4=198.51.100.12		# ci.test itself
OTHER_V4=198.51.100.13		# other.test
# For the dynamic set.
BUILDER_V4=203.0.113.9
BUILDER_V6=2001:db8:113::9
STRANGER_V4=203.0.113.10
RESOLVER=192.0.2.53		# named by the policy
ROGUE=192.0.2.54		# not named
# For the policy change.
XA_V4=198.51.100.21		# x.a.test
XB_V4=198.51.100.22		# x.b.test
# Answers below ci.test inside the network: one address in each range
# --strict refuses (IPv4-mapped ones are the IPv4 address). None is ever
# probed.
INSIDE="0.0.0.0 127.0.0.1 169.254.169.254 10.1.2.3 172.16.5.4 192.168.1.1
	100.64.0.1 224.0.0.251 :: ::1 fe80::1 fd00::1 ff02::1 ::ffff:10.1.2.3
	::ffff:169.254.169.254"
MIXED_V4=198.51.100.15		# mixed.ci.test, with 10.9.9.9
MAPPED_V6=::ffff:203.0.113.44	# mapped.ci.test: IPv4 to the kernel, in a v6 set
FAR_V4=203.0.113.30		# far.example: out.ci.test is a CNAME for it
LAN_V4=10.4.5.6			# lan.example: in.ci.test is a CNAME for it

testlib_init runtime

DNS_PIDS=()
SERVER_DNS=
CLIENT_DNS=

# stop_dns [PID...]: stops those dnsmasq instances, or all of ours.
stop_dns()
{
	local pid keep=() p

	[ $# -gt 0 ] || set -- "${DNS_PIDS[@]}"
	for pid in "$@"; do
		[ -n "$pid" ] || continue
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for p in "${DNS_PIDS[@]}"; do
		case " $* " in *" $p "*) ;; *) keep+=("$p") ;; esac
	done
	DNS_PIDS=("${keep[@]}")
}

# start_dns NS NAME ADDR[,ADDR...] CONF: dnsmasq in NS with CONF plus our
# options, listening on port 53 of each ADDR, logging to $tmp/NAME.log; its
# pid goes to $REPLY.  Waits (at most 5 s) until it listens on every ADDR.
start_dns()
{
	local ns=$1 name=$2 addr=$3 conf=$4 pid i a up

	REPLY=
	: >"$tmp/$name.log"
	# As the user the policy's resolver line names (the default, dnsmasq):
	# under lockdown, only its queries reach the resolver.
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file="$conf" --user=dnsmasq \
		--port=53 --listen-address="$addr" --bind-interfaces \
		--no-hosts --pid-file="$tmp/$name.pid" \
		--log-facility="$tmp/$name.log" --log-queries \
		</dev/null >>"$tmp/$name.log" 2>&1 &
	pid=$!
	DNS_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		up=1
		for a in ${addr//,/ }; do
			[ -n "$(ip netns exec "$ns" ss -Hlnu "src $a:53")" ] || up=
		done
		if [ -n "$up" ]; then
			REPLY=$pid
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "runtime: dnsmasq $name did not start:" >&2
	indent <"$tmp/$name.log" >&2
	stop_dns "$pid"
	return 1
}

start_server_dns()
{
	stop_dns "$SERVER_DNS"
	SERVER_DNS=
	start_dns "$NS_SERVER" server "$RESOLVER,$ROGUE" "$tmp/server.conf" &&
	SERVER_DNS=$REPLY
}

# blocked WHAT ADDR PORT
blocked()
{
	local got

	got=$(probe "$2" "$3")
	case $got in
	refused | unreachable | timeout) ok ;;
	*) bad "$1: tcp $2 port $3 should be blocked (got ${got:-nothing})" ;;
	esac
}

# dig_short SERVER NAME [TYPE [OPTION...]]: the answers, one a line.
dig_short()
{
	ip netns exec "$NS_CLIENT" dig +short +tries=1 +time=2 "@$1" "$2" \
		"${3:-A}" "${@:4}" 2>&1
}

# answers WHAT SERVER NAME TYPE WANT: the lookup answers exactly WANT.
answers()
{
	local got

	got=$(dig_short "$2" "$3" "$4" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$5" ]; then ok; else
		bad "$1: dig @$2 $3 $4 should answer $5 (got ${got:-nothing})"
	fi
}

# nxdomain WHAT NAME [TYPE]: the client's dnsmasq says NXDOMAIN, with no
# answer.
nxdomain()
{
	local out

	out=$(ip netns exec "$NS_CLIENT" dig +tries=1 +time=2 @127.0.0.1 "$2" "${3:-A}" 2>&1)
	if grep -q 'status: NXDOMAIN' <<<"$out" &&
	   grep -q 'ANSWER: 0,' <<<"$out"; then
		ok
	else
		bad "$1: dig @127.0.0.1 $2 ${3:-A} should be NXDOMAIN, got:"
		indent <<<"$out"
	fi
}

# not_grep PATTERN FILE: FILE has no line matching PATTERN.
not_grep()
{
	! grep -q "$1" "$2"
}

# unanswered WHAT SERVER [OPTION...]: a direct query to SERVER gets nothing.
unanswered()
{
	local out rc

	out=$(ip netns exec "$NS_CLIENT" dig +tries=1 +time=1 "@$2" a.ci.test A "${@:3}" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] && ! grep -q 'ANSWER SECTION' <<<"$out"; then
		ok
	else
		bad "$1: dig @$2 ${*:3} a.ci.test should get no answer (rc $rc):"
		indent <<<"$out"
	fi
}

# wildcard_set DIR: the nft name of the wildcard set of port 443 that DIR's
# ruleset declares, without its _v4 (its name ends in a hash of what fills
# it).
wildcard_set()
{
	sed -n 's/^\tset \(allow_tcp_443_dns[0-9a-z_]*\)_v4 {$/\1/p' "$1/ruleset.nft"
}

# ipset_of DIR SET: the ipset of nft set SET (with its _v4 or _v6) in DIR's
# ipsets file, where each set's comment names it and its creates follow.
ipset_of()
{
	awk -v name="# ${2%_v[46]}:" -v fam="_${2##*_}" '
		index($0, name) == 1 { on = 1; next }
		/^#/ { on = 0 }
		on && $1 == "create" && substr($2, length($2) - 2) == fam { print $2; exit }
	' "$1/ipsets"
}

# elems BACKEND SET: the addresses in the client's SET (the nft name; for
# iptables, its ipset), sorted, one a line.
elems()
{
	if [ "$1" = nft ]; then
		ip netns exec "$NS_CLIENT" nft list set inet egressc "$2" | tr -d '\n' |
			sed -n 's/.*elements = {\([^}]*\)}.*/\1/p' | tr ',' '\n' |
			awk '{ print $1 }'
	else
		ip netns exec "$NS_CLIENT" ipset list "$(ipset_of "$out" "$2")" |
			sed '1,/^Members:/d' | awk '{ print $1 }'
	fi | sort
}

# holds WHAT BACKEND SET ADDR...: SET holds exactly ADDR... (none: empty).
holds()
{
	local got want

	got=$(elems "$2" "$3" | paste -sd' ')
	want=$(printf '%s\n' "${@:4}" | sed '/^$/d' | sort | paste -sd' ')
	if [ "$got" = "$want" ]; then ok; else
		bad "$1: $3 should hold {${want}} (got {${got}})"
	fi
}

# dyn_add BACKEND ADDR: puts ADDR into the builders set for DYN_TIMEOUT.
dyn_add()
{
	local fam=v4

	case $2 in *:*) fam=v6 ;; esac
	if [ "$1" = nft ]; then
		ip netns exec "$NS_CLIENT" nft add element inet egressc \
			"dyn_builders_$fam" "{ $2 timeout ${DYN_TIMEOUT}s }"
	else
		ip netns exec "$NS_CLIENT" ipset add "$(ipset_of "$out" "dyn_builders_$fam")" \
			"$2" timeout "$DYN_TIMEOUT"
	fi
}

run_backend()
{
	local b=$1 frag=dnsmasq.conf

	[ "$b" = iptables ] && frag=dnsmasq-ipset.conf
	# A new client; the new veth's server end has lost the old sockets'
	# addresses for a moment, so the server's dnsmasq starts afresh too.
	if ! netns_fresh_client || ! start_server_dns; then
		bad "$b: namespace reset failed"
		return
	fi
	if ! "load_$b" "$out" >"$tmp/load.log" 2>&1; then
		bad "$b: loading the outputs failed:"
		indent <"$tmp/load.log"
		return
	fi
	if ! start_dns "$NS_CLIENT" "client-$b" 127.0.0.1 "$out/$frag"; then
		bad "$b: dnsmasq does not start with $frag"
		return
	fi
	CLIENT_DNS=$REPLY

	# 1. Nothing below ci.test is reachable before it is looked up.
	blocked "$b: before any lookup" "$A_V4" 443
	blocked "$b: before any lookup" "$DEEP_V4" 443
	blocked "$b: before any lookup" "$A_V6" 443
	holds "$b: before any lookup" "$b" "${WILD}_v4"

	# 2. A lookup through the client's dnsmasq opens the name's port, and
	# only that port and that address, at any depth.
	answers "$b: the wildcard forwards" 127.0.0.1 a.ci.test A "$A_V4"
	reaches "$b: after resolving a.ci.test" "$A_V4" 443
	blocked "$b: a.ci.test, another port" "$A_V4" 8080
	blocked "$b: b.deep.ci.test not resolved yet" "$DEEP_V4" 443
	answers "$b: the wildcard forwards any depth" 127.0.0.1 b.deep.ci.test A "$DEEP_V4"
	reaches "$b: after resolving b.deep.ci.test" "$DEEP_V4" 443
	answers "$b: the wildcard forwards AAAA" 127.0.0.1 a.ci.test AAAA "$A_V6"
	reaches "$b: after resolving a.ci.test AAAA" "$A_V6" 443

	# 3. The answered addresses are in the sets, and nothing else.
	holds "$b: after the lookups" "$b" "${WILD}_v4" "$A_V4" "$DEEP_V4"
	holds "$b: after the lookups" "$b" "${WILD}_v6" "$A_V6"

	# 4. Names the policy does not allow are NXDOMAIN, even those the
	# resolver knows, the wildcard's own apex among them.
	nxdomain "$b: a name outside the policy" other.test
	nxdomain "$b: the wildcard's apex" ci.test
	blocked "$b: other.test's address" "$OTHER_V4" 443
	blocked "$b: ci.test's address" "$APEX_V4" 443
	holds "$b: after the refused lookups" "$b" "${WILD}_v4" "$A_V4" "$DEEP_V4"

	# 5. DNS reaches the resolver only, and only from dnsmasq: the test,
	# as root, gets no answer from it directly (the names it would answer
	# unfiltered: a.ci.test is allowed, other.test is not).
	unanswered "$b: DNS to a resolver the policy does not name" "$ROGUE"
	unanswered "$b: DNS over TCP to a resolver the policy does not name" "$ROGUE" +tcp
	unanswered "$b: DNS straight to the policy's resolver" "$RESOLVER"
	unanswered "$b: DNS over TCP straight to the policy's resolver" "$RESOLVER" +tcp

	# 6. The dynamic set: an address added opens port 8080 for the
	# declared timeout, then ages out.
	blocked "$b: before adding to \$builders" "$BUILDER_V4" 8080
	blocked "$b: before adding to \$builders" "$BUILDER_V6" 8080
	expect "$b: adding $BUILDER_V4 to \$builders" dyn_add "$b" "$BUILDER_V4"
	expect "$b: adding $BUILDER_V6 to \$builders" dyn_add "$b" "$BUILDER_V6"
	# The connects that must succeed first: they have DYN_TIMEOUT seconds.
	reaches "$b: in \$builders" "$BUILDER_V4" 8080
	reaches "$b: in \$builders" "$BUILDER_V6" 8080
	holds "$b: after adding" "$b" dyn_builders_v4 "$BUILDER_V4"
	holds "$b: after adding" "$b" dyn_builders_v6 "$BUILDER_V6"
	blocked "$b: not in \$builders" "$STRANGER_V4" 8080
	blocked "$b: in \$builders, another port" "$BUILDER_V4" 443
	sleep $((DYN_TIMEOUT + 1))
	blocked "$b: after \$builders' timeout, a new connection" "$BUILDER_V4" 8080
	blocked "$b: after \$builders' timeout, a new connection" "$BUILDER_V6" 8080
	holds "$b: after the timeout" "$b" dyn_builders_v4
	holds "$b: after the timeout" "$b" dyn_builders_v6
	# The wildcard's addresses are kept for 1h: still there.
	reaches "$b: a.ci.test after \$builders' timeout" "$A_V4" 443

	# 7. An answer with an address inside the network is NXDOMAIN, the
	# whole of it, so no set takes one: not alone, not beside a public
	# address, not at the end of a CNAME chain.
	local i=0 addr type
	for addr in $INSIDE; do
		i=$((i + 1))
		type=A
		case $addr in *:*) type=AAAA ;; esac
		nxdomain "$b: p$i.ci.test, $addr" "p$i.ci.test" "$type"
	done
	nxdomain "$b: mixed.ci.test, $MIXED_V4 and 10.9.9.9" mixed.ci.test
	nxdomain "$b: mapped.ci.test, $MAPPED_V6" mapped.ci.test AAAA
	nxdomain "$b: in.ci.test, a CNAME for lan.example, $LAN_V4" in.ci.test
	nxdomain "$b: lan.example, after in.ci.test" lan.example
	blocked "$b: mixed.ci.test's public address" "$MIXED_V4" 443
	holds "$b: after the answers inside the network" "$b" "${WILD}_v4" "$A_V4" "$DEEP_V4"
	holds "$b: after the answers inside the network" "$b" "${WILD}_v6" "$A_V6"

	# 8. A CNAME out of the domain: the zone says where its names lead,
	# and the set takes the target's address, as a pin would. dnsmasq
	# caches the target and answers it from the cache, lockdown or not
	# (documented), but no query for it leaves and no set changes.
	answers "$b: out.ci.test, a CNAME out of the domain" 127.0.0.1 out.ci.test A \
		"far.example. $FAR_V4"
	reaches "$b: out.ci.test's address" "$FAR_V4" 443
	answers "$b: far.example from dnsmasq's cache" 127.0.0.1 far.example A "$FAR_V4"
	answers "$b: far.example's AAAA, not in the cache" 127.0.0.1 far.example AAAA ""
	expect "$b: no query for far.example left the runner" \
		not_grep 'query\[[A-Z]*\] far\.example ' "$tmp/server.log"
	holds "$b: after the CNAME" "$b" "${WILD}_v4" "$A_V4" "$DEEP_V4" "$FAR_V4"
	holds "$b: after the CNAME" "$b" "${WILD}_v6" "$A_V6"

	stop_dns "$CLIENT_DNS"
	CLIENT_DNS=
}

# stale BACKEND: the policy change, applied as apply applies it; the
# client's dnsmasq runs on A's fragment throughout.
stale()
{
	local b=$1 frag=$tmp/stale-$1.conf set pid
	# B's outputs are those elems and holds read.
	local out=$stale_b

	if ! netns_fresh_client || ! start_server_dns; then
		bad "$b: namespace reset failed"
		return
	fi
	: >"$tmp/stale.hosts"
	if ! stale_apply "$b" a; then
		bad "$b: apply A failed:"
		indent <"$tmp/apply.log"
		return
	fi
	if ! start_dns "$NS_CLIENT" "stale-$b" 127.0.0.1 "$frag"; then
		bad "$b: dnsmasq does not start with A's fragment"
		return
	fi
	pid=$REPLY

	# Under A, x.a.test opens as it resolves.
	answers "$b: A: the wildcard forwards" 127.0.0.1 x.a.test A "$XA_V4"
	reaches "$b: A: after resolving x.a.test" "$XA_V4" 443

	# B replaces A; dnsmasq is not restarted. The ipsets of B's
	# $builders, kept 5s where A's were kept 3s, are new ones.
	if stale_apply "$b" b; then ok; else
		bad "$b: apply B over A failed:"
		indent <"$tmp/apply.log"
	fi
	if [ "$b" = iptables ]; then
		set=$(ipset_of "$stale_b" dyn_builders_v4)
		expect "$b: B's \$builders ipset keeps 5s" \
			grep -qw 'timeout 5' <(ip netns exec "$NS_CLIENT" ipset list -t "$set")
	fi

	# The stale dnsmasq still answers x.a.test and tries A's sets.
	answers "$b: B, A's dnsmasq: x.a.test still forwarded" 127.0.0.1 x.a.test A "$XA_V4"
	blocked "$b: B, after A's dnsmasq resolved x.a.test" "$XA_V4" 443
	if "$egressc" query "$tmp/stale/stale-b.eg" "$XA_V4" 443 >"$tmp/query.log" 2>&1; then
		bad "$b: egressc query should deny $XA_V4 443 under B:"
		indent <"$tmp/query.log"
	else
		ok
	fi
	set=$(wildcard_set "$stale_b")
	holds "$b: B's wildcard set after A's dnsmasq" "$b" "${set}_v4"

	stop_dns "$pid"
}

# stale_apply BACKEND a|b: egressc apply of that policy's outputs in the
# client, on scratch hosts and fragment files; its output in apply.log.
stale_apply()
{
	local dir=$stale_a

	[ "$2" = b ] && dir=$stale_b
	ip netns exec "$NS_CLIENT" "$egressc" apply --backend "$1" \
		--hosts-path "$tmp/stale.hosts" --dnsmasq-path "$tmp/stale-$1.conf" \
		"$dir" >"$tmp/apply.log" 2>&1
}

out=$tmp/out
stale_a=$tmp/stale/a
stale_b=$tmp/stale/b
mkdir -p "$tmp/stale"
cp "$here/runtime/stale-a.eg" "$here/runtime/stale-b.eg" "$tmp/stale/"
compile_to()
{
	"$egressc" -O "$1" "$2" >"$tmp/compile.log" 2>&1 && return
	bad "egressc $2 failed:"
	indent <"$tmp/compile.log"
	testlib_finish
	exit
}
compile_to "$out" "$policy"
compile_to "$stale_a" "$tmp/stale/stale-a.eg"
compile_to "$stale_b" "$tmp/stale/stale-b.eg"

WILD=$(wildcard_set "$out")

{
	echo "no-resolv"
	echo "local=/test/"	# every other name under test: NXDOMAIN
	echo "host-record=a.ci.test,$A_V4,$A_V6"
	echo "host-record=b.deep.ci.test,$DEEP_V4"
	echo "host-record=ci.test,$APEX_V4"
	echo "host-record=other.test,$OTHER_V4"
	echo "host-record=x.a.test,$XA_V4"
	echo "host-record=x.b.test,$XB_V4"
	i=0
	for addr in $INSIDE; do
		i=$((i + 1))
		echo "host-record=p$i.ci.test,$addr"
	done
	echo "host-record=mixed.ci.test,$MIXED_V4"
	echo "host-record=mixed.ci.test,10.9.9.9"
	echo "host-record=mapped.ci.test,$MAPPED_V6"
	# TTLs, so that the client's dnsmasq caches what the chains lead to.
	echo "cname=out.ci.test,far.example,300"
	echo "host-record=far.example,$FAR_V4,300"
	echo "cname=in.ci.test,lan.example,300"
	echo "host-record=lan.example,$LAN_V4,300"
} >"$tmp/server.conf"

# --strict refuses a pin to each address inside the network that no set
# may take at run time.
i=0
for addr in $INSIDE; do
	i=$((i + 1))
	printf '%s\tpin%d.test\n' "$addr" "$i"
	printf 'essentials off\nallow pin%d.test port 443\n' "$i" >"$tmp/pin$i.eg"
done >"$tmp/pins.hosts"
for ((j = 1; j <= i; j++)); do
	if "$egressc" --strict --hosts-file "$tmp/pins.hosts" -o "$tmp/pin.nft" "$tmp/pin$j.eg" \
		>"$tmp/pin.log" 2>&1; then
		bad "--strict allows pin$j.test ($(sed -n "${j}p" "$tmp/pins.hosts"))"
	elif grep -q "resolves to" "$tmp/pin.log"; then
		ok
	else
		bad "--strict refuses pin$j.test, but not for its address:"
		indent <"$tmp/pin.log"
	fi
done

if ! netns_setup; then
	bad "cannot set up the namespaces"
	testlib_finish
	exit
fi
# Ours replaces netns_setup's EXIT trap: the dnsmasq instances go first, as
# they keep their namespaces alive.
trap 'stop_dns; netns_cleanup; testlib_cleanup' EXIT

setup_ok=1
for addr in "$RESOLVER" "$ROGUE" "$A_V4" "$A_V6" "$DEEP_V4" "$APEX_V4" \
	    "$OTHER_V4" "$BUILDER_V4" "$BUILDER_V6" "$STRANGER_V4" "$XA_V4" "$XB_V4" \
	    "$MIXED_V4" "$FAR_V4"; do
	netns_add_server_addr "$addr" || setup_ok=
done
if [ -z "$setup_ok" ] || ! netns_serve 443,8080 || ! start_server_dns; then
	bad "server setup failed"
	testlib_finish
	exit
fi

# Without a firewall everything probed is there, so that a blocked probe
# below proves the policy and not a gap in the setup.
for addr in "$A_V4" "$A_V6" "$DEEP_V4" "$APEX_V4" "$OTHER_V4" \
	    "$BUILDER_V4" "$BUILDER_V6" "$STRANGER_V4" "$XA_V4" "$XB_V4" "$MIXED_V4" \
	    "$FAR_V4"; do
	for port in 443 8080; do
		reaches "no firewall" "$addr" "$port"
	done
done
for server in "$RESOLVER" "$ROGUE"; do
	answers "no firewall" "$server" a.ci.test A "$A_V4"
	answers "no firewall" "$server" a.ci.test AAAA "$A_V6"
	answers "no firewall" "$server" b.deep.ci.test A "$DEEP_V4"
	answers "no firewall" "$server" ci.test A "$APEX_V4"
	answers "no firewall" "$server" other.test A "$OTHER_V4"
done

for backend in nft iptables; do
	run_backend "$backend"
done
for backend in nft iptables; do
	stale "$backend"
done

testlib_finish
