#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# sources.sh EGRESSC - rules with 'from', with real traffic: a container
# behind a bridge in the client (tests/netns.sh: 198.51.100.0/31, its
# traffic forwarded and masqueraded) reaches one destination the client
# itself may not, and is refused one the client reaches; a rule for
# another source network does not match it; with nft, then iptables.
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
netns_cleanup
testlib_finish
