#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The pull request review of contrib/github-actions/egress-policy.yml,
# offline: the workflow's review step is contrib/github-actions/
# egress-review.sh, and this runs that script on a git repository made
# here - a base policy with a relative include and an address list, its
# saved resolution and checked-in outputs - against pull requests, one
# branch each: no change, a wider allow, mode monitor, a syntax error, a
# name re-pinned, stale outputs, a list file changed, a new policy, and an
# egressc whose diff fails.
#
#   tests/workflow.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/workflow.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init workflow
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMON_DIR
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
review=$PWD/contrib/github-actions/egress-review.sh
repo=$tmp/repo

# What DNS says, as the policy's author sees it when recompiling.
cat >"$tmp/dns.hosts" <<'EOF'
203.0.113.10 registry.npmjs.org
203.0.113.11 registry.npmjs.org
EOF
cp "$tmp/dns.hosts" "$tmp/dns.before"

g() { git -C "$repo" "$@"; }

# recompile: what an author does after changing the policy: resolve (here
# from $tmp/dns.hosts), save the resolution, write the outputs.
recompile() {
	(cd "$repo" && "$egressc" --verify -Werror --hosts-file "$tmp/dns.hosts" \
		--save-resolved policy/resolved.hosts -O policy/out policy/egress.eg)
}

# pr NAME FROM: a branch NAME off FROM, checked out.
pr() { g checkout -q -b "$1" "$2"; }

commit() { g add -A && g commit -q -m "$1"; }

# review BASE [VAR=VALUE...]: the workflow's review step on the checked-out
# pull request; $rc, $tmp/stdout, $tmp/stderr, and the report in
# $tmp/report.md and (appended) $tmp/summary.md.
review() {
	local base=$1
	shift
	rm -f "$tmp/report.md" "$tmp/summary.md"
	(cd "$repo" && env -u GITHUB_ACTIONS EGRESSC="$egressc" REPORT="$tmp/report.md" \
		GITHUB_STEP_SUMMARY="$tmp/summary.md" "$@" "$review" "$base") \
		>"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
}

# has WHAT PATTERN: the report has a line matching PATTERN (grep -E).
has() {
	if grep -Eq -- "$2" "$tmp/report.md" 2>/dev/null; then
		ok
	else
		bad "$1: the report has no line matching '$2'"
		cat "$tmp/report.md" "$tmp/stderr" 2>/dev/null | head -40 | indent
	fi
}

lacks() {
	if grep -Eq -- "$2" "$tmp/report.md" "$tmp/stdout" "$tmp/stderr" 2>/dev/null; then
		bad "$1: the output says '$2'"
		grep -E -- "$2" "$tmp/report.md" "$tmp/stdout" "$tmp/stderr" | head -5 | indent
	else
		ok
	fi
}

# --- the repository: base policy, include, list, resolution, outputs ----

git init -q -b main "$repo" || exit 2
g config user.name "egressc tests"
g config user.email "tests@egressc.invalid"
g config commit.gpgsign false
echo "runner images" >"$repo/README"
commit "start"
root=$(g rev-parse HEAD)

mkdir -p "$repo/policy/lists"
cat >"$repo/policy/egress.eg" <<'EOF'
essentials off
include "registries.eg"
allow file "lists/mirrors.txt" port 873
EOF
cat >"$repo/policy/registries.eg" <<'EOF'
allow registry.npmjs.org port 80, 443
EOF
printf '192.0.2.0/28\n# the rsync mirror\n198.51.100.7\n' >"$repo/policy/lists/mirrors.txt"
recompile || exit 2
commit "egress policy"

# --- no change: a comment in the included file ---------------------------

pr same main
echo "# npm's registry" >>"$repo/policy/registries.eg"
recompile
commit "comment"
review main
exit_is "no change" 0
has "no change" '^No change in what is allowed\.$'
has "no change" '^\*\*Result:\*\* passes\.$'
has "no change: outputs" 'Checked-in outputs .* match'
expect "no change: the job summary is the report" cmp -s "$tmp/report.md" "$tmp/summary.md"
if [ "$(g worktree list | wc -l)" -eq 1 ]; then ok; else bad "the base's worktree is left behind"; fi

# --- allow 0.0.0.0/0 port 443: '+' lines, for people to review -----------

pr open443 main
echo "allow 0.0.0.0/0 port 443" >>"$repo/policy/egress.eg"
recompile
commit "open 443"
review main
exit_is "allow 0.0.0.0/0 port 443" 0
has "allow 0.0.0.0/0 port 443" '^\+ 0\.0\.0\.0/1 tcp 443  # allowed by pr/policy/egress\.eg:4$'
has "allow 0.0.0.0/0 port 443" '^\+ 224\.0\.0\.0/3 tcp 443 '
has "allow 0.0.0.0/0 port 443" '^\*\*Result:\*\* passes\.$'
lacks "allow 0.0.0.0/0 port 443" '[Nn]o change'

