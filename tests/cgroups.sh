#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# cgroups.sh EGRESSC - rules for cgroups, with real traffic: the same
# destination is reached by a process in one cgroup v2 (or in one below
# it) and refused to a process in a sibling cgroup and to one in the root;
# a deny for a cgroup blocks it and those below it only; a container's
# forwarded traffic meets only the rules for everyone. With nft (its
# socket cgroupv2 match, in egress_local), then iptables (its cgroup
# match, in EGRESSC-LOCAL). The client runs in a mount namespace of its
# own with cgroup2 at /sys/fs/cgroup (tests/cgroup2.sh), where the ruleset
# loads and each probe moves itself into its cgroup; the cgroups, named
# with this run's pid, are removed after, on failure too.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"
# shellcheck source-path=SCRIPTDIR source=cgroup2.sh
. "$here/cgroup2.sh"

EGRESSC=${1:?usage: tests/cgroups.sh EGRESSC}
PROBE=$(cd "$(dirname "$PROBE")" && pwd)/$(basename "$PROBE")
testlib_init cgroups

top=egc-$$
cat >"$tmp/policy.eg" <<POLICY
essentials off
default deny
allow 192.0.2.2 port 7001 cgroup "$top/allowed"
deny 192.0.2.2 port 7002 cgroup "$top/denied"
allow 192.0.2.2 port 7002
POLICY

# cgroup ("/": the root) port expect.
cases=(
	"$top/allowed 7001 allow"
	"$top/allowed/child 7001 allow"
	"$top/sibling 7001 deny"
	"$top/allowedx 7001 deny"	# a name that starts alike is a sibling
	"$top 7001 deny"		# the parent
	"/ 7001 deny"
	"$top/denied 7002 deny"
	"$top/denied/child 7002 deny"
	"$top/sibling 7002 allow"
	"/ 7002 allow"
)
# The container's forwarded packets: no socket, no cgroup.
container_cases=("7001 deny" "7002 allow")
paths="$top/allowed/child
$top/denied/child
$top/sibling
$top/allowedx"

verdict_of() { [ "$1" = connected ] && echo allow || echo deny; }
# check_got LABEL CASE...: each case's "CGROUP PORT WANT" against what
# inner.sh wrote to $tmp/got.
check_got() {
	local label=$1 c cg port want got
	shift
	for c; do
		read -r cg port want <<<"$c"
		got=$(awk -v cg="$cg" -v port="$port" '$1 == cg && $2 == port { print $3 }' "$tmp/got")
		expect "$label: a process in cgroup $cg to port $port: $want (got ${got:-nothing})" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
}

# Run in the client's mount namespace: load the backend's files from DIR,
# then a probe per case, each moved into its cgroup first.
cat >"$tmp/inner.sh" <<'INNER'
backend=$1 dir=$2 probe=$3 timeout=$4
shift 4
if [ "$backend" = nft ]; then
	nft -f "$dir/ruleset.nft" || exit 1
else
	{ [ ! -s "$dir/ipsets" ] || ipset restore -exist <"$dir/ipsets"; } &&
	iptables-restore "$dir/rules.v4" && ip6tables-restore "$dir/rules.v6" || exit 1
