#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The documentation's examples are tests: in docs/*.md and README.md, every
# ```eg block must compile (hostnames from tests/docs.hosts and, for the
# modules and essentials, tests/stdlib.hosts; lists from golden/lists) and its nft
# output must load into a kernel; every ```eg-error block must be refused
# with exit status 1 and a located diagnostic.
#
#   tests/docs.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/docs.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
. tests/cgroup2.sh
# Without root, the examples compile and verify but no kernel loads them.
if [ "$(id -u)" -eq 0 ]; then
	testlib_init docs netns
else
	testlib_init docs
	echo "docs: not root: no kernel loads the examples' rulesets"
fi

# Examples name list files as lists/NAME; the golden cases have them.
cp -r golden/lists "$tmp/lists"
cat tests/docs.hosts tests/stdlib.hosts >"$tmp/hosts"

# Splits FILE's example blocks into $tmp/N.eg and $tmp/N.eg-error, each
# named after its file and line in $tmp/N.where.
extract() {
	awk -v dir="$tmp" -v file="$1" -v start="$2" '
		/^```eg(-error)?$/ && !inblock {
			n++; inblock = 1
			kind = substr($0, 4)
			out = dir "/" (start + n) "." kind
			print file ":" NR > (dir "/" (start + n) ".where")
			next
		}
		/^```$/ && inblock { inblock = 0; close(out); next }
		inblock { print > out }
		END { print n + 0 > (dir "/count") }
	' "$1"
}

total=0
for doc in README.md docs/*.md; do
	[ -f "$doc" ] || continue
	extract "$doc" "$total"
	total=$((total + $(cat "$tmp/count")))
done

for f in "$tmp"/*.eg "$tmp"/*.eg-error; do
	[ -f "$f" ] || continue
	where=$(cat "${f%.*}.where")
	if [ "${f##*.}" = eg ]; then
		if ! "$egressc" --verify --hosts-file "$tmp/hosts" -O "$tmp/out" "$f" 2>"$tmp/err"; then
			bad "$where: example does not compile"
			cat "$tmp/err"
		elif [ -n "$ns" ] && cgroup2_wrap "$(cgroup2_paths "$f")" &&
		     ! ip netns exec "$ns" "${CGROUP2_WRAP[@]}" nft -f "$tmp/out/ruleset.nft" 2>"$tmp/err"; then
			bad "$where: nft refuses the example's ruleset"
			cat "$tmp/err"
		else
			ok
		fi
	else
		"$egressc" --hosts-file "$tmp/hosts" -o "$tmp/never.nft" "$f" 2>"$tmp/err"
		rc=$?
		if [ $rc -ne 1 ] || [ -e "$tmp/never.nft" ] ||
		   ! grep -Eq '^[^:]+:[0-9]+:[0-9]+: error: ' "$tmp/err"; then
			bad "$where: error example not refused as documented (exit $rc)"
			cat "$tmp/err"
		else
			ok
		fi
		rm -f "$tmp/never.nft"
	fi
done

[ $pass -gt 0 ] || bad "no examples found"
testlib_finish
