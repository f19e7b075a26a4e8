#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The inputs a reviewer has, for diff: a git revision (REV:PATH, or
# --git-base REV), which reads the policy's includes and lists from the
# same revision; standard input ('-'); pipes and process substitution
# ('<(...)', '/dev/fd/N'). And what stays refused: a policy that includes
# or lists a FIFO or a device (it would hang or never end the compile), a
# device or directory named on the command line, '-' for both sides.
#
#   tests/inputs.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/inputs.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init inputs
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")

# A repository whose policy includes a file and lists addresses, both by
# relative paths, in a subdirectory.
repo=$tmp/repo
mkdir -p "$repo/ci/lists"
cd "$repo" || exit 2
git init -q -b main . && git config user.email t@example.org && git config user.name t
cat >ci/policy.eg <<'IN'
essentials off
include "common.eg"
allow file "lists/ranges.txt" port 443
IN
echo 'allow 192.0.2.10 port 22' >ci/common.eg
echo '198.51.100.0/28' >ci/lists/ranges.txt
git add -A && git commit -qm base
# The pull request, in the work tree: each file changed.
echo 'allow 192.0.2.11 port 22' >ci/common.eg
echo '198.51.100.0/27' >ci/lists/ranges.txt
echo 'deny 192.0.2.99' >>ci/policy.eg

run diff --git-base main ci/policy.eg
exit_is "--git-base: a change" 1
expect "--git-base: the base's include is read from git" \
	grep -qx -- '- 192.0.2.10 tcp 22  # was allowed by main:ci/common.eg:1' "$tmp/stdout"
expect "--git-base: the new include from the work tree" \
	grep -qx -- '+ 192.0.2.11 tcp 22  # allowed by ci/common.eg:1' "$tmp/stdout"
expect "--git-base: the base's list is read from git" \
	grep -qx -- '+ 198.51.100.16/28 tcp 443  # allowed by ci/policy.eg:3' "$tmp/stdout"
run diff main:ci/policy.eg ci/policy.eg
expect "REV:PATH is --git-base REV" cmp -s "$tmp/stdout" <("$egressc" diff --git-base main ci/policy.eg)
run diff main:ci/policy.eg main:ci/policy.eg
exit_is "a revision against itself" 0
# From a subdirectory, REV:PATH is relative to it, as git's REV:./PATH.
(cd ci && "$egressc" diff main:policy.eg policy.eg) >"$tmp/sub" 2>&1
expect "REV:PATH from a subdirectory" grep -q 'was allowed by main:common.eg:1' "$tmp/sub"

# query, names and compile read REV:PATH alike.
run query main:ci/policy.eg 192.0.2.10 22
expect "query REV:PATH: the base's include" grep -q 'main:ci/common.eg:1' "$tmp/stdout"
run query main:ci/policy.eg 192.0.2.11 22
exit_is "query REV:PATH: not the work tree's" 1
run -o "$tmp/base.nft" main:ci/policy.eg
exit_is "compile REV:PATH" 0
expect "compile REV:PATH: the base's list" grep -q '198.51.100.0/28' "$tmp/base.nft"
run names main:ci/policy.eg
exit_is "names REV:PATH" 0

# Errors name the revision and the file, and say what git said.
run diff main:ci/nope.eg ci/policy.eg
exit_is "a path the revision lacks" 2
expect "it is named, with git's reason" \
	grep -q "error: cannot read 'main:ci/nope.eg' from git: .*does not exist" "$tmp/stderr"
run diff no-such-rev:ci/policy.eg ci/policy.eg
exit_is "an unknown revision" 2
run diff --git-base=-x ci/policy.eg
exit_is "--git-base refuses what git would take for an option" 2
run diff --git-base main main:ci/policy.eg ci/policy.eg
exit_is "--git-base and REV:PATH for OLD" 2
printf 'essentials off\ninclude "loop.eg"\n' >ci/loop.eg
git add ci/loop.eg && git commit -qm loop
run diff --git-base HEAD ci/loop.eg
exit_is "an include cycle in a revision" 2
expect "is one, named in the revision" \
	grep -q "include cycle: 'HEAD:ci/loop.eg' is already being read" "$tmp/stderr"
