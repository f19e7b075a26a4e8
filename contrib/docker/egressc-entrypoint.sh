#!/bin/sh
# The runner image's entrypoint: apply the egress policy as root, failing
# closed, then run the job (the arguments) without the two capabilities
# that could undo it. CAP_NET_ADMIN deletes the table; CAP_NET_RAW sends
# frames past netfilter (raw and packet sockets).
#
#   egressc-entrypoint.sh COMMAND [ARG...]
#
# They leave the bounding set (so no later exec can gain them, not even of
# a setuid-root or file-capability binary), the inheritable and ambient
# sets (so root's exec does not bring them back into the permitted and
# effective sets); no-new-privs makes setuid and file capabilities inert.
# The job keeps its user and every other capability.
#
# If the apply fails, the closed table stays and the job does not run; so
# too if setpriv cannot drop them (dropping from the bounding set needs
# CAP_SETPCAP, which Docker grants by default).
#
# Environment: EGRESSC (default egressc), EGRESSC_DIR (the compiled
# outputs, default /etc/egressc), EGRESSC_APPLY_OPTIONS (more options for
# egressc apply, split on blanks, e.g. "--backend iptables").
set -eu

# shellcheck disable=SC2086 # the options are meant to be split
"${EGRESSC:-egressc}" apply --fail-closed ${EGRESSC_APPLY_OPTIONS:-} \
	"${EGRESSC_DIR:-/etc/egressc}"

exec setpriv --bounding-set=-net_admin,-net_raw \
	--inh-caps=-net_admin,-net_raw --ambient-caps=-net_admin,-net_raw \
	--no-new-privs -- "$@"
