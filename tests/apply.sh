#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc apply: loading compiled outputs on a host - the firewall (nft,
# then iptables with its ipsets), the hosts splice and the dnsmasq
# fragment - and taking them away again with --remove. For each backend,
# in a network namespace of the test's own (a fresh one for iptables):
# --dry-run changes nothing; apply DIR loads the ruleset and appends the
# hosts block, keeping every byte of the file around it (also one without a
# trailing newline, and one with an older block in the middle); applying
# twice is applying once; a failed apply (a broken ruleset; for iptables
# also a load that fails after every --test passed, through a stand-in
# ip6tables-restore, and one that stops reading a large file at its first
# line) leaves the kernel - the members dnsmasq put in a
# wildcard's set included - the hosts file and the fragment as they were;
# apply POLICY is apply DIR of the same policy; --remove takes it all away,
# twice; a hosts file with '# BEGIN egressc' and no END fails the apply (and
# --remove) and changes nothing; --fail-closed leaves the closed firewall
# behind when the load fails; non-root applies fail (dry runs work); usage
# errors exit 2.
#
#   tests/apply.sh EGRESSC            (as root)
#
# Every apply runs inside the namespace, on a hosts file and a fragment in
# the scratch directory: the host's /etc/hosts, /etc/dnsmasq.d and firewall
# are never touched. Names resolve from a hosts file written here, never
# DNS; only documentation addresses.
#@check full
set -u
egressc=${1:?usage: tests/apply.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init apply netns
chmod 755 "$tmp"	# the non-root checks read it as nobody

hosts=$tmp/hosts
frag=$tmp/dnsmasq.d/egressc.conf
mkdir -p "$tmp/dnsmasq.d" "$tmp/snap"

# A wildcard (dynamic sets, dnsmasq lines), a hostname (the hosts block), a
# deny and a resolver (DNS lockdown lines in the fragment).
cat >"$tmp/apply.eg" <<'EOF'
essentials off
resolver 192.0.2.53
allow *.ci.test port 443
allow pkg.apply.test port 443
allow 198.51.100.0/24 port 80
deny 198.51.100.66
allow 2001:db8:1::/48 port 443
EOF
printf '203.0.113.20\tpkg.apply.test\n2001:db8:2::20\tpkg.apply.test\n' >"$tmp/names.hosts"
"$egressc" -O "$tmp/out" --hosts-file "$tmp/names.hosts" "$tmp/apply.eg" 2>"$tmp/stderr" || {
	echo "apply: the test policy does not compile:"
	indent <"$tmp/stderr"
	exit 1
}
# The wildcard's set and its ipset, as the outputs name them (a hash of
# what fills them is part of the name).
wild_set=$(sed -n 's/^\tset \(allow_tcp_443_dns_[0-9a-f]*\)_v4 {$/\1/p' "$tmp/out/ruleset.nft")
wild_ipset=$(sed -n 's/^create \(egressc_[^ ]*\)_v4 hash:net family inet timeout .*/\1/p' "$tmp/out/ipsets")
if [ -z "$wild_set" ] || [ -z "$wild_ipset" ]; then
	echo "apply: the wildcard's set is missing from the outputs"
	exit 1
fi
# The IPv6 addresses of port 443: the network's, matched in the rule, and
# the hostname's, in the class's refresh set (one a family), an ipset the
# outputs fill and the refresh agent would change.
pin_ipset=$(sed -n 's/^create \(egressc_pin_[^ ]*_v6\) hash:net family inet6 hashsize .*/\1/p' "$tmp/out/ipsets")
if [ -z "$pin_ipset" ]; then
	echo "apply: the refresh set of port 443 is missing from the ipsets"
	exit 1
fi

# A hosts file as a host has it: comments, a blank line, tabs and spaces.
printf '# static names\n127.0.0.1\tlocalhost\n::1     localhost ip6-localhost ip6-loopback\n\n# build machines\n192.0.2.10\tbuild.apply.test build\t# pinned\n' \
	>"$tmp/orig.hosts"


# eapply ARGS...: egressc apply (with $backend) in the namespace, on the
# scratch hosts file and fragment, its tools looked up in $EAPPLY_PATH
# (default $PATH); $rc, $tmp/stdout and $tmp/stderr.
eapply() {
	in_ns env PATH="${EAPPLY_PATH:-$PATH}" "$egressc" apply --backend "$backend" \
		--hosts-path "$hosts" --dnsmasq-path "$frag" "$@" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
}

# The kernel's state, for before/after comparisons: nft's expiry
# countdowns, iptables' counters and comment lines and ipset's remaining
# timeouts stripped.
state() {
	if [ "$backend" = nft ]; then
		in_ns nft list ruleset | sed -E 's/ expires [0-9a-z]+//g'
	else
		{ in_ns iptables-save; in_ns ip6tables-save; } | grep -v '^#' |
			sed -E 's/ \[[0-9]+:[0-9]+\]$//'
		# A hash set lists its members in no fixed order.
		in_ns ipset save | sed -E 's/ initval 0x[0-9a-f]+//; /^add /s/ timeout [0-9]+//' |
			LC_ALL=C sort
	fi
}

# copy FILE TO: TO is FILE's bytes, or a marker no text file has.
copy() {
	if [ -e "$1" ]; then cp "$1" "$2"; else printf '\0absent\0' >"$2"; fi
}

# snap NAME: the kernel state, hosts file and fragment now.
snap() {
	state >"$tmp/snap/$1.state"
	copy "$hosts" "$tmp/snap/$1.hosts"
	copy "$frag" "$tmp/snap/$1.frag"
}

# same WHAT A B: snapshots A and B are identical (three checks).
same() {
	local what=$1 a=$2 b=$3 p
	for p in state hosts frag; do
		if cmp -s "$tmp/snap/$a.$p" "$tmp/snap/$b.$p"; then
			ok
		else
			bad "$what: $p differs"
			diff "$tmp/snap/$a.$p" "$tmp/snap/$b.$p" | head -10 | indent
		fi
	done
}

# prefix WHAT FILE PREFIX: FILE starts with PREFIX's bytes.
prefix() {
	local n
	n=$(stat -c %s "$3")
	expect "$1" cmp -s -n "$n" "$2" "$3"
	[ "$(stat -c %s "$2")" -ge "$n" ] || bad "$1 (shorter than the prefix)"
}

# rest FILE N: FILE from byte N + 1 on.
rest() { tail -c +$(($2 + 1)) "$1"; }

# The firewall carries the policy: a set, a counter or chain, the hostname's
# addresses.
loaded() {
	local what="$backend: $1"
	if [ "$backend" = nft ]; then
		if in_ns nft list table inet egressc >"$tmp/table" 2>&1; then
			ok
			expect "$what: the wildcard's set" grep -q "set ${wild_set}_v4 {" "$tmp/table"
			expect "$what: the deny's counter" grep -q 'counter deny_2 {' "$tmp/table"
			expect "$what: the hostname's address" grep -qw '203\.0\.113\.20' "$tmp/table"
		else
			bad "$what: nft list table inet egressc fails"
			indent <"$tmp/table"
		fi
		expect "$what: other tables left alone" in_ns nft list table ip bystander >/dev/null
	else
		if in_ns iptables -S EGRESSC >"$tmp/table" 2>&1 &&
			in_ns ip6tables -S EGRESSC >>"$tmp/table" 2>&1; then
			ok
			expect "$what: the deny's chain" \
				grep -q -- '-A EGRESSC -d 198.51.100.66/32 -g EGRESSC-deny_2' "$tmp/table"
			expect "$what: the wildcard's set matched" \
				grep -q -- "--match-set ${wild_ipset}_v4 dst" "$tmp/table"
			expect "$what: the refresh set matched" \
				grep -q -- "--match-set $pin_ipset dst" "$tmp/table"
			expect "$what: the hostname's addresses" \
				in_ns ipset test "$pin_ipset" 2001:db8:2::20 2>/dev/null
		else
			bad "$what: iptables -S EGRESSC fails"
			indent <"$tmp/table"
		fi
		hooked "$what"
		local sets
		sets=$(in_ns ipset list -n | sort | tr '\n' ' ')
		expect "$what: ipsets: $sets" \
			[ "$sets" = "$(printf '%s\n' "${wild_ipset}_v4" "${wild_ipset}_v6" "${pin_ipset%_v6}_v4" "$pin_ipset" |
				       sort | tr '\n' ' ')" ]
	fi
}

# hooked WHAT: in both families, OUTPUT jumps to EGRESSC-OUTPUT once and
# first, DOCKER-USER to EGRESSC-FORWARD once and first, FORWARD to
# DOCKER-USER once; and the administrator's rules are still there.
hooked() {
	local v
	for v in iptables ip6tables; do
		expect "$1: $v: OUTPUT hooked once, first" \
			[ "$(in_ns $v -S OUTPUT | grep -c EGRESSC)" = 1 -a \
			  "$(in_ns $v -S OUTPUT | sed -n 2p)" = "-A OUTPUT -j EGRESSC-OUTPUT" ]
		expect "$1: $v: DOCKER-USER hooked once, first" \
			[ "$(in_ns $v -S DOCKER-USER | grep -c EGRESSC)" = 1 -a \
			  "$(in_ns $v -S DOCKER-USER | sed -n 2p)" = "-A DOCKER-USER -j EGRESSC-FORWARD" ]
		expect "$1: $v: FORWARD jumps to DOCKER-USER once, not to egressc" \
			[ "$(in_ns $v -S FORWARD | grep -c -- '-j DOCKER-USER')" = 1 -a \
			  "$(in_ns $v -S FORWARD | grep -c EGRESSC)" = 0 ]
		expect "$1: $v: the administrator's rule is kept" \
			in_ns $v -C OUTPUT -p tcp --dport 9 -j DROP
	done
}

# Nothing of egressc's in the firewall.
gone() {
	local what="$backend: $1"
	if [ "$backend" = nft ]; then
		local tables
		tables=$(in_ns nft list tables)
		expect "$what: tables: $tables" [ "$tables" = "table ip bystander" ]
	else
		expect "$what: iptables -S: no EGRESSC" \
			[ "$(in_ns iptables -S)" = "$(cat "$tmp/pristine.v4")" ]
		expect "$what: ip6tables -S: no EGRESSC" \
			[ "$(in_ns ip6tables -S)" = "$(cat "$tmp/pristine.v6")" ]
		expect "$what: no egressc_ ipsets" [ -z "$(in_ns ipset list -n | grep '^egressc_')" ]
	fi
}

# The hosts file is BEFORE, the compiled block, then AFTER, byte for byte.
spliced() {
	local what="$backend: $1" before=$2 after=$3 n
	n=$(stat -c %s "$before")
	prefix "$what: the lines before the block are kept" "$hosts" "$before"
	if [ -s "$after" ]; then
		expect "$what: the lines after the block are kept" \
			cmp -s <(tail -c "$(stat -c %s "$after")" "$hosts") "$after"
	fi
	expect "$what: the block is the compiled hosts output" \
		cmp -s <(rest "$hosts" "$n" | head -c "$(stat -c %s "$tmp/out/hosts")") "$tmp/out/hosts"
	expect "$what: nothing else in the hosts file" cmp -s <(cat "$before" "$tmp/out/hosts" "$after") "$hosts"
}

# The fragment is the compiled one for this backend.
fragment() {
	expect "$backend: $1: the fragment is $fragsrc" cmp -s "$tmp/out/$fragsrc" "$frag"
}

backend_suite() {
	backend=$1
	if [ "$backend" = nft ]; then
		broken=ruleset.nft
		fragsrc=dnsmasq.conf
		in_ns nft add table ip bystander
	else
		broken=rules.v6
		fragsrc=dnsmasq-ipset.conf
		# The administrator's own rule: egressc keeps to its chains.
		in_ns iptables -A OUTPUT -p tcp --dport 9 -j DROP
		in_ns ip6tables -A OUTPUT -p tcp --dport 9 -j DROP
		in_ns iptables -S >"$tmp/pristine.v4"
		in_ns ip6tables -S >"$tmp/pristine.v6"
	fi
	rm -f "$hosts"
	cp "$tmp/orig.hosts" "$hosts"
	rm -f "$frag"

	# 1. --dry-run: says what it would do, does nothing.
	snap "$backend-start"
	eapply --dry-run "$tmp/out"
	exit_is "$backend: --dry-run" 0
	snap "$backend-dry"
	same "$backend: --dry-run changes nothing" "$backend-start" "$backend-dry"
	gone "--dry-run"
	if [ "$backend" = nft ]; then
		expect "$backend: --dry-run tells of the table" \
			grep -q "^nft: would replace table inet egressc from $tmp/out/ruleset.nft" "$tmp/stdout"
	else
		expect "$backend: --dry-run tells of the ipsets" \
			grep -q "^ipset: would create and empty the sets of $tmp/out/ipsets" "$tmp/stdout"
		expect "$backend: --dry-run tells of the tables" \
			grep -q "^iptables: would replace egressc's IPv4 chains from $tmp/out/rules.v4" "$tmp/stdout"
	fi
	expect "$backend: --dry-run tells of the hosts file" grep -q "^hosts: would write $hosts\$" "$tmp/stdout"
	expect "$backend: --dry-run tells of the fragment" grep -q "^dnsmasq: would write $frag\$" "$tmp/stdout"

	# Non-root: refused before anything changes; a dry run needs no root.
	if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
		in_ns setpriv --reuid=nobody --regid=nogroup --clear-groups "$egressc" apply \
			--backend "$backend" --hosts-path "$hosts" --dnsmasq-path "$frag" "$tmp/out" \
			>"$tmp/stdout" 2>"$tmp/stderr"
		rc=$?
		exit_is "$backend: apply as nobody" 1
		expect "$backend: apply as nobody: needs root" grep -q "needs root" "$tmp/stderr"
		snap "$backend-nobody"
		same "$backend: apply as nobody changes nothing" "$backend-start" "$backend-nobody"
		in_ns setpriv --reuid=nobody --regid=nogroup --clear-groups "$egressc" apply \
			--backend "$backend" --hosts-path "$hosts" --dnsmasq-path "$frag" --dry-run "$tmp/out" \
			>"$tmp/stdout" 2>"$tmp/stderr"
		rc=$?
		exit_is "$backend: apply --dry-run as nobody" 0
	fi

	# 2. apply DIR: the ruleset in the kernel, the block appended; the
	# hosts file keeps its mode.
	chmod 640 "$hosts"
	eapply "$tmp/out"
	exit_is "$backend: apply DIR" 0
	loaded "apply DIR"
	spliced "apply DIR" "$tmp/orig.hosts" /dev/null
	fragment "apply DIR"
	expect "$backend: apply DIR keeps the hosts file's mode" [ "$(stat -c %a "$hosts")" = 640 ]
	snap "$backend-once"

	# 4. Twice is once.
	eapply "$tmp/out"
	exit_is "$backend: apply DIR again" 0
	snap "$backend-twice"
	same "$backend: applying twice is applying once" "$backend-once" "$backend-twice"
	expect "$backend: apply DIR again: hosts up to date" grep -q "^hosts: $hosts is up to date" "$tmp/stdout"

	# 5. A broken ruleset: exit 1, and nothing changes - not the firewall
	# (with an address dnsmasq put in a wildcard's set), not the hosts file
	# or the fragment (which the broken directory has different).
	rm -rf "$tmp/bad"
	cp -r "$tmp/out" "$tmp/bad"
	echo 'garbage in the ruleset' >>"$tmp/bad/$broken"
	sed -i 's/203\.0\.113\.20/203.0.113.21/' "$tmp/bad/hosts"
	echo '# a changed fragment' >>"$tmp/bad/dnsmasq.conf"
	echo '# a changed fragment' >>"$tmp/bad/dnsmasq-ipset.conf"
	# The same changes, with rules that load (iptables: a load failing late).
	rm -rf "$tmp/late"
	cp -r "$tmp/bad" "$tmp/late"
	cp "$tmp/out/$broken" "$tmp/late/$broken"
	sed -i 's/198\.51\.100\.66/198.51.100.67/' "$tmp/late/rules.v4" "$tmp/late/ruleset.nft"
	if [ "$backend" = nft ]; then
		in_ns nft add element inet egressc "${wild_set}_v4" '{ 203.0.113.99 }'
	else
		in_ns ipset add "${wild_ipset}_v4" 203.0.113.99
	fi
	snap "$backend-prebad"
	expect "$backend: the dnsmasq-filled address is in the snapshot" grep -q '203\.0\.113\.99' "$tmp/snap/$backend-prebad.state"
	eapply "$tmp/bad"
	exit_is "$backend: apply of a broken $broken" 1
	expect "$backend: apply of a broken $broken: error on stderr" \
		grep -q "^egressc: error: $tmp/bad/$broken: " "$tmp/stderr"
	snap "$backend-bad"
	same "$backend: a failed apply changes nothing" "$backend-prebad" "$backend-bad"
	if [ "$backend" = nft ]; then
		# The dry run has nft check it, too.
		eapply --dry-run "$tmp/bad"
		exit_is "$backend: --dry-run of a broken $broken" 1
		expect "$backend: --dry-run of a broken $broken: error on stderr" \
			grep -q "nft would refuse it" "$tmp/stderr"
	else
		# A load that fails after every --test passed (an ip6tables-restore
		# that refuses the compiled file, not the closing or the saved
		# rules): IPv4 was replaced by then, and the saved rules, the
		# sets' members, hosts and fragment must all be back as they were.
		mkdir -p "$tmp/fakebin"
		cat >"$tmp/fakebin/ip6tables-restore" <<-EOF
			#!/bin/bash
			input=\$(cat)
			if [[ "\$*" != *--test* && \$input == *"# Compiled by egressc from"* ]]; then
			 	echo "ip6tables-restore: refused by the test" >&2
			 	exit 1
			fi
			exec $(command -v ip6tables-restore) "\$@" <<<"\$input"
		EOF
		chmod 755 "$tmp/fakebin/ip6tables-restore"
		EAPPLY_PATH="$tmp/fakebin:$PATH" eapply "$tmp/late"
		exit_is "$backend: a load failing after the tests" 1
		expect "$backend: a load failing after the tests: error on stderr" \
			grep -q "refused by the test" "$tmp/stderr"
		expect "$backend: a load failing after the tests: rules restored" \
			grep -q "^iptables: the previous rules are back in place" "$tmp/stdout"
		snap "$backend-late"
		same "$backend: a load failing after the tests changes nothing" "$backend-prebad" "$backend-late"
		# The same, with a tool that stops reading at its first line and
		# more input behind it than a pipe holds (iptables-restore
		# stops at a bad line): apply must not die of SIGPIPE with
		# IPv4 replaced, but put it back.
		rm -rf "$tmp/late2"
		cp -r "$tmp/late" "$tmp/late2"
		seq -f '# padding %g' 20000 >>"$tmp/late2/rules.v6"
		cat >"$tmp/fakebin/ip6tables-restore" <<-EOF
			#!/bin/bash
			IFS= read -r first
			if [[ "\$*" != *--test* && \$first == *"# Compiled by egressc from"* ]]; then
			 	echo "ip6tables-restore: refused at its first line" >&2
			 	exit 1
			fi
			{ printf '%s\n' "\$first"; cat; } | $(command -v ip6tables-restore) "\$@"
		EOF
		EAPPLY_PATH="$tmp/fakebin:$PATH" eapply "$tmp/late2"
		exit_is "$backend: a load stopping early on a large file" 1
		expect "$backend: a load stopping early: rules restored" \
			grep -q "^iptables: the previous rules are back in place" "$tmp/stdout"
		snap "$backend-late2"
		same "$backend: a load stopping early changes nothing" "$backend-prebad" "$backend-late2"
	fi

	# 7. --remove, twice.
	eapply --remove
	exit_is "$backend: --remove" 0
	gone "--remove"
	expect "$backend: --remove: hosts file as it was" cmp -s "$tmp/orig.hosts" "$hosts"
	expect "$backend: --remove: no fragment" [ ! -e "$frag" ]
	snap "$backend-removed"
	eapply --remove
	exit_is "$backend: --remove again" 0
	snap "$backend-removed2"
	same "$backend: --remove again changes nothing" "$backend-removed" "$backend-removed2"

	# 6. apply POLICY is apply DIR of the same policy.
	eapply --hosts-file "$tmp/names.hosts" "$tmp/apply.eg"
	exit_is "$backend: apply POLICY" 0
	snap "$backend-policy"
	same "$backend: apply POLICY is apply DIR" "$backend-once" "$backend-policy"
	eapply --remove
	exit_is "$backend: --remove after apply POLICY" 0
	expect "$backend: --remove after apply POLICY: hosts file as it was" cmp -s "$tmp/orig.hosts" "$hosts"

	# 3. An older block in the middle is replaced; the lines around it stay.
	printf '127.0.0.1\tlocalhost\n# before the block\n' >"$tmp/before.hosts"
	printf '# after the block\n192.0.2.11 after.apply.test\t# kept\n' >"$tmp/after.hosts"
	{
		cat "$tmp/before.hosts"
		printf '# BEGIN egressc\n# Compiled by egressc from an older policy\n198.51.100.250\told.apply.test\n# END egressc\n'
		cat "$tmp/after.hosts"
	} >"$hosts"
	eapply "$tmp/out"
	exit_is "$backend: apply over an older block" 0
	spliced "apply over an older block" "$tmp/before.hosts" "$tmp/after.hosts"
	eapply --remove
	exit_is "$backend: --remove of a block in the middle" 0
	expect "$backend: --remove of a block in the middle: the lines around it" \
		cmp -s <(cat "$tmp/before.hosts" "$tmp/after.hosts") "$hosts"

	# 2b. A hosts file whose last line has no newline: it gets one, then
	# the block.
	printf '127.0.0.1\tlocalhost\n192.0.2.12\tnonl.apply.test' >"$tmp/nonl.hosts"
	cp "$tmp/nonl.hosts" "$hosts"
	eapply "$tmp/out"
	exit_is "$backend: apply, no trailing newline" 0
	{ cat "$tmp/nonl.hosts"; echo; } >"$tmp/nonl-nl.hosts"
	spliced "apply, no trailing newline" "$tmp/nonl-nl.hosts" /dev/null
	eapply --remove
	exit_is "$backend: --remove, no trailing newline" 0
	prefix "$backend: --remove, no trailing newline: the original lines" "$hosts" "$tmp/nonl.hosts"
	expect "$backend: --remove, no trailing newline: at most a newline added" \
		[ "$(rest "$hosts" "$(stat -c %s "$tmp/nonl.hosts")" | od -An -c | tr -d ' ')" = '' -o \
		"$(rest "$hosts" "$(stat -c %s "$tmp/nonl.hosts")" | od -An -c | tr -d ' ')" = '\n' ]

	# 8. '# BEGIN egressc' without END: the apply fails and changes
	# nothing - the firewall included, though it is loaded before the
	# hosts file is written. The firewall is empty now: a load would show.
	printf '127.0.0.1\tlocalhost\n# BEGIN egressc\n203.0.113.5\thalf.apply.test\n' >"$hosts"
	snap "$backend-unbalanced-before"
	eapply "$tmp/out"
	exit_is "$backend: apply to a hosts file with BEGIN and no END" 1
	expect "$backend: BEGIN and no END: error on stderr" \
		grep -q "cannot splice into '$hosts': it has '# BEGIN egressc' without '# END egressc'" "$tmp/stderr"
	snap "$backend-unbalanced-after"
	same "$backend: BEGIN and no END changes nothing" "$backend-unbalanced-before" "$backend-unbalanced-after"
	# So does --remove, with the policy loaded: it stays.
	cp "$tmp/orig.hosts" "$hosts"
	eapply "$tmp/out"
	exit_is "$backend: apply before --remove with BEGIN and no END" 0
	printf '127.0.0.1\tlocalhost\n# BEGIN egressc\n203.0.113.5\thalf.apply.test\n' >"$hosts"
	snap "$backend-unbalanced-loaded"
	eapply --remove
	exit_is "$backend: --remove with BEGIN and no END" 1
	expect "$backend: --remove with BEGIN and no END: error on stderr" \
		grep -q "cannot splice into '$hosts': it has '# BEGIN egressc' without '# END egressc'" "$tmp/stderr"
	snap "$backend-unbalanced-removed"
	same "$backend: --remove with BEGIN and no END changes nothing" \
		"$backend-unbalanced-loaded" "$backend-unbalanced-removed"
	cp "$tmp/orig.hosts" "$hosts"
	eapply --remove
	exit_is "$backend: --remove after fixing the hosts file" 0

	# 9. --fail-closed and a broken ruleset: the closed firewall stays.
	snap "$backend-preclosed"
	eapply --fail-closed "$tmp/bad"
	exit_is "$backend: --fail-closed, broken $broken" 1
	if [ "$backend" = nft ]; then
		in_ns nft list table inet egressc >"$tmp/closed" 2>&1
		expect "$backend: --fail-closed: the policy chain and both hooks" \
			[ "$(grep 'chain ' "$tmp/closed" | tr -d '\t' | tr '\n' ';')" = 'chain egress {;chain output {;chain forward {;' ]
		expect "$backend: --fail-closed: policy drop, output and forward" \
			[ "$(grep -c 'type filter hook \(output\|forward\) priority filter; policy drop;' "$tmp/closed")" = 2 ]
		expect "$backend: --fail-closed: nothing but loopback, bridges and replies" \
			[ "$(grep -vE '^(table|[[:space:]]*chain|[[:space:]]*type|[[:space:]]*\}|\}|[[:space:]]*$)' "$tmp/closed" |
				sed 's/^[[:space:]]*//' | sort | tr '\n' ';')" = 'ct state established,related ct direction original accept;ct state established,related ct status dnat accept;drop;exthdr rt exists drop;exthdr rt exists drop;goto egress;goto egress;icmpv6 type nd-router-solicit ip6 daddr ff02::2 ip6 hoplimit 255 accept;icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 accept;icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } meta skuid >= 0 goto egress;meta oifkind "bridge" accept;meta oifkind "bridge" accept;oif "lo" fib daddr type local accept;' ]
		expect "$backend: --fail-closed: other tables left alone" in_ns nft list table ip bystander >/dev/null
	else
		for v in iptables ip6tables; do
			expect "$backend: --fail-closed: $v closed" \
				[ "$(in_ns $v -S EGRESSC | tr '\n' ';')" = '-N EGRESSC;-A EGRESSC -m conntrack --ctstate RELATED,ESTABLISHED --ctdir ORIGINAL -j RETURN;-A EGRESSC -m conntrack --ctstate RELATED,ESTABLISHED -m conntrack --ctstate DNAT -j RETURN;-A EGRESSC -j DROP;' ]
		done
		hooked "$backend: --fail-closed"
	fi
	expect "$backend: --fail-closed: hosts file as it was" cmp -s "$tmp/snap/$backend-preclosed.hosts" "$hosts"
	expect "$backend: --fail-closed: no fragment" [ ! -e "$frag" ]
	# And with a ruleset that loads, the policy replaces the closed table.
	eapply --fail-closed "$tmp/out"
	exit_is "$backend: --fail-closed, good ruleset" 0
	snap "$backend-closed-good"
	same "$backend: --fail-closed with a good ruleset is apply" "$backend-once" "$backend-closed-good"

	# 14. All or nothing: a step after the firewall fails - the fragment
	# cannot be written, dnsmasq does not restart - and the firewall, the
	# hosts file and the fragment are put back as they were (here: the
	# policy of $tmp/out, over which $tmp/late would go).
	: >"$tmp/not-a-dir"
	snap "$backend-before-rollback"
	in_ns "$egressc" apply --backend "$backend" --hosts-path "$hosts" \
		--dnsmasq-path "$tmp/not-a-dir/egressc.conf" "$tmp/late" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	exit_is "$backend: a fragment that cannot be written" 1
	snap "$backend-after-unwritable"
	same "$backend: a fragment that cannot be written changes nothing" \
		"$backend-before-rollback" "$backend-after-unwritable"
	eapply --dnsmasq-restart 'echo dnsmasq refuses >&2; exit 3' "$tmp/late"
	exit_is "$backend: dnsmasq does not restart" 1
	expect "$backend: dnsmasq does not restart: its words" grep -q "dnsmasq refuses" "$tmp/stderr"
	snap "$backend-after-norestart"
	same "$backend: dnsmasq does not restart: nothing changed" \
		"$backend-before-rollback" "$backend-after-norestart"
	eapply --dnsmasq-restart "echo restarted >'$tmp/restarted'" "$tmp/late"
	exit_is "$backend: dnsmasq restarts" 0
	expect "$backend: dnsmasq restarts: the command ran" grep -qx restarted "$tmp/restarted"
	rm -f "$tmp/restarted"
	# The run-time sets keep their members (tests/keepstate.sh): an
	# unchanged fragment needs no restart.
	eapply --dnsmasq-restart "echo restarted >'$tmp/restarted'" "$tmp/late"
	exit_is "$backend: the same fragment again" 0
	expect "$backend: the same fragment again: no restart" [ ! -e "$tmp/restarted" ]

	eapply --remove
	exit_is "$backend: --remove at the end" 0
	gone "--remove at the end"
}

backend_suite nft
# iptables in a namespace of its own: nothing nft left behind.
if ! ip netns del "$ns" || ! ip netns add "$ns"; then
	echo "apply: cannot renew the network namespace"
	exit 1
fi
backend_suite iptables

# 11. Switching backends: the other backend's egressc state goes once the
# new one is in, so no stale table or chain keeps deciding; and --remove
# takes both away, whichever backend it names.
backend=nft
eapply "$tmp/out"
exit_is "switch: apply nft" 0
backend=iptables
eapply "$tmp/out"
exit_is "switch: nft to iptables" 0
expect "switch: nft to iptables: no table inet egressc" [ -z "$(in_ns nft list tables | grep 'inet egressc')" ]
loaded "switch: nft to iptables"
backend=nft
eapply "$tmp/out"
exit_is "switch: iptables to nft" 0
expect "switch: iptables to nft: no EGRESSC chains" \
	[ -z "$(in_ns iptables-save | grep EGRESSC)" -a -z "$(in_ns ip6tables-save | grep EGRESSC)" ]
expect "switch: iptables to nft: no egressc_ ipsets" [ -z "$(in_ns ipset list -n | grep '^egressc_')" ]
backend=iptables
# A set an earlier policy left (no rule names it), and the administrator's.
in_ns ipset create egressc_stale_v4 hash:net family inet timeout 60
in_ns ipset create admin_set hash:net family inet
eapply "$tmp/out"
exit_is "switch: back to iptables" 0
expect "switch: an earlier policy's ipset is destroyed" [ -z "$(in_ns ipset list -n | grep -x egressc_stale_v4)" ]
expect "switch: the administrator's ipset is kept" in_ns ipset list -n admin_set >/dev/null
expect "switch: the policy's ipsets are kept" \
	[ "$(in_ns ipset list -n | grep -c '^egressc_\(allow\|pin\)')" = 4 ]
in_ns ipset destroy admin_set
backend=nft
eapply --remove
exit_is "switch: --remove naming nft" 0
backend=iptables
gone "switch: --remove naming nft"
expect "switch: --remove: no table inet egressc" [ -z "$(in_ns nft list tables | grep 'inet egressc')" ]

# 12. A machine whose default route leaves through a bridge: what leaves
# through a bridge is kept local, so the policy would filter nothing there.
# nft apply refuses and changes nothing; iptables, which keeps bridges
# local by name only, filters this one, and applies.
in_ns ip link add egbr0 type bridge &&
	in_ns ip link set egbr0 up &&
	in_ns ip addr add 198.51.100.200/24 dev egbr0 &&
	in_ns ip route add default via 198.51.100.1 dev egbr0 || bad "uplink: cannot make the bridge"
backend=nft
snap "uplink-$backend-before"
eapply "$tmp/out"
exit_is "uplink: $backend: apply with the default route through a bridge" 1
expect "uplink: $backend: the error names the bridge" \
	grep -q "the way out leaves through 'egbr0', a bridge" "$tmp/stderr"
snap "uplink-$backend-after"
same "uplink: $backend: nothing changed" "uplink-$backend-before" "uplink-$backend-after"
backend=iptables
eapply "$tmp/out"
exit_is "uplink: iptables, a bridge not named like one, is filtered: applies" 0
eapply --remove
# The same way out, chosen by policy routing (a table of its own): the
# kernel's own route lookup finds it.
in_ns ip route del default
in_ns ip route add default via 198.51.100.1 dev egbr0 table 100
in_ns ip rule add pref 100 lookup 100
backend=nft
eapply "$tmp/out"
exit_is "uplink: policy routing through a bridge" 1
expect "uplink: policy routing through a bridge: the error names it" \
	grep -q "the way out leaves through 'egbr0'" "$tmp/stderr"
in_ns ip rule del pref 100
in_ns ip link del egbr0
# iptables knows bridges by name only: an uplink named like one (a veth
# here, as OpenStack names some) is refused there, and not by nft.
in_ns ip link add br-ex type veth peer name br-ex-peer &&
	in_ns ip link set br-ex up && in_ns ip link set br-ex-peer up &&
	in_ns ip addr add 198.51.100.200/24 dev br-ex &&
	in_ns ip route add default via 198.51.100.1 dev br-ex || bad "uplink: cannot make br-ex"
backend=iptables
eapply "$tmp/out"
exit_is "uplink: iptables, an uplink named like a bridge" 1
expect "uplink: iptables: the error says why" grep -q "'br-ex', named like a bridge" "$tmp/stderr"
backend=nft
eapply "$tmp/out"
exit_is "uplink: nft, the same uplink, no bridge" 0
eapply --remove
in_ns ip link del br-ex
# A bridge that is not the way out but holds a port other than a
# container's veth or a VM's tap (here a VXLAN tunnel; an Ethernet device
# or a VLAN is the same): what leaves through it reaches that segment
# unfiltered - a process binds its socket to the bridge - so apply refuses
# and changes nothing. The same bridge holding only veths is a container
# network, and applies. Named like Docker's, so both backends keep it local.
in_ns ip link add br-egtest type bridge && in_ns ip link set br-egtest up &&
	in_ns ip link add egvp0 type veth peer name egvp1 &&
	in_ns ip link set egvp0 master br-egtest || bad "bridge port: cannot make the bridge"
for backend in nft iptables; do
	eapply "$tmp/out"
	exit_is "bridge port: $backend: a bridge of veths applies" 0
	eapply --remove
done
in_ns ip link add egvx0 type vxlan id 42 dstport 4789 && in_ns ip link set egvx0 master br-egtest ||
	bad "bridge port: cannot add the VXLAN port"
for backend in nft iptables; do
	snap "bridgeport-$backend-before"
	eapply "$tmp/out"
	exit_is "bridge port: $backend: a bridge with an outside port" 1
	expect "bridge port: $backend: the error names bridge and port" \
		grep -q "bridge 'br-egtest' holds 'egvx0'" "$tmp/stderr"
	snap "bridgeport-$backend-after"
	same "bridge port: $backend: nothing changed" "bridgeport-$backend-before" \
		"bridgeport-$backend-after"
done
in_ns ip link del egvx0
in_ns ip link del egvp0
in_ns ip link del br-egtest

# 13. A hosts file that is a symbolic link (a runner image's /etc/hosts ->
# /run/..., or a link to a link): apply and --remove write through it, at
# its final target - the temporary beside the target, renamed over it, the
# target's mode and owner kept - and the links stay links. A relative
# link is relative to its own directory. A dangling link gets its target
# made; a loop is refused and changes nothing.
backend=nft
plain_hosts=$hosts
mkdir -p "$tmp/real" "$tmp/links" "$tmp/other/deep" "$tmp/cwd/here"
# From a directory of its own: a relative link taken relative to the
# working directory would write here, not elsewhere.
cd "$tmp/cwd/here" || exit 2
cp "$tmp/orig.hosts" "$tmp/real/hosts"
chmod 640 "$tmp/real/hosts"
chown 65534:65534 "$tmp/real/hosts"
ln -s ../real/hosts "$tmp/links/hosts"
ln -s hosts "$tmp/links/hosts2"
ln -s "$tmp/links/hosts" "$tmp/other/deep/hosts3"
# still_links WHAT: the three links are as made, the target a file.
still_links() {
	expect "symlink: $1: the link is kept" [ "$(readlink "$tmp/links/hosts")" = ../real/hosts ]
	expect "symlink: $1: the link to the link is kept" [ "$(readlink "$tmp/links/hosts2")" = hosts ]
	expect "symlink: $1: the absolute link is kept" \
		[ "$(readlink "$tmp/other/deep/hosts3")" = "$tmp/links/hosts" ]
	expect "symlink: $1: the target is a file, mode and owner kept" \
		[ ! -L "$tmp/real/hosts" -a "$(stat -c '%F %a %u:%g' "$tmp/real/hosts")" = 'regular file 640 65534:65534' ]
	expect "symlink: $1: no temporary left" \
		[ -z "$(find "$tmp/real" "$tmp/links" "$tmp/other" -name '.*')" ]
	expect "symlink: $1: nothing in the working directory" [ -z "$(find "$tmp/cwd" -mindepth 2)" ]
}
for hosts in "$tmp/links/hosts" "$tmp/links/hosts2" "$tmp/other/deep/hosts3"; do
	what=${hosts#"$tmp/"}
	eapply "$tmp/out"
	exit_is "symlink: apply through $what" 0
	still_links "apply through $what"
	expect "symlink: apply through $what: the target has the block" \
		cmp -s <(cat "$tmp/orig.hosts" "$tmp/out/hosts") "$tmp/real/hosts"
	eapply "$tmp/out"
	expect "symlink: apply through $what again: up to date" grep -q "^hosts: $hosts is up to date" "$tmp/stdout"
	eapply --remove
	exit_is "symlink: --remove through $what" 0
	still_links "--remove through $what"
	expect "symlink: --remove through $what: the target as it was" cmp -s "$tmp/orig.hosts" "$tmp/real/hosts"
done
# A dangling link: its target is made, the link stays.
hosts=$tmp/links/dangling
ln -s ../real/new.hosts "$hosts"
eapply "$tmp/out"
exit_is "symlink: apply through a dangling link" 0
expect "symlink: dangling: the link is kept" [ "$(readlink "$hosts")" = ../real/new.hosts ]
expect "symlink: dangling: the target is the block" cmp -s "$tmp/out/hosts" "$tmp/real/new.hosts"
eapply --remove
exit_is "symlink: --remove through a once dangling link" 0
expect "symlink: --remove, once dangling: the link is kept" [ "$(readlink "$hosts")" = ../real/new.hosts ]
expect "symlink: --remove, once dangling: the target is empty" [ -f "$tmp/real/new.hosts" -a ! -s "$tmp/real/new.hosts" ]
# A link into a directory that does not exist: the write fails, naming
# the target; the link stays and nothing is made.
hosts=$tmp/links/nodir
ln -s ../missing/hosts "$hosts"
eapply "$tmp/out"
exit_is "symlink: apply through a link into a missing directory" 1
expect "symlink: missing directory: the error names link and target" \
	grep -q "cannot write '$hosts' (a link to '$tmp/links/../missing/hosts'): No such file or directory" "$tmp/stderr"
expect "symlink: missing directory: the link is kept" [ "$(readlink "$hosts")" = ../missing/hosts ]
expect "symlink: missing directory: nothing made" [ ! -e "$tmp/missing" ]
# A loop: refused before anything changes.
hosts=$tmp/links/loop1
ln -s loop2 "$tmp/links/loop1"
ln -s loop1 "$tmp/links/loop2"
snap symlink-loop-before
eapply "$tmp/out"
exit_is "symlink: apply through a loop of links" 1
expect "symlink: loop: the error says so" grep -q "Too many levels of symbolic links" "$tmp/stderr"
snap symlink-loop-after
same "symlink: a loop changes nothing" symlink-loop-before symlink-loop-after
expect "symlink: loop: the links are kept" [ "$(readlink "$tmp/links/loop1")" = loop2 ]
hosts=$plain_hosts
eapply --remove
exit_is "symlink: --remove at the end" 0
cd - >/dev/null || exit 2

# 10. Usage errors: exit 2.
backend=nft
eapply
exit_is "apply without DIR" 2
eapply --remove "$tmp/out"
exit_is "apply --remove DIR" 2
eapply --backend foo "$tmp/out"
exit_is "apply --backend foo" 2
for opt in --dry-run --remove --fail-closed "--backend iptables" "--hosts-path $hosts"; do
	# shellcheck disable=SC2086 # the option and its argument
	in_ns "$egressc" $opt --hosts-file "$tmp/names.hosts" -o "$tmp/usage.nft" "$tmp/apply.eg" \
		>"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	exit_is "$opt without apply" 2
done

testlib_finish
