#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The layout's rule: a directory says which way its dependencies point.
# Every #include "DIR/FILE" in the sources must be one its directory may
# make; anything else fails, naming the file, the line and the rule.
#
#   lib/      nothing of the policy: only lib/
#   grammar/  lib/, and of compiler/ the AST, sources and diagnostics
#   compiler/ lib/, compiler/, and the parser's entry (grammar/grammar.h)
#   emit/     lib/, compiler/ (the model it renders), emit/
#   verify/   lib/, verify/, the AST as written (ast, source, diag,
#             addrlist) and the names table (emit/names.h): never the
#             model or the emitters whose output it judges
#   host/     lib/, host/, diagnostics, emit/ (names, closed rulesets), and
#             the model the runtime asks (which sets a name feeds, what a
#             dynamic set is called) and the pins it keeps current
#   cmd/      anything: it puts the rest together
#
#   tests/layout.sh
#@check fast
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init layout

# allowed_includes DIR: the include paths (prefixes end in /) DIR may name.
allowed_includes() {
	case $1 in
	lib) echo "lib/" ;;
	grammar) echo "lib/ grammar/ compiler/ast.h compiler/source.h compiler/loc.h compiler/diag.h" ;;
	compiler) echo "lib/ compiler/ grammar/grammar.h" ;;
	emit) echo "lib/ compiler/ emit/" ;;
	verify) echo "lib/ verify/ compiler/ast.h compiler/source.h compiler/loc.h compiler/diag.h" \
		"compiler/addrlist.h emit/names.h" ;;
	host) echo "lib/ host/ compiler/diag.h compiler/source.h compiler/loc.h emit/" \
		"compiler/model.h compiler/pins.h" ;;
	cmd) echo "lib/ grammar/ compiler/ emit/ verify/ host/ cmd/" ;;
	esac
}

checked=0
for dir in lib grammar compiler emit verify host cmd; do
	rules=$(allowed_includes $dir)
	for f in "$dir"/*.[chly]; do
		[ -e "$f" ] || continue
		while IFS=: read -r line inc; do
			checked=$((checked + 1))
			ok=
			for r in $rules; do
				case $r in
				*/) [ "${inc#"$r"}" != "$inc" ] && ok=1 ;;
				*) [ "$inc" = "$r" ] && ok=1 ;;
				esac
			done
			if [ -n "$ok" ]; then
				ok
			else
				bad "$f:$line: includes \"$inc\"; $dir/ may include only: $rules"
			fi
		done < <(grep -n '^#[[:space:]]*include[[:space:]]*"' "$f" |
			sed 's/^\([0-9]*\):#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1:\2/')
	done
done
# Every include names its directory: a bare "arena.h" would be found by
# no rule above (and by no -I the build gives).
bare=$(grep -n '^#[[:space:]]*include[[:space:]]*"[^/"]*"' lib/*.[ch] grammar/*.[chly] \
	compiler/*.[ch] emit/*.[ch] verify/*.[ch] host/*.[ch] cmd/*.[ch] 2>/dev/null)
expect "every include names its directory${bare:+: $bare}" [ -z "$bare" ]
expect "includes were read ($checked)" [ "$checked" -gt 100 ]
# Every source says its license in its first lines (scripts after #!).
unlicensed=$(git ls-files '*.[chly]' '*.sh' '*.py' Makefile 2>/dev/null |
	while read -r f; do
		head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || echo "$f"
	done)
expect "every source has an SPDX line${unlicensed:+: $unlicensed}" [ -z "$unlicensed" ]
testlib_finish
