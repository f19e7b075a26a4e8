#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# report.sh EGRESSC - monitor mode that tells what to allow, proven with
# real traffic and real DNS: the kernel's recording ('record'), the
# dnsmasq fragment's query log, 'egressc report' (its counts asserted
# against what was sent), 'egressc report --suggest' (applied, enforced,
# probed) and 'egressc stats' (read by prometheus_client's parser).
#
#   PROBE=build/tests/probe tests/report.sh build/egressc
#
# A monitor-mode policy under DNS lockdown is compiled and loaded by each
# backend in turn (nft, then ipsets + iptables), each into a fresh client.
# The server runs a dnsmasq that answers the job's 30 names (some sharing an
# address, some IPv6 only) on 192.0.2.53, the policy's resolver, and
# "probe serve" on every address. The client runs the compiled dnsmasq
# fragment on 127.0.0.1, logging to a file of the test's own (the fragment's
# log-facility line is pointed there). The job resolves each name through
# it and connects a known number of times, TCP or UDP, from the client or
# from a container behind a bridge (the forward path); report must list
# each destination with exactly the packets sent (one a connection: monitor
# mode accepts the rest of a connection as established) and every name
# that resolved to its address.
#
# Then, with nft: 20,000 new connections to 2,000 destinations in a burst
# are all counted, none lost; a table limited to 100 destinations records
# 100 and counts the rest as overflow; and the policy with report
# --suggest's lines, enforced, lets every destination seen through and
# blocks another port of the same addresses and an unseen name.
#
# Needs root, iproute2, nft, ipset, iptables-nft, dnsmasq, dig and
# /usr/bin/python3 with python3-prometheus-client.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
egressc=${1:?usage: PROBE=build/tests/probe tests/report.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"
PY=/usr/bin/python3

testlib_init report

RESOLVER=192.0.2.53
PORTS=443,8080,5353,9
ALLOWED_V4=198.51.100.200	# allowed.job.test: the policy allows port 443
NPM_V4=198.51.100.140		# registry.npmjs.org: a stdlib module's name
UNSEEN_V4=198.51.100.199	# unseen.job.test: resolvable, never contacted

# The job: NAME V4 V6 PROTO PORT COUNT WHERE. A "-" address: none. WHERE is
# the client, or the container (the forward path).
JOB="
n01 198.51.100.101 - tcp 443 1 client
n02 198.51.100.102 - tcp 443 2 client
n03 198.51.100.103 - tcp 443 3 client
n04 198.51.100.104 - tcp 8080 1 client
n05 198.51.100.105 - tcp 8080 2 client
n06 198.51.100.106 - tcp 443 1 client
n07 198.51.100.107 - tcp 443 2 client
n08 198.51.100.108 - tcp 443 1 client
n09 198.51.100.109 - tcp 443 1 client
n10 203.0.113.10 - tcp 9 2 client
n11 198.51.100.111 - tcp 443 2 client
n12 198.51.100.111 - tcp 443 2 client
n13 198.51.100.113 - tcp 443 1 client
n14 198.51.100.113 - tcp 8080 2 client
n15 - 2001:db8:100::115 tcp 443 1 client
n16 - 2001:db8:100::116 tcp 443 2 client
n17 - 2001:db8:100::117 tcp 443 1 client
n18 - 2001:db8:100::118 tcp 8080 1 client
n19 - 2001:db8:100::119 tcp 443 2 client
n20 - 2001:db8:100::120 tcp 443 1 client
n21 198.51.100.121 - udp 5353 2 client
n22 198.51.100.122 - udp 5353 1 client
n23 198.51.100.123 - udp 5353 2 client
n24 198.51.100.124 - udp 5353 1 client
n25 - 2001:db8:100::125 udp 5353 2 client
n26 - 2001:db8:100::126 udp 5353 1 client
n27 198.51.100.127 - tcp 443 2 container
n28 198.51.100.128 - tcp 8080 1 container
n29 - 2001:db8:100::129 tcp 443 2 container
n30 198.51.100.130 - udp 5353 2 container
"

policy=$tmp/policy.eg
cat >"$policy" <<EOT
# The job's policy while it is watched: what would it block?
essentials off
mode monitor
resolver $RESOLVER
allow allowed.job.test port 443
deny 203.0.113.0/24 port 9
EOT

# The zone, as a hosts file (for compiling) and as the server's dnsmasq
# configuration; the addresses the server owns.
: >"$tmp/zone.hosts"
: >"$tmp/server.conf"
addrs=("$ALLOWED_V4" "$UNSEEN_V4" "$NPM_V4")
{
	echo "host-record=allowed.job.test,$ALLOWED_V4"
	echo "host-record=unseen.job.test,$UNSEEN_V4"
	echo "host-record=registry.npmjs.org,$NPM_V4"
} >>"$tmp/server.conf"
printf '%s\tallowed.job.test\n%s\tunseen.job.test\n%s\tregistry.npmjs.org\n' \
	"$ALLOWED_V4" "$UNSEEN_V4" "$NPM_V4" >>"$tmp/zone.hosts"
while read -r name v4 v6 _; do
	[ -n "$name" ] || continue
	for a in $v4 $v6; do
		[ "$a" = - ] && continue
		echo "host-record=$name.job.test,$a" >>"$tmp/server.conf"
		printf '%s\t%s.job.test\n' "$a" "$name" >>"$tmp/zone.hosts"
		addrs+=("$a")
	done
done <<<"$JOB"

# What report must say: "ADDRESS PROTO PORT PACKETS NAMES", a line per
# destination, the names every name of the zone with that address.
declare -A want_packets want_names
while read -r name v4 v6 proto port count _; do
	[ -n "$name" ] || continue
	for a in $v4 $v6; do
		[ "$a" = - ] && continue
		key="$a $proto $port"
		want_packets[$key]=$((${want_packets[$key]:-0} + count))
	done
done <<<"$JOB"
for key in "${!want_packets[@]}"; do
	addr=${key%% *}
	names=$(awk -v a="$addr" '$1 == a { print $2 }' "$tmp/zone.hosts" | sort | paste -sd,)
	echo "$key ${want_packets[$key]} $names"
done | sort >"$tmp/want"
echo "$NPM_V4 tcp 443 1 registry.npmjs.org" >>"$tmp/want"

DNS_PIDS=()

# start_dns NS ADDR CONF LOG: dnsmasq in NS on port 53 of ADDR with CONF,
# as user dnsmasq (the policy's forwarder); waits until it listens.
start_dns()
{
	local pid i

	ip netns exec "$1" dnsmasq --keep-in-foreground --conf-file="$3" --user=dnsmasq \
		--port=53 --listen-address="$2" --bind-interfaces --no-hosts \
		--pid-file="$tmp/dns-$2.pid" </dev/null >>"$4" 2>&1 &
	pid=$!
	DNS_PIDS+=("$pid")
	for ((i = 0; i < 100; i++)); do
		[ -n "$(ip netns exec "$1" ss -Hlnu "src $2:53")" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	echo "report: dnsmasq on $2 did not start:" >&2
	indent <"$4" >&2
	return 1
}

stop_dns()
{
	local pid

	for pid in "${DNS_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	DNS_PIDS=()
}
trap 'stop_dns; netns_cleanup; testlib_cleanup' EXIT

# job: the job's lookups and connections; each lookup must answer.
job()
{
	local name v4 v6 proto port count where a type i got ns

	while read -r name v4 v6 proto port count where; do
		[ -n "$name" ] || continue
		for a in $v4 $v6; do
			[ "$a" = - ] && continue
			type=A
			[ "$a" = "${a#*:}" ] || type=AAAA
			got=$(ip netns exec "$NS_CLIENT" dig +short +tries=1 +time=2 @127.0.0.1 \
				"$name.job.test" "$type")
			[ "$got" = "$a" ] || bad "dig $name.job.test $type: '$got', not $a"
			ns=$NS_CLIENT
			[ "$where" = container ] && ns=$NS_CONTAINER
			for ((i = 0; i < count; i++)); do
				got=$(ip netns exec "$ns" "$PROBE" "$proto" "$a" "$port" 1500 2>&1)
				case $got in
				connected | echoed) ;;
				*) bad "monitor mode: $proto $a $port from the $where: $got" ;;
				esac
			done
		done
	done <<<"$JOB"
	# A stdlib module's name, once.
	got=$(ip netns exec "$NS_CLIENT" dig +short +tries=1 +time=2 @127.0.0.1 registry.npmjs.org A)
	[ "$got" = "$NPM_V4" ] || bad "dig registry.npmjs.org: '$got', not $NPM_V4"
	reaches "monitor mode: registry.npmjs.org" "$NPM_V4" 443
	# Allowed: connects, and is not recorded.
	for ((i = 0; i < 2; i++)); do
		reaches "the allowed name" "$ALLOWED_V4" 443
	done
}

