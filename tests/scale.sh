#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A policy at scale, as a correctness case: 100,000 rules, one address each
# on 65,535 distinct ports (a class a port, as a policy generated from
# monitor mode's findings has). It compiles to every output with --verify,
# which reads each ruleset back (the ipsets with the iptables rules) and
# proves it against the policy; every class is in the nft (in the shared
# allow lookup) and iptables outputs; and query answers a sample of packets as the rules say. Not
# timed: bench/growth.sh measures what it costs.
#
#   tests/scale.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/scale.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init scale

rules=100000
ports=65535
# Rule i: 10.X.Y.Z (the i-th address of 10.0.0.0/8) on port 1 + i % 65535,
# so that ports 1-34465 have two rules each, the rest one.
awk -v n="$rules" -v p="$ports" 'BEGIN {
	print "essentials off"; print "default deny"
	for (i = 0; i < n; i++)
		printf "allow 10.%d.%d.%d port %d\n", int(i / 65536), int(i / 256) % 256, i % 256, 1 + i % p
}' >"$tmp/scale.eg"

if "$egressc" --verify -O "$tmp/out" "$tmp/scale.eg" 2>"$tmp/stderr"; then
	ok
else
	bad "100,000 rules: the compile with --verify fails"
	head -n 20 "$tmp/stderr" | indent
fi
expect "100,000 rules: nothing said" [ ! -s "$tmp/stderr" ]
# A class a port: in nft, its elements (one a rule: the two addresses of
# a port are apart) in the shared allow lookup, which has one rule and
# leaves no class one of its own; its RETURN in iptables.
expect "nft: the shared lookup has each rule's address and port" \
	[ "$(grep -c '^			10\.[0-9.]* \. tcp \. [0-9]*,\?$' "$tmp/out/ruleset.nft")" = $rules ]
expect "nft: one rule for all the classes" \
	[ "$(grep -c '^		ip daddr . meta l4proto . th dport @allow_v4 accept$' "$tmp/out/ruleset.nft")" = 1 ]
expect "nft: no class has a rule of its own" \
	[ "$(grep -c '^		ip daddr @allow_tcp_' "$tmp/out/ruleset.nft")" = 0 ]
expect "iptables: a rule a port" \
	[ "$(grep -c -- '-p tcp -m tcp --dport [0-9]* -j RETURN$' "$tmp/out/rules.v4")" = $ports ]
# Two addresses a port up to 34465, apart (10.0.0.0 and 10.1.0.0 ...): an
# ipset each, of two prefixes.
expect "ipsets: one a port with two rules" \
	[ "$(grep -c '^create egressc_allow_tcp_.* maxelem 2$' "$tmp/out/ipsets")" = $((rules - ports)) ]

# Rules 0 and 65535 share port 1; rule 99999 is the last. Each rule's
# packet is allowed; at the next port, or one address on, denied (no rule
# of that port has it); so is what no rule names.
awk -v p="$ports" '
	function addr(i) { return sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256) }
	BEGIN {
		split("0 65535 34464 34465 99999", pick, " ")
		for (k = 1; k <= 5; k++) {
			i = pick[k]
			print addr(i), 1 + i % p, "allow"
			print addr(i), 1 + (i + 1) % p, "deny"
			print addr(i + 1), 1 + i % p, "deny"
		}
		print "10.2.0.0 1 deny"
	}' >"$tmp/probes"
cut -d' ' -f1,2 "$tmp/probes" | "$egressc" query "$tmp/scale.eg" - | awk '{ print $1 }' >"$tmp/answers"
expect "query answers as the rules say" \
	diff -u <(cut -d' ' -f3 "$tmp/probes") "$tmp/answers"

testlib_finish