fi
for c; do
	set -- $c
	cg=${1#/}
	got=$(sh -c 'echo $$ >"/sys/fs/cgroup/$1/cgroup.procs" && exec "$2" tcp 192.0.2.2 "$3" "$4"' \
		sh "$cg" "$probe" "$2" "$timeout" 2>&1 | tr '\n' ' ')
	echo "$1 $2 ${got% }"
done
INNER

# Ours in place of testlib's; netns_setup puts its own ahead of it.
record=
cleanup() { netns_cleanup; cgroup2_remove "$top"; [ -z "$record" ] || rm -f "$record"; testlib_cleanup; }
trap cleanup EXIT

if ! "$EGRESSC" --verify -O "$tmp/out" "$tmp/policy.eg" >"$tmp/log" 2>&1; then
	bad "the policy does not compile"
	indent <"$tmp/log"
	testlib_finish
	exit
fi
netns_setup && netns_add_container && netns_serve 7001,7002 ||
	{ bad "namespace setup failed"; testlib_finish; exit; }

cgroup2_wrap "$(cgroup2_paths "$tmp/policy.eg")
$paths"
for backend in nft iptables; do
	if ! netns_fresh_client >"$tmp/log" 2>&1; then
		bad "$backend: cannot renew the client"
		indent <"$tmp/log"
		continue
	fi
	ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" bash "$tmp/inner.sh" "$backend" "$tmp/out" \
		"$PROBE" "$TCP_TIMEOUT_MS" "${cases[@]}" >"$tmp/got" 2>"$tmp/log"
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$backend: load or probes failed ($rc)"
		indent <"$tmp/log"
		continue
	fi
	check_got "$backend" "${cases[@]}"
	for c in "${container_cases[@]}"; do
		read -r port want <<<"$c"
		got=$(ip netns exec "$NS_CONTAINER" "$PROBE" tcp 192.0.2.2 "$port" "$TCP_TIMEOUT_MS" 2>&1)
		expect "$backend: the container to port $port: $want (got $got)" \
			[ "$(verdict_of "$got")" = "$want" ]
	done
done

# Monitor mode: both connect, and the report says which rule would have
# blocked each - the deny for the cgroup, and the default for a sibling
# the allow for a cgroup does not cover - though recording keeps no
# cgroup.
sed 's/^default deny$/default deny\nmode monitor/' "$tmp/policy.eg" >"$tmp/monitor.eg"
monitor_cases=("$top/denied 7002 allow" "$top/sibling 7001 allow")
for backend in nft iptables; do
	if ! "$EGRESSC" -O "$tmp/monitor" "$tmp/monitor.eg" >"$tmp/log" 2>&1 ||
	   ! netns_fresh_client >"$tmp/log" 2>&1 ||
	   ! ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" bash "$tmp/inner.sh" "$backend" \
		"$tmp/monitor" "$PROBE" "$TCP_TIMEOUT_MS" "${monitor_cases[@]}" >"$tmp/got" 2>"$tmp/log"; then
		bad "$backend: monitor: load or probes failed"
		indent <"$tmp/log"
		continue
	fi
	check_got "$backend: monitor" "${monitor_cases[@]}"
	ip netns exec "$NS_CLIENT" "$EGRESSC" report --backend "$backend" --dns-log /dev/null \
		--format json "$tmp/monitor.eg" >"$tmp/report.json" 2>"$tmp/log"
	got=$(/usr/bin/python3 -c '
import json, sys
for d in json.load(open(sys.argv[1]))["destinations"]:
    if d["address"] == "192.0.2.2":
        print(d["port"], d["verdict"], d["decided_by"])' "$tmp/report.json" 2>&1 | sort)
	expect "$backend: monitor: the report names the cgroup's deny for 7002 (got $got)" \
		grep -q '^7002 would-block .*deny_1' <<<"$got"
	expect "$backend: monitor: the report names the default for 7001 (got $got)" \
		grep -q '^7001 would-block .*default' <<<"$got"
done

# apply with a cgroup this machine does not have (a service not started
# yet): its rule matches no process, so apply leaves it out, says so, and
# loads the rest (nft would refuse the whole ruleset, "cgroupv2 path
# fails"; iptables "Invalid argument").
sed 's|cgroup "'"$top"'/denied"|cgroup "'"$top"'/missing"|' "$tmp/policy.eg" >"$tmp/missing.eg"
cgroup2_wrap "$top/allowed"
for backend in nft iptables; do
	: >"$tmp/hosts"
	netns_fresh_client >/dev/null 2>&1
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" \
		sh -c 'probe=$1 timeout=$2; shift 2; "$@" && exec "$probe" tcp 192.0.2.2 7002 "$timeout"' \
		sh "$PROBE" "$TCP_TIMEOUT_MS" "$EGRESSC" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" --dnsmasq-restart true \
		"$tmp/missing.eg" >"$tmp/log" 2>&1
	rc=$?
	expect "$backend: apply loads a policy for a missing cgroup (exit $rc)" [ $rc -eq 0 ]
	expect "$backend: apply names the missing cgroup's rule it left out" \
		grep -q "cgroup '$top/missing' does not exist here: its rule matches no process" "$tmp/log"
	expect "$backend: the rest is loaded: the root connects to 7002" grep -q '^connected$' "$tmp/log"
	got=$(ip netns exec "$NS_CLIENT" sh -c 'nft list ruleset; iptables-save' 2>&1 |
	      grep -c "cgroup.*$top/missing")
	expect "$backend: no rule for the missing cgroup is loaded (got $got)" [ "$got" = 0 ]
	rm -f "/run/egressc/local-chain.net$(ip netns exec "$NS_CLIENT" stat -L -c %i /proc/self/ns/net)"
done

# The agent keeps the rules bound to a cgroup made again (a service
# restarted): a deny for cgroup X beside an allow for everyone, and an
# allow for X. X made again before the agent starts gets past the deny
# until the agent's start binds it. Then X is removed (the agent loads
# the chain without X's rules, which match no process, and says so) and
# made again, a process put in the new X; the agent's journal says it
# bound X again (waited for, with a bound), and then the
# new X is refused, a sibling still connects and X's allow works. Once
# more, for a second restart. Then a newer policy is applied beside the
# running agent: a cgroup made again then leaves the newer chain alone.
# The window from the mkdir to the journal line is logged, not asserted.
cat >"$tmp/remade.eg" <<POLICY
essentials off
default deny
deny 192.0.2.2 port 7002 cgroup "$top/remade"
allow 192.0.2.2 port 7002
allow 192.0.2.2 port 7001 cgroup "$top/remade"
POLICY
# The newer policy: X's deny is gone, everything else stays.
sed '/^deny /d' "$tmp/remade.eg" >"$tmp/newer.eg"

# In the client, in a mount namespace with cgroup2 at /sys/fs/cgroup.
in_v2() {
	ip netns exec "$NS_CLIENT" unshare -m sh -c \
		'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$@"
}
# from CGROUP PORT: a probe from a process in CGROUP.
from() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_v2 sh -c 'echo $$ >"/sys/fs/cgroup/$1/cgroup.procs" && exec "$2" tcp 192.0.2.2 "$3" "$4"' \
		sh "$1" "$PROBE" "$2" "$TCP_TIMEOUT_MS" 2>&1 | tr '\n' ' ' | sed 's/ $//'
}
# until_log SECONDS COUNT PATTERN: waits until the agent's log has COUNT
# lines matching PATTERN; polled every 10 ms.
until_log() {
	local i
	for ((i = 0; i < $1 * 100; i++)); do
		[ "$(grep -c -- "$3" "$tmp/agent.log")" -ge "$2" ] && return 0
		sleep 0.01
	done
	return 1
}
now_ms() { date +%s%3N; }
# remake N: X removed (its processes moved out first), then, once the
# agent has left its rules out, made again; waits for the N-th rebind
# (the start's bind was the first line binding X).
remake() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_v2 sh -c 'd=/sys/fs/cgroup/$1
		while read -r pid; do echo "$pid" >/sys/fs/cgroup/cgroup.procs; done <"$d/cgroup.procs"
		rmdir "$d"' sh "$top/remade"
	expect "$backend: the agent leaves the removed cgroup's rules out" \
		until_log 10 "$1" "'$top/remade' is gone: its rules left out"
	got=$(from "$top/sibling" 7002)
	expect "$backend: restart $1: X gone, a sibling connects (got $got)" \
		[ "$(verdict_of "$got")" = allow ]
	local t0 t1
	t0=$(now_ms)
	in_v2 mkdir "/sys/fs/cgroup/$top/remade"
	if until_log 10 "$(($1 + 1))" "'$top/remade' bound to cgroup [0-9]*"; then
		t1=$(now_ms)
		ok
		echo "$backend: restart $1: bound again $((t1 - t0)) ms after the mkdir"
	else
		bad "$backend: no journal line for binding '$top/remade' again"
	fi
}
# start_agent [OPTION...] POLICY: the agent for $backend in the client,
# with cgroup2 mounted, logging to $tmp/agent.log; its pid in $agent_pid.
# Not through in_v2: $! is then the agent's own pid (each word execs).
start_agent() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	ip netns exec "$NS_CLIENT" unshare -m sh -c \
		'mount -t cgroup2 none /sys/fs/cgroup && exec "$@"' sh "$EGRESSC" agent \
		--backend "$backend" --socket "$tmp/agent.sock" --state "$tmp/agent.state" \
		"$@" >>"$tmp/agent.log" 2>&1 &
	agent_pid=$!
	NETNS_PIDS+=("$agent_pid")
}
rebinds() {
	in_v2 "$EGRESSC" stats --backend "$backend" --agent-state "$tmp/agent.state" \
		"$tmp/remade.eg" 2>&1 | awk '$1 == "egressc_cgroup_rebinds_total" { print $2 }'
}