if ! netns_setup || ! netns_add_container || ! netns_add_server_addr "${addrs[@]}" ||
   ! netns_serve "$PORTS"; then
	bad "cannot set up the namespaces"
	testlib_finish
	exit
fi
netns_add_server_addr "$RESOLVER"
if ! start_dns "$NS_SERVER" "$RESOLVER" "$tmp/server.conf" "$tmp/server.log"; then
	bad "the server's dnsmasq does not start"
	testlib_finish
	exit
fi

run --hosts-file "$tmp/zone.hosts" -O "$tmp/out" "$policy"
exit_is "compile the monitor-mode policy" 0

# report_check BACKEND: the job's report from BACKEND's recording.
report_check()
{
	local b=$1

	ip netns exec "$NS_CLIENT" "$egressc" report --backend "$b" --hosts-file "$tmp/zone.hosts" \
		--dns-log "$tmp/client-$b.log" --format json "$policy" >"$tmp/report-$b.json" \
		2>"$tmp/stderr"
	rc=$?
	exit_is "$b: report --format json" 0 "$tmp/stderr"
	if $PY "$here/report/check.py" "$tmp/want" "$tmp/report-$b.json" ff02:: >"$tmp/check.out" 2>&1; then
		ok
	else
		bad "$b: the report does not list what the job sent:"
		indent <"$tmp/check.out"
	fi
	# Every name the job asked but allowed.job.test would be refused.
	got=$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["dns_refused"]))' \
		"$tmp/report-$b.json")
	expect "$b: lockdown would refuse the job's 31 names (got $got)" [ "$got" = 31 ]
	expect "$b: the allowed name is not refused" not_grep '"allowed.job.test"' \
		"$tmp/report-$b.json"
	ip netns exec "$NS_CLIENT" "$egressc" report --backend "$b" --hosts-file "$tmp/zone.hosts" \
		--dns-log "$tmp/client-$b.log" "$policy" >"$tmp/report-$b.txt" 2>"$tmp/stderr"
	rc=$?
	exit_is "$b: report (text)" 0 "$tmp/stderr"
	expect "$b: the text report names the shared address's two names" \
		grep -q '^n11.job.test, n12.job.test  *198.51.100.111  *tcp  *443  *4 ' "$tmp/report-$b.txt"
	if grep -q "^n10.job.test .* would-block  *deny_2 $policy:6\$" "$tmp/report-$b.txt"; then
		ok
	else
		bad "$b: the text report says what decided a deny:"
		indent <"$tmp/report-$b.txt"
	fi
	ip netns exec "$NS_CLIENT" "$egressc" report --backend "$b" --hosts-file "$tmp/zone.hosts" \
		--dns-log "$tmp/client-$b.log" --format markdown "$policy" >"$tmp/report-$b.md" 2>"$tmp/stderr"
	rc=$?
	exit_is "$b: report --format markdown" 0 "$tmp/stderr"
	got=$(grep -c '^| [a-z][a-z0-9-]*\.' "$tmp/report-$b.md")
	if [ "$got" = "$(wc -l <"$tmp/want")" ]; then ok; else
		bad "$b: markdown has a table row per destination ($got):"
		indent <"$tmp/report-$b.md"
	fi
}

