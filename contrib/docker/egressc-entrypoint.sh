#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The runner image's entrypoint: apply the egress policy as root, failing
# closed, then run the job (the arguments) without the capabilities that
# could undo it. CAP_NET_ADMIN deletes the table; CAP_NET_RAW sends frames
# past netfilter (raw and packet sockets); CAP_SETUID and CAP_SETGID would
# let a root job become the DNS forwarder's user, the one that reaches the
# resolvers under 'resolver' lockdown.
#
#   egressc-entrypoint.sh COMMAND [ARG...]
#
# They leave the bounding set (so no later exec can gain them, not even of
# a setuid-root or file-capability binary), the inheritable and ambient
# sets (so root's exec does not bring them back into the permitted and
# effective sets); no-new-privs makes setuid and file capabilities inert.
# The job keeps every other capability, and runs as root unless
# EGRESSC_JOB_USER names a user (better: it then has no capability at all).
#
# If the apply fails, the closed table stays and the job does not run; so
# too if setpriv cannot drop them (dropping from the bounding set needs
# CAP_SETPCAP, which Docker grants by default).
#
# Environment: EGRESSC (default egressc), EGRESSC_DIR (the compiled
# outputs, default /etc/egressc), EGRESSC_APPLY_OPTIONS (more options for
# egressc apply, split on blanks, e.g. "--backend iptables"),
# EGRESSC_JOB_USER (run the job as this user, with its groups).
set -eu

# shellcheck disable=SC2086 # the options are meant to be split
"${EGRESSC:-egressc}" apply --fail-closed ${EGRESSC_APPLY_OPTIONS:-} \
	"${EGRESSC_DIR:-/etc/egressc}"

caps=-net_admin,-net_raw,-setuid,-setgid
if [ -n "${EGRESSC_JOB_USER:-}" ]; then
	exec setpriv --reuid="$EGRESSC_JOB_USER" \
		--regid="$(id -g "$EGRESSC_JOB_USER")" --init-groups \
		--bounding-set=$caps --inh-caps=$caps --ambient-caps=$caps \
		--no-new-privs -- "$@"
fi
exec setpriv --bounding-set=$caps --inh-caps=$caps --ambient-caps=$caps \
	--no-new-privs -- "$@"
