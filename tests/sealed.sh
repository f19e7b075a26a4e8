#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# sealed.sh COMMAND [ARG...] - runs COMMAND in a network namespace of its
# own, with loopback up and nothing else, so no test can reach a network
# beyond this machine: a compile that would ask real DNS (a test that
# forgot 'essentials off' or --hosts-file) fails instead of leaking. The
# namespaces tests create with 'ip netns add' are unaffected.
#
# Without root (or without unshare) it says so and runs COMMAND as is.
if [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	exec unshare --net sh -c 'ip link set lo up && exec "$@"' sealed "$@"
fi
echo "sealed.sh: cannot make a network namespace; running unsealed" >&2
exec "$@"
