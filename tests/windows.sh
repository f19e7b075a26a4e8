#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# windows.sh EGRESSC - rules with 'during', with real traffic: a policy
# compiled relative to the current time holds one destination's window
# open around now and another's closed (it opens in ten minutes), with
# nft, then with iptables. A window that holds now also proves its deny.
# Windows are whole minutes, so a run that crosses one of their edges
# could see the other answer: the windows keep five minutes from now.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

EGRESSC=${1:?usage: tests/windows.sh EGRESSC}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
testlib_init windows

# "Mon 23:55-00:05": the window from OFFSET minutes from now, LEN long,
# as a policy writes it (UTC; past midnight, it ends the next day).
window() # offset len
{
	local start end day
	start=$(date -u -d "@$(( $(date -u +%s) / 60 * 60 + $1 * 60 ))" +%s)
	end=$((start + $2 * 60))
	day=$(date -u -d "@$start" +%a)
	echo "$day $(date -u -d "@$start" +%H:%M)-$(date -u -d "@$end" +%H:%M)"
}

open=$(window -5 10)
closed=$(window 10 10)
cat >"$tmp/policy.eg" <<POLICY
essentials off
default deny
allow 192.0.2.2 port 7001 during "$open"
allow 192.0.2.2 port 7002 during "$closed"
allow 192.0.2.2 port 7003
deny 192.0.2.2 port 7003 during "$open"
allow 192.0.2.2 port 7004
deny 192.0.2.2 port 7004 during "$closed"
POLICY
# port expect
cases=("7001 allow" "7002 deny" "7003 deny" "7004 allow")

verdict_of() { [ "$1" = connected ] && echo allow || echo deny; }

if ! "$EGRESSC" --verify -O "$tmp/out" "$tmp/policy.eg" >"$tmp/log" 2>&1; then
	bad "the policy does not compile"
	indent <"$tmp/log"
	testlib_finish
	exit
fi
netns_setup && netns_serve 7001,7002,7003,7004 || { bad "namespace setup failed"; testlib_finish; exit; }

for backend in nft iptables; do
	if ! netns_fresh_client >"$tmp/log" 2>&1 || ! "load_$backend" "$tmp/out" >"$tmp/log" 2>&1; then
		bad "$backend: load failed"
		indent <"$tmp/log"
		continue
	fi
	for c in "${cases[@]}"; do
		read -r port want <<<"$c"
		got=$(probe 192.0.2.2 "$port")
		expect "$backend: port $port, open \"$open\", closed \"$closed\": $want (got $got)" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
done
netns_cleanup
testlib_finish
