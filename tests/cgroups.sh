#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroups.sh EGRESSC - rules for cgroups, with real traffic: the same
# destination is reached by a process in one cgroup v2 (or in one below
# it) and refused to a process in a sibling cgroup and to one in the root;
# a deny for a cgroup blocks it and those below it only; a container's
# forwarded traffic meets only the rules for everyone. With nft (its
# socket cgroupv2 match, in egress_local), then iptables (its cgroup
# match, in EGRESSC-LOCAL). The client runs in a mount namespace of its
# own with cgroup2 at /sys/fs/cgroup (tests/cgroup2.sh), where the ruleset
# loads and each probe moves itself into its cgroup; the cgroups, named
# with this run's pid, are removed after, on failure too.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"
# shellcheck source-path=SCRIPTDIR source=cgroup2.sh
. "$here/cgroup2.sh"

EGRESSC=${1:?usage: tests/cgroups.sh EGRESSC}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
testlib_init cgroups

top=egc-$$
cat >"$tmp/policy.eg" <<POLICY
essentials off
default deny
allow 192.0.2.2 port 7001 cgroup "$top/allowed"
deny 192.0.2.2 port 7002 cgroup "$top/denied"
allow 192.0.2.2 port 7002
POLICY

# cgroup ("/": the root) port expect.
cases=(
	"$top/allowed 7001 allow"
	"$top/allowed/child 7001 allow"
	"$top/sibling 7001 deny"
	"$top/allowedx 7001 deny"	# a name that starts alike is a sibling
	"$top 7001 deny"		# the parent
	"/ 7001 deny"
	"$top/denied 7002 deny"
	"$top/denied/child 7002 deny"
	"$top/sibling 7002 allow"
	"/ 7002 allow"
)
# The container's forwarded packets: no socket, no cgroup.
container_cases=("7001 deny" "7002 allow")
paths="$top/allowed/child
$top/denied/child
$top/sibling
$top/allowedx"

verdict_of() { [ "$1" = connected ] && echo allow || echo deny; }

# Run in the client's mount namespace: load the backend's files from DIR,
# then a probe per case, each moved into its cgroup first.
cat >"$tmp/inner.sh" <<'INNER'
backend=$1 dir=$2 probe=$3 timeout=$4
shift 4
if [ "$backend" = nft ]; then
	nft -f "$dir/ruleset.nft" || exit 1
else
	{ [ ! -s "$dir/ipsets" ] || ipset restore -exist <"$dir/ipsets"; } &&
	iptables-restore "$dir/rules.v4" && ip6tables-restore "$dir/rules.v6" || exit 1