printf 'essentials off\ninclude "/etc/hostname"\n' >ci/abs.eg
git add ci/abs.eg && git commit -qm abs
run diff --git-base HEAD ci/abs.eg
expect "an absolute include cannot be read from a revision" \
	grep -q "an absolute path cannot be read from git revision 'HEAD'" "$tmp/stderr"

# A module of the repository's own (-I DIR, a relative directory) is read
# from the revision too: the pull request that widens it is a change.
mkdir -p ci/mods
printf 'essentials off\nuse repo-mod\n' >ci/modded.eg
printf '# module: repo-mod\nallow 192.0.2.20 port 443\n' >ci/mods/repo-mod.eg
git add -A && git commit -qm modules
printf '# module: repo-mod\nallow 192.0.2.20, 203.0.113.0/24 port 443\n' >ci/mods/repo-mod.eg
run diff -I ci/mods --git-base HEAD ci/modded.eg
exit_is "--git-base: a change to a repository's module" 1
expect "the module's widening shows" \
	grep -qx -- '+ 203.0.113.0/24 tcp 443  # allowed by ci/mods/repo-mod.eg:2' "$tmp/stdout"
expect "read from the revision, named so" grep -q "HEAD:ci/mods/repo-mod.eg" <("$egressc" query -I ci/mods HEAD:ci/modded.eg 192.0.2.20 443)
run diff -I ci/mods HEAD:ci/modded.eg HEAD:ci/modded.eg
exit_is "a module: a revision against itself" 0
git checkout -q ci/mods/repo-mod.eg

# Standard input and pipes: relative paths from the current directory.
cd ci || exit 2
run diff - policy.eg <policy.eg
exit_is "'-' against the same file" 0
{ cat policy.eg; echo 'allow 192.0.2.1 port 80'; } >"$tmp/more.eg"
run diff - policy.eg <"$tmp/more.eg"
expect "'-': its includes from the current directory, its lines as <stdin>" \
	[ "$(cat "$tmp/stdout")" = "- 192.0.2.1 tcp 80  # was allowed by <stdin>:5" ]
run diff <(cat policy.eg) policy.eg
exit_is "process substitution" 0
cat policy.eg | "$egressc" diff /dev/stdin policy.eg >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
exit_is "/dev/stdin, a pipe" 0
run diff - - <policy.eg
exit_is "'-' for both sides" 2
run diff /dev/null policy.eg
exit_is "a device named on the command line" 2
expect "is refused, saying what it is not" grep -q "'/dev/null' is not a regular file, a pipe or a socket" "$tmp/stderr"
run diff . policy.eg
exit_is "a directory" 2
cat policy.eg | "$egressc" query - 192.0.2.11 22 >"$tmp/stdout" 2>&1
expect "query reads '-' too" grep -q '^allow' "$tmp/stdout"
run query - - <policy.eg
exit_is "query: '-' for the policy and the queries" 2
printf 'allow 192.0.2.1\nessentials off\n' >"$tmp/messy.eg"
"$egressc" fmt - <"$tmp/messy.eg" >"$tmp/stdout" 2>&1
expect "fmt formats standard input" [ "$(cat "$tmp/stdout")" = "$(printf 'essentials off\n\nallow 192.0.2.1')" ]
run fmt -w -
exit_is "fmt -w cannot write standard input back" 2

# What a policy names is read only from regular files: a FIFO would wait
# for a writer forever, a device might never end.
mkfifo "$tmp/fifo"
for target in /dev/stdin /dev/zero "$tmp/fifo"; do
	printf 'essentials off\ninclude "%s"\n' "$target" >"$tmp/inc.eg"
	timeout 10 "$egressc" -o "$tmp/out.nft" "$tmp/inc.eg" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	exit_is "include \"$target\" is refused" 1
	printf 'essentials off\nallow file "%s"\n' "$target" >"$tmp/list.eg"
	timeout 10 "$egressc" -o "$tmp/out.nft" "$tmp/list.eg" </dev/null >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	exit_is "file \"$target\" is refused" 1
done
expect "no output written" [ ! -e "$tmp/out.nft" ]

cd / && testlib_finish
