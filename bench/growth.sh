#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/growth.sh BUILD_DIR - how compile cost grows with the policy.
#
# Two series, each a step of ten times the last: policies of 1,000, 10,000
# and 100,000 rules, each rule one address on its own port (a class each,
# as a policy generated from monitor mode's findings would be); and one
# address list of 10,000, 100,000 and 1,000,000 IPv4 prefixes. Each is
# compiled to nft with --verify; the table gives the time and peak memory
# of each step, the ratio of each step's time to the one before (10 is
# linear, 100 quadratic) and its CPU time (user + system, which a machine
# busy with other work inflates less than the time). Medians of three
# runs. Last, the CPU time --verify costs at 100,000 rules, as a ratio to
# the same compile without it. Not a test: nothing is
# asserted; the ratios are the result.
set -euo pipefail
export LC_ALL=C

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1/bench/growth"
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
D=$BUILD/bench/growth
EGRESSC=$BUILD/egressc
GEN=$BUILD/bench/gen-prefixes

if [ ! -x "$GEN" ] || [ "$SRC/gen-prefixes.c" -nt "$GEN" ]; then
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$GEN" "$SRC/gen-prefixes.c"
fi

# rules N: N rules on N distinct ports (wrapping at 65535), in 10.0.0.0/8.
rules() {
	awk -v n="$1" 'BEGIN {
		print "essentials off"; print "default deny"
		for (i = 0; i < n; i++)
			printf "allow 10.%d.%d.%d port %d\n", int(i / 65536) % 256,
				int(i / 256) % 256, i % 256, 1 + i % 65535
	}'
}

# measure POLICY [OPTION]: "SECONDS KB CPU", the median time of three
# compiles (with --verify, or with OPTION instead), the largest peak resident size and
# the median CPU time (user + system: what a busy machine's waiting does
# not inflate).
measure() {
	local t kb u s best=() cpu=() peak=0
	for _ in 1 2 3; do
		read -r t kb u s < <(/usr/bin/time -f '%e %M %U %S' "$EGRESSC" "${2:---verify}" \
			-o "$D/out.nft" "$1" 2>&1 >/dev/null | tail -1)
		best+=("$t")
		cpu+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
		[ "$kb" -gt "$peak" ] && peak=$kb
	done
	printf '%s %s %s\n' "$(printf '%s\n' "${best[@]}" | sort -n | sed -n 2p)" "$peak" \
		"$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n 2p)"
}

# series NAME SIZE...: one table row per size (policies $D/NAME-SIZE.eg).
series() {
	local name=$1 prev= t kb
	shift
	for n in "$@"; do
		read -r t kb cpu < <(measure "$D/$name-$n.eg")
		if [ -n "$prev" ]; then
			ratio=$(awk -v a="$t" -v b="$prev" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }')
		else
			ratio=-
		fi
		printf '%-10s %9s %8.2f s %8d MB %8s %8.2f s\n' "$name" "$n" "$t" $((kb / 1024)) \
			"$ratio" "$cpu"
		prev=$t
	done
}

for n in 1000 10000 100000; do
	[ -s "$D/rules-$n.eg" ] || rules "$n" >"$D/rules-$n.eg"
done
for n in 10000 100000 1000000; do
	if [ ! -s "$D/prefixes-$n.txt" ] || [ "$GEN" -nt "$D/prefixes-$n.txt" ]; then
		"$GEN" v4 "$n" >"$D/prefixes-$n.txt.tmp"
		mv "$D/prefixes-$n.txt.tmp" "$D/prefixes-$n.txt"
	fi
	printf 'essentials off\ndefault deny\nallow file "prefixes-%s.txt" port 443\n' "$n" \
		>"$D/prefixes-$n.eg"
done

echo "compile with --verify: time (median of 3), peak memory, and the time's"
echo "ratio to the step before (each step is 10x: 10x is linear)"
printf '%-10s %9s %10s %11s %8s %10s\n' series size time memory ratio cpu
series rules 1000 10000 100000
series prefixes 10000 100000 1000000

# What --verify costs: the largest rules step against its own compile
# without it (-O1, the default level, in its place), CPU time against CPU
# time.
read -r _ _ plain < <(measure "$D/rules-100000.eg" -O1)
read -r _ _ verified < <(measure "$D/rules-100000.eg")
echo "100,000 rules: --verify takes $(awk -v a="$verified" -v b="$plain" \
	'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }') the CPU time of the compile without it" \
	"($verified s against $plain s)"