not_grep() { ! grep -q "$1" "$2"; }

for backend in nft iptables; do
	netns_fresh_client
	frag=dnsmasq.conf
	if [ "$backend" = nft ]; then
		load_nft "$tmp/out" || bad "nft: the ruleset does not load"
	else
		frag=dnsmasq-ipset.conf
		load_iptables "$tmp/out" || bad "iptables: the rules do not load"
	fi
	: >"$tmp/client-$backend.log"
	chmod 666 "$tmp/client-$backend.log"
	sed "s|^log-facility=.*|log-facility=$tmp/client-$backend.log|" "$tmp/out/$frag" \
		>"$tmp/client-$backend.conf"
	stop_dns
	start_dns "$NS_SERVER" "$RESOLVER" "$tmp/server.conf" "$tmp/server.log" &&
	start_dns "$NS_CLIENT" 127.0.0.1 "$tmp/client-$backend.conf" "$tmp/client-$backend.out" ||
		bad "$backend: dnsmasq does not start"

	# Before the job: nothing recorded yet.
	ip netns exec "$NS_CLIENT" "$egressc" report --backend "$backend" \
		--hosts-file "$tmp/zone.hosts" --dns-log "$tmp/none.log" "$policy" >"$tmp/stdout" 2>&1
	rc=$?
	exit_is "$backend: report before the job" 0
	# The kernel's own multicast listener reports (ff02::16) may be there.
	expect "$backend: report says nothing was recorded" \
		not_grep '^[a-z0-9-]*  *[0-9]' "$tmp/stdout"
	expect "$backend: report says there is no DNS log" grep -q '^note: no DNS log' "$tmp/stdout"

	job
	report_check "$backend"

	if [ "$backend" = nft ]; then
		# stats: read by prometheus_client's parser, equal to nft's own counters.
		ip netns exec "$NS_CLIENT" "$egressc" stats --hosts-file "$tmp/zone.hosts" "$policy" \
			>"$tmp/stats.prom" 2>"$tmp/stderr"
		rc=$?
		exit_is "stats" 0 "$tmp/stderr"
		for c in deny_1 deny_2 default; do
			ip netns exec "$NS_CLIENT" nft list counter inet egressc "$c" |
				awk -v c="$c" '/packets/ { print c, $2, $4 }'
		done >"$tmp/counters"
		if $PY "$here/report/stats.py" "$tmp/stats.prom" "$tmp/counters" >"$tmp/check.out" 2>&1; then
			ok
		else
			bad "stats disagree with nft's counters:"
			indent <"$tmp/check.out"
		fi
		expect "stats: the recorded destinations" \
			grep -qx "egressc_recorded_destinations $($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["destinations"]))' "$tmp/report-nft.json")" "$tmp/stats.prom"
		# The same counters as JSON, read by Python's own parser.
		ip netns exec "$NS_CLIENT" "$egressc" stats --format json --hosts-file "$tmp/zone.hosts" \
			"$policy" >"$tmp/stats.json" 2>"$tmp/stderr"
		rc=$?
		exit_is "stats --format json" 0 "$tmp/stderr"
		got=$($PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
for c in s["counters"]:
    print(c["rule"], c["packets"], c["bytes"])
print("destinations", s["recorded_destinations"] == len(report["destinations"]), s["mode"])' \
			"$tmp/stats.json" "$tmp/report-nft.json" 2>&1)
		want=$(cat "$tmp/counters"; echo "destinations True monitor")
		expect "stats --format json: the kernel's counters and the recorded destinations" \
			[ "$got" = "$want" ]
		# What no rule could allow alone (a ping), and what holds no
		# service (a multicast group): reported, never suggested.
		ip -n "$NS_CLIENT" route add 239.1.2.3/32 dev eth0
		ip netns exec "$NS_CLIENT" $PY -c '
import socket
icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
icmp.sendto(b"\x08\x00\xf7\xff\x00\x00\x00\x00", ("198.51.100.250", 0))  # an echo request
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.sendto(b"x", ("239.1.2.3", 9))' || bad "cannot send the ping and the multicast datagram"
		ip netns exec "$NS_CLIENT" "$egressc" report --suggest --hosts-file "$tmp/zone.hosts" \
			--dns-log "$tmp/client-nft.log" "$policy" >"$tmp/suggest.eg" 2>"$tmp/stderr"
		rc=$?
		exit_is "report --suggest" 0 "$tmp/stderr"
		expect "--suggest: a ping is reported, not suggested" \
			grep -q '^# Not suggested: .*198\.51\.100\.250 icmp, neither tcp nor udp' "$tmp/suggest.eg"
		expect "--suggest: a multicast group is reported, not suggested" \
			grep -q '^# Not suggested: .*239\.1\.2\.3 udp, a multicast address' "$tmp/suggest.eg"
		expect "--suggest: no line for either" not_grep '^allow \(198\.51\.100\.250\|239\.1\.2\.3\)' \
			"$tmp/suggest.eg"
		# --wildcards N: a domain with N names or more seen below it is
		# one '*.DOMAIN' line; below the threshold, names stay names.
		for n in 3 1000; do
			ip netns exec "$NS_CLIENT" "$egressc" report --suggest --wildcards "$n" \
				--hosts-file "$tmp/zone.hosts" --dns-log "$tmp/client-nft.log" "$policy" \
				>"$tmp/suggest-$n.eg" 2>"$tmp/stderr"
			rc=$?
			exit_is "report --suggest --wildcards $n" 0 "$tmp/stderr"
		done
		expect "--wildcards 3: the job's domain is a wildcard" grep -q '^allow \*\.job\.test ' "$tmp/suggest-3.eg"
		expect "--wildcards 3: no name of it is left" not_grep '^allow n[0-9]*\.job\.test ' "$tmp/suggest-3.eg"
		expect "--wildcards 1000: no wildcard" not_grep '^allow \*\.' "$tmp/suggest-1000.eg"
		expect "--wildcards 1000: the names as without it" cmp -s "$tmp/suggest.eg" "$tmp/suggest-1000.eg"

		# The burst: 2,000 destinations, 10 new connections each.
		sent=$(ip netns exec "$NS_CLIENT" $PY "$here/report/burst.py" 203.0.113 200 20001 10 10)
		expect "the burst sent 20000 datagrams (sent $sent)" [ "$sent" = 20000 ]
		ip netns exec "$NS_CLIENT" "$egressc" report --hosts-file "$tmp/zone.hosts" \
			--dns-log "$tmp/client-nft.log" --format json "$policy" >"$tmp/burst.json" 2>"$tmp/stderr"
		got=$($PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
rows = [d for d in r["destinations"] if d["address"].startswith("203.0.113.") and d["port"] >= 20001]
print(len(rows), sum(d["packets"] for d in rows), min(d["packets"] for d in rows),
      r["overflow_packets"])' "$tmp/burst.json")
		expect "the burst: 2000 destinations, 20000 packets, 10 each, no overflow (got $got)" \
			[ "$got" = "2000 20000 10 0" ]
	fi
	stop_dns
done

# Overflow: a table of 100 destinations; 150 of them, twice each.
netns_fresh_client
sed 's/^mode monitor$/mode monitor\nrecord blocked limit 100/' "$policy" >"$tmp/small.eg"
run --hosts-file "$tmp/zone.hosts" -O "$tmp/small" "$tmp/small.eg"
exit_is "compile the small recording" 0
load_nft "$tmp/small" || bad "the small recording does not load"
ip netns exec "$NS_CLIENT" $PY "$here/report/burst.py" 203.0.113 150 30000 1 2 >/dev/null
ip netns exec "$NS_CLIENT" "$egressc" report --hosts-file "$tmp/zone.hosts" --dns-log /dev/null \
	--format json "$tmp/small.eg" >"$tmp/small.json" 2>"$tmp/stderr"
got=$($PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
rows = [d for d in r["destinations"] if d["address"].startswith("203.0.113.")]
print(len(rows), sum(d["packets"] for d in rows), r["overflow_packets"])' \
	"$tmp/small.json")
expect "a full table: 100 destinations, 200 packets, 100 overflow (got $got)" [ "$got" = "100 200 100" ]

# The suggestion, appended, enforced.
expect "the suggestion uses the npm module for registry.npmjs.org" grep -qx 'use npm' "$tmp/suggest.eg"
expect "the suggestion names no name the module allows" not_grep 'registry.npmjs.org' "$tmp/suggest.eg"
expect "the suggestion allows a name by name" grep -qx 'allow n02.job.test port 443 proto tcp' "$tmp/suggest.eg"
expect "the suggestion allows both names of a shared address" \
	grep -qx 'allow n12.job.test port 443 proto tcp' "$tmp/suggest.eg"
expect "the suggestion leaves out what a deny rule blocked" \
	grep -q '^# Not suggested: n10.job.test 203.0.113.10 tcp port 9, denied by deny_2' "$tmp/suggest.eg"
run fmt --check "$tmp/suggest.eg"
exit_is "the suggestion passes fmt --check" 0
{ grep -v '^mode monitor$' "$policy"; cat "$tmp/suggest.eg"; } >"$tmp/enforce.eg"
# The module's other names, for the compile only (one address for all).
"$egressc" names "$tmp/enforce.eg" | while read -r name; do
	grep -q "[[:space:]]$name\$" "$tmp/zone.hosts" || printf '198.51.100.141\t%s\n' "$name"
done >>"$tmp/zone.hosts"
run diff --hosts-file "$tmp/zone.hosts" "$policy" "$tmp/enforce.eg"
expect "diff: the suggestion changes what leaves" [ "$rc" = 1 ]
# Against the same policy enforcing without it: exactly the seen traffic.
grep -v '^mode monitor$' "$policy" >"$tmp/enforce-base.eg"
run diff -f json --hosts-file "$tmp/zone.hosts" "$tmp/enforce-base.eg" "$tmp/enforce.eg"
exit_is "diff of the suggestion alone" 1
if $PY "$here/report/diffexact.py" "$tmp/stdout" "$tmp/want" "$tmp/enforce.eg" 203.0.113.10 \
	>"$tmp/check.out" 2>&1; then
	ok
else
	bad "diff: the suggestion opens other than what was seen:"
	sed 's/^/    /' "$tmp/check.out"
fi
run --hosts-file "$tmp/zone.hosts" -O "$tmp/enforce" "$tmp/enforce.eg"
exit_is "compile the policy with the suggestion" 0 "$tmp/stderr"
netns_fresh_client
load_nft "$tmp/enforce" || bad "the enforcing ruleset does not load"
while read -r addr proto port _; do
	got=$(ip netns exec "$NS_CLIENT" "$PROBE" "$proto" "$addr" "$port" 800 2>&1)
	if [ "$addr" = 203.0.113.10 ]; then
		# Blocked by the policy's own deny rule: no suggestion overrides it.
		case $got in connected | echoed) bad "enforced: $proto $addr $port, denied, got through" ;; *) ok ;; esac
	else
		case $got in connected | echoed) ok ;; *) bad "enforced: seen $proto $addr $port: $got" ;; esac
	fi
done <"$tmp/want"
got=$(probe 198.51.100.101 8080)
case $got in connected) bad "enforced: another port of a seen address got through" ;; *) ok ;; esac
got=$(probe "$UNSEEN_V4" 443)
case $got in connected) bad "enforced: an unseen name got through" ;; *) ok ;; esac

testlib_finish
