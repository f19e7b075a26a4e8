#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sources.sh EGRESSC - rules with 'from', with real traffic: a container
# behind a bridge in the client (tests/netns.sh: 198.51.100.0/31, its
# traffic forwarded and masqueraded) reaches one destination the client
# itself may not, and is refused one the client reaches; a rule for
# another source network does not match it; with nft, then iptables. And
# a container that claims another source address (to escape its network's
# deny, or to get another network's allow) gets nothing out, with nft and
# with iptables.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

EGRESSC=${1:?usage: tests/sources.sh EGRESSC}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
testlib_init sources

cat >"$tmp/policy.eg" <<'POLICY'
essentials off
default deny
define containers = { 198.51.100.0/31 }
allow 192.0.2.2 port 7001 from $containers      # the container only
allow 192.0.2.2 port 7002                       # everyone ...
deny 192.0.2.2 port 7002 from $containers       # ... but the container
allow 192.0.2.2 port 7003 from 198.51.100.8/29  # another network
allow 192.0.2.2 port 7004 from 192.0.2.1        # the client's own address: never forwarded
POLICY
# side port expect
cases=("container 7001 allow" "client 7001 deny" "container 7002 deny" "client 7002 allow"
       "container 7003 deny" "client 7003 deny" "client 7004 deny" "container 7004 deny")

verdict_of() { [ "$1" = connected ] && echo allow || echo deny; }

if ! "$EGRESSC" --verify -O "$tmp/out" "$tmp/policy.eg" >"$tmp/log" 2>&1; then
	bad "the policy does not compile"
	indent <"$tmp/log"
	testlib_finish
	exit
fi
netns_setup && netns_add_container && netns_serve 7001,7002,7003,7004 ||
	{ bad "namespace setup failed"; testlib_finish; exit; }

for backend in nft iptables; do
	if ! netns_fresh_client >"$tmp/log" 2>&1 || ! "load_$backend" "$tmp/out" >"$tmp/log" 2>&1; then
		bad "$backend: load failed"
		indent <"$tmp/log"
		continue
	fi
	for c in "${cases[@]}"; do
		read -r side port want <<<"$c"
		ns=$NS_CLIENT
		[ "$side" = container ] && ns=$NS_CONTAINER
		got=$(ip netns exec "$ns" "$PROBE" tcp 192.0.2.2 "$port" "$TCP_TIMEOUT_MS" 2>&1)
		expect "$backend: the $side to port $port: $want (got $got)" [ "$(verdict_of "$got")" = "$want" ]
	done
done

# A container that claims another source: a second address on its eth0,
# made its default route's source. Its SYNs to the port its own network
# is denied (7002), and to the port another network is allowed (7003),
# must not leave the client - though no answer could come back, a packet
# alone carries data out. The server counts what arrives from that source.
# (nft: the forward chain drops a source the runner would not route back
# out of the interface it came in on; iptables: the raw table's PREROUTING
# does, with rpfilter, for what is not addressed to the runner itself.)
spoof=198.51.100.9
cat >"$tmp/count.nft" <<EOF2
table inet spoofcount {
	chain in {
		type filter hook prerouting priority raw; policy accept;
		ip saddr $spoof tcp dport { 7002, 7003 } counter
	}
}
EOF2
for backend in nft iptables; do
	if ! netns_fresh_client >"$tmp/log" 2>&1 || ! "load_$backend" "$tmp/out" >"$tmp/log" 2>&1; then
		bad "$backend: load failed"
		indent <"$tmp/log"
		continue
	fi
	ip netns exec "$NS_SERVER" nft -f "$tmp/count.nft"
	ip -n "$NS_CONTAINER" addr add "$spoof/32" dev eth0
	ip -n "$NS_CONTAINER" route replace default via 198.51.100.1 src "$spoof"
	for port in 7002 7003; do
		ip netns exec "$NS_CONTAINER" "$PROBE" tcp 192.0.2.2 "$port" "$TCP_TIMEOUT_MS" >/dev/null 2>&1
	done
	got=$(ip netns exec "$NS_SERVER" nft list table inet spoofcount | grep -o 'packets [0-9]*')
	expect "$backend: a container claiming another source gets nothing out ($got)" \
		[ "$got" = "packets 0" ]
	ip netns exec "$NS_SERVER" nft delete table inet spoofcount
	ip -n "$NS_CONTAINER" route replace default via 198.51.100.1 src 198.51.100.0
	ip -n "$NS_CONTAINER" addr del "$spoof/32" dev eth0
	# The container's own traffic still goes as the policy says.
	got=$(ip netns exec "$NS_CONTAINER" "$PROBE" tcp 192.0.2.2 7001 "$TCP_TIMEOUT_MS" 2>&1)
	expect "$backend: after it, the container's own source is allowed ($got)" [ "$got" = connected ]
done
# apply --backend iptables loads the raw table's check with the filter
# chains, once however often it applies; a policy without 'from' takes it
# away, as --remove does; the administrator's raw rule stays throughout.
# The IPv4 raw table's lines that name EGRESSC-RPF: its chain, rule and hooks.
rpf()
{
	ip netns exec "$NS_CLIENT" iptables-save -t raw | grep -c 'EGRESSC-RPF'
}
eapply() { ip netns exec "$NS_CLIENT" "$EGRESSC" apply --backend iptables \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" \
		--dnsmasq-restart true "$@" >"$tmp/log" 2>&1; }
sed '/ from /d' "$tmp/policy.eg" >"$tmp/nofrom.eg"
: >"$tmp/hosts"
netns_fresh_client >/dev/null 2>&1
ip netns exec "$NS_CLIENT" iptables -t raw -A PREROUTING -s 203.0.113.66 -j DROP
eapply "$tmp/policy.eg" && eapply "$tmp/policy.eg"
expect "apply twice: the raw chain, its rule and one hook (got $(rpf) lines)" [ "$(rpf)" = 3 ]
expect "apply: the IPv6 raw chain too" \
	[ "$(ip netns exec "$NS_CLIENT" ip6tables-save -t raw | grep -c 'EGRESSC-RPF')" = 3 ]
eapply "$tmp/nofrom.eg"
expect "apply without 'from': the raw chain is gone (got $(rpf) lines)" [ "$(rpf)" = 0 ]
eapply "$tmp/policy.eg" && eapply --remove
expect "apply --remove: the raw chain is gone (got $(rpf) lines)" [ "$(rpf)" = 0 ]
expect "the administrator's raw rule stays" \
	ip netns exec "$NS_CLIENT" iptables -t raw -C PREROUTING -s 203.0.113.66 -j DROP

netns_cleanup
testlib_finish