for backend in nft iptables; do
	: >"$tmp/hosts"
	: >"$tmp/agent.log"
	cgroup2_remove "$top/remade" "$top/sibling"
	cgroup2_make "$top/remade" "$top/sibling"
	netns_fresh_client >/dev/null 2>&1
	# apply's record of the chain, which the agent compares (a file per
	# network namespace): gone with the test, on failure too.
	record=/run/egressc/local-chain.net$(ip netns exec "$NS_CLIENT" stat -L -c %i /proc/self/ns/net)
	applied() {
		in_v2 "$EGRESSC" apply --backend "$backend" --hosts-path "$tmp/hosts" \
			--dnsmasq-path "$tmp/dnsmasq.conf" --dnsmasq-restart true "$1" >"$tmp/log" 2>&1
	}
	if ! applied "$tmp/remade.eg"; then
		bad "$backend: apply failed"
		indent <"$tmp/log"
		continue
	fi
	# X made again before the agent starts: the loaded deny holds the
	# old X, and the new one gets out (the fail-open the agent closes).
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_v2 sh -c 'rmdir "$1" && mkdir "$1"' sh "/sys/fs/cgroup/$top/remade"
	got=$(from "$top/remade" 7002)
	expect "$backend: without the agent, a new X gets past its deny (got $got)" \
		[ "$(verdict_of "$got")" = allow ]
	start_agent "$tmp/remade.eg"
	expect "$backend: the agent binds the cgroups when it starts" \
		until_log 10 1 "loaded again: '$top/remade' bound to cgroup [0-9]*$"
	got=$(from "$top/remade" 7002)
	expect "$backend: the agent's start binds the new X: refused (got $got)" \
		[ "$(verdict_of "$got")" = deny ]
	for n in 1 2; do
		remake "$n"
		got=$(from "$top/remade" 7002)
		expect "$backend: restart $n: the new X is refused by its deny (got $got)" \
			[ "$(verdict_of "$got")" = deny ]
		got=$(from "$top/sibling" 7002)
		expect "$backend: restart $n: a sibling still connects (got $got)" \
			[ "$(verdict_of "$got")" = allow ]
		got=$(from "$top/remade" 7001)
		expect "$backend: restart $n: X's allow works in the new X (got $got)" \
			[ "$(verdict_of "$got")" = allow ]
	done
	# iptables: what the deny blocked is counted in its own chain (what
	# report reads), untouched by the loads of EGRESSC-LOCAL: the
	# start's probe and each restart's, one SYN each.
	if [ "$backend" = iptables ]; then
		got=$(ip netns exec "$NS_CLIENT" iptables-save -c -t filter |
		      sed -n 's/^\[\([0-9]*\):[0-9]*\] -A EGRESSC-deny_1 .*/\1/p')
		expect "$backend: the deny's counter counts across the loads (got ${got:-nothing}, want 3)" \
			[ "${got:-0}" -ge 3 ]
	fi
	got=$(rebinds)
	expect "$backend: stats counts the start's bind and two rebinds, each after a load without X (got ${got:-nothing})" \
		[ "${got:-0}" = 5 ]

	# A newer policy, applied under the running agent's feet: the agent's
	# chain is not what apply loaded, and it stays the newer one's.
	if ! applied "$tmp/newer.eg"; then
		bad "$backend: apply of the newer policy failed"
		indent <"$tmp/log"
	fi
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_v2 sh -c 'rmdir "$1" && mkdir "$1"' sh "/sys/fs/cgroup/$top/remade"
	expect "$backend: the agent leaves a newer policy's chain alone" \
		until_log 10 1 "not the policy this agent compiled"
	got=$(from "$top/remade" 7002)
	expect "$backend: the newer policy holds: X connects (got $got)" \
		[ "$(verdict_of "$got")" = allow ]
	kill "$agent_pid"
	wait "$agent_pid" 2>/dev/null
	[ "$fail" -eq 0 ] || indent <"$tmp/agent.log"
	in_v2 "$EGRESSC" apply --remove --hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" \
		--dnsmasq-restart true >/dev/null 2>&1
	expect "$backend: apply --remove takes the record away" [ ! -e "$record" ]
