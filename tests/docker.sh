#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# docker.sh EGRESSC - a runner with Docker: its containers' traffic gets the
# policy, and egressc and Docker leave each other's firewall state alone.
#
#   PROBE=build/tests/probe tests/docker.sh build/egressc
#
# A real dockerd runs in the client ("runner") namespace of netns.sh, with
# the default bridge, a job network named like GitHub's
# (github_network_<guid>, a br-* interface) and four containers: "bridged"
# (default bridge, port 80 published as 8081), "job" and "svc" (the job
# network; svc is a service on 5432, like a job's services: postgres) and
# "both" (the default bridge, then connected to the job network).  Each
# runs "probe serve"; the image is busybox and the probe, imported from a
# directory (no registry).  tests/docker/policy.eg (default deny, reject)
# is applied with "egressc apply" in the runner namespace by each backend
# in turn, and with each:
#   - from the runner, "bridged" and "job": the allowed addresses connect,
#     the denied ones and one the policy does not allow are refused at
#     once, over IPv4 and IPv6;
#   - local traffic needs no allow: container to container on one network
#     and through the container on both, the runner to the containers, the
#     published port from the server namespace (inbound) and the runner;
#   - deny_1 and deny_2 count the containers' denied connects, and
#     egressc report lists them by destination, to the packet ('record');
#   - iptables: a job network created after the apply (as on a runner,
#     where each job makes its own) gets the policy, too;
#   - Docker's rules (DOCKER, DOCKER-ISOLATION-STAGE-1/2, nat MASQUERADE,
#     the published port's DNAT) and an administrator's DROP in DOCKER-USER
#     for an address the policy allows survive the apply, a second apply
#     (iptables: exactly one jump into each of egressc's hooks) and a
#     restart of dockerd, after which the containers are still filtered;
#     isolation between Docker's networks and the DROP still work.
# Then switching backends leaves nothing of the other one behind (nft:
# no EGRESSC chains, no egressc_ ipsets; iptables: no table inet egressc),
# and "apply --remove" (from each backend) leaves no egressc state at all
# and Docker's rules and the administrator's intact; after the last one,
# Docker can still create a network and publish a port.
#
# Addresses (documentation ranges only; netns.sh routes 198.51.100.0/24
# and 203.0.113.0/24 to the server, the container networks are /27s and
# /64s at the far end of them, connected in the runner, so more specific):
#   default bridge	203.0.113.192/27	2001:db8:d0c:1::/64
#   job network		203.0.113.224/27	2001:db8:d0c:2::/64
#   late network	198.51.100.192/27	2001:db8:d0c:3::/64
#   spare network	198.51.100.224/27	(created after --remove)
#
# Needs root, iproute2, nft, iptables, ipset, perl, docker.io (dockerd,
# the docker client as /usr/bin/docker) and busybox-static.  Everything that
# touches a firewall runs in the test's namespaces; dockerd keeps its
# state, sockets and key under the scratch directory and its containers
# under a cgroup of the test's own.  Set DOCKER_TEST_TIMES=1 to see how
# long each step takes.
#@check full

set -u

