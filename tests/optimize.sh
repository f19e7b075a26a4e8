#!/bin/bash
# The optimizer changes sets, never verdicts: random policies compiled with
# -O0 and -O1 must both pass --verify, which reads each nft and iptables
# output back and compares what it accepts, for every protocol and port
# interval, with what the policy's rules accept; so the two accept exactly
# the same packets. -O1 must also never need more prefixes than -O0.
#
#   tests/optimize.sh EGRESSC [COUNT [SEED]]
set -u
egressc=${1:?usage: tests/optimize.sh EGRESSC [COUNT [SEED]]}
count=${2:-200}
RANDOM=${3:-4242}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init optimize

nets=(192.0.2 198.51.100 203.0.113)
ports=(22 53 80 443 8000-8100 8080)

prefix() {
	local len=$((24 + RANDOM % 9)) host=$((RANDOM % 256))
	host=$((host - host % (1 << (32 - len))))
	if [ $((RANDOM % 5)) -eq 0 ]; then
		printf '2001:db8:%x::/%d' $((RANDOM % 4)) $((48 + RANDOM % 5 * 4))
	else
		printf '%s.%d/%d' "${nets[RANDOM % 3]}" $host $len
	fi
}

policy() {
	[ $((RANDOM % 3)) -eq 0 ] && echo "default allow"
	[ $((RANDOM % 3)) -eq 0 ] && echo "on-deny drop"
	for _ in $(seq $((2 + RANDOM % 9))); do
		local verdict=allow targets svc=
		[ $((RANDOM % 3)) -eq 0 ] && verdict=deny
		targets=$(prefix)
		[ $((RANDOM % 2)) -eq 0 ] && targets="$targets, $(prefix)"
		case $((RANDOM % 4)) in
		0) svc=" port ${ports[RANDOM % 6]}" ;;
		1) svc=" port ${ports[RANDOM % 6]}, ${ports[RANDOM % 6]} proto tcp, udp" ;;
		2) svc=" proto udp" ;;
		esac
		echo "$verdict $targets$svc"
	done
}

elements() {
	grep -c '^			[0-9a-f]' "$1"
}

for i in $(seq "$count"); do
	policy >"$tmp/p.eg"
	"$egressc" -O0 --verify -o "$tmp/o0.nft" "$tmp/p.eg" 2>"$tmp/err0"
	rc0=$?
	"$egressc" -O1 --verify -o "$tmp/o1.nft" "$tmp/p.eg" 2>"$tmp/err1"
	rc1=$?
	if [ $rc0 -ne 0 ] || [ $rc1 -ne 0 ]; then
		bad "policy $i: -O0 exit $rc0, -O1 exit $rc1"
		cat "$tmp/p.eg" "$tmp/err0" "$tmp/err1"
		continue
	fi
	if [ "$(elements "$tmp/o1.nft")" -gt "$(elements "$tmp/o0.nft")" ]; then
		bad "policy $i: -O1 needs more prefixes than -O0"
		cat "$tmp/p.eg"
		continue
	fi
	ok
done

testlib_finish
