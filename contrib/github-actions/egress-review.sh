#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The review of a pull request that changes an egress policy: the steps
# that egress-policy.yml runs, kept here so that tests/workflow.sh runs
# the same code offline.
#
#   egress-review.sh BASE_REF
#
# Run inside a checkout of the repository that holds the policy, with the
# pull request checked out; BASE_REF is the revision it is compared with
# (the workflow passes the merge commit's first parent). Paths are
# relative to the top of that repository. Settings, from the environment:
#
#   EGRESSC      the egressc binary (default: egressc)
#   POLICY       the policy (default: policy/egress.eg)
#   RESOLVED     the resolution saved beside it with --save-resolved and
#                committed (default: policy/resolved.hosts)
#   OUTPUTS      the checked-in outputs of 'egressc -O' (default:
#                policy/out; empty: the repository keeps none)
#   OPEN_OK      'true' when someone allowed a change that lets
#                everything out ('!' in the diff); the workflow sets it
#                from the pull request's label OPEN_LABEL
#   OPEN_LABEL   that label's name, for the messages
#                (default: egress-opens-everything)
#   REPORT       where to write the Markdown report too (the job summary
#                and the pull request comment are made from it)
#   MAX_LINES    at most this many lines of each block in the report
#                (default 100; the job log has them all)
#
# What it does, each part whatever the one before it found:
#   1. compile the pull request's policy (--verify -Werror) with its own
#      RESOLVED, and compare that with OUTPUTS;
#   2. check out BASE_REF with 'git worktree add' (relative includes and
#      list files resolve in the base's own tree), and run egressc diff,
#      each side with its own RESOLVED.
#
# Exit status: 0 the review passes (whether or not what is allowed
# changed); 1 it fails: the policy does not compile, the outputs are stale,
# egressc diff failed (the change is then unknown, never "no change"), or
# the change lets everything out without OPEN_OK; 2 usage or setup errors.
set -euo pipefail

