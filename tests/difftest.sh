#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel differential testing: random policies (tests/randpolicy.sh) and
# random probes. Each policy is compiled to nft and to iptables, loaded in
# turn into a client namespace, and every probe is sent to a server
# namespace that owns the probed addresses: from the client (the runner's
# own traffic, its output path) and from a container behind a bridge in
# the client (traffic the runner forwards). Every outcome must be the
# verdict 'egressc query' gives. Then diff is checked against query on
# pairs of policies: empty for a rewrite that means the same, and for two
# random policies, the second with its settings changed too, as
# tests/diffpair.sh says (each setting that differs a line, '!' for those
# that let everything out, address lines exactly when a probe's verdict
# differs, the first naming such a packet); and the
# policy with its IPv4-mapped addresses written as IPv4 is the same
# policy: diff is empty, and query answers every probe the same.
#
# The probes of a policy:
#   - random destinations, often inside the policy's targets, an IPv4 one
#     now and then written IPv4-mapped (::ffff:192.0.2.7: the kernel sends
#     IPv4), at the usual ports, 853, and ports in and around the policy's
#     many-port rules; each from the container, and from the runner as
#     root, as nobody (65534) and as dnsmasq;
#   - with a resolver: DNS (53 and 853, tcp and udp) to each resolver,
#     from the same four;
#   - through nat, from the runner as one of the three: a nat output table
#     in the client, loaded beside the ruleset, sends the runner's own
#     address (192.0.2.1, 2001:db8::1) or an address nothing owns
#     (203.0.113.1, 2001:db8:ff::1), at a port of its own, on to a probed
#     destination and port;
#   - to loopback (127.0.0.1, ::1), where a listener in the client answers.
# Rules may name users and groups (the probes' own: root with group root,
# the others with group nogroup), cgroups (the runner's probes run in one
# each: root's in egc-dt-PID/a, nobody's in egc-dt-PID/a/b, below it,
# dnsmasq's in egc-dt-PID/c; made for the run, in the cgroup v2 hierarchy,
# which the client mounts in a mount namespace of its own to load nft's
# ruleset and send its probes: tests/cgroup2.sh) and sources (the
# container's networks)
# and hold during a window open now or one
# that is not (RP_SENDERS, RP_OPEN, RP_CLOSED: tests/randpolicy.sh): query
# is asked as each probe's user and group, or the container's source, at
# the time it runs.
# The expected verdict is query's for the destination after nat, but for
# the forwarder's user (the resolver's 'user', dnsmasq by default): the
# ruleset lets the forwarder reach the resolvers on 53 and 853 (tcp, udp)
# before any rule, and query has no notion of users, so that exemption is
# this test's own oracle (see 'expected' below; compiler/lockdown.h).
#
#   tests/difftest.sh EGRESSC [POLICIES [PROBES [SEED]]]
# PROBES is the number of random destinations; a policy gets about four
# times as many kernel probes a backend (DIFFTEST_JOBS, 16, at a time).
# A failure prints the seed, the policy and the probe, to replay it.
#@check full $DIFFTEST_CHECK
set -u
egressc=${1:?usage: tests/difftest.sh EGRESSC [POLICIES [PROBES [SEED]]]}
policies=${2:-20}
nprobes=${3:-100}
seed=${4:-1}
jobs=${DIFFTEST_JOBS:-16}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
PROBE=$(cd "$(dirname "${PROBE:?set PROBE to the probe binary}")" && pwd)/$(basename "$PROBE")
. tests/lib.sh
testlib_init difftest
. tests/cgroup2.sh
cgtop=egc-dt-$$
declare -A cg_of=([root]=$cgtop/a [nobody]=$cgtop/a/b [dnsmasq]=$cgtop/c)
RP_CGROUPS=("$cgtop/a" "$cgtop/a/b" "$cgtop/c" "$cgtop/d")
cgroup2_make "${RP_CGROUPS[@]}" || { echo "difftest: cannot make cgroups"; exit 1; }
trap 'cgroup2_remove "$cgtop"; testlib_cleanup' EXIT
# The client's commands that meet the cgroups: in a mount namespace with
# cgroup2 at /sys/fs/cgroup (they exist: it makes none).
cgroup2_wrap "$cgtop"
. tests/netns.sh
. tests/randpolicy.sh
. tests/diffpair.sh
RANDOM=$seed
agree=0
disagree=0
slow=0
shared=0	# policies whose nft ruleset has the shared allow lookup
declare -A disagree_from=([runner]=0 [container]=0)

