# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the test scripts: a scratch directory, optionally a network
# namespace of the script's own, and pass/fail counting that ends in the
# "N passed, M failed" line.
#
#   . tests/lib.sh; testlib_init NAME [netns]; ...; testlib_finish
#
# Between them: expect WHAT COMMAND..., ok, bad WHAT, run ARGS... (egressc),
# exit_is WHAT WANT [LOG...], in_ns COMMAND..., indent.

# Modules ('use NAME', essentials) come from this tree's stdlib/, never
# from a copy installed earlier.
EGRESSC_PATH=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/stdlib
export EGRESSC_PATH

# Sets $tmp (and $ns with 'netns'); both go away when the script exits.
testlib_init() {
	t_name=$1
	pass=0
	fail=0
	ns=
	tmp=$(mktemp -d) || exit 2
	trap testlib_cleanup EXIT
	if [ "${2:-}" = netns ]; then
		ns=egressc-$t_name-$$
		ip netns add "$ns" || { echo "$t_name: cannot create a network namespace"; exit 1; }
	fi
}

testlib_cleanup() {
	[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}

ok() { pass=$((pass + 1)); }

# Failure details, indented under the FAIL line.
indent() { sed 's/^/    /'; }

bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}

# expect WHAT COMMAND...: COMMAND must succeed.
expect() {
	local what=$1
	shift
	if "$@"; then
		ok
	else
		bad "$what"
	fi
}

# Runs $egressc, recording its exit status in $rc, its output in
# $tmp/stdout and $tmp/stderr.
run() {
	"$egressc" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
}

# exit_is WHAT WANT [LOG...]: $rc (as run sets it) is WANT; else the first
# lines of each LOG (by default run's $tmp/stdout and $tmp/stderr), indented.
exit_is() {
	local what=$1 want=$2
	shift 2
	[ $# -gt 0 ] || set -- "$tmp/stdout" "$tmp/stderr"
	if [ "$rc" -eq "$want" ]; then
		ok
	else
		bad "$what: exit $rc, not $want"
		cat "$@" 2>/dev/null | head -10 | indent
	fi
}

# in_ns COMMAND...: COMMAND in the script's own namespace (testlib_init
# NAME netns).
in_ns() { ip netns exec "$ns" "$@"; }

testlib_finish() {
	echo "$t_name: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