done
# A refresh round waiting on DNS does not hold up the binding: with the
# names' server answering no query (a round then takes minutes), X made
# again is bound within seconds all the same (nft).
backend=nft
cgroup2_remove "$top/remade" "$top/sibling"
cgroup2_make "$top/remade" "$top/sibling"
netns_fresh_client >/dev/null 2>&1
cat "$tmp/remade.eg" >"$tmp/named.eg"
for n in 1 2 3 4; do
	echo "allow n$n.pkg.example port 443" >>"$tmp/named.eg"
	echo "203.0.113.5$n n$n.pkg.example" >>"$tmp/named.hosts"
done
: >"$tmp/agent.log"
if in_v2 "$EGRESSC" apply --backend nft --hosts-file "$tmp/named.hosts" --hosts-path "$tmp/hosts" \
	--dnsmasq-path "$tmp/dnsmasq.conf" --dnsmasq-restart true "$tmp/named.eg" >"$tmp/log" 2>&1 &&
   ip netns exec "$NS_CLIENT" ip link set lo up; then
	# A server that takes every query and answers none (a drop in the
	# output path would fail the send at once).
	ip netns exec "$NS_CLIENT" /usr/bin/python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5353))
time.sleep(600)' &
	NETNS_PIDS+=("$!")
	start_agent --hosts-file "$tmp/named.hosts" --refresh --refresh-min 1s --refresh-max 1s \
		--resolver 127.0.0.1:5353 "$tmp/named.eg"
	expect "DNS unanswered: the agent binds at its start" until_log 10 1 "'$top/remade' bound to cgroup"
	sleep 2		# into the refresh round that waits on DNS
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_v2 sh -c 'rmdir "$1" && mkdir "$1"' sh "/sys/fs/cgroup/$top/remade"
	expect "DNS unanswered: X made again is bound within seconds" \
		until_log 15 2 "'$top/remade' bound to cgroup"
	got=$(from "$top/remade" 7002)
	expect "DNS unanswered: the new X is refused by its deny (got $got)" \
		[ "$(verdict_of "$got")" = deny ]
	kill "$agent_pid"
	wait "$agent_pid" 2>/dev/null
	[ "$fail" -eq 0 ] || indent <"$tmp/agent.log"