here=$(cd "$(dirname "$0")" && pwd)
egressc=${1:?usage: PROBE=build/tests/probe tests/docker.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
# shellcheck source-path=SCRIPTDIR source=netns.sh
. "$here/netns.sh"

# Debian's paths: another docker client may come first on PATH.
DOCKER=${DOCKER:-/usr/bin/docker}
DOCKERD=${DOCKERD:-/usr/sbin/dockerd}
BUSYBOX=${BUSYBOX:-/bin/busybox}
IMAGE='egressc-test:busybox'

policy=$here/docker/policy.eg
# What the policy makes of each address; the server serves 8080 on each.
ALLOW_V4=198.51.100.10		# port 8080 allowed
ALLOW_V6=2001:db8:100::10	# port 8080 allowed
DENY_V4=198.51.100.20		# deny_1
DENY_V6=2001:db8:100::20	# deny_2 (iptables: in ip6tables)
OTHER_V4=198.51.100.30		# not allowed: default deny
OTHER_V6=2001:db8:100::30	# not allowed: default deny
ADMIN_V4=198.51.100.40		# port 8080 allowed; the administrator's DROP
RESOLVER_V4=198.51.100.53	# the policy's resolver, serving 53
PORT=8080
RUNNER_V4=192.0.2.1		# netns.sh's client address
RUNNER_V6=2001:db8::1
PUBLISHED=8081			# "bridged" port 80
SPARE_PUBLISHED=8082

BRIDGE_SUBNET=203.0.113.192/27
BRIDGE_BIP=203.0.113.193/27
BRIDGE_V6=2001:db8:d0c:1::/64
BRIDGE_GW6=2001:db8:d0c:1::1
JOB_SUBNET=203.0.113.224/27
JOB_V6=2001:db8:d0c:2::/64
JOB_GW6=2001:db8:d0c:2::1
LATE_SUBNET=198.51.100.192/27
LATE_V6=2001:db8:d0c:3::/64
LATE_GW6=2001:db8:d0c:3::1
SPARE_SUBNET=198.51.100.224/27
CONTAINERS=(bridged job svc both)

testlib_init docker

dkdir=$tmp/docker		# dockerd's state, sockets, key and log
dockerd_pid=
cgroup=egressc-docker-$$	# the containers' parent cgroup
job_net=github_network_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
# /run directories that dockerd and containerd create if missing: removed
# again (when empty) if this test made them.
RUN_DIRS=(/run/docker/plugins /run/docker /run/containerd/s /run/containerd)
run_dirs_made=()
for d in "${RUN_DIRS[@]}"; do
	[ -e "$d" ] || run_dirs_made+=("$d")
done

t_start=$EPOCHREALTIME
t_last=$t_start
# step NAME: with DOCKER_TEST_TIMES set, how long the step before took.
step()
{
	local now=$EPOCHREALTIME

	[ -n "${DOCKER_TEST_TIMES:-}" ] &&
		awk -v n="$1" -v a="$t_last" -v b="$now" -v s="$t_start" \
			'BEGIN { printf "docker: %-40s %5.1fs (at %5.1fs)\n", n, b - a, b - s }'
	t_last=$now
}

in_runner() { ip netns exec "$NS_CLIENT" "$@"; }

dk() { "$DOCKER" -H "unix://$dkdir/docker.sock" "$@"; }

# --- dockerd ----------------------------------------------------------

dockerd_alive() { [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; }

# dockerd in the runner namespace, entered with nsenter: "ip netns exec"
# remounts /sys, and dockerd dies of it.  A session of its own keeps a ^C
# for the test from stopping it before the EXIT trap has taken its
# containers away.  Returns once the API answers, with the containers
# that have a restart policy up again.  IPv6 without --ip6tables
# (experimental in Docker 20.10): Docker then leaves ip6tables alone; with
# it, Docker puts its IPv6 FORWARD rules ahead of any hook and has no
# DOCKER-USER for IPv6, so the iptables backend cannot keep its IPv6
# forward hook first (the README says to use nft there).
#
# Docker's default, no --live-restore, as on runners: a restart stops the
# containers, and the new dockerd makes the default bridge's rules anew,
# on top of FORWARD, ahead of anything added since; it keeps DOCKER-USER
# and moves FORWARD's jump to it back to the top.  With --live-restore (3 s rather
# than 10) it leaves the default bridge's rules where they are, and a hook
# they would overtake goes untested.
dockerd_start()
{
	local i

	setsid nsenter --net="/run/netns/$NS_CLIENT" "$DOCKERD" \
		--config-file="$dkdir/daemon.json" \
		--storage-driver=vfs --data-root="$dkdir/data" \
		--exec-root="$dkdir/exec" --pidfile="$dkdir/dockerd.pid" \
		-H "unix://$dkdir/docker.sock" \
		--cgroup-parent="/$cgroup" \
		--iptables=true --bip="$BRIDGE_BIP" \
		--ipv6 --fixed-cidr-v6="$BRIDGE_V6" \
		>>"$dkdir/dockerd.log" 2>&1 &
	dockerd_pid=$!		# setsid and nsenter exec dockerd
	for ((i = 0; i < 200; i++)); do
		if dk version >/dev/null 2>&1; then
			dockerd_pid=$(cat "$dkdir/dockerd.pid")
			return 0
		fi
		dockerd_alive || break
		sleep 0.05
	done
	echo "dockerd did not get ready; the end of its log:"
	tail -n 15 "$dkdir/dockerd.log" | cut -c1-300
	return 1
}

# SIGTERM, as a service manager stops it; it takes its containerd along.
dockerd_stop()
{
	local i

	[ -n "$dockerd_pid" ] || return 0
	kill -TERM "$dockerd_pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		dockerd_alive || break
		sleep 0.05
	done
	kill -KILL "$dockerd_pid" 2>/dev/null
	wait "$dockerd_pid" 2>/dev/null
	dockerd_pid=
}

# Every exit path: no container, dockerd, containerd or shim left, no
# mount under the scratch directory, no cgroup; then the namespaces and
# the scratch directory go.
docker_cleanup()
{
	local ids pid mnt d i
	local -a pids

	if dockerd_alive; then
		ids=$(timeout 10 "$DOCKER" -H "unix://$dkdir/docker.sock" ps -aq 2>/dev/null)
		# shellcheck disable=SC2086 # one id a word
		[ -z "$ids" ] || timeout 20 "$DOCKER" -H "unix://$dkdir/docker.sock" \
			rm -f $ids >/dev/null 2>&1
	fi
	dockerd_stop
	# What is left: the runner namespace's processes (containerd,
	# shims, docker-proxy) and those in the containers' cgroup.
	for ((i = 0; i < 3; i++)); do
		pids=()
		[ -n "$NS_CLIENT" ] && [ -e "/run/netns/$NS_CLIENT" ] &&
			mapfile -t -O "${#pids[@]}" pids < <(ip netns pids "$NS_CLIENT" 2>/dev/null)
		for d in /sys/fs/cgroup/*/"$cgroup"/*/; do
			[ -f "$d/cgroup.procs" ] && mapfile -t -O "${#pids[@]}" pids <"$d/cgroup.procs"
		done
		[ ${#pids[@]} -eq 0 ] && break
		for pid in "${pids[@]}"; do
			[ "$pid" = $$ ] || kill -KILL "$pid" 2>/dev/null
		done
		sleep 0.2
	done
	# vfs bind-mounts the data root; containers leave their netns files.
	while read -r mnt; do
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
	done < <(awk -v d="$tmp/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
	for d in /sys/fs/cgroup/*/"$cgroup"/*/ /sys/fs/cgroup/*/"$cgroup"/; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	for d in "${run_dirs_made[@]}"; do
		rmdir "$d" 2>/dev/null
	done
	return 0
}

# --- probes -----------------------------------------------------------

# outcome WHO ADDR PORT: what a TCP connect from WHO - runner, server or
# a container's name - comes to: connected, refused, timeout, ...
outcome()
{
	case $1 in
	runner)	in_runner "$PROBE" tcp "$2" "$3" "$TCP_TIMEOUT_MS" ;;
	server)	ip netns exec "$NS_SERVER" "$PROBE" tcp "$2" "$3" "$TCP_TIMEOUT_MS" ;;
	*)	dk exec "$1" probe tcp "$2" "$3" "$TCP_TIMEOUT_MS" ;;
	esac 2>&1 | tr '\n' ' ' | sed 's/ $//'
}

# The probes are queued by want and sent by settle, all at once: each
# container's in one "docker exec", each runner's and server's in a
# process of its own; then each is checked in the order queued.
queue=()

# want WHAT WORD WHO ADDR PORT: the connect from WHO must come to WORD:
# connected; refused, a reset at once (the policy's reject); timeout,
# dropped (Docker's isolation, the administrator's DROP).
want()
{
	queue+=("$1"$'\t'"$2"$'\t'"$3"$'\t'"$4"$'\t'"$5")
}

# Runs in a container: lines "N ADDR PORT" in, lines "N OUTCOME" out.
# shellcheck disable=SC2016 # expanded in the container
IN_CONTAINER='
while read -r n a p; do
	probe tcp "$a" "$p" '"$TCP_TIMEOUT_MS"' >"/tmp/probe.$n" 2>&1 &
done
wait
for f in /tmp/probe.*; do
	[ -e "$f" ] && echo "${f#/tmp/probe.}" $(cat "$f")
done
rm -f /tmp/probe.*'

settle()
{
	local -A lines
	local -a pids=()
	local i what word who addr port got

	rm -rf "$tmp/res"
	mkdir "$tmp/res"
	for i in "${!queue[@]}"; do
		IFS=$'\t' read -r what word who addr port <<<"${queue[$i]}"
		case $who in
		runner | server)
			outcome "$who" "$addr" "$port" >"$tmp/res/$i" &
			pids+=($!)
			;;
		*)	lines[$who]+="$i $addr $port"$'\n' ;;
		esac
	done
	for who in "${!lines[@]}"; do
		printf '%s' "${lines[$who]}" |
			dk exec -i "$who" sh -c "$IN_CONTAINER" >"$tmp/res/$who" 2>&1 &
		pids+=($!)
	done
	# Not a bare "wait": the server and dockerd are children, too.
	[ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
	for who in "${!lines[@]}"; do
		while read -r i got; do
			[[ $i =~ ^[0-9]+$ ]] && printf '%s\n' "$got" >"$tmp/res/$i"
		done <"$tmp/res/$who"
	done
	for i in "${!queue[@]}"; do
		IFS=$'\t' read -r what word who addr port <<<"${queue[$i]}"
		if [ -e "$tmp/res/$i" ]; then
			got=$(cat "$tmp/res/$i")
		else
			got="docker exec: $(head -n 1 "$tmp/res/$who")"
		fi
		if [ "$got" = "$word" ]; then ok; else
			bad "$what: $who to $addr port $port should be $word (got ${got:-nothing})"
		fi
	done
	queue=()
}

# filtered WHAT WHO...: the policy holds for each WHO, in both families
# (queued, as are the probes of unfiltered and local_traffic).
filtered()
{
	local what=$1 who

	shift
	for who; do
		want "$what: allowed" connected "$who" "$ALLOW_V4" "$PORT"
		want "$what: allowed" connected "$who" "$ALLOW_V6" "$PORT"
		want "$what: deny_1" refused "$who" "$DENY_V4" "$PORT"
		want "$what: deny_2" refused "$who" "$DENY_V6" "$PORT"
		want "$what: default deny" refused "$who" "$OTHER_V4" "$PORT"
		want "$what: default deny" refused "$who" "$OTHER_V6" "$PORT"
		want "$what: DNS straight to the resolver (lockdown)" refused "$who" \
			"$RESOLVER_V4" 53
	done
}

# unfiltered WHAT WHO...: without egressc, everything connects.
unfiltered()
{
	local what=$1 who addr

	shift
	for who; do
		for addr in "$ALLOW_V4" "$ALLOW_V6" "$DENY_V4" "$DENY_V6" \
			    "$OTHER_V4" "$OTHER_V6"; do
			want "$what" connected "$who" "$addr" "$PORT"
		done
		want "$what" connected "$who" "$RESOLVER_V4" 53
	done
}

# local_traffic WHAT: what stays on the runner needs no allow; Docker's
# isolation and the administrator's DROP still hold.
local_traffic()
{
	local what=$1

	want "$what: one network" connected job "${ip[svc]}" 5432
	want "$what: one network" connected job "${ip6[svc]}" 5432
	want "$what: the default bridge" connected bridged "${ip[both]}" 80
	want "$what: across networks, from the container on both" connected both "${ip[svc]}" 5432
	want "$what: across networks, from the container on both" connected both "${ip[bridged]}" 80
	want "$what: across networks, to the container on both" connected job "${jobip[both]}" 80
	want "$what: the runner to a service container" connected runner "${ip[svc]}" 5432
	want "$what: the runner to a service container" connected runner "${ip6[svc]}" 5432
	want "$what: the runner to a container" connected runner "${ip[bridged]}" 80
	want "$what: published port, inbound" connected server "$RUNNER_V4" "$PUBLISHED"
	# IPv6 without --ip6tables: docker-proxy on the runner answers, not
	# nat; a reply to a connection that came in meets the policy, and the
	# server is no address the policy allows.
	if [ "$what" = "no firewall" ]; then
		want "$what: published port, inbound" connected server "$RUNNER_V6" "$PUBLISHED"
	else
		want "$what: published port, inbound through docker-proxy" timeout server \
			"$RUNNER_V6" "$PUBLISHED"
	fi
	# By localhost, through docker-proxy: to the runner's own address nat
	# sends it on "lo" to the container, and "lo" is exempt only for a
	# local destination (the README says so).
	want "$what: published port, from the runner" connected runner 127.0.0.1 "$PUBLISHED"
	want "$what: Docker's isolation of networks" timeout job "${ip[bridged]}" 80
	want "$what: the administrator's DROP" timeout bridged "$ADMIN_V4" "$PORT"
	want "$what: the administrator's DROP" timeout job "$ADMIN_V4" "$PORT"
	want "$what: the administrator's DROP is for containers" connected runner "$ADMIN_V4" "$PORT"
}

# --- containers -------------------------------------------------------

declare -A ip ip6 jobip

# The containers' addresses, read again after every restart of dockerd:
# ip/ip6 on the network each was started on, jobip on the job network.
read_addresses()
{
	local name nets net v4 v6 own

	ip=() ip6=() jobip=()
	# shellcheck disable=SC2016 # a Go template, for docker
	while read -r name nets; do
		name=${name#/}
		own=bridge
		[ "$name" = job ] || [ "$name" = svc ] && own=$job_net
		for net in $nets; do
			IFS=, read -r v4 v6 <<<"${net#*=}"
			if [ "${net%%=*}" = "$own" ]; then
				ip[$name]=$v4
				ip6[$name]=$v6
			fi
			[ "${net%%=*}" = "$job_net" ] && jobip[$name]=$v4
		done
	done < <(dk inspect -f '{{.Name}} {{range $n, $e := .NetworkSettings.Networks}}{{$n}}={{$e.IPAddress}},{{$e.GlobalIPv6Address}} {{end}}' \
		"${CONTAINERS[@]}" 2>/dev/null)
	for name in "${CONTAINERS[@]}"; do
		: "${ip[$name]:=}" "${ip6[$name]:=}" "${jobip[$name]:=}"
	done
}

# IPv6 through a fresh bridge works once its gateway address has passed
# DAD: wait (at most 3 s) until each network's gateway answers its
# container (default: those of the default bridge and the job network).
wait_v6()
{
	local i pair ready
	local -a pairs=("$@")

	[ $# -gt 0 ] || pairs=("bridged $BRIDGE_GW6" "job $JOB_GW6")
	for ((i = 0; i < 15; i++)); do
		ready=1
		for pair in "${pairs[@]}"; do
			# shellcheck disable=SC2086 # container and address
			[ "$(outcome $pair 9)" = refused ] || ready=
		done
		[ -n "$ready" ] && return 0
		sleep 0.2
	done
	return 1
}

# The containers run "probe serve"; KILL stops them at once (as pid 1
# they ignore TERM); "always" brings them back when dockerd restarts.
run_container()
{
	local name=$1 port=$2

	shift 2
	dk run -d --name "$name" --restart always --stop-signal KILL "$@" \
		"$IMAGE" probe serve "$port" >/dev/null
}

# --- firewall state ---------------------------------------------------

# The runner's iptables and ip6tables rules, one a line with family and
# table in front, counters stripped and the containers' addresses named:
# comparable across restarts of dockerd.
rules()
{
	local fam c sub=(-e 's/^//')

	for c in "${CONTAINERS[@]}"; do
		[ -n "${ip[$c]}" ] &&
			sub+=(-e "s/${ip[$c]//./\\.}([/: ]|\$)/<$c>\\1/g")
		[ -n "${jobip[$c]}" ] &&
			sub+=(-e "s/${jobip[$c]//./\\.}([/: ]|\$)/<$c-job>\\1/g")
		[ -n "${ip6[$c]}" ] &&
			sub+=(-e "s/${ip6[$c]}([/ ]|]|\$)/<$c>\\1/g")
	done
	for fam in iptables ip6tables; do
		in_runner "$fam-save" | awk -v f="$fam" '
			/^\*/ { t = substr($0, 2); next }
			/^(#|COMMIT)/ { next }
			{ sub(/ \[[0-9]+:[0-9]+\]$/, ""); print f, t, $0 }'
	done | sed -E "${sub[@]}"
}

# survives WHAT [all]: every rule of the snapshot taken before the first
# apply (Docker's and the administrator's) is still there, and with "all"
# the policies of INPUT and OUTPUT, too (egressc's to set while applied).
survives()
{
	local what=$1 missing skip='^ip6?tables filter :(INPUT|OUTPUT) '

	[ "${2:-}" = all ] && skip='^$'
	missing=$(comm -23 <(grep -vE "$skip" "$tmp/docker.rules" | sort) <(rules | sort))
	if [ -z "$missing" ]; then ok; else
		bad "$what: $(wc -l <<<"$missing") of Docker's or the administrator's rules are gone, among them:"
		{ grep '^iptables' <<<"$missing" | head -8
		  grep '^ip6tables' <<<"$missing" | head -4; } | indent
	fi
	if in_runner iptables -C DOCKER-USER -d "$ADMIN_V4/32" -j DROP 2>/dev/null; then ok; else
		bad "$what: the administrator's rule is no longer in DOCKER-USER"
	fi
}

# hooked_once WHAT: in each family, exactly one jump from OUTPUT to
# EGRESSC-OUTPUT, from DOCKER-USER to EGRESSC-FORWARD and from FORWARD to
# DOCKER-USER, and no other jump into egressc's chains.
hooked_once()
{
	local what=$1 fam save n pat

	for fam in iptables ip6tables; do
		save=$(in_runner "$fam-save" -t filter)
		for pat in 'OUTPUT EGRESSC-OUTPUT' 'DOCKER-USER EGRESSC-FORWARD' 'FORWARD DOCKER-USER'; do
			n=$(grep -cE "^-A ${pat% *}( .*)? -j ${pat#* }\$" <<<"$save")
			if [ "$n" -eq 1 ]; then ok; else
				bad "$what: $fam: $n jumps from ${pat% *} to ${pat#* }, not one"
			fi
		done
		n=$(grep -E '^-A .* -j EGRESSC' <<<"$save" | grep -vcE '^-A EGRESSC|^-A (OUTPUT|DOCKER-USER)( .*)? -j EGRESSC-(OUTPUT|FORWARD)$')
		if [ "$n" -eq 0 ]; then ok; else
			bad "$what: $fam: other jumps into egressc's chains:"
			grep -E '^-A .* -j EGRESSC' <<<"$save" | grep -vE '^-A EGRESSC' | indent
		fi
	done
}

# no_nft WHAT / no_iptables WHAT: nothing of that backend's egressc state.
no_nft()
{
	if in_runner nft list table inet egressc >/dev/null 2>&1; then
		bad "$1: table inet egressc is still there"
	else
		ok
	fi
}

no_iptables()
{
	local left

	left=$({ in_runner iptables-save; in_runner ip6tables-save; } | grep -E '^[:-].*EGRESSC')
	if [ -z "$left" ]; then ok; else
		bad "$1: egressc's iptables chains or jumps are still there:"
		indent <<<"$left" | head -10
	fi
	left=$(in_runner ipset list -n | grep '^egressc_')
	if [ -z "$left" ]; then ok; else
		bad "$1: egressc's ipsets are still there: $(tr '\n' ' ' <<<"$left")"
	fi
}

# nft_hooked WHAT: table inet egressc has its output and forward base
# chains.
nft_hooked()
{
	local t

	if ! t=$(in_runner nft list table inet egressc 2>&1); then
		bad "$1: no table inet egressc: $t"
		return
	fi
	ok
	expect "$1: table inet egressc hooks output" grep -q 'type filter hook output ' <<<"$t"
	expect "$1: table inet egressc hooks forward" grep -q 'type filter hook forward ' <<<"$t"
}

# egressc_state BACKEND: its loaded state, counters stripped.
egressc_state()
{
	if [ "$1" = nft ]; then
		# Counts, and what recording holds, are traffic, not state.
		in_runner nft list table inet egressc 2>&1 | sed -E 's/packets [0-9]+ bytes [0-9]+//' |
			awk '/^\tset record_v[46] \{/ { skip = 1 } !skip { print } skip && /^\t}/ { skip = 0 }'
	else
		rules | grep EGRESSC
		in_runner ipset list -n | grep '^egressc_'
	fi
}

# deny_packets BACKEND NAME: the packets of deny counter NAME (iptables: the
# last rule of chain EGRESSC-NAME; deny_2 is IPv6).
deny_packets()
{
	local ipt=iptables

	if [ "$1" = nft ]; then
		in_runner nft list counter inet egressc "$2" 2>/dev/null |
			grep -oE 'packets [0-9]+' | awk '{ print $2 }'
	else
		[ "$2" = deny_2 ] && ipt=ip6tables
		in_runner "$ipt" -L "EGRESSC-$2" -v -x -n 2>/dev/null |
			tail -n 1 | awk '$1 ~ /^[0-9]+$/ { print $1 }'
	fi
}

# deny_grew WHAT NAME BEFORE AFTER N: counter NAME went from BEFORE to AFTER,
# up by exactly N.
deny_grew()
{
	if [ -z "$3" ] || [ -z "$4" ]; then
		bad "$1: cannot read counter $2 (before: ${3:-nothing}, after: ${4:-nothing})"
	elif [ $(($4 - $3)) -eq "$5" ]; then
		ok
	else
		bad "$1: counter $2 should grow by $5 packets (from $3 to $4: $(($4 - $3)))"
	fi
}

# counted WHAT BACKEND: three denied connects from containers to DENY_V4
# and two to DENY_V6, each one SYN counted under its deny rule.
counted()
{
	local what="$1: counters" b1 b2

	b1=$(deny_packets "$2" deny_1)
	b2=$(deny_packets "$2" deny_2)
	want "$what" refused job "$DENY_V4" "$PORT"
	want "$what" refused job "$DENY_V4" "$PORT"
	want "$what" refused bridged "$DENY_V4" "$PORT"
	want "$what" refused job "$DENY_V6" "$PORT"
	want "$what" refused bridged "$DENY_V6" "$PORT"
	settle
	deny_grew "$what" deny_1 "$b1" "$(deny_packets "$2" deny_1)" 3
	deny_grew "$what" deny_2 "$b2" "$(deny_packets "$2" deny_2)" 2
	recorded "$1" "$2"
}

# recorded WHAT BACKEND: egressc report lists what the containers and the
# runner sent to each denied address, to the packet: as many as its deny
# rule's counter counted since the apply.
recorded()
{
	local what="$1: report" a c want got

	if ! in_runner "$egressc" report --backend "$2" --hosts-file "$tmp/names.hosts" \
		--dns-log /dev/null --format json "$policy" >"$tmp/report.json" 2>"$tmp/report.log"; then
		bad "$what: egressc report failed:"
		indent <"$tmp/report.log"
		return
	fi
	for a in "$DENY_V4 deny_1" "$DENY_V6 deny_2"; do
		c=${a#* } a=${a% *}
		want=$(deny_packets "$2" "$c")
		got=$(/usr/bin/python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(sum(d["packets"] for d in r["destinations"] if d["address"] == sys.argv[2]
          and d["decided_by"].startswith(sys.argv[3] + " ")))' "$tmp/report.json" "$a" "$c")
		if [ -n "$want" ] && [ "$got" = "$want" ]; then ok; else
			bad "$what: $a recorded $got packets, its counter $c ${want:-nothing}"
		fi
	done
}

# late_network WHAT: a job network made after the apply, and a container
# on it: the policy holds for it, and the runner reaches it.  For
# iptables only: Docker inserts a new network's FORWARD rules on top, and
# egressc's hooks must stay ahead of them; nft's table is apart from
# Docker's, whose accepts cannot end its chains.
late_network()
{
	local what="$1: a network created after the apply" v4 net
	net=github_network_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')


	if ! dk network create --ipv6 --subnet "$LATE_SUBNET" --subnet "$LATE_V6" \
	     "$net" >"$tmp/dk.log" 2>&1 ||
	   ! run_container late 80 --network "$net" 2>"$tmp/dk.log"; then
		bad "$what: cannot start a container on it:"
		indent <"$tmp/dk.log"
	else
		# shellcheck disable=SC2016 # a Go template, for docker
		v4=$(dk inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' late)
		wait_v6 "late $LATE_GW6" || bad "$what: IPv6 on its bridge does not come up"
		filtered "$what" late
		want "$what: the runner to its container" connected runner "$v4" 80
		settle
	fi
	dk rm -f late >/dev/null 2>&1
	dk network rm "$net" >/dev/null 2>&1
}

# --- egressc apply ----------------------------------------------------

# docker_apply WHAT ARGS...: egressc apply ARGS in the runner namespace, on the
# scratch hosts file and dnsmasq fragment; it must succeed.
docker_apply()
{
	local what=$1

	shift
	if in_runner "$egressc" apply "$@" --hosts-path "$tmp/hosts" \
		--dnsmasq-path "$tmp/dnsmasq.conf" >"$tmp/apply.log" 2>&1; then
		ok
		return 0
	fi
	bad "$what: egressc apply $* failed:"
	indent <"$tmp/apply.log" | head -20
	return 1
}

# docker_suite BACKEND: apply, prove, apply again, restart dockerd.
docker_suite()
{
	local b=$1 what
	local -a args=("$tmp/out")

	[ "$b" = iptables ] && args=(--backend iptables "$tmp/out")
	docker_apply "$b: apply" "${args[@]}"
	step "$b: apply"
	if [ "$b" = nft ]; then
		nft_hooked "$b: apply"
		no_iptables "$b: apply"
	else
		hooked_once "$b: apply"
		no_nft "$b: apply, switching from nft"
	fi
	survives "$b: apply"
	filtered "$b: from the runner" runner
	filtered "$b: from the default bridge" bridged
	filtered "$b: from the job network" job
	local_traffic "$b"
	settle
	step "$b: traffic"
	counted "$b" "$b"
	step "$b: counters"
	if [ "$b" = iptables ]; then
		late_network "$b"
		step "$b: a network created after the apply"
	fi

	egressc_state "$b" >"$tmp/state.once"
	docker_apply "$b: apply again" "${args[@]}"
	egressc_state "$b" >"$tmp/state.twice"
	if cmp -s "$tmp/state.once" "$tmp/state.twice"; then ok; else
		bad "$b: applying twice is not applying once:"
		diff "$tmp/state.once" "$tmp/state.twice" | head -10 | indent
	fi
	[ "$b" = iptables ] && hooked_once "$b: apply again"
	survives "$b: apply again"
	step "$b: apply again"

	dockerd_stop
	step "$b: dockerd stopped"
	if ! dockerd_start >"$tmp/start.log" 2>&1; then
		bad "$b: dockerd does not start again:"
		indent <"$tmp/start.log"
		return
	fi
	step "$b: dockerd restarted"
	read_addresses
	wait_v6 || bad "$b: after the restart, IPv6 on the bridges does not come up"
	step "$b: IPv6 up again"
	what="$b: dockerd restarted"
	survives "$what"
	if [ "$b" = nft ]; then nft_hooked "$what"; else hooked_once "$what"; fi
	filtered "$what: from the default bridge" bridged
	filtered "$what: from the job network" job
	want "$what: published port, inbound" connected server "$RUNNER_V4" "$PUBLISHED"
	want "$what: the runner to a service container" connected runner "${ip[svc]}" 5432
	want "$what: Docker's isolation of networks" timeout job "${ip[bridged]}" 80
	want "$what: the administrator's DROP" timeout job "$ADMIN_V4" "$PORT"
	settle
	step "$b: checks after the restart"
}

# removed BACKEND [docker]: apply --remove leaves nothing of egressc's;
# Docker's rules and the administrator's stay; with "docker", Docker can
# still create a network and publish a port.
removed()
{
	local b=$1 what="$1: apply --remove" cid
	local -a args=()

	[ "$b" = iptables ] && args=(--backend iptables)
	docker_apply "$what" --remove "${args[@]}"
	no_nft "$what"
	no_iptables "$what"
	survives "$what" all
	want "$what: nothing filtered" connected job "$OTHER_V4" "$PORT"
	want "$what: nothing filtered" connected runner "$OTHER_V6" "$PORT"
	want "$what: the administrator's DROP" timeout job "$ADMIN_V4" "$PORT"
	settle
	if [ "${2:-}" != docker ]; then
		step "$b: apply --remove"
		return
	fi
	if dk network create --subnet "$SPARE_SUBNET" egressc_spare >"$tmp/dk.log" 2>&1; then
		ok
		if cid=$(dk run -d --stop-signal KILL --network egressc_spare \
			-p "$SPARE_PUBLISHED:80" "$IMAGE" probe serve 80 2>"$tmp/dk.log"); then
			ok
			want "$what: a port published after it" connected server "$RUNNER_V4" "$SPARE_PUBLISHED"
			settle
			dk rm -f "$cid" >/dev/null 2>&1
		else
			bad "$what: docker run -p fails:"
			indent <"$tmp/dk.log"
		fi
		dk network rm egressc_spare >/dev/null 2>&1
	else
		bad "$what: docker network create fails:"
		indent <"$tmp/dk.log"
	fi
	step "$b: apply --remove"
}

# --- setup ------------------------------------------------------------

if [ ! -x "$DOCKERD" ] || [ ! -x "$DOCKER" ] || [ ! -x "$BUSYBOX" ]; then
	bad "needs $DOCKERD, $DOCKER and $BUSYBOX (scripts/deps.sh --test installs docker.io and busybox-static)"
	testlib_finish
	exit
fi

: >"$tmp/names.hosts"
printf '127.0.0.1\tlocalhost\n' >"$tmp/hosts"
if ! "$egressc" --hosts-file "$tmp/names.hosts" -O "$tmp/out" "$policy" \
     >"$tmp/compile.log" 2>&1; then
	bad "egressc $policy failed:"
	indent <"$tmp/compile.log"
	testlib_finish
	exit
fi

# netns_setup puts netns_cleanup ahead of testlib_init's EXIT trap; the
# containers and dockerd must go before the namespaces, and the mounts
# before the scratch directory.
if ! netns_setup; then
	bad "cannot set up the namespaces"
	testlib_finish
	exit
fi
# IPv6 as Docker 20.10 does it by default (no --ip6tables, experimental):
# routed, not masqueraded, so the server has a route back, and Docker
# leaves ip6tables alone.
if ! ip -n "$NS_SERVER" route add 2001:db8:d0c::/48 via "$RUNNER_V6" ||
	! ip netns exec "$NS_CLIENT" sysctl -qw net.ipv6.conf.all.forwarding=1; then
	bad "cannot route the containers' IPv6"
	testlib_finish
	exit
fi
trap 'docker_cleanup; netns_cleanup; testlib_cleanup' EXIT

setup_ok=1
for addr in "$ALLOW_V4" "$ALLOW_V6" "$DENY_V4" "$DENY_V6" "$OTHER_V4" \
	    "$OTHER_V6" "$ADMIN_V4" "$RESOLVER_V4"; do
	netns_add_server_addr "$addr" || setup_ok=
done
if [ -z "$setup_ok" ] || ! netns_serve "$PORT,53"; then
	bad "server setup failed"
	testlib_finish
	exit
fi
step "namespaces and server"

mkdir -p "$dkdir/data" "$dkdir/exec" "$tmp/image/bin" "$tmp/image/tmp"
chmod 1777 "$tmp/image/tmp"
# Its key in the scratch directory, not /etc/docker (no flag for it).
printf '{ "deprecated-key-path": "%s" }\n' "$dkdir/key.json" >"$dkdir/daemon.json"
if ! dockerd_start >"$tmp/start.log" 2>&1; then
	bad "dockerd does not start in the runner namespace:"
	indent <"$tmp/start.log"
	testlib_finish
	exit
fi
step "dockerd started"

# The image: busybox with its applets, and the probe; with the shared
# libraries either needs.
copy_libs()
{
	local lib

	for lib in $(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+'); do
		mkdir -p "$tmp/image$(dirname "$lib")" &&
		cp -L "$lib" "$tmp/image$lib" || return
	done
}
image_ok=1
cp "$BUSYBOX" "$tmp/image/bin/busybox" && cp "$PROBE" "$tmp/image/bin/probe" &&
	copy_libs "$BUSYBOX" && copy_libs "$PROBE" || image_ok=
# Some 270 links: one process, not one ln each.
perl -e 'for (split /\n/, `$ARGV[0] --list`) {
	$_ eq "busybox" or symlink("busybox", "$ARGV[1]/$_") or die "$_: $!\n" }' \
	"$BUSYBOX" "$tmp/image/bin" || image_ok=
if [ -z "$image_ok" ] || ! tar -C "$tmp/image" -c . | dk import - "$IMAGE" >"$tmp/dk.log" 2>&1; then
	bad "cannot import the image:"
	indent <"$tmp/dk.log"
	testlib_finish
	exit
fi
step "image imported"

if ! dk network create --ipv6 --subnet "$JOB_SUBNET" --subnet "$JOB_V6" \
     "$job_net" >"$tmp/dk.log" 2>&1; then
	bad "docker network create $job_net fails:"
	indent <"$tmp/dk.log"
	testlib_finish
	exit
fi
pids=()
run_container bridged 80 -p "$PUBLISHED:80" 2>"$tmp/dk.bridged" & pids+=($!)
run_container job 80 --network "$job_net" 2>"$tmp/dk.job" & pids+=($!)
run_container svc 5432 --network "$job_net" 2>"$tmp/dk.svc" & pids+=($!)
run_container both 80 2>"$tmp/dk.both" & pids+=($!)
containers_ok=1
for pid in "${pids[@]}"; do
	wait "$pid" || containers_ok=
done
dk network connect "$job_net" both 2>>"$tmp/dk.both" || containers_ok=
if [ -z "$containers_ok" ]; then
	bad "cannot start the containers:"
	cat "$tmp"/dk.* | indent
	testlib_finish
	exit
fi
read_addresses
step "network and containers"
wait_v6 || bad "IPv6 on the bridges does not come up"
step "IPv6 up"

# The administrator's own rule, before egressc is ever applied.
expect "the administrator's rule" in_runner iptables -I DOCKER-USER -d "$ADMIN_V4" -j DROP
rules >"$tmp/docker.rules"
for chain in DOCKER DOCKER-ISOLATION-STAGE-1 DOCKER-ISOLATION-STAGE-2 DOCKER-USER; do
	expect "Docker made chain $chain" grep -q "^iptables filter :$chain " "$tmp/docker.rules"
done
expect "Docker masquerades the default bridge" \
	grep -q "^iptables nat -A POSTROUTING -s $BRIDGE_SUBNET ! -o docker0 -j MASQUERADE" "$tmp/docker.rules"

# Without egressc everything connects, so that a refused probe below
# proves the policy and not a gap in the setup.
unfiltered "no firewall" runner bridged job
local_traffic "no firewall"
settle
step "no firewall"

docker_suite nft
docker_suite iptables

# And back: nothing of iptables' is left.
docker_apply "back to nft" "$tmp/out"
what="back to nft"
nft_hooked "$what"
no_iptables "$what"
survives "$what"
filtered "$what: from the job network" job
settle
step "back to nft"

removed nft
docker_apply "iptables again" --backend iptables "$tmp/out"
removed iptables docker

testlib_finish
