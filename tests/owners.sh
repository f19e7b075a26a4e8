#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# owners.sh EGRESSC - rules for users and groups, with real traffic: the
# same destination is reached by a socket of one uid (or primary gid) and
# refused to another's, each run under setpriv in the client namespace,
# and a container's forwarded traffic meets only the rules for everyone;
# with nft, then with iptables (whose owner rules live in EGRESSC-LOCAL).
# Users and groups are Debian's own (nobody, daemon), by name and number.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

EGRESSC=${1:?usage: tests/owners.sh EGRESSC}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
testlib_init owners

cat >"$tmp/policy.eg" <<'POLICY'
essentials off
default deny
allow 192.0.2.2 port 7001 user nobody           # only nobody
deny 192.0.2.2 port 7002 user 65534             # everyone but nobody (by number)
allow 192.0.2.2 port 7002
allow 192.0.2.2 port 7003 group daemon          # primary group daemon only
allow 192.0.2.2 port 7004 user daemon group 65534
POLICY

# uid gid [supplementary groups] port expect: a socket of that owner.
cases=(
	"65534 65534 - 7001 allow"
	"1 1 - 7001 deny"
	"0 0 - 7001 deny"
	"65534 65534 - 7002 deny"
	"1 1 - 7002 allow"
	"0 0 - 7002 allow"
	"1 1 - 7003 allow"
	"1 65534 - 7003 deny"		# daemon, primary group nogroup
	"65534 65534 1 7003 deny"	# member of daemon, not its primary group
	"1 65534 - 7004 allow"
	"1 1 - 7004 deny"
)
# The container's forwarded packets: no socket, no owner.
container_cases=("7001 deny" "7002 allow" "7003 deny")

# A connect as UID/GID (and supplementary GROUPS, '-' for none).
probe_as() # uid gid groups port
{
	local groups=(--clear-groups)
	[ "$3" = - ] || groups=(--groups "$3")
	ip netns exec "$NS_CLIENT" setpriv --reuid "$1" --regid "$2" "${groups[@]}" \
		"$PROBE" tcp 192.0.2.2 "$4" "$TCP_TIMEOUT_MS" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

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
		read -r uid gid groups port want <<<"$c"
		got=$(probe_as "$uid" "$gid" "$groups" "$port")
		expect "$backend: uid $uid gid $gid groups $groups to port $port: $want (got $got)" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
	for c in "${container_cases[@]}"; do
		read -r port want <<<"$c"
		got=$(ip netns exec "$NS_CONTAINER" "$PROBE" tcp 192.0.2.2 "$port" "$TCP_TIMEOUT_MS" 2>&1)
		expect "$backend: the container to port $port: $want (got $got)" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
done

# Monitor mode: the report says which rule would have blocked a sender's
# connection, though recording does not keep the sender - here the deny
# for everyone but nobody, on a port the rules for everyone allow.
sed 's/^default deny$/default deny\nmode monitor/' "$tmp/policy.eg" >"$tmp/monitor.eg"
for backend in nft iptables; do
	if ! "$EGRESSC" -O "$tmp/monitor" "$tmp/monitor.eg" >"$tmp/log" 2>&1 ||
	   ! netns_fresh_client >"$tmp/log" 2>&1 || ! "load_$backend" "$tmp/monitor" >"$tmp/log" 2>&1; then
		bad "$backend: monitor: load failed"
		indent <"$tmp/log"
		continue
	fi
	got=$(probe_as 65534 65534 - 7002)
	expect "$backend: monitor: nobody connects to 7002 (got $got)" [ "$got" = connected ]
	ip netns exec "$NS_CLIENT" "$EGRESSC" report --backend "$backend" --dns-log /dev/null \
		--format json "$tmp/monitor.eg" >"$tmp/report.json" 2>"$tmp/log"
	got=$(/usr/bin/python3 -c '
import json, sys
for d in json.load(open(sys.argv[1]))["destinations"]:
    if d["address"] == "192.0.2.2" and d["port"] == 7002:
        print(d["verdict"], d["decided_by"])' "$tmp/report.json" 2>&1)
	expect "$backend: monitor: the report names the rule for the others (got $got)" \
		grep -q '^would-block .*deny_1' <<<"$got"
done
netns_cleanup
testlib_finish
