#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# report --suggest --wildcards N never suggests a wildcard over a public
# suffix: connections to N sites below co.uk (anyone may register one)
# must not become 'allow *.co.uk'; below a private domain they become its
# wildcard. What the kernel recorded is put in the record set by hand, in
# a namespace of the test's own, and the names come from a dnsmasq log
# written here.
#
#   tests/suggest.sh EGRESSC            (as root)
#@check full
set -u
egressc=${1:?usage: tests/suggest.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init suggest netns
trap testlib_cleanup EXIT

cat >"$tmp/policy.eg" <<'EOF2'
essentials off
mode monitor
record all limit 1000
allow 198.51.100.0/24 port 443
EOF2
if ! "$egressc" -O "$tmp/out" "$tmp/policy.eg" >"$tmp/log" 2>&1 || ! in_ns nft -f "$tmp/out/ruleset.nft" >>"$tmp/log" 2>&1; then
	bad "the policy does not load"
	indent <"$tmp/log"
	testlib_finish
	exit
fi
log() { echo "Dec  5 07:00:0$1 dnsmasq[9]: $1 127.0.0.1/400$1 reply $2 is $3"; }
{
	log 1 a.co.uk 203.0.113.1
	log 2 b.co.uk 203.0.113.2
	log 3 x.build.test 203.0.113.3
	log 4 y.build.test 203.0.113.4
} >"$tmp/dns.log"
for a in 1 2 3 4; do
	in_ns nft add element inet egressc record_v4 "{ 203.0.113.$a . tcp . 443 counter packets 1 bytes 60 }"
done
in_ns "$egressc" report --suggest --wildcards 2 --dns-log "$tmp/dns.log" "$tmp/policy.eg" \
	>"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
exit_is "report --suggest --wildcards 2" 0 "$tmp/stderr"
expect "a private domain's names: its wildcard" grep -qx 'allow \*.build.test port 443 proto tcp' "$tmp/stdout"
expect "no wildcard over a public suffix" bash -c "! grep -q '\*\.co\.uk' '$tmp/stdout'"
expect "its names one by one" grep -qx 'allow a.co.uk port 443 proto tcp' "$tmp/stdout"
[ "$fail" -eq 0 ] || indent <"$tmp/stdout"
testlib_finish