usage() {
	echo "usage: egress-review.sh BASE_REF (see the comment at its top)" >&2
	exit 2
}
if [ $# -ne 1 ] || [ -z "$1" ]; then
	usage
fi
base_ref=$1

EGRESSC=${EGRESSC:-egressc}
POLICY=${POLICY:-policy/egress.eg}
RESOLVED=${RESOLVED-policy/resolved.hosts}
OUTPUTS=${OUTPUTS-policy/out}
OPEN_OK=${OPEN_OK:-false}
OPEN_LABEL=${OPEN_LABEL:-egress-opens-everything}
REPORT=${REPORT:-}
MAX_LINES=${MAX_LINES:-100}

# Errors as annotations under GitHub Actions, plain lines elsewhere.
error() {
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		echo "::error::$*"
	else
		echo "egress-review: error: $*" >&2
	fi
}

top=$(git rev-parse --show-toplevel) || { error "not inside a git repository"; exit 2; }
cd "$top"
base=$(git rev-parse --verify --quiet "$base_ref^{commit}") ||
	{ error "no such revision: $base_ref"; exit 2; }
head=$(git rev-parse --verify HEAD)
command -v "$EGRESSC" >/dev/null || { error "no egressc: $EGRESSC"; exit 2; }
[ -n "$RESOLVED" ] || { error "RESOLVED is empty: the review compares saved resolutions"; exit 2; }

work=$(mktemp -d)
cleanup() {
	git worktree remove --force "$work/base" >/dev/null 2>&1 || true
	git worktree prune >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

failures=()
fail() {
	failures+=("$1")
	error "$1"
}

# The report: Markdown, built in $work/report, printed to the job log at
# the end and copied to REPORT and the job summary.
md() { printf '%s\n' "$@" >>"$work/report"; }
# block FILE [LANG]: FILE fenced, cut at MAX_LINES lines.
block() {
	local n
	n=$(wc -l <"$1")
	md "\`\`\`${2:-}"
	head -n "$MAX_LINES" "$1" >>"$work/report"
	md "\`\`\`"
	if [ "$n" -gt "$MAX_LINES" ]; then
		md "($((n - MAX_LINES)) more lines: see the job log)"
	fi
}

md "<!-- egress-review -->" "### Egress policy review: \`$POLICY\`" ""
md "Base \`$(git rev-parse --short "$base")\`, pull request \`$(git rev-parse --short "$head")\`." ""

# --- 1. the pull request's policy compiles, and its outputs are current --

compiled=
if [ ! -f "$POLICY" ]; then
	fail "the pull request has no $POLICY"
	md "**Compile:** FAILED: there is no \`$POLICY\`." ""
elif [ ! -f "$RESOLVED" ]; then
	fail "the pull request has no $RESOLVED: compile with --save-resolved $RESOLVED and commit it"
	md "**Compile:** FAILED: there is no \`$RESOLVED\` (compile with \`--save-resolved $RESOLVED\` and commit it)." ""
else
	status=0
	"$EGRESSC" --verify -Werror --hosts-file "$RESOLVED" -O "$work/out" "$POLICY" \
		>"$work/compile.log" 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		compiled=1
		md "**Compile:** passes (\`--verify -Werror\`, hostnames from \`$RESOLVED\`)." ""
	else
		fail "$POLICY does not compile (egressc exit $status)"
		md "**Compile:** FAILED (egressc exit $status):" ""
		block "$work/compile.log"
		md ""
	fi
	cat "$work/compile.log"
fi

recompile="egressc --verify -Werror --hosts-file $RESOLVED -O $OUTPUTS $POLICY"
if [ -z "$OUTPUTS" ]; then
	md "**Checked-in outputs:** none kept (OUTPUTS is empty)." ""
elif [ -z "$compiled" ]; then
	md "**Checked-in outputs \`$OUTPUTS\`:** not compared: the policy did not compile." ""
else
	status=0
	diff -ru "$OUTPUTS" "$work/out" >"$work/outputs.diff" 2>&1 || status=$?
	# diff -ru names the temporary directory: name what it stands for.
	sed -i "s|$work/out|(fresh compile)|g" "$work/outputs.diff"
	if [ "$status" -eq 0 ]; then
		md "**Checked-in outputs \`$OUTPUTS\`:** match the policy." ""
	else
		fail "$OUTPUTS is stale: recompile with '$recompile' and commit it"
		md "**Checked-in outputs \`$OUTPUTS\`:** STALE: recompile with \`$recompile\` and commit them." ""
		block "$work/outputs.diff" diff
		md ""
		cat "$work/outputs.diff"
	fi
fi

# --- 2. what the change lets out differently ----------------------------

# Each side from its own tree: the base in a worktree, so its includes and
# lists are its own. The two are named base/ and pr/ in what diff prints.
git worktree add --quiet --detach "$work/base" "$base"
ln -s "$top" "$work/pr"
old=base/$POLICY
old_hosts=base/$RESOLVED
new=pr/$POLICY
new_hosts=pr/$RESOLVED
md "**What the change lets out differently** (\`egressc diff\`, base → pull request):" ""
if [ ! -f "$work/$old" ]; then
	# A new policy: compared with one that lets nothing out.
	printf '# the base revision has no policy\nessentials off\n' >"$work/base/.egress-review-none.eg"
	old=base/.egress-review-none.eg
	md "The base has no \`$POLICY\`: compared with a policy that lets nothing out." ""
fi
if [ ! -f "$work/$old_hosts" ]; then
	old_hosts=$new_hosts
	md "The base has no \`$RESOLVED\`: its names resolved with the pull request's, so a re-pinned name does not show." ""
fi

status=0
if [ -f "$work/$new" ] && [ -f "$work/$new_hosts" ]; then
	(cd "$work" && "$EGRESSC" diff --old-hosts-file "$old_hosts" --new-hosts-file "$new_hosts" \
		"$old" "$new") >"$work/diff.txt" 2>"$work/diff.err" || status=$?
else
	echo "egress-review: nothing to compare: the pull request has no $POLICY or $RESOLVED" >"$work/diff.err"
	status=2
fi
cat "$work/diff.txt" "$work/diff.err" 2>/dev/null || true

# 0 the same, 1 different, anything else an error: only 0 with nothing
# printed is "no change".
if [ "$status" -eq 0 ] && [ ! -s "$work/diff.txt" ]; then
	md "No change in what is allowed." ""
elif [ "$status" -eq 1 ] && [ -s "$work/diff.txt" ]; then
	block "$work/diff.txt" diff
	md ""
	if grep -q '^!' "$work/diff.txt"; then
		if [ "$OPEN_OK" = true ]; then
			md "**This change lets everything out** (\`!\` above); the label \`$OPEN_LABEL\` accepts it." ""
		else
			fail "the change lets everything out ('!' lines): it needs the label '$OPEN_LABEL'"
			md "**This change lets everything out** (\`!\` above): it fails this check until someone who may adds the label \`$OPEN_LABEL\`." ""
		fi
	fi
else
	fail "egressc diff failed (exit $status): what the change allows is unknown"
	md "FAILED (egressc diff exit $status): what the change allows is unknown." ""
	[ -s "$work/diff.txt" ] && block "$work/diff.txt" diff
	[ -s "$work/diff.err" ] && block "$work/diff.err"
	md ""
fi
if [ "$status" -le 1 ] && [ -s "$work/diff.err" ]; then
	md "egressc said:" ""
	block "$work/diff.err"
	md ""
fi

# --- the verdict ----------------------------------------------------------

if [ ${#failures[@]} -eq 0 ]; then
	md "**Result:** passes."
else
	md "**Result:** FAILED:"
	for f in "${failures[@]}"; do
		md "- $f"
	done
fi

echo
cat "$work/report"
[ -z "$REPORT" ] || cp "$work/report" "$REPORT"
[ -z "${GITHUB_STEP_SUMMARY:-}" ] || cat "$work/report" >>"$GITHUB_STEP_SUMMARY"
[ ${#failures[@]} -eq 0 ]
