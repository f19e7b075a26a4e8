# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced: random policies for the tests that compare two views of one
# policy (-O0 and -O1, the kernel and query). Seed with RANDOM=N first;
# bash then makes the same policies every time - as long as nothing draws
# from RANDOM in a $(...) subshell, which bash 5.2 reseeds: the helpers
# below answer in REPLY. Addresses stay inside the documentation ranges.
#
# Besides plain addresses and prefixes, a policy may have:
#   - targets written as IPv4-mapped IPv6 (::ffff:192.0.2.7,
#     ::ffff:192.0.2.0/120, ::ffff:c000:200/120), which mean the IPv4
#     address; now and then a wide target (0.0.0.0/0, ::ffff:0:0/96, which
#     is every IPv4 address, and ::/64 or ::/0, which hold the mapped block
#     yet mean IPv6 only);
#   - rules with many ports (100 to 300 entries, ranges among them, now and
#     then overlapping or out of order), so that nft's port sets and
#     iptables' multiport splitting have work to do;
#   - a 'resolver ADDR[, ADDR] [user NAME]' line (DNS lockdown);
#   - now and then 8 to 12 allow rules more, on ports of their own or
#     the probes', enough classes for nft's shared allow lookup;
#   - with RP_SENDERS set, 'user' and 'group' clauses (names a test's
#     probes can run as: root, nobody, dnsmasq; groups root and nogroup),
#     'from' clauses (the test container's networks, 198.51.100.0/31 and
#     2001:db8:ec::/64, and one that is not) and 'during' clauses with the
#     windows in RP_OPEN and RP_CLOSED (the tester's: one holding now, one
#     not); and with RP_CGROUPS (an array) too, 'cgroup' clauses naming
#     them, alone or with a 'user'.
# rand_policy leaves what a tester needs to aim probes at it in globals
# (not REPLY; it is run as 'rand_policy >FILE', in this shell):
#   RP_TARGETS    its targets, as the kernel sees them: "a.b.c.d/len" (a
#                 mapped one as IPv4) or "2001:db8:X::/len"
#   RP_PORTS      ports in and around its many-port rules' ports
#   RP_MANY       a "TARGET...|PORT...|PROTO..." line per many-port rule:
#                 its targets (as in RP_TARGETS), ports in and around its
#                 own, and its protocols
#   RP_RESOLVERS  its resolvers' addresses, a mapped one as IPv4
#   RP_FORWARDER  the forwarder's user; empty without a resolver
#   RP_IPV4       the policy's lines with every IPv4-mapped address written
#                 as the IPv4 one: the same policy, to egressc
nets=(192.0.2 198.51.100 203.0.113)
rp_users=(root nobody dnsmasq)
rp_groups=(root nogroup)
rp_sources=(198.51.100.0/31 2001:db8:ec::/64 198.51.100.8/29)
ports=(22 53 80 443 8000-8100 8080)

# A random probe destination into REPLY, mostly inside what rand_prefix
# makes; never .1 or .2, the test namespaces' own addresses. FAMILY (4 or
# 6) chooses the family, else it is IPv4 four times in five.
rand_addr() { # [FAMILY]
	local fam=${1:-}
	if [ -z "$fam" ]; then
		fam=4
		[ $((RANDOM % 5)) -eq 0 ] && fam=6
	fi
	if [ "$fam" = 6 ]; then
		printf -v REPLY '2001:db8:%x::%x' $((RANDOM % 4)) $((3 + RANDOM % 300))
	else
		printf -v REPLY '%s.%d' "${nets[RANDOM % 3]}" $((3 + RANDOM % 252))
	fi
}

# shellcheck disable=SC2034 # for tests/difftest.sh
probe_ports=(22 53 80 443 8000 8050 8080 9999)

# A destination inside PREFIX (an RP_TARGETS entry) into REPLY, as
# rand_addr would make it; rand_addr's when PREFIX holds none of those.
rand_host_in() { # PREFIX
	local net=${1%/*} len=${1#*/} host
	case $net in
	*:*)
		if [ "$len" -ge 48 ] && [[ $net == 2001:db8:[0-3]:: ]]; then
			printf -v REPLY '%s%x' "$net" $((3 + RANDOM % 300))
		else
			rand_addr 6
		fi
		;;
	*)
		host=${net##*.}
		[ "$len" -ge 24 ] && host=$((host + RANDOM % (1 << (32 - len))))
		if [ "$len" -ge 24 ] && [ "$host" -ge 3 ] && [ "$host" -le 254 ]; then
			REPLY=${net%.*}.$host
		else
			rand_addr 4
		fi
		;;
	esac
}

