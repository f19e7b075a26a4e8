#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The runtime commands' command lines, without root or a network: what
# 'egressc dynamic', 'egressc pins' and 'egressc agent' refuse before they
# ask anyone - usage errors exit 2, bad addresses and an agent that is
# not there exit 1 with what is wrong. Their work is tested in namespaces
# (tests/dynamic.sh, tests/pins.sh, tests/refresh.sh).
#
#   tests/runtime-cli.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/runtime-cli.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init runtime-cli

# says WHAT STATUS PATTERN ARGS...: egressc ARGS exits STATUS and says
# PATTERN on stderr.
says() {
	local what=$1 status=$2 pattern=$3
	shift 3
	run "$@"
	exit_is "$what" "$status"
	expect "$what: says '$pattern'" grep -q -- "$pattern" "$tmp/stderr"
}

sock=$tmp/none.sock
says "dynamic without a subcommand" 2 "expected add, del or list" dynamic
says "dynamic: an unknown subcommand" 2 "unknown subcommand 'put'" dynamic put b 192.0.2.1
says "dynamic add without an address" 2 "add takes NAME and at least one ADDR" dynamic add b
says "dynamic list with an address" 2 "list takes one NAME" dynamic list b 192.0.2.1
says "dynamic: --timeout on del" 2 "--timeout is for add" dynamic del --timeout 1m b 192.0.2.1
says "dynamic: a bad --timeout" 2 "not '5x'" dynamic add --timeout 5x b 192.0.2.1
says "dynamic: host bits" 1 "'192.0.2.1/24' cannot be a member of dynamic set 'b': bits are set past the length" \
	dynamic --socket "$sock" add b 192.0.2.1/24
expect "dynamic: a bad address is refused before the agent is asked" \
	bash -c "! grep -q 'cannot reach' '$tmp/stderr'"
says "dynamic: every address" 1 "that is every address" dynamic --socket "$sock" add b 0.0.0.0/0
# Every address in a few entries: all of the IPv6 Internet is one.
says "dynamic: all global IPv6 unicast" 1 "wider than a build network" dynamic --socket "$sock" add b 2000::/3
says "dynamic: an eighth of IPv4" 1 "wider than a build network" dynamic --socket "$sock" add b 192.0.0.0/3
says "dynamic: a /8 is a network still" 1 "cannot reach the egressc agent" dynamic --socket "$sock" add b 10.0.0.0/8
says "dynamic: a /32 of IPv6 too" 1 "cannot reach the egressc agent" dynamic --socket "$sock" add b 2001:db8::/32
says "dynamic: the metadata service" 1 "a link-local address" dynamic --socket "$sock" add b 169.254.169.254
says "dynamic: IPv6 loopback" 1 "a loopback address" dynamic --socket "$sock" add b ::1
says "dynamic: not an address" 1 "not an IPv4 or IPv6 address" dynamic --socket "$sock" add b builder-7
says "dynamic: no agent" 1 "cannot reach the egressc agent at '$sock'" dynamic --socket "$sock" add b 192.0.2.1

says "pins without check" 2 "expected 'check DIR' or 'check POLICY'" pins
says "pins: a policy without --hosts-file" 2 "give --hosts-file" pins check golden/dynamic.eg
says "pins: a directory without a hosts output" 3 "hosts" pins check "$tmp"

says "agent: a bad duration" 2 "not a duration" agent --grace 10 golden/dynamic.eg
says "agent: min above max" 2 "--refresh-min is longer than --refresh-max" agent --refresh-min 2h golden/dynamic.eg
says "agent: an unknown group" 2 "no group" agent --group no-such-group-egressc golden/dynamic.eg
testlib_finish
