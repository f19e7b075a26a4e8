# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=bash
# Sourced: diff checked against query on a pair of policies, whose
# settings may differ too (tests/difftest.sh, on the policies it loads
# into the kernel; tests/diffquery.sh, on many more, without a kernel).
#
#   rand_settings FILE   changes FILE's settings at random: mode, log,
#                        essentials (FILE as rand_policy wrote it)
#   diff_pair_check WHAT OLD NEW QUERIES RESOLVER_OLD RESOLVER_NEW
#       QUERIES holds "DEST PORT/PROTO" lines; RESOLVER_* are each side's
#       'resolver' as diff prints it ("none", or "ADDR[, ADDR] user NAME").
#       Names resolve from $DIFFPAIR_HOSTS (tests/stdlib.hosts: what
#       essentials need), so nothing is asked of DNS.
# Needs $egressc, $tmp, and tests/lib.sh's ok and bad.
DIFFPAIR_HOSTS=${DIFFPAIR_HOSTS:-tests/stdlib.hosts}

rand_settings() { # FILE
	local f=$1
	# Modules stay out unless asked: essentials on, now and then.
	[ $((RANDOM % 4)) -eq 0 ] && sed -i 's/^essentials off$/essentials on/' "$f"
	case $((RANDOM % 6)) in
	0 | 1) echo "mode monitor" >>"$f" ;;
	2) echo "mode enforce" >>"$f" ;;
	esac
	case $((RANDOM % 6)) in
	0) echo "log denied" >>"$f" ;;
	1) echo "log denied group $((RANDOM % 3))" >>"$f" ;;
	esac
}

# The value of setting NAME in FILE into REPLY, as diff prints it; the
# default when FILE does not say it.
setting_of() { # FILE NAME
	local line
	line=$(grep -E "^$2( |$)" "$1" | tail -1)
	REPLY=${line#"$2" }
	if [ -z "$line" ]; then
		case $2 in
		mode) REPLY=enforce ;;
		default) REPLY=deny ;;
		on-deny) REPLY=reject ;;
		essentials) REPLY=on ;;
		log) REPLY=off ;;
		esac
	fi
}

diff_pair_check() { # WHAT OLD NEW QUERIES RESOLVER_OLD RESOLVER_NEW
	local what=$1 old=$2 new=$3 queries=$4 name a b want='' got opens='' rc
	"$egressc" query --hosts-file="$DIFFPAIR_HOSTS" "$old" - <"$queries" 2>/dev/null |
		awk '{ print $1 }' >"$tmp/pair.q1"
	"$egressc" query --hosts-file="$DIFFPAIR_HOSTS" "$new" - <"$queries" 2>/dev/null |
		awk '{ print $1 }' >"$tmp/pair.q2"
	"$egressc" diff --hosts-file="$DIFFPAIR_HOSTS" "$old" "$new" >"$tmp/pair.all" 2>"$tmp/pair.err"
	rc=$?
	if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then
		bad "$what: diff failed ($rc)"
		indent <"$tmp/pair.err"
		return
	fi

	# Settings: a line for each that differs, and none for the rest; '!'
	# for a switch to monitor mode or default allow, '~' otherwise.
	for name in mode default on-deny essentials resolver log; do
		if [ $name = resolver ]; then
			a=$5 b=$6
		else
			setting_of "$old" $name
			a=$REPLY
			setting_of "$new" $name
			b=$REPLY
		fi
		[ "$a" = "$b" ] && continue
		want="$want $name"
		if { [ $name = mode ] && [ "$b" = monitor ]; } ||
			{ [ $name = default ] && [ "$b" = allow ]; }; then
			opens="$opens $name"
		fi
	done
	got=$(awk '/^[!~] / && $2 ~ /^(mode|default|on-deny|essentials|resolver|log)$/ { printf " %s", $2 }' "$tmp/pair.all")
	if [ "$got" != "$want" ]; then
		bad "$what: settings reported '$got', differing '$want'"
		indent <"$tmp/pair.all" | head -5
	else
		ok
	fi
	got=$(awk '/^! / { printf " %s", $2 }' "$tmp/pair.all")
	if [ "$got" != "$opens" ]; then
		bad "$what: marked '!': '$got', should be '$opens'"
	else
		ok
	fi

	# The lines that name packets (settings and modules aside): empty
	# exactly when query answers every probe the same, and the first names
	# a packet whose verdict differs. A user's, a group's, a cgroup's, a
	# time's or a source's lines are packets these probes (sent by no one,
	# at no time, from nowhere) are not.
	grep -v '^[!~] ' "$tmp/pair.all" | grep -v '^[-+] [$*]' |
		awk -F'  # ' '$1 !~ /^=/ && $1 !~ / (user|group|cgroup|at|from) /' >"$tmp/pair.diff"
	if [ $rc -eq 0 ] && ! cmp -s "$tmp/pair.q1" "$tmp/pair.q2"; then
		bad "$what: diff empty, yet probes differ"
	elif [ $rc -eq 0 ] && [ -n "$want" ]; then
		bad "$what: diff empty, yet settings differ:$want"
	elif [ ! -s "$tmp/pair.diff" ]; then
		# Only settings, modules or run-time sets differ: no probe may.
		if cmp -s "$tmp/pair.q1" "$tmp/pair.q2"; then ok; else
			bad "$what: diff names no packet, yet probes differ"
			indent <"$tmp/pair.all" | head -5
		fi
	elif [ "$(awk 'NR == 1 { print $4 }' "$tmp/pair.diff")" = 0 ]; then
		ok # port 0 alone cannot be queried
	else
		local sign prefix proto dports addr port svc v1 v2
		read -r sign prefix proto dports _ <"$tmp/pair.diff"
		addr=${prefix%/*}
		port=${dports%%-*}
		# Port 0 cannot be queried; the range's next port is as good.
		{ [ "$port" = all ] || [ "$port" = 0 ]; } && port=1
		svc=$port/$proto
		[ "$proto" = other ] && svc=
		[ "$proto" = any ] && svc=1/tcp
		v1=$("$egressc" query --hosts-file="$DIFFPAIR_HOSTS" "$old" "$addr" $svc 2>/dev/null | head -1)
		v2=$("$egressc" query --hosts-file="$DIFFPAIR_HOSTS" "$new" "$addr" $svc 2>/dev/null | head -1)
		if [ "$v1" = "$v2" ]; then
			bad "$what: diff says '$sign $prefix $proto $dports' but both $v1"
		else
			ok
		fi
	fi
}

# The 'resolver' of the policy rand_policy made last, as diff prints it,
# into REPLY.
resolver_shown() {
	local IFS=,
	if [ ${#RP_RESOLVERS[@]} -eq 0 ]; then
		REPLY="none (no DNS lockdown)"
	else
		REPLY="${RP_RESOLVERS[*]}"
		REPLY="${REPLY//,/, } user $RP_FORWARDER"
	fi
}