# The IPv4 address A.B.C.D as mapped IPv6 in hex, into REPLY:
# ::ffff:c000:207, now and then in capitals.
mapped_hex() { # A.B.C.D
	local o
	IFS=. read -r -a o <<<"$1"
	printf -v REPLY '::ffff:%x:%x' $((o[0] << 8 | o[1])) $((o[2] << 8 | o[3]))
	[ $((RANDOM % 4)) -eq 0 ] && REPLY=${REPLY^^}
}

# A random prefix into REPLY, as written in the policy; what it is to the
# kernel goes to RP_TARGETS.
rand_prefix() {
	local len=$((24 + RANDOM % 9)) host=$((RANDOM % 256)) net
	host=$((host - host % (1 << (32 - len))))
	if [ $((RANDOM % 50)) -eq 0 ]; then
		case $((RANDOM % 4)) in
		0) REPLY=0.0.0.0/0 RP_TARGETS+=(0.0.0.0/0) ;;
		1) REPLY=::ffff:0:0/96 RP_TARGETS+=(0.0.0.0/0) ;;
		2) REPLY=::/64 RP_TARGETS+=(::/64) ;;
		3) REPLY=::/0 RP_TARGETS+=(::/0) ;;
		esac
		return
	fi
	if [ $((RANDOM % 5)) -eq 0 ]; then
		printf -v REPLY '2001:db8:%x::/%d' $((RANDOM % 4)) $((48 + RANDOM % 5 * 4))
		RP_TARGETS+=("$REPLY")
		return
	fi
	net=${nets[RANDOM % 3]}.$host
	RP_TARGETS+=("$net/$len")
	case $((RANDOM % 6)) in
	0)
		if [ "$len" -eq 32 ] && [ $((RANDOM % 2)) -eq 0 ]; then
			REPLY=::ffff:$net
		else
			REPLY=::ffff:$net/$((96 + len))
		fi
		;;
	1)
		mapped_hex "$net"
		REPLY=$REPLY/$((96 + len))
		;;
	*)
		REPLY=$net/$len
		;;
	esac
}

