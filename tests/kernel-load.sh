#!/bin/bash
# Kernel load test: every golden .nft loads with 'nft -f' (twice: a reload
# replaces the table), every .v4 with iptables-restore and every .v6 with
# ip6tables-restore, each inside a network namespace of its own making.
#
#   tests/kernel-load.sh EGRESSC
# Also: 'egressc --check' (libnftables' dry run) accepts every golden policy
# that compiles.
set -u
egressc=${1:?usage: tests/kernel-load.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init kernel-load netns

check() {
	local what=$1
	shift
	if out=$(ip netns exec "$ns" "$@" 2>&1); then
		ok
	else
		bad "$what"
		echo "$out" | head -20
	fi
}

expected_tables='table ip bystander
table inet egressc'
for f in golden/*.nft; do
	# Someone else's table must survive our loads and reloads.
	ip netns exec "$ns" nft add table ip bystander
	check "nft -f $f" nft -f "$f"
	check "nft -f $f (reload)" nft -f "$f"
	tables=$(ip netns exec "$ns" nft list tables)
	expect "$f: tables after load: $tables" [ "$tables" = "$expected_tables" ]
	ip netns exec "$ns" nft flush ruleset
done
for f in golden/*.v4; do
	check "iptables-restore $f" iptables-restore "$f"
done
for f in golden/*.v6; do
	check "ip6tables-restore $f" ip6tables-restore "$f"
done
ip netns exec "$ns" nft flush ruleset

for f in golden/*.eg; do
	[ -f "${f%.eg}.err" ] && continue
	hosts=golden/hostsdb
	[ -f "${f%.eg}.hostsdb" ] && hosts=${f%.eg}.hostsdb
	if out=$("$egressc" --check --hosts-file "$hosts" "$f" 2>&1); then
		ok
	else
		bad "egressc --check $f"
		echo "$out" | head -20
	fi
done

testlib_finish
