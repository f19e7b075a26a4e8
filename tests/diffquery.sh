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

# Query's answers to the probes in QUERIES for POLICY, as every sender
# (none, users as tests/randpolicy.sh names them, forwarded sources) at
# every time (none, inside RP_OPEN, inside RP_CLOSED): one line each.
answers_as_everyone() { # POLICY QUERIES
	local who at
	for who in "" "--user root --group root" "--user nobody --group nogroup" \
		"--user dnsmasq --group nogroup" "--from 198.51.100.0" "--from 198.51.100.9" \
		"--from 2001:db8:ec::2"; do
		for at in "" "Mon 02:00" "Sat 21:00"; do
			# shellcheck disable=SC2086 # WHO is words
			"$egressc" query --hosts-file="$DIFFPAIR_HOSTS" $who ${at:+--at "$at"} "$1" - \
				<"$2" 2>&1 | awk -v c="$who|$at" '{ print c, $1 }'
		done
	done
}

# shellcheck disable=SC2034 # for rand_policy
RP_SENDERS=1 RP_OPEN="Mon-Fri 01:00-03:00" RP_CLOSED="Sat 22:00-02:00 UTC+02:00"
for n in $(seq "$pairs"); do
	rand_policy >"$tmp/p.eg"
	targets=()
	for t in "${RP_TARGETS[@]}"; do
		[ "${t#*/}" -ge 16 ] && targets+=("$t")
	done
	rand_policy >"$tmp/q.eg"
	: >"$tmp/queries"
	# Half the time the same policy and one rule more, for a sender or
	# a source during a window only: the difference lies in them alone.
	if [ $((RANDOM % 2)) -eq 0 ] && [ ${#targets[@]} -gt 0 ]; then
		target=${targets[RANDOM % ${#targets[@]}]}
		whos=("user nobody" "group nogroup" "user root, dnsmasq" "from 198.51.100.0/31"
			"from 2001:db8:ec::/64")
		whens=("$RP_OPEN" "$RP_CLOSED")
		verdicts=(allow deny)
		cp "$tmp/p.eg" "$tmp/q.eg"
		echo "${verdicts[RANDOM % 2]} $target port 8080 ${whos[RANDOM % ${#whos[@]}]}" \
			"during \"${whens[RANDOM % 2]}\"" >>"$tmp/q.eg"
		echo "${target%/*} 8080/tcp" >>"$tmp/queries"
	fi
	"$egressc" diff --hosts-file="$DIFFPAIR_HOSTS" "$tmp/p.eg" "$tmp/q.eg" >"$tmp/diff" 2>&1
	rc=$?
	answers_as_everyone "$tmp/p.eg" "$tmp/queries" >"$tmp/a1"
	answers_as_everyone "$tmp/q.eg" "$tmp/queries" >"$tmp/a2"
	if [ $rc -gt 1 ]; then
		bad "senders: seed $seed pair $n: diff failed ($rc)"
		indent <"$tmp/diff" | head -5
	elif [ $rc -eq 0 ] && ! cmp -s "$tmp/a1" "$tmp/a2"; then
		bad "senders: seed $seed pair $n: diff empty, yet query answers differ"
		diff "$tmp/a1" "$tmp/a2" | grep '^[<>]' | head -4 | indent
	elif [ $rc -eq 1 ] && [ ! -s "$tmp/diff" ]; then
		bad "senders: seed $seed pair $n: diff says a change and prints none"
	else
		ok
	fi
	if [ "$fail" -gt 0 ]; then
		echo "    replay: tests/diffquery.sh EGRESSC $pairs $nprobes $seed"
		sed 's/^/    old | /' "$tmp/p.eg"
		sed 's/^/    new | /' "$tmp/q.eg"
		break
	fi
done

testlib_finish
