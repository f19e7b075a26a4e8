#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot: apply --fail-closed closes the firewall before it reads anything,
# so whatever fails at boot - the directory missing, a file unreadable, a
# hosts file it cannot splice, a policy that does not compile or resolve -
# leaves the closed firewall, never an open one. And the installed unit
# runs the binary where make install put it, and does not skip a missing
# /etc/egressc.
#
#   tests/boot.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/boot.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init boot netns


cat >"$tmp/policy.eg" <<'EOF'
essentials off
default deny
allow 198.51.100.10 port 443
EOF
"$egressc" -O "$tmp/good" "$tmp/policy.eg" || { echo "boot: cannot compile"; exit 1; }
mkdir -p "$tmp/noruleset" && cp "$tmp/good/hosts" "$tmp/noruleset/"
printf 'default deny\nallow 198.51.100.10 port\n' >"$tmp/broken.eg"
printf 'essentials off\nallow nothing-resolves.example port 443\n' >"$tmp/unresolved.eg"
printf '127.0.0.1\tlocalhost\n# BEGIN egressc\n' >"$tmp/half.hosts"

# closed BACKEND WHAT: the firewall is the closed one.
closed() {
	local v
	if [ "$1" = nft ]; then
		in_ns nft list table inet egressc >"$tmp/table" 2>&1
		expect "$2: the closed table" \
			[ "$(grep -c 'policy drop;' "$tmp/table")" = 2 -a \
			  "$(grep -c '^[[:space:]]*drop$' "$tmp/table")" = 1 ]
		expect "$2: nothing but the closed table" \
			[ -z "$(grep -E 'set |counter |dport' "$tmp/table")" ]
	else
		for v in iptables ip6tables; do
			expect "$2: $v closed" \
				[ "$(in_ns $v -S EGRESSC | tr '\n' ';')" = '-N EGRESSC;-A EGRESSC -m conntrack --ctstate RELATED,ESTABLISHED --ctdir ORIGINAL -j RETURN;-A EGRESSC -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j RETURN;-A EGRESSC -j DROP;' ]
			expect "$2: $v hooked" in_ns $v -C OUTPUT -j EGRESSC-OUTPUT
		done
	fi
}

# boot BACKEND WHAT ARGS...: apply --fail-closed fails, and leaves it closed.
boot() {
	local backend=$1 what="$1: $2" rc
	shift 2
	in_ns "$egressc" apply --backend "$backend" --fail-closed --hosts-path "$tmp/hosts" \
		--dnsmasq-path "$tmp/dnsmasq.conf" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	expect "$what: exit 1" [ $rc -eq 1 ]
	expect "$what: says the firewall stays closed or why" [ -s "$tmp/stderr" ]
	closed "$backend" "$what"
	in_ns "$egressc" apply --remove --hosts-path "$tmp/hosts" --dnsmasq-path "$tmp/dnsmasq.conf" >/dev/null 2>&1
}

for backend in nft iptables; do
	printf '127.0.0.1\tlocalhost\n' >"$tmp/hosts"
	boot $backend "missing directory" "$tmp/no-such-dir"
	boot $backend "no ruleset in the directory" "$tmp/noruleset"
	boot $backend "policy does not compile" "$tmp/broken.eg"
	boot $backend "a name does not resolve" --resolver 127.0.0.1:9 --dns-timeout 200 "$tmp/unresolved.eg"
	cp "$tmp/half.hosts" "$tmp/hosts"
	boot $backend "hosts file with BEGIN and no END" "$tmp/good"
	expect "$backend: hosts file with BEGIN and no END: untouched" cmp -s "$tmp/half.hosts" "$tmp/hosts"
	printf '127.0.0.1\tlocalhost\n' >"$tmp/hosts"
done

# A broken ruleset under --fail-closed: the message says it stays closed.
cp -r "$tmp/good" "$tmp/bad"
echo 'garbage' >>"$tmp/bad/ruleset.nft"
boot nft "broken ruleset" "$tmp/bad"
expect "broken ruleset: the message says the firewall stays closed" \
	grep -q "nft refused it; the firewall stays closed" "$tmp/stderr"

# The unit, as make install writes it for another prefix.
build=$(dirname "$egressc")
if make -s -C . install BUILD="$build" PREFIX=/opt/egressc-test DESTDIR="$tmp/root" \
	>"$tmp/install.log" 2>&1; then
	unit="$tmp/root/opt/egressc-test/lib/systemd/system/egressc.service"
	expect "unit: ExecStart names the installed binary" \
		grep -qx 'ExecStart=/opt/egressc-test/bin/egressc apply --fail-closed /etc/egressc' "$unit"
	expect "unit: the binary is there" [ -x "$tmp/root/opt/egressc-test/bin/egressc" ]
	expect "unit: nothing left to fill in" [ -z "$(grep @ "$unit")" ]
	expect "unit: a missing /etc/egressc is not skipped" [ -z "$(grep -i '^Condition' "$unit")" ]
	# The agent holds the model of the policy it compiled at its start:
	# left running over a reload (PartOf= passes on stop and restart, not
	# reload), its refresh would put the earlier policy's pinned addresses
	# back into the new sets and its splice back into the hosts file.
	expect "unit: a reload (a new policy) restarts the agent" \
		grep -qx 'ExecReload=-/bin/systemctl --no-block try-restart egressc-agent.service' "$unit"
	# A policy's rules for cgroups need the agent to stay bound to a
	# cgroup made again: it comes with the boot unit, where its policy is.
	expect "unit: the boot unit brings the agent" grep -qx 'Wants=egressc-agent.service' "$unit"
	expect "unit: the agent runs where its policy was installed" \
		grep -qx 'ConditionPathExists=/etc/egressc/policy.eg' "${unit%/*}/egressc-agent.service"
else
	bad "make install"
	indent <"$tmp/install.log"
fi

testlib_finish