else
	bad "DNS unanswered: apply or the black hole failed"
	indent <"$tmp/log"
fi
in_v2 "$EGRESSC" apply --remove --hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" \
	--dnsmasq-restart true >/dev/null 2>&1

# Where /sys/fs/cgroup is no cgroup v2 (ip netns exec mounts a sysfs of its
# own), the agent says it cannot see the cgroups, and serves on.
: >"$tmp/agent.log"
ip netns exec "$NS_CLIENT" "$EGRESSC" agent --backend iptables --socket "$tmp/agent.sock" \
	--state "$tmp/agent.state" "$tmp/remade.eg" >>"$tmp/agent.log" 2>&1 &
agent_pid=$!
NETNS_PIDS+=("$agent_pid")
expect "without cgroup v2 the agent says it cannot see the cgroups" \
	until_log 10 1 "cgroup v2 is not mounted at /sys/fs/cgroup"
expect "without cgroup v2 the agent serves on" until_log 10 1 "listening on"
kill "$agent_pid"
wait "$agent_pid" 2>/dev/null
cgroup2_remove "$top"

# Nothing of ours is left in the v2 hierarchy.
left=$(unshare -m sh -c 'mount -t cgroup2 none /sys/fs/cgroup && ls -d /sys/fs/cgroup/'"$top"'* 2>/dev/null')
expect "the cgroups are removed (left: ${left:-none})" [ -z "$left" ]
testlib_finish
