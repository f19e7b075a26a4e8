#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Golden tests for query and diff:
#   golden/query/NAME.eg + NAME.queries   expected answers in NAME.answers
#                                         (batch mode, with the exit status)
#   golden/query/NAME.eg + NAME.explain   the long answer for each query
#   golden/diff/NAME.old.eg + NAME.new.eg expected NAME.diff (text) and
#                                         NAME.json, each with the exit status
# Hostnames resolve from golden/hostsdb; a diff case with NAME.old.hosts
# and NAME.new.hosts resolves each side from its own; the diff cases
# about modules (modules*, essentials*) from tests/stdlib.hosts.
#
#   tests/query.sh [--update] EGRESSC
#@check fast
set -u
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
egressc=${1:?usage: tests/query.sh [--update] EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init query
# Relative, so outputs name modules as stdlib/NAME.eg wherever the tree is.
EGRESSC_PATH=stdlib
hosts=--hosts-file=golden/hostsdb

# check_golden EXPECTED: compares $tmp/got with it (or writes it under --update).
check_golden() {
	if [ $update = 1 ]; then
		cp "$tmp/got" "$1"
	fi
	if diff -u "$1" "$tmp/got"; then
		ok
	else
		bad "$1"
	fi
}

for q in golden/query/*.queries; do
	base=${q%.queries}
	{ "$egressc" query $hosts "$base.eg" - <"$q" 2>&1; echo "exit $?"; } >"$tmp/got"
	check_golden "$base.answers"
	: >"$tmp/got"
	grep -v '^#' "$q" | while read -r dest svc; do
		echo "\$ egressc query $base.eg $dest $svc"
		"$egressc" query $hosts "$base.eg" "$dest" $svc 2>&1
		echo "exit $?"
	done >"$tmp/got"
	check_golden "$base.explain"
done

# Who sends: the same packets from sockets of users and groups.
for who in "--user nobody" "--user daemon" "--user 1002" "--group staff" \
	   "--user backup --group users" "--user backup"; do
	grep -v '^#' golden/query/users.queries | while read -r dest svc; do
		echo "\$ egressc query $who golden/query/users.eg $dest $svc"
		# shellcheck disable=SC2086 # $who is two words, or four
		"$egressc" query $hosts $who golden/query/users.eg "$dest" $svc 2>&1
		echo "exit $?"
	done
done >"$tmp/got"
check_golden golden/query/users.senders

# Which cgroup: a process in a cgroup a rule names, below it, beside it,
# above it, and in the root.
for cg in system.slice/docker.service /system.slice/docker.service/sub \
	  system.slice/docker.service2 system.slice ci.slice/job-1.scope /; do
	grep -v '^#' golden/query/cgroups.queries | while read -r dest svc; do
		echo "\$ egressc query --cgroup $cg golden/query/cgroups.eg $dest $svc"
		"$egressc" query $hosts --cgroup "$cg" golden/query/cgroups.eg "$dest" $svc 2>&1
		echo "exit $?"
	done
done >"$tmp/got"
check_golden golden/query/cgroups.cgroups

# Forwarded: the same packets from a container's network, and another's.
for from in 198.51.100.1 198.51.100.9; do
	grep -v '^#' golden/query/from.queries | while read -r dest svc; do
		echo "\$ egressc query --from $from golden/query/from.eg $dest $svc"
		"$egressc" query $hosts --from "$from" golden/query/from.eg "$dest" $svc 2>&1
		echo "exit $?"
	done
done >"$tmp/got"
check_golden golden/query/from.sources

# When: the same packets at times in and out of the windows.
for at in "Tue 02:30" "Sat 02:30" "Sun 21:00" "Mon 00:30"; do
	grep -v '^#' golden/query/windows.queries | while read -r dest svc; do
		echo "\$ egressc query --at '$at' golden/query/windows.eg $dest $svc"
		"$egressc" query $hosts --at "$at" golden/query/windows.eg "$dest" $svc 2>&1
		echo "exit $?"
	done
done >"$tmp/got"
check_golden golden/query/windows.times

for old in golden/diff/*.old.eg; do
	base=${old%.old.eg}
	sides=$hosts
	[[ $base == */modules* || $base == */essentials* ]] && sides=--hosts-file=tests/stdlib.hosts
	[ -f "$base.old.hosts" ] &&
		sides="--old-hosts-file=$base.old.hosts --new-hosts-file=$base.new.hosts"
	{ "$egressc" diff $sides "$old" "$base.new.eg" 2>&1; echo "exit $?"; } >"$tmp/got"
	check_golden "$base.diff"
	{ "$egressc" diff $sides --format json "$old" "$base.new.eg" 2>&1; echo "exit $?"; } >"$tmp/got"
	check_golden "$base.json"
done

testlib_finish
