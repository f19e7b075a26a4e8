#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: debian/ builds a .deb of this tree with
# 'dpkg-buildpackage -us -uc', apt installs it with its dependencies, and
# the installed binary, run from outside the tree, finds the installed
# stdlib, manual pages and unit. The package is purged again on exit.
#
#   tests/deb.sh        (root; installs and removes the package egressc)
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init deb
unset EGRESSC_PATH	# the installed stdlib, nothing else

if dpkg-query -W -f='${Status}' egressc 2>/dev/null | grep -q 'install ok installed'; then
	echo "deb: egressc is installed already; not touching it"
	exit 1
fi
trap 'apt-get purge -y -qq egressc >/dev/null 2>&1; testlib_cleanup' EXIT

# A copy of the tree as git would check it out, plus uncommitted changes.
src=$tmp/egressc-0.1.0
mkdir -p "$src"
git ls-files -co --exclude-standard | grep -v '^build' | tar cf - -T - | tar xf - -C "$src"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1
expect "dpkg-buildpackage -us -uc builds" [ $? -eq 0 ]
deb=$(ls "$tmp"/egressc_*_*.deb 2>/dev/null | head -1)
expect "a .deb came out" [ -n "$deb" ]
[ -n "$deb" ] || { tail -20 "$tmp/build.log"; testlib_finish; exit; }

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$tmp/install.log" 2>&1
expect "apt installs it" [ $? -eq 0 ]
expect "egressc is on PATH" [ "$(command -v egressc)" = /usr/bin/egressc ]
expect "the manual pages are installed" \
	[ -f /usr/share/man/man1/egressc.1.gz -a -f /usr/share/man/man5/egressc.eg.5.gz ]
expect "the unit is installed" [ -f /lib/systemd/system/egressc.service ]
expect "--version" grep -q '^egressc 0.1.0$' <(egressc --version)

# From elsewhere, so only the installed stdlib can answer 'use'.
cp tests/stdlib.hosts "$tmp/hosts"
printf 'use npm\n' >"$tmp/p.eg"
(cd / && egressc --hosts-file "$tmp/hosts" -o "$tmp/out.nft" "$tmp/p.eg") 2>"$tmp/err"
expect "the installed binary compiles 'use npm' with essentials" [ $? -eq 0 ]
expect "... from the installed stdlib" grep -q 'stdlib/npm.eg' "$tmp/out.nft"
expect "... and essentials from it too" grep -q 'stdlib/github-actions.eg' "$tmp/out.nft"
[ -s "$tmp/err" ] && cat "$tmp/err"
testlib_finish