# A port list of 100 to 300 entries into REPLY ("port 2000, 2003-2010,
# ..."), in a window somewhere in 1-65535 (now and then at either end),
# sorted or shuffled, a few entries overlapping others; about 32 ports in
# and around them into PICKS, for probes.
rand_many_ports() {
	local n=$((100 + RANDOM % 201)) p lo hi i j tmp e=() text
	PICKS=()
	p=$((1 + (RANDOM * 32768 + RANDOM) % 63000))
	[ $((RANDOM % 8)) -eq 0 ] && p=1
	[ $((RANDOM % 8)) -eq 0 ] && p=$((65535 - n * 6))
	for ((i = 0; i < n && p <= 65535; i++)); do
		lo=$p hi=$p
		[ $((RANDOM % 6)) -eq 0 ] && hi=$((lo + 1 + RANDOM % 30))
		[ $hi -gt 65535 ] && hi=65535
		if [ $lo = $hi ]; then e+=("$lo"); else e+=("$lo-$hi"); fi
		# Now and then an entry overlapping the one before.
		[ $((RANDOM % 25)) -eq 0 ] && e+=("$((lo + (hi - lo) / 2))-$((hi + 2 > 65535 ? 65535 : hi + 2))")
		p=$((hi + 1 + RANDOM % 8))
	done
	for ((j = 0; j < 16; j++)); do
		tmp=${e[RANDOM % ${#e[@]}]}
		lo=${tmp%-*} hi=${tmp#*-}
		if [ $((RANDOM % 2)) -eq 0 ]; then
			PICKS+=("$lo" $((hi + 1 > 65535 ? hi : hi + 1)))
		else
			PICKS+=("$hi" $((lo - 1 < 1 ? lo : lo - 1)))
		fi
	done
	if [ $((RANDOM % 2)) -eq 0 ]; then
		for ((i = ${#e[@]} - 1; i > 0; i--)); do
			j=$((RANDOM % (i + 1)))
			tmp=${e[i]} e[i]=${e[j]} e[j]=$tmp
		done
	fi
	printf -v text '%s, ' "${e[@]}"
	REPLY="port ${text%, }"
}

# A resolver line into REPLY, and into REPLY4 with mapped addresses as
# IPv4; its addresses and user into RP_RESOLVERS and RP_FORWARDER.
rand_resolver() {
	local nres=$((1 + RANDOM % 2)) list='' list4='' written user=''
	for _ in $(seq $nres); do
		rand_addr
		case " ${RP_RESOLVERS[*]} " in *" $REPLY "*) continue ;; esac
		RP_RESOLVERS+=("$REPLY")
		list4=${list4:+$list4, }$REPLY
		written=$REPLY
		if [[ $REPLY != *:* ]]; then
			case $((RANDOM % 6)) in
			0) written=::ffff:$REPLY ;;
			1) mapped_hex "$REPLY"; written=$REPLY ;;
			esac
		fi
		list=${list:+$list, }$written
	done
	RP_FORWARDER=dnsmasq
	case $((RANDOM % 3)) in
	1) user=" user dnsmasq" ;;
	2) user=" user nobody" RP_FORWARDER=nobody ;;
	esac
	REPLY="resolver $list$user"
	REPLY4="resolver $list4$user"
}

# A line of the policy: LINE to stdout, and LINE4 (LINE if not given)
# into RP_IPV4.
policy_line() { # LINE [LINE4]
	echo "$1"
	RP_IPV4+=("${2-$1}")
}

# shellcheck disable=SC2034 # RP_*: for the tests that source this
rand_policy() {
	local many=0
	RP_TARGETS=() RP_PORTS=() RP_MANY=() RP_RESOLVERS=() RP_FORWARDER='' RP_IPV4=()
	policy_line "essentials off"
	[ $((RANDOM % 3)) -eq 0 ] && policy_line "default allow"
	[ $((RANDOM % 3)) -eq 0 ] && policy_line "on-deny drop"
	if [ $((RANDOM % 3)) -eq 0 ]; then
		rand_resolver
		policy_line "$REPLY" "$REPLY4"
	fi
	local nrules=$((2 + RANDOM % 9))
	for _ in $(seq $nrules); do
		local verdict=allow targets targets4 svc='' protos
		[ $((RANDOM % 3)) -eq 0 ] && verdict=deny
		rand_prefix
		targets=$REPLY targets4=${RP_TARGETS[-1]}
		if [ $((RANDOM % 2)) -eq 0 ]; then
			rand_prefix
			targets="$targets, $REPLY" targets4="$targets4, ${RP_TARGETS[-1]}"
		fi
		case $((RANDOM % 4)) in
		0) svc=" port ${ports[RANDOM % 6]}" ;;
		1) svc=" port ${ports[RANDOM % 6]}, ${ports[RANDOM % 6]} proto tcp, udp" ;;
		2) svc=" proto udp" ;;
		esac
		if [ $many -lt 2 ] && [ $((RANDOM % 6)) -eq 0 ]; then
			many=$((many + 1))
			rand_many_ports
			svc=" $REPLY"
			RP_PORTS+=("${PICKS[@]}")
			protos=tcp
			case $((RANDOM % 3)) in
			1) svc="$svc proto udp" protos=udp ;;
			2) svc="$svc proto tcp, udp" protos="tcp udp" ;;
			esac
			RP_MANY+=("${targets4//, / }|${PICKS[*]}|$protos")
		fi
		local who=''
		if [ -n "${RP_SENDERS:-}" ]; then
			case $((RANDOM % 8)) in
			0) who=" user ${rp_users[RANDOM % 3]}" ;;
			1) who=" user ${rp_users[RANDOM % 3]}, ${rp_users[RANDOM % 3]}" ;;
			2) who=" group ${rp_groups[RANDOM % 2]}" ;;
			3) who=" user ${rp_users[RANDOM % 3]} group ${rp_groups[RANDOM % 2]}" ;;
			4) who=" from ${rp_sources[RANDOM % 3]}" ;;
			5) who=" from ${rp_sources[RANDOM % 3]}, ${rp_sources[RANDOM % 3]}" ;;
			6 | 7)
				# RP_CGROUPS: cgroups the caller's probes run in.
				local ncg=0
				[ -z "${RP_CGROUPS+set}" ] || ncg=${#RP_CGROUPS[@]}
				if [ "$ncg" -gt 0 ]; then
					who=" cgroup \"${RP_CGROUPS[RANDOM % ncg]}\""
					[ $((RANDOM % 3)) -eq 0 ] && who=" user ${rp_users[RANDOM % 3]}$who"
				fi
				;;
			esac
			case $((RANDOM % 6)) in
			0) who="$who during \"$RP_OPEN\"" ;;
			1) who="$who during \"$RP_CLOSED\"" ;;
			esac
		fi
		policy_line "$verdict $targets$svc$who" "$verdict $targets4$svc$who"
	done
	# Now and then classes enough for the shared allow lookup (one set of
	# address . protocol . port, model_share_lookups()): allow rules on
	# ports of their own, some meeting the ports above.
	if [ $((RANDOM % 3)) -eq 0 ]; then
		local i p
		for ((i = 0; i < 8 + RANDOM % 5; i++)); do
			p=$((1000 + i))
			[ $((RANDOM % 4)) -eq 0 ] && p=${probe_ports[RANDOM % ${#probe_ports[@]}]}
			svc=" port $p"
			case $((RANDOM % 4)) in
			1) svc="$svc proto udp" ;;
			2) svc="$svc proto tcp, udp" ;;
			esac
			rand_prefix
			RP_PORTS+=("$p")
			policy_line "allow $REPLY$svc" "allow ${RP_TARGETS[-1]}$svc"
		done
	fi
}