fi
for c; do
	set -- $c
	cg=${1#/}
	got=$(sh -c 'echo $$ >"/sys/fs/cgroup/$1/cgroup.procs" && exec "$2" tcp 192.0.2.2 "$3" "$4"' \
		sh "$cg" "$probe" "$2" "$timeout" 2>&1 | tr '\n' ' ')
	echo "$1 $2 ${got% }"
done
INNER

# Ours in place of testlib's; netns_setup puts its own ahead of it.
cleanup() { netns_cleanup; cgroup2_remove "$top"; testlib_cleanup; }
trap cleanup EXIT

if ! "$EGRESSC" --verify -O "$tmp/out" "$tmp/policy.eg" >"$tmp/log" 2>&1; then
	bad "the policy does not compile"
	indent <"$tmp/log"
	testlib_finish
	exit
fi
netns_setup && netns_add_container && netns_serve 7001,7002 ||
	{ bad "namespace setup failed"; testlib_finish; exit; }

cgroup2_wrap "$(cgroup2_paths "$tmp/policy.eg")
$paths"
for backend in nft iptables; do
	if ! netns_fresh_client >"$tmp/log" 2>&1; then
		bad "$backend: cannot renew the client"
		indent <"$tmp/log"
		continue
	fi
	ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" bash "$tmp/inner.sh" "$backend" "$tmp/out" \
		"$PROBE" "$TCP_TIMEOUT_MS" "${cases[@]}" >"$tmp/got" 2>"$tmp/log"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$backend: load or probes failed ($rc)"
		indent <"$tmp/log"
		continue
	fi
	for c in "${cases[@]}"; do
		read -r cg port want <<<"$c"
		got=$(awk -v cg="$cg" -v port="$port" '$1 == cg && $2 == port { print $3 }' "$tmp/got")
		expect "$backend: a process in cgroup $cg to port $port: $want (got ${got:-nothing})" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
	for c in "${container_cases[@]}"; do
		read -r port want <<<"$c"
		got=$(ip netns exec "$NS_CONTAINER" "$PROBE" tcp 192.0.2.2 "$port" "$TCP_TIMEOUT_MS" 2>&1)
		expect "$backend: the container to port $port: $want (got $got)" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
done

# Monitor mode: both connect, and the report says which rule would have
# blocked each - the deny for the cgroup, and the default for a sibling
# the allow for a cgroup does not cover - though recording keeps no
# cgroup.
sed 's/^default deny$/default deny\nmode monitor/' "$tmp/policy.eg" >"$tmp/monitor.eg"
monitor_cases=("$top/denied 7002 allow" "$top/sibling 7001 allow")
for backend in nft iptables; do
	if ! "$EGRESSC" -O "$tmp/monitor" "$tmp/monitor.eg" >"$tmp/log" 2>&1 ||
	   ! netns_fresh_client >"$tmp/log" 2>&1 ||
	   ! ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" bash "$tmp/inner.sh" "$backend" \
		"$tmp/monitor" "$PROBE" "$TCP_TIMEOUT_MS" "${monitor_cases[@]}" >"$tmp/got" 2>"$tmp/log"; then
		bad "$backend: monitor: load or probes failed"
		indent <"$tmp/log"
		continue
	fi
	for c in "${monitor_cases[@]}"; do
		read -r cg port want <<<"$c"
		got=$(awk -v cg="$cg" -v port="$port" '$1 == cg && $2 == port { print $3 }' "$tmp/got")
		expect "$backend: monitor: a process in cgroup $cg to port $port connects (got ${got:-nothing})" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
	ip netns exec "$NS_CLIENT" "$EGRESSC" report --backend "$backend" --dns-log /dev/null \
		--format json "$tmp/monitor.eg" >"$tmp/report.json" 2>"$tmp/log"
	got=$(/usr/bin/python3 -c '
import json, sys
for d in json.load(open(sys.argv[1]))["destinations"]:
    if d["address"] == "192.0.2.2":
        print(d["port"], d["verdict"], d["decided_by"])' "$tmp/report.json" 2>&1 | sort)
	expect "$backend: monitor: the report names the cgroup's deny for 7002 (got $got)" \
		grep -q '^7002 would-block .*deny_1' <<<"$got"
	expect "$backend: monitor: the report names the default for 7001 (got $got)" \
		grep -q '^7001 would-block .*default' <<<"$got"
done

# apply with a cgroup this machine does not have: refused before anything
# changes, naming the cgroup (nft would say only "cgroupv2 path fails",
# iptables "Invalid argument"); the policy that was loaded stays.
sed 's|cgroup "'"$top"'/denied"|cgroup "'"$top"'/missing"|' "$tmp/policy.eg" >"$tmp/missing.eg"
cgroup2_wrap "$top/allowed"
for backend in nft iptables; do
	: >"$tmp/hosts"
	netns_fresh_client >/dev/null 2>&1
	ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" "$EGRESSC" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" --dnsmasq-restart true \
		"$tmp/missing.eg" >"$tmp/log" 2>&1
	rc=$?
	expect "$backend: apply refuses a missing cgroup (exit $rc)" [ $rc -ne 0 ]
	expect "$backend: apply names the missing cgroup" \
		grep -q "cgroup '$top/missing' does not exist here" "$tmp/log"
	loaded=$(ip netns exec "$NS_CLIENT" sh -c 'nft list tables; iptables-save' 2>&1 |
		 grep -c 'egressc$\|EGRESSC')
	expect "$backend: nothing was loaded (egressc lines: $loaded)" [ "$loaded" = 0 ]
	expect "$backend: the hosts file is untouched" [ ! -s "$tmp/hosts" ]
done

# Nothing of ours is left in the v2 hierarchy.
left=$(unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && ls -d /sys/fs/cgroup/'"$top"'* 2>/dev/null')
expect "the cgroups are removed (left: ${left:-none})" [ -z "$left" ]
testlib_finish
