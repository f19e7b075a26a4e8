# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
#
# cgroup2.sh - run a command where the cgroups a ruleset names exist.
# Source it from bash. nft resolves 'socket cgroupv2' paths under
# /sys/fs/cgroup when it loads a ruleset, and the kernel resolves
# iptables's '-m cgroup --path' in the cgroup v2 hierarchy: a ruleset for
# cgroups loads only where they exist. A machine that mounts only cgroup v1
# still has the v2 hierarchy; it mounts in a private mount namespace.
#
#	cgroup2_paths FILE		the cgroup paths FILE names (a policy,
#					an nft ruleset, an iptables file), a line
#					each
#	cgroup2_wrap PATHS		sets CGROUP2_WRAP to the words that run a
#					command after them in a mount namespace
#					of its own with cgroup2 at /sys/fs/cgroup
#					and each of PATHS (a line each) made, the
#					cgroups it made removed after, deepest
#					first; to none when PATHS is empty. They
#					go after 'ip netns exec NS', which mounts
#					a /sys of its own.
#	cgroup2_make PATH...		make each PATH (and those above it) for
#					commands to come; cgroup2_wrap's then
#					only mounts, and cgroup2_remove takes
#					them away
#	cgroup2_remove PATH...		remove each PATH and what is below it,
#					its processes moved to the root first
#					(for a trap: what cgroup2_wrap's command
#					was killed before it removed)
#
# The cgroups are the v2 hierarchy's, shared by the machine: a name a
# golden case gives is the same in a parallel run, so removing one can
# fail (it is in use) and is not an error.

cgroup2_paths()
{
	sed -n -e 's/.*socket cgroupv2 level [0-9]* "\([^"]*\)".*/\1/p' \
		-e 's/.* -m cgroup --path \([^ ]*\).*/\1/p' \
		-e 's/.* cgroup "\([^"]*\)".*/\1/p' "$1" | sort -u
}

# The script runs under sh -c, so that the mount is its own; the paths
# come in the environment.
# shellcheck disable=SC2016 # expanded by the inner shell
_cgroup2_script='
mount -t cgroup2 none /sys/fs/cgroup || exit 125
made=
for p in $CGROUP2_PATHS; do
	d=
	for name in $(echo "$p" | tr / " "); do
		d=${d:+$d/}$name
		[ -d "/sys/fs/cgroup/$d" ] && continue
		mkdir "/sys/fs/cgroup/$d" || exit 125
		made="$d $made"
	done
done
"$@"
rc=$?
for d in $made; do
	# A process left behind goes back to the root first.
	while read -r pid; do
		echo "$pid" >/sys/fs/cgroup/cgroup.procs
	done <"/sys/fs/cgroup/$d/cgroup.procs" 2>/dev/null
	rmdir "/sys/fs/cgroup/$d" 2>/dev/null
done
exit $rc'

cgroup2_wrap()
{
	CGROUP2_WRAP=()
	[ -n "$1" ] || return 0
	# shellcheck disable=SC2034 # for the script that sourced this
	CGROUP2_WRAP=(env "CGROUP2_PATHS=$1" unshare -m sh -c "$_cgroup2_script" sh)
}

cgroup2_make()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c '
		mount -t cgroup2 none /sys/fs/cgroup || exit 1
		for p; do mkdir -p "/sys/fs/cgroup/$p" || exit 1; done' sh "$@"
}

cgroup2_remove()
{
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m sh -c '
		mount -t cgroup2 none /sys/fs/cgroup || exit 1
		for p; do
			[ -d "/sys/fs/cgroup/$p" ] || continue
			find "/sys/fs/cgroup/$p" -depth -type d | while read -r d; do
				while read -r pid; do
					echo "$pid" >/sys/fs/cgroup/cgroup.procs
				done <"$d/cgroup.procs"
				rmdir "$d"
			done
		done' sh "$@"
}