# Who sends the runner's probes; the ports every policy's probes may use;
# the port of the client's own listener, for loopback.
users=(root nobody dnsmasq)
port_pool=("${probe_ports[@]}" 853)
lo_port=7

rand_proto() {
	REPLY=udp
	[ $((RANDOM % 2)) -eq 0 ] && REPLY=tcp
}

# A probe destination into REPLY: as rand_addr makes them, or inside one
# of the policy's targets; of FAMILY (4 or 6) if given.
probe_dest() { # [FAMILY]
	local t
	if [ ${#RP_TARGETS[@]} -gt 0 ] && [ $((RANDOM % 2)) -eq 0 ]; then
		t=${RP_TARGETS[RANDOM % ${#RP_TARGETS[@]}]}
		case ${1:-}/$t in
		4/*:* | 6/*.*) rand_addr "$1" ;;
		*) rand_host_in "$t" ;;
		esac
	else
		rand_addr "${1:-}"
	fi
}

probe_port() {
	if [ ${#RP_PORTS[@]} -gt 0 ] && [ $((RANDOM % 2)) -eq 0 ]; then
		REPLY=${RP_PORTS[RANDOM % ${#RP_PORTS[@]}]}
	else
		REPLY=${port_pool[RANDOM % ${#port_pool[@]}]}
	fi
}

# Probes: "SIDE USER PROTO ADDR PORT QADDR QPORT" lines. The probe goes to
# ADDR PORT, sent from SIDE (runner or container) as USER (on the runner);
# QADDR QPORT is where it ends, after nat: what query is asked about.
everywhere() { # PROTO ADDR PORT: from the container, from the runner as each user
	local u
	echo "container root $1 $2 $3 $2 $3"
	for u in "${users[@]}"; do
		echo "runner $u $1 $2 $3 $2 $3"
	done
}

once() { # PROTO ADDR PORT: from the container or the runner as one of the users
	local who=$((RANDOM % (1 + ${#users[@]})))
	if [ $who -eq 0 ]; then
		echo "container root $1 $2 $3 $2 $3"
	else
		echo "runner ${users[who - 1]} $1 $2 $3 $2 $3"
	fi
}

# Writes the probes to stdout, and the client's nat table for them to
# $tmp/nat.nft.
make_probes() {
	local proto addr port pre fam i nat4='' nat6=''
	local many many_t many_p many_pr many_targets many_ports many_protos
	local pres=(192.0.2.1 203.0.113.1 2001:db8::1 2001:db8:ff::1) res=()
	for _ in $(seq "$nprobes"); do
		rand_proto
		proto=$REPLY
		if [ ${#RP_MANY[@]} -gt 0 ] && [ $((RANDOM % 2)) -eq 0 ]; then
			# At one of the many-port rules: inside one of its
			# targets, at a port in or around its ports.
			many=${RP_MANY[RANDOM % ${#RP_MANY[@]}]}
			IFS='|' read -r many_t many_p _ <<<"$many"
			read -r -a many_targets <<<"$many_t"
			read -r -a many_ports <<<"$many_p"
			rand_host_in "${many_targets[RANDOM % ${#many_targets[@]}]}"
			addr=$REPLY
			port=${many_ports[RANDOM % ${#many_ports[@]}]}
		else
			probe_dest
			addr=$REPLY
			probe_port
			port=$REPLY
		fi
		[[ $addr != *:* ]] && [ $((RANDOM % 6)) -eq 0 ] && addr=::ffff:$addr
		everywhere "$proto" "$addr" "$port"
	done
	# Every port picked in and around a many-port rule's ports, inside
	# one of its targets, with one of its protocols, once: from the
	# container or from the runner as one of the users.
	for many in "${RP_MANY[@]}"; do
		IFS='|' read -r many_t many_p many_pr <<<"$many"
		read -r -a many_targets <<<"$many_t"
		read -r -a many_protos <<<"$many_pr"
		for port in $many_p; do
			rand_host_in "${many_targets[RANDOM % ${#many_targets[@]}]}"
			once "${many_protos[RANDOM % ${#many_protos[@]}]}" "$REPLY" "$port"
		done
	done
	# DNS to each resolver; an IPv4 one now and then IPv4-mapped.
	for addr in "${RP_RESOLVERS[@]}"; do
		for port in 53 853; do
			for proto in tcp udp; do
				if [[ $addr != *:* ]] && [ $((RANDOM % 3)) -eq 0 ]; then
					everywhere $proto "::ffff:$addr" $port
				else
					everywhere $proto "$addr" $port
				fi
			done
		done
	done
	for i in 1 2 3 4 5 6; do
		pre=${pres[RANDOM % 4]}
		fam=4
		[[ $pre == *:* ]] && fam=6
		rand_proto
		proto=$REPLY
		res=()
		for addr in "${RP_RESOLVERS[@]}"; do
			[[ $addr == *:* ]] && [ $fam = 6 ] && res+=("$addr")
			[[ $addr != *:* ]] && [ $fam = 4 ] && res+=("$addr")
		done
		if [ ${#res[@]} -gt 0 ] && [ $((RANDOM % 3)) -eq 0 ]; then
			addr=${res[RANDOM % ${#res[@]}]}
			port=53
			[ $((RANDOM % 2)) -eq 0 ] && port=853
		else
			probe_dest $fam
			addr=$REPLY
			probe_port
			port=$REPLY
		fi
		echo "runner ${users[RANDOM % 3]} $proto $pre $((40000 + i)) $addr $port"
		if [ $fam = 4 ]; then
			nat4+="		ip daddr $pre $proto dport $((40000 + i)) dnat to $addr:$port"$'\n'
		else
			nat6+="		ip6 daddr $pre $proto dport $((40000 + i)) dnat to [$addr]:$port"$'\n'
		fi
	done
	for addr in 127.0.0.1 ::1; do
		for proto in tcp udp; do
			echo "runner ${users[RANDOM % 3]} $proto $addr $lo_port $addr $lo_port"
		done
	done
	printf 'table %s difftest-nat {\n\tchain output {\n\t\ttype nat hook output priority -100; policy accept;\n%s\t}\n}\n' \
		ip "$nat4" ip6 "$nat6" >"$tmp/nat.nft"
}

# Sends the probes "N USER PROTO ADDR PORT" on stdin, each as its USER,
# up to JOBS at a time; the probe's word (connected, echoed, refused, ...)
# goes to DIR/N. Run inside a namespace by bash -c, whole: see
# kernel_answers.
send_probes() { # PROBE DIR JOBS
	local probe=$1 dir=$2 max=$3 running=0 n user proto addr port cg in=()
	while read -r n user proto addr port cg; do
		# Into its cgroup first, as root; "-": none (the container's).
		in=()
		# shellcheck disable=SC2016 # expanded by the inner shell
		[ "$cg" = - ] ||
			in=(sh -c 'echo $$ >"/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"' "$cg")
		if [ "$user" = root ]; then
			"${in[@]}" "$probe" "$proto" "$addr" "$port" 300 >"$dir/$n" 2>/dev/null &
		else
			"${in[@]}" setpriv --reuid="$user" --regid=65534 --clear-groups \
				"$probe" "$proto" "$addr" "$port" 300 >"$dir/$n" 2>/dev/null &
		fi
		running=$((running + 1))
		if [ $running -ge "$max" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
}

# The kernel's answers, a word per line of $tmp/probes: allow when the
# probe got through.
kernel_answers() {
	local side ns i word wrap
	rm -rf "$tmp/k"
	mkdir "$tmp/k"
	for side in runner container; do
		ns=$NS_CLIENT wrap=("${CGROUP2_WRAP[@]}")
		[ $side = container ] && ns=$NS_CONTAINER wrap=()
		awk -v s=$side -v a="${cg_of[root]}" -v b="${cg_of[nobody]}" -v c="${cg_of[dnsmasq]}" '
			$1 == s {
				cg = s == "container" ? "-" : $2 == "root" ? a : $2 == "nobody" ? b : c
				print NR, $2, $3, $4, $5, cg
			}' "$tmp/probes" |
			ip netns exec "$ns" "${wrap[@]}" bash -c "$(declare -f send_probes)"'; send_probes "$@"' \
				send_probes "$PROBE" "$tmp/k" "$jobs"
	done
	for ((i = 1; i <= nlines; i++)); do
		word=
		[ -s "$tmp/k/$i" ] && read -r word <"$tmp/k/$i"
		case $word in
		connected | echoed) echo allow ;;
		*) echo deny ;;
		esac
	done
}

# Query's verdicts for the probes, in order: asked for each sender (the
# container's probes have none) at the time it is now.
query_answers() {
	local side user at who
	at=$(date -u '+%a %H:%M')
	# The container's probes are forwarded from its address of the
	# destination's family (tests/netns.sh).
	for who in "container root 4" "container root 6" "runner root" "runner nobody" "runner dnsmasq"; do
		read -r side user fam <<<"$who"
		local as=()
		if [ "$side" = runner ]; then
			as=(--user "$user" --group nogroup --cgroup "${cg_of[$user]}")
			[ "$user" = root ] && as=(--user root --group root --cgroup "${cg_of[root]}")
		elif [ "$fam" = 4 ]; then
			as=(--from 198.51.100.0)
		else
			as=(--from 2001:db8:ec::2)
		fi
		local pick='$1 == s && $2 == u && (f == "" || (f == 6) == ($6 ~ /:/ && $6 !~ /^::ffff:/))'
		paste -d ' ' <(awk -v s="$side" -v u="$user" -v f="${fam:-}" "$pick { print NR }" "$tmp/probes") \
			<(awk -v s="$side" -v u="$user" -v f="${fam:-}" "$pick { print \$6, \$7 \"/\" \$3 }" "$tmp/probes" |
				"$egressc" query "${as[@]}" --at "$at" "$1" - 2>/dev/null | awk '{ print $1 }')
	done | sort -n | awk '{ print $2 }'
}

# Windows around now, minutes long: one holding now (from five minutes ago
# to twenty from now), one that does not (from thirty to forty from now).
window_from_now() { # OFFSET LEN (minutes)
	local start
	start=$(( $(date -u +%s) / 60 * 60 + $1 * 60 ))
	echo "$(date -u -d "@$start" '+%a %H:%M')-$(date -u -d "@$((start + $2 * 60))" +%H:%M)"
}
RP_SENDERS=1

# What the kernel must answer: query's verdict, but for the forwarder's
# DNS to a resolver (a mapped address is its IPv4 one), which the ruleset
# lets through before any rule, for the forwarder's user only, on the
# runner only. Query knows no users, so this test holds that rule.
expected() {
	paste -d ' ' "$tmp/probes" "$tmp/query" |
		awk -v fwd="$RP_FORWARDER" -v res=" ${RP_RESOLVERS[*]} " '{
			a = $6
			sub(/^::ffff:/, "", a)
			if (fwd != "" && $1 == "runner" && $2 == fwd && ($3 == "tcp" || $3 == "udp") &&
			    ($7 == 53 || $7 == 853) && index(res, " " a " "))
				print "allow", "the forwarder to its resolver; query " $8
			else
				print $8, "query"
		}'
}

# A listener in the client, for the loopback probes; in NETNS_PIDS while
# it runs, so that netns_cleanup ends it on any exit.
lo_listen() {
	local i
	: >"$tmp/lo.log"
	ip netns exec "$NS_CLIENT" "$PROBE" serve $lo_port >"$tmp/lo.log" 2>&1 &
	lo_pid=$!
	NETNS_PIDS+=("$lo_pid")
	for ((i = 0; i < 100; i++)); do
		grep -qx ready "$tmp/lo.log" && return 0
		kill -0 "$lo_pid" 2>/dev/null || break
		sleep 0.05
	done
	cat "$tmp/lo.log"
	return 1
}

lo_stop() {
	local p keep=()
	kill "$lo_pid" 2>/dev/null
	wait "$lo_pid" 2>/dev/null
	for p in "${NETNS_PIDS[@]}"; do
		[ "$p" = "$lo_pid" ] || keep+=("$p")
	done
	NETNS_PIDS=("${keep[@]}")
}

# A probe that was expected through and did not get through, sent again
# alone with a longer timeout: many probes at once on a busy machine can
# keep the server's echo past the first try's 300 ms. A packet the ruleset
# blocks is blocked again.
again() { # SIDE USER PROTO ADDR PORT
	local ns=$NS_CLIENT as=() in=()
	# shellcheck disable=SC2016 # expanded by the inner shell
	[ "$1" = container ] ||
		in=("${CGROUP2_WRAP[@]}" sh -c 'echo $$ >"/sys/fs/cgroup/$0/cgroup.procs" && exec "$@"'
		    "${cg_of[$2]}")
	[ "$1" = container ] && ns=$NS_CONTAINER
	[ "$2" = root ] || as=(setpriv --reuid="$2" --regid=65534 --clear-groups)
	case $(ip netns exec "$ns" "${in[@]}" "${as[@]}" "$PROBE" "$3" "$4" "$5" 2000 2>/dev/null) in
	connected | echoed) return 0 ;;
	esac
	return 1
}

# What the probes exercised, for the summary: how many of each kind, and
# how many of those the policy let through.
declare -A kind_total=() kind_allow=()
count_kind() { # KIND EXPECTED
	kind_total[$1]=$((${kind_total[$1]:-0} + 1))
	[ "$2" = allow ] && kind_allow[$1]=$((${kind_allow[$1]:-0} + 1))
	return 0
}

# The policy is printed once, under the last of its disagreements.
compare() { # BACKEND
	local side user proto addr port qaddr qport k e why what before=$disagree
	local many=" ${RP_PORTS[*]} " resolvers=" ${RP_RESOLVERS[*]} "
	while read -r side user proto addr port qaddr qport <&3 && read -r k <&4 &&
		read -r e why <&5; do
		if [ "$side" = runner ]; then
			count_kind "from the runner as $user" "$e"
		else
			count_kind "from the container" "$e"
		fi
		[[ $addr == ::ffff:* ]] && count_kind "IPv4-mapped" "$e"
		[[ $many == *" $qport "* ]] && count_kind "at ports in and around many-port rules" "$e"
		[ "$addr $port" = "$qaddr $qport" ] || count_kind "through nat" "$e"
		case $qaddr in 127.0.0.1 | ::1) count_kind "to loopback" "$e" ;; esac
		if [ "$qport" = 53 ] || [ "$qport" = 853 ] &&
			[[ $resolvers == *" ${qaddr#::ffff:} "* ]]; then
			if [ "$why" = query ]; then
				count_kind "DNS to a resolver, not from the forwarder" "$e"
			else
				count_kind "DNS to a resolver from the forwarder" "$e"
			fi
		fi
		if [ "$k" = deny ] && [ "$e" = allow ] &&
			again "$side" "$user" "$proto" "$addr" "$port"; then
			k=allow
			slow=$((slow + 1))
		fi
		if [ "$k" = "$e" ]; then
			agree=$((agree + 1))
			continue
		fi
		disagree=$((disagree + 1))
		disagree_from[$side]=$((disagree_from[$side] + 1))
		what="$proto $addr $port from the $side"
		[ "$side" = runner ] && what="$what as $user"
		[ "$addr $port" = "$qaddr $qport" ] || what="$what, nat to $qaddr $qport"
		bad "seed $seed policy $n $1: probe '$what': kernel $k, expected $e ($why)"
	done 3<"$tmp/probes" 4<"$tmp/kernel" 5<"$tmp/expected"
	if [ "$disagree" -ne "$before" ]; then
		sed 's/^/    | /' "$tmp/p.eg"
	fi
}

# The policy, and its lines with mapped addresses written as IPv4.
mapped_twin() {
	sed 's/^/    | /' "$tmp/p.eg"
	diff "$tmp/p.eg" "$tmp/v4.eg" | grep '^>' | sed 's/^> /    as IPv4: /'
}

for n in $(seq "$policies"); do
	# shellcheck disable=SC2034 # for rand_policy
	RP_OPEN=$(window_from_now -5 25) RP_CLOSED=$(window_from_now 30 10)
	rand_policy >"$tmp/p.eg"
	make_probes >"$tmp/probes"
	if ! "$egressc" -O "$tmp/out" "$tmp/p.eg" 2>"$tmp/err"; then
		bad "seed $seed policy $n does not compile"
		cat "$tmp/p.eg" "$tmp/err"
		continue
	fi
	query_answers "$tmp/p.eg" >"$tmp/query"
	if [ "$(wc -l <"$tmp/query")" -ne "$(wc -l <"$tmp/probes")" ]; then
		bad "seed $seed policy $n: query answers $(wc -l <"$tmp/query") of $(wc -l <"$tmp/probes") probes"
		continue
	fi
	expected >"$tmp/expected"
	nlines=$(wc -l <"$tmp/probes")
	# The server owns where each probe ends (a mapped address as IPv4)
	# and serves every port it ends at, loopback's aside.
	awk '$6 != "127.0.0.1" && $6 != "::1" { a = $6; sub(/^::ffff:/, "", a); print a }' \
		"$tmp/probes" | sort -u >"$tmp/addrs"
	awk '$6 != "127.0.0.1" && $6 != "::1" { print $7 }' "$tmp/probes" | sort -un |
		paste -sd , >"$tmp/ports"
	grep -q ' @allow_v[46] accept$' "$tmp/out/ruleset.nft" && shared=$((shared + 1))
	netns_setup || { bad "namespace setup"; continue; }
	# shellcheck disable=SC2046 # one address a word
	netns_add_server_addr $(cat "$tmp/addrs")
	netns_serve "$(cat "$tmp/ports")" || { bad "policy $n: serve $(cat "$tmp/ports")"; netns_cleanup; continue; }
	netns_add_container || { bad "container setup"; netns_cleanup; continue; }
	for backend in nft iptables; do
		netns_fresh_client || { bad "policy $n: $backend: namespace renewal"; continue; }
		# --noflush, as egressc apply loads them: the iptables files
		# replace only egressc's own chains, and match the ipsets
		# (static sets of more than one prefix), loaded first.
		if [ $backend = nft ]; then
			ip netns exec "$NS_CLIENT" "${CGROUP2_WRAP[@]}" nft -f "$tmp/out/ruleset.nft"
		else
			ip netns exec "$NS_CLIENT" ipset restore -exist <"$tmp/out/ipsets" &&
				ip netns exec "$NS_CLIENT" iptables-nft-restore --noflush "$tmp/out/rules.v4" &&
				ip netns exec "$NS_CLIENT" ip6tables-nft-restore --noflush "$tmp/out/rules.v6"
		fi || { bad "policy $n: $backend load"; continue; }
		ip netns exec "$NS_CLIENT" nft -f "$tmp/nat.nft" ||
			{ bad "policy $n: $backend: the nat table does not load"; cat "$tmp/nat.nft"; continue; }
		lo_listen || { bad "policy $n: $backend: the loopback listener"; continue; }
		kernel_answers >"$tmp/kernel"
		lo_stop
		compare $backend
	done
	netns_cleanup
	ok

	# diff against query, on a rewrite and on a second random policy.
	sort -R --random-source=<(yes "$seed$n") "$tmp/p.eg" >"$tmp/same.eg"
	if ! "$egressc" diff "$tmp/p.eg" "$tmp/same.eg" >"$tmp/diff"; then
		bad "seed $seed policy $n: diff of a reordering is not empty"
		cat "$tmp/diff"
	fi
	# The policy with every IPv4-mapped address written as IPv4 is the
	# same policy.
	printf '%s\n' "${RP_IPV4[@]}" >"$tmp/v4.eg"
	if ! "$egressc" diff "$tmp/p.eg" "$tmp/v4.eg" >"$tmp/diff" 2>&1; then
		bad "seed $seed policy $n: diff of the policy with its IPv4-mapped addresses written as IPv4 is not empty"
		head -5 "$tmp/diff"
		mapped_twin
	elif ! query_answers "$tmp/v4.eg" | cmp -s - "$tmp/query"; then
		bad "seed $seed policy $n: query answers differ with its IPv4-mapped addresses written as IPv4"
		mapped_twin
	else
		ok
	fi
	# A second random policy, its settings changed too (mode, log,
	# essentials): tests/diffpair.sh checks diff against query on the
	# pair, at this policy's probes.
	resolver_shown
	res_p=$REPLY
	rand_policy >"$tmp/q.eg"
	resolver_shown
	rand_settings "$tmp/q.eg"
	awk '{ print $6, $7 "/" $3 }' "$tmp/probes" >"$tmp/queries"
	diff_pair_check "seed $seed policy $n" "$tmp/p.eg" "$tmp/q.eg" "$tmp/queries" "$res_p" "$REPLY"
done

echo "difftest: $policies policies ($shared with nft's shared allow lookup), $nprobes destinations each, both backends: $agree probes agreed ($slow of them on a second try), $disagree disagreed (${disagree_from[runner]} from the runner, ${disagree_from[container]} from the container)"
for kind in "${!kind_total[@]}"; do
	echo "  $kind: ${kind_total[$kind]} probes, ${kind_allow[$kind]:-0} expected through"
done | sort
testlib_finish
