# Sourced: random policies for the tests that compare two views of one
# policy (-O0 and -O1, the kernel and query). Seed with RANDOM=N first;
# bash then makes the same policies every time - as long as nothing draws
# from RANDOM in a $(...) subshell, which bash 5.2 reseeds: the helpers
# below answer in REPLY. Addresses stay inside the documentation ranges.
nets=(192.0.2 198.51.100 203.0.113)
ports=(22 53 80 443 8000-8100 8080)

# A random probe destination into REPLY, mostly inside what rand_prefix
# makes; never .1 or .2, the test namespaces' own addresses.
rand_addr() {
	if [ $((RANDOM % 5)) -eq 0 ]; then
		printf -v REPLY '2001:db8:%x::%x' $((RANDOM % 4)) $((3 + RANDOM % 300))
	else
		printf -v REPLY '%s.%d' "${nets[RANDOM % 3]}" $((3 + RANDOM % 252))
	fi
}

probe_ports=(22 53 80 443 8000 8050 8080 9999)

# A random prefix into REPLY.
rand_prefix() {
	local len=$((24 + RANDOM % 9)) host=$((RANDOM % 256))
	host=$((host - host % (1 << (32 - len))))
	if [ $((RANDOM % 5)) -eq 0 ]; then
		printf -v REPLY '2001:db8:%x::/%d' $((RANDOM % 4)) $((48 + RANDOM % 5 * 4))
	else
		printf -v REPLY '%s.%d/%d' "${nets[RANDOM % 3]}" $host $len
	fi
}

rand_policy() {
	echo "essentials off"
	[ $((RANDOM % 3)) -eq 0 ] && echo "default allow"
	[ $((RANDOM % 3)) -eq 0 ] && echo "on-deny drop"
	local nrules=$((2 + RANDOM % 9))
	for _ in $(seq $nrules); do
		local verdict=allow targets svc=
		[ $((RANDOM % 3)) -eq 0 ] && verdict=deny
		rand_prefix
		targets=$REPLY
		if [ $((RANDOM % 2)) -eq 0 ]; then
			rand_prefix
			targets="$targets, $REPLY"
		fi
		case $((RANDOM % 4)) in
		0) svc=" port ${ports[RANDOM % 6]}" ;;
		1) svc=" port ${ports[RANDOM % 6]}, ${ports[RANDOM % 6]} proto tcp, udp" ;;
		2) svc=" proto udp" ;;
		esac
		echo "$verdict $targets$svc"
	done
}

