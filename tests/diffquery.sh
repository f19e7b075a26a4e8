#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# diff against query on random pairs of policies (tests/randpolicy.sh)
# whose settings differ too (mode, log, essentials, default, on-deny,
# resolver): each setting that differs is a line, '!' exactly for a
# switch to monitor mode or default allow; the address lines are empty
# exactly when query answers every probe the same, and name a packet
# whose verdict differs. tests/difftest.sh checks the same on the
# policies it loads into the kernel; this runs many more, without one.
#
#   tests/diffquery.sh EGRESSC [PAIRS [PROBES [SEED]]]
#@check fast
set -u
egressc=${1:?usage: tests/diffquery.sh EGRESSC [PAIRS [PROBES [SEED]]]}
pairs=${2:-12}
nprobes=${3:-40}
seed=${4:-$$}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/randpolicy.sh
. tests/diffpair.sh
testlib_init diffquery
RANDOM=$seed

for n in $(seq "$pairs"); do
	rand_policy >"$tmp/p.eg"
	resolver_shown
	res_p=$REPLY
	rand_settings "$tmp/p.eg"
	rand_policy >"$tmp/q.eg"
	resolver_shown
	res_q=$REPLY
	rand_settings "$tmp/q.eg"
	: >"$tmp/queries"
	for _ in $(seq "$nprobes"); do
		rand_addr
		proto=tcp
		[ $((RANDOM % 3)) -eq 0 ] && proto=udp
		echo "$REPLY ${probe_ports[RANDOM % ${#probe_ports[@]}]}/$proto" >>"$tmp/queries"
	done
	diff_pair_check "seed $seed pair $n" "$tmp/p.eg" "$tmp/q.eg" "$tmp/queries" "$res_p" "$res_q"
	if [ "$fail" -gt 0 ]; then
		echo "    replay: tests/diffquery.sh EGRESSC $pairs $nprobes $seed"
		sed 's/^/    old | /' "$tmp/p.eg"
		sed 's/^/    new | /' "$tmp/q.eg"
		break
	fi
	# A policy against itself reordered (settings included): no change.
	sort -R --random-source=<(yes "$seed$n") "$tmp/q.eg" >"$tmp/same.eg"
	if "$egressc" diff --hosts-file="$DIFFPAIR_HOSTS" "$tmp/q.eg" "$tmp/same.eg" >"$tmp/diff" 2>&1; then
		ok
	else
		bad "seed $seed pair $n: diff of a reordering is not empty"
		indent <"$tmp/diff" | head -5
	fi
done

testlib_finish
