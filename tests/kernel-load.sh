#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel load test: every golden .nft loads with 'nft -f' (twice: a reload
# replaces the table), every .v4 with iptables-restore and every .v6 with
# ip6tables-restore - after the case's .ipset, if it has one, loaded twice
# with 'ipset restore -exist' - each inside a network namespace of its own
# making. dnsmasq --test accepts every .dnsmasq and .dnsmasq-ipset.
#
#   tests/kernel-load.sh EGRESSC
# Also: 'egressc --check' (libnftables' dry run) accepts every golden policy
# that compiles.
#@check full
set -u
egressc=${1:?usage: tests/kernel-load.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/cgroup2.sh
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
	cgroup2_wrap "$(cgroup2_paths "$f")"
	check "nft -f $f" "${CGROUP2_WRAP[@]}" nft -f "$f"
	check "nft -f $f (reload)" "${CGROUP2_WRAP[@]}" nft -f "$f"
	tables=$(ip netns exec "$ns" nft list tables)
	expect "$f: tables after load: $tables" [ "$tables" = "$expected_tables" ]
	ip netns exec "$ns" nft flush ruleset
done
for f in golden/*.v4; do
	sets=${f%.v4}.ipset
	if [ -f "$sets" ]; then
		check "ipset restore $sets" ipset restore -exist -file "$sets"
		check "ipset restore $sets (reload)" ipset restore -exist -file "$sets"
	fi
	cgroup2_wrap "$(cgroup2_paths "$f")"
	check "iptables-restore $f" "${CGROUP2_WRAP[@]}" iptables-restore "$f"
	cgroup2_wrap "$(cgroup2_paths "${f%.v4}.v6" 2>/dev/null)"
	[ -f "${f%.v4}.v6" ] && check "ip6tables-restore ${f%.v4}.v6" \
		"${CGROUP2_WRAP[@]}" ip6tables-restore "${f%.v4}.v6"
	# Empty the tables first: a set still referenced cannot be destroyed.
	ip netns exec "$ns" iptables-restore <<<$'*filter\nCOMMIT'
	ip netns exec "$ns" ip6tables-restore <<<$'*filter\nCOMMIT'
	ip netns exec "$ns" ipset destroy
done
for f in golden/*.v6; do
	[ -f "${f%.v6}.v4" ] && continue
	cgroup2_wrap "$(cgroup2_paths "$f")"
	check "ip6tables-restore $f" "${CGROUP2_WRAP[@]}" ip6tables-restore "$f"
done
ip netns exec "$ns" nft flush ruleset

for f in golden/*.dnsmasq golden/*.dnsmasq-ipset; do
	if out=$(dnsmasq --test --conf-file="$f" 2>&1); then
		ok
	else
		bad "dnsmasq --test $f"
		echo "$out" | head -5
	fi
done

for f in golden/*.eg; do
	[ -f "${f%.eg}.err" ] && continue
	hosts=golden/hostsdb
	case $f in
	golden/stdlib-* | golden/essentials*) hosts=tests/stdlib.hosts ;;
	esac
	[ -f "${f%.eg}.hostsdb" ] && hosts=${f%.eg}.hostsdb
	# Its dry run resolves cgroups as a load would.
	cgroup2_wrap "$(cgroup2_paths "$f")"
	[ ${#CGROUP2_WRAP[@]} -eq 0 ] || CGROUP2_WRAP=(ip netns exec "$ns" "${CGROUP2_WRAP[@]}")
	if out=$("${CGROUP2_WRAP[@]}" "$egressc" --check --hosts-file "$hosts" "$f" 2>&1); then
		ok
	else
		bad "egressc --check $f"
		echo "$out" | head -20
	fi
done

testlib_finish
