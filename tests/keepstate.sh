#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc apply keeps run-time state: re-applying the same or a changed
# policy keeps the members of the run-time sets (dynamic sets the CI
# platform fills, wildcard sets dnsmasq fills) that the new ruleset still
# has by name, with the time they had left (never more than the new
# timeout); a set the new policy names differently (other domains; for
# ipsets, another timeout) starts empty; dnsmasq is restarted only when its
# fragment changed. nft and iptables, each in a network namespace of the
# test's own.
#
#   tests/keepstate.sh EGRESSC            (as root)
#
# Names resolve from a hosts file written here; only documentation
# addresses; the host's files and firewall are never touched.
#@check full
set -u
egressc=${1:?usage: tests/keepstate.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init keepstate netns

hosts=$tmp/hosts
frag=$tmp/dnsmasq.conf
: >"$hosts"

# v1; v2 adds a rule and a dynamic set and changes the wildcard's
# domains; v3 shortens the dynamic set's timeout.
policy() {
	cat <<EOF
essentials off
dynamic builders timeout $1 port 22
allow \$builders
allow $2 port 443
allow 198.51.100.0/24 port 80
$3
EOF
}
policy 30m '*.ci.test' '' >"$tmp/v1.eg"
policy 30m '*.other.test' 'dynamic caches
allow $caches port 8080' >"$tmp/v2.eg"
policy 10m '*.other.test' '' >"$tmp/v3.eg"
# v4: v3, recording what it blocks.
policy 10m '*.other.test' 'record blocked limit 1000' >"$tmp/v4.eg"
for v in v1 v2 v3 v4; do
	"$egressc" -O "$tmp/$v" "$tmp/$v.eg" 2>"$tmp/stderr" || {
		echo "keepstate: $v does not compile:"
		indent <"$tmp/stderr"
		exit 1
	}
done
wild1=$(sed -n 's/^\tset \(allow_tcp_443_dns_[0-9a-f]*\)_v4 {$/\1/p' "$tmp/v1/ruleset.nft")
wild2=$(sed -n 's/^\tset \(allow_tcp_443_dns_[0-9a-f]*\)_v4 {$/\1/p' "$tmp/v2/ruleset.nft")
wild1_ipset=$(sed -n 's/^create \(egressc_allow_[^ ]*\)_v4 .*/\1/p' "$tmp/v1/ipsets")
if [ -z "$wild1" ] || [ -z "$wild2" ] || [ "$wild1" = "$wild2" ] || [ -z "$wild1_ipset" ]; then
	echo "keepstate: the wildcard sets are not as expected: '$wild1' '$wild2' '$wild1_ipset'"
	exit 1
fi

eapply() {
	in_ns "$egressc" apply --backend "$backend" --hosts-path "$hosts" --dnsmasq-path "$frag" \
		--dnsmasq-restart "echo restarted >>'$tmp/restarts'" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
}

# members SET: the set's members (nft set name without _v4, or ipset), one
# a line, as "ADDR SECONDS-LEFT".
members() {
	if [ "$backend" = nft ]; then
		in_ns nft -j list set inet egressc "$1_v4" 2>/dev/null |
			/usr/bin/python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        v = e["elem"]["val"]
        if isinstance(v, dict):
            v = "%s/%s" % (v["prefix"]["addr"], v["prefix"]["len"])
        print(v, e["elem"].get("expires", 0))'
	else
		in_ns ipset save "$1_v4" 2>/dev/null | sed -n 's/^add [^ ]* \([^ ]*\) timeout \([0-9]*\).*/\1 \2/p'
	fi
}

# has WHAT SET ADDR [MAX]: ADDR is in SET, with at most MAX seconds left.
has() {
	local left
	left=$(members "$2" | awk -v a="$3" '$1 == a { print $2 }')
	if [ -z "$left" ]; then
		bad "$backend: $1: $3 is not in $2"
		members "$2" | indent
	elif [ -n "${4:-}" ] && [ "$left" -gt "$4" ]; then
		bad "$backend: $1: $3 has $left s left in $2, more than $4"
	else
		ok
	fi
}

# empty WHAT SET: SET has no members.
empty() {
	if [ -z "$(members "$2")" ]; then ok; else bad "$backend: $1: $2 is not empty"; members "$2" | indent; fi
}

restarts() { [ -e "$tmp/restarts" ] && wc -l <"$tmp/restarts" || echo 0; }

for backend in nft iptables; do
	rm -f "$tmp/restarts"
	in_ns nft flush ruleset
	if [ "$backend" = nft ]; then
		dyn=dyn_builders dyn10=dyn_builders wild=$wild1
	else
		dyn=egressc_dyn_builders_30m dyn10=egressc_dyn_builders_10m wild=$wild1_ipset
	fi

	eapply "$tmp/v1"
	exit_is "$backend: apply v1" 0
	expect "$backend: apply v1 restarted dnsmasq" [ "$(restarts)" = 1 ]
	# What the CI platform and dnsmasq add: one with less time left
	# than the set's timeout.
	if [ "$backend" = nft ]; then
		in_ns nft add element inet egressc dyn_builders_v4 '{ 203.0.113.9 timeout 30m, 198.51.100.128/25 timeout 5m }'
		in_ns nft add element inet egressc "${wild}_v4" '{ 203.0.113.77 }'
	else
		in_ns ipset add "${dyn}_v4" 203.0.113.9
		in_ns ipset add "${dyn}_v4" 198.51.100.128/25 timeout 300
		in_ns ipset add "${wild}_v4" 203.0.113.77
	fi
	has "before re-applying" "$dyn" 203.0.113.9

	eapply "$tmp/v1"
	exit_is "$backend: apply v1 again" 0
	has "the same policy again keeps a dynamic member" "$dyn" 203.0.113.9 1800
	has "the same policy again keeps its time left" "$dyn" 198.51.100.128/25 300
	has "the same policy again keeps a wildcard's member" "$wild" 203.0.113.77
	expect "$backend: the same fragment again: no restart" [ "$(restarts)" = 1 ]

	eapply "$tmp/v2"
	exit_is "$backend: apply v2" 0
	has "a changed policy keeps a dynamic member" "$dyn" 203.0.113.9 1800
	empty "a changed wildcard's set starts empty" \
		"$([ "$backend" = nft ] && echo "$wild2" || sed -n 's/^create \(egressc_allow_[^ ]*\)_v4 .*/\1/p' "$tmp/v2/ipsets")"
	empty "a new dynamic set starts empty" "$([ "$backend" = nft ] && echo dyn_caches || echo egressc_dyn_caches_1h)"
	expect "$backend: a changed fragment: dnsmasq restarted" [ "$(restarts)" = 2 ]

	eapply "$tmp/v3"
	exit_is "$backend: apply v3" 0
	if [ "$backend" = nft ]; then
		has "a shorter timeout: the member kept" dyn_builders 203.0.113.9 600
	else
		empty "a shorter timeout is another ipset" "$dyn10"
	fi

	# Recording's table is what the kernel saw, not a run-time source's:
	# a reload starts it empty, and its members (an address . protocol .
	# port, with counters) never stop the apply.
	eapply "$tmp/v4"
	exit_is "$backend: apply v4, recording" 0
	if [ "$backend" = nft ]; then
		in_ns nft add element inet egressc record_v4 '{ 198.51.100.7 . udp . 53 }'
		recorded() { in_ns nft list set inet egressc record_v4 | grep -c '198\.51\.100\.7 \. udp \. 53'; }
	else
		in_ns ipset add egressc_record_1000_v4 198.51.100.7,udp:53
		in_ns ipset add "${dyn10}_v4" 203.0.113.9
		recorded() { in_ns ipset list egressc_record_1000_v4 | grep -c '^198\.51\.100\.7,udp:53 '; }
	fi
	expect "$backend: a destination recorded" [ "$(recorded)" = 1 ]
	eapply "$tmp/v4"
	exit_is "$backend: apply v4 again, with a destination recorded" 0
	expect "$backend: the reload starts the record table empty" [ "$(recorded)" = 0 ]
	has "recording beside: the dynamic member kept" "$dyn10" 203.0.113.9 600

	eapply --remove
	exit_is "$backend: --remove" 0
done
testlib_finish
