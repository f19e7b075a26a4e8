#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The optimizer changes sets, never verdicts: random policies compiled with
# -O0 and -O1 must both pass --verify, which reads each nft and iptables
# output back and compares what it accepts, for every protocol and port
# interval, with what the policy's rules accept; so the two accept exactly
# the same packets. -O1 must also never need more prefixes than -O0. The
# second half of the policies have rules for users and groups and rules
# that hold during windows, which cover others only for their own senders
# and times.
#
#   tests/optimize.sh EGRESSC [COUNT [SEED]]
#@check fast 100
set -u
egressc=${1:?usage: tests/optimize.sh EGRESSC [COUNT [SEED]]}
count=${2:-200}
RANDOM=${3:-4242}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init optimize

. tests/randpolicy.sh

elements() {
	grep -c '^			[0-9a-f]' "$1"
}

# shellcheck disable=SC2034 # for rand_policy
RP_OPEN="Mon-Fri 01:00-03:00" RP_CLOSED="Sat 22:00-02:00 UTC+02:00"
for i in $(seq "$count"); do
	# shellcheck disable=SC2034 # for rand_policy
	[ "$i" -gt $((count / 2)) ] && RP_SENDERS=1
	rand_policy >"$tmp/p.eg"
	"$egressc" -O0 --verify -o "$tmp/o0.nft" "$tmp/p.eg" 2>"$tmp/err0"
	rc0=$?
	"$egressc" -O1 --verify -o "$tmp/o1.nft" "$tmp/p.eg" 2>"$tmp/err1"
	rc1=$?
	if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then
		bad "policy $i: -O0 exit $rc0, -O1 exit $rc1"
		cat "$tmp/p.eg" "$tmp/err0" "$tmp/err1"
		continue
	fi
	if [ "$(elements "$tmp/o1.nft")" -gt "$(elements "$tmp/o0.nft")" ]; then
		bad "policy $i: -O1 needs more prefixes than -O0"
		cat "$tmp/p.eg"
		continue
	fi
	ok
done

testlib_finish
