#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the test scripts: every tests/*.sh with a line
#
#   #@check KIND [ARG...]
#
# is one, so a new test needs that line and nothing else. KIND is fast (no
# root, no network namespace of its own, seconds) or full (root: network
# namespaces, kernels, daemons). Each runs as
#   tests/NAME.sh BUILD/egressc ARG...
# with PROBE=BUILD/tests/probe in its environment; an ARG may be a glob,
# or $VAR for that environment variable's words (make sets DIFFTEST_CHECK).
# Every script runs, whatever failed before it; the exit status is 1 if
# any failed.
#
#   tests/run.sh fast|all BUILD
set -u
which=${1:?usage: tests/run.sh fast|all BUILD}
build=${2:?usage: tests/run.sh fast|all BUILD}
case $which in
fast) kinds=fast ;;
all) kinds="fast full" ;;
*) echo "tests/run.sh: fast or all, not '$which'" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.." || exit 2
export PROBE=$build/tests/probe

failed=()
took=()
ran=0
for kind in $kinds; do
	for script in tests/*.sh; do
		tag=$(sed -n 's/^#@check //p' "$script")
		[ -n "$tag" ] || continue
		read -r k args <<<"$tag"
		case $k in fast | full) ;; *) echo "$script: unknown kind '$k'" >&2; exit 2 ;; esac
		[ "$k" = "$kind" ] || continue
		words=()
		# Unquoted on purpose: split into words, globs expanded.
		for w in $args; do
			case $w in
			\$*) v=${w#\$}; words+=(${!v-}) ;;
			*) words+=("$w") ;;
			esac
		done
		echo "== $script ${words[*]}"
		ran=$((ran + 1))
		t0=$SECONDS
		"$script" "$build/egressc" "${words[@]}" || failed+=("$script")
		took+=("$((SECONDS - t0)) $script")
	done
done
# The slowest, for whoever makes the suite faster.
printf '%s\n' "${took[@]}" | sort -rn | head -n 8 | awk '{ printf "tests/run.sh: %4d s  %s\n", $1, $2 }'
if [ ${#failed[@]} -gt 0 ]; then
	echo "tests/run.sh: ${#failed[@]} of $ran scripts failed: ${failed[*]}"
	exit 1
fi
echo "tests/run.sh: $ran scripts passed"
