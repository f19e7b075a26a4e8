#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Real provider lists (the cloud-range snapshots in ../shared/data, copied
# into the scratch directory: the project does not depend on them): every
# AWS, GitHub, Google, Azure and Cloudflare prefix in one allow rule must
# merge to the minimal counts every mature aggregator agrees on, and the
# result must load into the kernel.
#
#   tests/lists.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/lists.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init lists netns

data=../shared/data/cloud-ranges
if [ ! -d "$data" ]; then
	echo "lists: $data is not here; skipping the real-data checks"
	testlib_finish
	exit
fi
cp "$data"/* "$tmp"/
# The prefixes as a list: quoted CIDRs out of the JSON files, and the
# Cloudflare text files as they are.
{
	grep -ohE '"[0-9]{1,3}(\.[0-9]{1,3}){3}/[0-9]{1,2}"|"[0-9a-fA-F:]*:[0-9a-fA-F:]*/[0-9]{1,3}"' \
		"$tmp"/*.json | tr -d '"'
	awk 1 "$tmp"/cloudflare-v4-ip-ranges.txt "$tmp"/cloudflare-v6-ip-ranges.txt
} >"$tmp/all.txt"
expect "110,600 entries extracted" [ "$(wc -l <"$tmp/all.txt")" -eq 110600 ]

printf 'essentials off\nallow file "all.txt" port 443\n' >"$tmp/all.eg"
run --verify -o "$tmp/all.nft" "$tmp/all.eg"
expect "the whole cloud compiles and verifies" [ $rc -eq 0 ]
set_size() { awk -v set="$1" '$0 ~ "set " set " {" { on = 1 } on && /^\t\t\t/ { n++ }
	on && /^\t}/ { on = 0 } END { print n + 0 }' "$tmp/all.nft"; }
expect "3,800 IPv4 prefixes" [ "$(set_size allow_tcp_443_v4)" -eq 3800 ]
expect "2,860 IPv6 prefixes" [ "$(set_size allow_tcp_443_v6)" -eq 2860 ]
expect "the kernel loads it" ip netns exec "$ns" nft -f "$tmp/all.nft"

# GitHub Actions alone, as a user would write it.
grep -oE '"actions":\[[^]]*\]' "$tmp/github-ip-ranges.json" | head -1 | grep -oE '[0-9a-f.:]+/[0-9]+' \
	>"$tmp/actions.txt"
expect "5,314 Actions ranges" [ "$(wc -l <"$tmp/actions.txt")" -eq 5314 ]
printf 'essentials off\nallow file "actions.txt" port 443\n' >"$tmp/actions.eg"
run --verify -O "$tmp/out" "$tmp/actions.eg"
expect "Actions ranges compile and verify" [ $rc -eq 0 ]
# The ipsets first: the rules match the class's static set.
load_actions_iptables() {
	ip netns exec "$ns" ipset restore -exist <"$tmp/out/ipsets" &&
		ip netns exec "$ns" iptables-restore "$tmp/out/rules.v4" &&
		ip netns exec "$ns" ip6tables-restore "$tmp/out/rules.v6"
}
expect "Actions ranges load into iptables" load_actions_iptables
actions_set=$(sed -n 's/^create \(egressc_allow_tcp_[^ ]*_v4\) .*/\1/p' "$tmp/out/ipsets")
in_kernel=$(ip netns exec "$ns" ipset list "${actions_set:-none}" 2>/dev/null |
	sed -n 's/^Number of entries: //p')
in_file=$(grep -c "^add ${actions_set:-none} " "$tmp/out/ipsets")
all_in_kernel() { [ "${in_kernel:-0}" -gt 0 ] && [ "$in_kernel" = "$in_file" ]; }
expect "Actions ranges: the IPv4 set holds every prefix the file adds ($in_kernel of $in_file)" \
	all_in_kernel

testlib_finish
