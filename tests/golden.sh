#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests: golden/NAME.eg compiled and compared with the expectation
# files beside it; the extension selects the check:
#   NAME.nft NAME.v4 NAME.v6 NAME.hosts   expected output of that format
#   NAME.err                              expected diagnostics: the compile
#                                         must fail and write no output file
#   NAME.warn                             expected warnings of a compile that
#                                         succeeds (without it: none)
#   NAME.O0.nft NAME.O0.v4 NAME.O0.v6     the same, unoptimized (-O0); written
#                                         by --update only once they exist
#   NAME.ipset NAME.dnsmasq NAME.dnsmasq-ipset NAME.explain
#                                         those formats, likewise only once
#                                         they exist
# Hostnames resolve from NAME.hostsdb if present; for the stdlib-* cases
# (one per module) from tests/stdlib.hosts; else from golden/hostsdb.
# Cases say 'essentials off' unless essentials are what they test, so
# their outputs hold only what they are about.
#
#   tests/golden.sh [--update] EGRESSC [NAME...]
# --update rewrites the expectations from what the compiler does now; review
# the diff before committing it. $EGRESSC_WRAPPER, if set, prefixes every
# run (make checkm sets it to valgrind, whose report would make a case fail).
#@check fast
set -u
wrap=${EGRESSC_WRAPPER:-}
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
egressc=${1:?usage: tests/golden.sh [--update] EGRESSC [NAME...]}
shift
cd "$(dirname "$0")/.." || exit 2
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")

. tests/lib.sh
testlib_init golden
# Relative, so outputs name modules as stdlib/NAME.eg wherever the tree is.
EGRESSC_PATH=stdlib

formats="nft:nft v4:iptables v6:ip6tables hosts:hosts O0.nft:nft O0.v4:iptables O0.v6:ip6tables
	 ipset:ipset dnsmasq:dnsmasq dnsmasq-ipset:dnsmasq-ipset explain:explain"

# Prints the --hosts-file argument for case $1, if any.
hosts_arg() {
	if [ -f "golden/$1.hostsdb" ]; then
		echo "--hosts-file=golden/$1.hostsdb"
	elif [[ $1 == stdlib-* || $1 == essentials* ]]; then
		echo "--hosts-file=tests/stdlib.hosts"
	elif [ -f golden/hostsdb ]; then
		echo "--hosts-file=golden/hostsdb"
	fi
}

run_error_case() {
	local name=$1 hosts=$2 rc
	$wrap "$egressc" $hosts -o "$tmp/out.nft" "golden/$name.eg" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	if [ $update = 1 ]; then
		cp "$tmp/stderr" "golden/$name.err"
	fi
	if [ $rc -ne 1 ]; then
		bad "$name: exit status $rc, expected 1"
	elif [ -e "$tmp/out.nft" ] || [ -s "$tmp/stdout" ]; then
		bad "$name: an output was written despite errors"
	elif ! diff -u "golden/$name.err" "$tmp/stderr"; then
		bad "$name: diagnostics differ"
	else
		ok
	fi
	rm -f "$tmp/out.nft"
}

run_output_case() {
	local name=$1 hosts=$2 any=0 ext fmt pair rc
	for pair in $formats; do
		ext=${pair%%:*}
		fmt=${pair#*:}
		level=
		case $ext in
		O0.*)
			[ -f "golden/$name.$ext" ] || continue
			level=-O0 ;;
		# Only the cases that have them: most policies have no
		# run-time sets, and those outputs would say nothing.
		ipset | dnsmasq | dnsmasq-ipset | explain)
			[ -f "golden/$name.$ext" ] || continue ;;
		*)
			[ -f "golden/$name.$ext" ] || [ $update = 1 ] || continue ;;
		esac
		any=1
		# --verify: every case also proves its outputs match its policy.
		$wrap "$egressc" $hosts $level --verify -f "$fmt" -o - "golden/$name.eg" \
			>"$tmp/out" 2>"$tmp/stderr"
		rc=$?
		if [ $update = 1 ]; then
			if [ $rc -ne 0 ]; then
				cp "$tmp/stderr" "golden/$name.err"
				echo "golden: $name fails to compile; wrote golden/$name.err"
				run_error_case "$name" "$hosts"
				return
			fi
			cp "$tmp/out" "golden/$name.$ext"
			if [ -s "$tmp/stderr" ]; then
				cp "$tmp/stderr" "golden/$name.warn"
			else
				rm -f "golden/$name.warn"
			fi
		fi
		warn=/dev/null
		[ -f "golden/$name.warn" ] && warn=golden/$name.warn
		if [ $rc -ne 0 ]; then
			bad "$name.$ext: exit status $rc"
			cat "$tmp/stderr"
		elif ! diff -u "$warn" "$tmp/stderr"; then
			bad "$name.$ext: warnings differ from ${warn#golden/}"
		elif ! diff -u "golden/$name.$ext" "$tmp/out"; then
			bad "$name.$ext: output differs"
		else
			ok
		fi
	done
	[ $any = 1 ] || bad "$name: no expectation file (.nft .v4 .v6 .hosts .err)"
}

if [ $# -gt 0 ]; then
	names="$*"
else
	names=$(for f in golden/*.eg; do basename "$f" .eg; done)
fi
for name in $names; do
	hosts=$(hosts_arg "$name")
	if [ -f "golden/$name.err" ]; then
		run_error_case "$name" "$hosts"
	else
		run_output_case "$name" "$hosts"
	fi
done

testlib_finish