# --- mode monitor: '!' fails the check, unless labelled ------------------

pr monitor main
echo "mode monitor" >>"$repo/policy/egress.eg"
recompile
commit "monitor"
review main
exit_is "mode monitor" 1
has "mode monitor" '^! mode enforce -> monitor  # pr/policy/egress\.eg:4, was the default: EVERYTHING MAY LEAVE THE RUNNER$'
has "mode monitor" "needs the label .egress-opens-everything."
has "mode monitor" '^\*\*Result:\*\* FAILED:$'
review main OPEN_OK=true
exit_is "mode monitor, labelled" 0
has "mode monitor, labelled" '^! mode enforce -> monitor '
has "mode monitor, labelled" 'the label .egress-opens-everything. accepts it'
has "mode monitor, labelled" '^\*\*Result:\*\* passes\.$'

# --- a syntax error: egressc fails, and so does the review ---------------

pr broken main
echo "allow (" >>"$repo/policy/egress.eg"
commit "broken"
review main
exit_is "syntax error" 1
has "syntax error" '^\*\*Compile:\*\* FAILED \(egressc exit 1\):$'
has "syntax error" '^FAILED \(egressc diff exit 2\): what the change allows is unknown\.$'
has "syntax error" "unexpected character '\('"
has "syntax error" '^\*\*Result:\*\* FAILED:$'
lacks "syntax error" '[Nn]o change'
lacks "syntax error" 'passes\.$'

# --- an egressc whose diff fails on a change that is none ----------------
# The old workflow's bug: diff's exit status 2 lost in a pipe, and an
# empty output read as "no change in what is allowed".

cat >"$tmp/egressc-diff-fails" <<EOF
#!/bin/sh
[ "\$1" = diff ] && { echo "egressc: error: out of memory" >&2; exit 2; }
exec "$egressc" "\$@"
EOF
chmod +x "$tmp/egressc-diff-fails"
g checkout -q same
review main EGRESSC="$tmp/egressc-diff-fails"
exit_is "diff fails" 1
has "diff fails" '^FAILED \(egressc diff exit 2\)'
has "diff fails" 'out of memory'
lacks "diff fails" '[Nn]o change'

# --- a name re-pinned: each side its own resolution ----------------------

pr repin main
cat >"$tmp/dns.hosts" <<'EOF'
203.0.113.10 registry.npmjs.org
198.51.100.99 registry.npmjs.org
EOF
recompile
commit "re-resolve"
if g diff --quiet main -- policy/egress.eg policy/registries.eg policy/lists; then
	ok
else
	bad "re-pin: the policy changed, not only its resolution"
fi
review main
exit_is "re-pin" 0
has "re-pin" '^\+ 198\.51\.100\.99 tcp 443  # allowed by pr/policy/registries\.eg:1; old: none; new: registry\.npmjs\.org \(moved; old: 203\.0\.113\.10, 203\.0\.113\.11\)$'
has "re-pin" '^- 203\.0\.113\.11 tcp 443  # was allowed by base/policy/registries\.eg:1; old: registry\.npmjs\.org \(moved; new: 198\.51\.100\.99, 203\.0\.113\.10\); new: none$'
lacks "re-pin" '[Nn]o change'
cp "$tmp/dns.before" "$tmp/dns.hosts"

# --- stale outputs: the policy changed, the outputs did not ---------------

pr stale main
echo "allow 192.0.2.99 port 22" >>"$repo/policy/egress.eg"
commit "stale"
review main
exit_is "stale outputs" 1
has "stale outputs" 'STALE: recompile with .egressc --verify -Werror --hosts-file policy/resolved.hosts -O policy/out policy/egress.eg.'
has "stale outputs" '^\+ 192\.0\.2\.99 tcp 22 '

# --- the list file: each side reads its own -------------------------------

pr list main
echo "198.51.100.8" >>"$repo/policy/lists/mirrors.txt"
recompile
commit "another mirror"
review main
exit_is "list file" 0
has "list file" '^\+ 198\.51\.100\.8 tcp 873  # allowed by pr/policy/egress\.eg:3$'

# --- a new policy: compared with one that lets nothing out ---------------

g checkout -q -b new main
review "$root"
exit_is "new policy" 0
has "new policy" 'The base has no .policy/egress.eg.:'
has "new policy" '^\+ 192\.0\.2\.0/28 tcp 873 '

# --- usage ----------------------------------------------------------------

review no-such-branch
exit_is "no such base" 2

testlib_finish
