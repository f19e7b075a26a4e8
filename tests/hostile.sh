#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Hostile and oversized input, beyond the golden .err cases: inputs too big
# to keep in the tree, files only some users can read, names built to break
# out of comments, and a compiler killed while it writes.
#
#   tests/hostile.sh EGRESSC
#@check full
set -u
egressc=${1:?usage: tests/hostile.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init hostile netns
chmod 755 "$tmp"

# A 10 MB line: refused at the limit, with a located diagnostic.
{ printf 'allow '; head -c 10000000 /dev/zero | tr '\0' a; echo; } >"$tmp/long.eg"
run -o "$tmp/long.nft" "$tmp/long.eg"
expect "10 MB line: exit 1" [ $rc -eq 1 ]
expect "10 MB line: located" grep -q "long.eg:1:65537: error: line is longer than" "$tmp/stderr"
expect "10 MB line: caret" grep -q '^ *\^$' "$tmp/stderr"
expect "10 MB line: short diagnostics" [ "$(wc -c <"$tmp/stderr")" -lt 2000 ]
expect "10 MB line: no output" [ ! -e "$tmp/long.nft" ]

# Input over the size limit (64 MiB) is refused before it is read.
truncate -s 65M "$tmp/huge.eg"
run "$tmp/huge.eg"
expect "65 MiB file: refused" grep -q "is larger than the limit" "$tmp/stderr"

# A file's size is a hint, not a limit: files in /proc say 0. An include
# of one is read to its end, and what is there is not a policy.
printf 'essentials off\ninclude "/proc/self/status"\n' >"$tmp/proc.eg"
run -o "$tmp/proc.nft" "$tmp/proc.eg"
expect "/proc include: exit 1" [ $rc -eq 1 ]
expect "/proc include: read and located" \
	grep -q "^/proc/self/status:1:1: error: unknown statement 'Name'" "$tmp/stderr"
expect "/proc include: no output" [ ! -e "$tmp/proc.nft" ]
run --hosts-file /proc/self/status -o "$tmp/proc.nft" golden/hostnames.eg
expect "/proc hosts file: read and located" \
	grep -q "^/proc/self/status:1:1: error: invalid address 'Name:' in hosts file" "$tmp/stderr"

# Include fan-out: fifteen files, each including the next eight times,
# stand for 8^14 copies of the last one. The limit is found before any file
# is repeated - at once, at the include that passes it - not after
# gigabytes of copies.
mkdir -p "$tmp/fan"
for i in $(seq 1 14); do
	for k in $(seq 8); do
		printf 'include "f%02d.eg"\n' $((i + 1))
	done >"$tmp/fan/f$(printf %02d "$i").eg"
done
echo 'allow 192.0.2.1' >"$tmp/fan/f15.eg"
printf 'essentials off\ninclude "fan/f01.eg"\n' >"$tmp/fan.eg"
t0=$(date +%s%N)
timeout 60 "$egressc" -o "$tmp/fan.nft" "$tmp/fan.eg" >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
expect "include fan-out: exit 1" [ $rc -eq 1 ]
expect "include fan-out: refused within 5 s (took $ms ms)" [ $ms -lt 5000 ]
expect "include fan-out: located at an include" \
	grep -Eq "^$tmp/fan/f[0-9]+\.eg:[0-9]+:9: error: including 'f[0-9]+\.eg' here expands the policy to more than [0-9]+ statements" "$tmp/stderr"
expect "include fan-out: caret" grep -q '^        \^\^\^\^\^\^\^\^$' "$tmp/stderr"
expect "include fan-out: no output" [ ! -e "$tmp/fan.nft" ]
# Within the limit, every copy is there: 8^4 includes of one rule.
printf 'essentials off\ninclude "fan/f11.eg"\n' >"$tmp/fan-ok.eg"
run -f explain -o - "$tmp/fan-ok.eg"
expect "include fan-out within the limit: compiles" [ $rc -eq 0 ]
expect "include fan-out within the limit: every copy" \
	grep -q '^  allow_all: 1 IPv4 prefix, from .* and 4088 more$' "$tmp/stdout"

# 100,000 rules compile, and the kernel takes the result.
awk 'BEGIN { print "essentials off"; for (i = 0; i < 100000; i++)
	printf "allow 198.51.%d.%d port %d\n", (i / 256) % 256, i % 256, 1 + i % 7 * 1000 }' \
	>"$tmp/many.eg"
run -O "$tmp/many" "$tmp/many.eg"
expect "100,000 rules compile" [ $rc -eq 0 ]
expect "100,000 rules load into nft" ip netns exec "$ns" nft -f "$tmp/many/ruleset.nft"
# The ipsets first: the iptables rules of a class of many prefixes match one.
load_many_iptables() {
	ip netns exec "$ns" ipset restore -exist <"$tmp/many/ipsets" &&
		ip netns exec "$ns" iptables-restore "$tmp/many/rules.v4"
}
expect "100,000 rules load into iptables" load_many_iptables
expect "100,000 rules: a static ipset per class" \
	[ "$(ip netns exec "$ns" ipset list -n | grep -c '^egressc_allow_tcp_')" = 7 ]
ip netns exec "$ns" nft flush ruleset
ip netns exec "$ns" ipset destroy

# Set names: two classes whose long names share their start and hash
# alike, and two run-time sets whose ipset names did (pairs found by
# search), get names of their own, so the kernel keeps each class's
# addresses apart. So do classes sharing their first 700 ports (4,200
# characters of name).
cat >"$tmp/names.eg" <<'EOF'
essentials off
allow 192.0.2.1 port 10001,10003,10005,10007,10009,20770,21692,31086,63570
allow 192.0.2.2 port 10001,10003,10005,10007,10009,25010,25694,44464,44582
allow *.a.example port 17828,44016,55414
allow *.b.example port 16180,23764,32616
EOF
for r in 3 4; do
	printf 'allow 192.0.2.%d port ' $r
	seq -s, 10001 2 11399 | tr -d '\n'
	echo ",$((30000 + r))"
done >>"$tmp/names.eg"
run -O "$tmp/names" "$tmp/names.eg"
expect "colliding names: compile" [ $rc -eq 0 ]
expect "colliding names: nft sets named once each" \
	[ -z "$(grep -o '^	set [^ ]*' "$tmp/names/ruleset.nft" | sort | uniq -d)" ]
expect "colliding names: ipsets named once each" \
	[ -z "$(grep -o '^create [^ ]*' "$tmp/names/ipsets" | sort | uniq -d)" ]
expect "colliding names: nft loads" ip netns exec "$ns" nft -f "$tmp/names/ruleset.nft"
for set in $(grep -o '^	set allow_tcp_100[01][^ ]*_v4' "$tmp/names/ruleset.nft" | cut -d' ' -f2); do
	expect "colliding names: $set holds one address" \
		[ "$(ip netns exec "$ns" nft list set inet egressc "$set" | grep -o '192\.0\.2\.[0-9]*' | wc -l)" -eq 1 ]
done
ip netns exec "$ns" nft flush ruleset

# Unreadable files: as root everything is readable, so read as nobody.
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	echo 'allow 192.0.2.1' >"$tmp/secret.eg"
	echo 'include "secret.eg"' >"$tmp/includer.eg"
	chmod 000 "$tmp/secret.eg"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$egressc" "$tmp/includer.eg" >"$tmp/stdout" 2>"$tmp/stderr"
	rc=$?
	expect "unreadable include: exit 1" [ $rc -eq 1 ]
	expect "unreadable include: located" \
		grep -q "includer.eg:1:9: error: cannot open '.*secret.eg': Permission denied" "$tmp/stderr"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$egressc" "$tmp/secret.eg" >"$tmp/stdout" 2>"$tmp/stderr"
	expect "unreadable policy: exit 1" [ $? -eq 1 ]
fi

# Names built to inject syntax: quotes, newlines, ';', braces and shell
# metacharacters in file and directory names end up in output comments.
# They must stay comments: the outputs load, and load nothing else.
evil_dir="$tmp/d\"ir;{x} \$(touch pwned)"
mkdir -p "$evil_dir"
evil_policy="$evil_dir/p\"o'l;i}c{y\$(id)
table ip evil { }
#.eg"
cat >"$evil_dir/inc;ude} {.eg" <<'INC'
deny 203.0.113.0/24
INC
printf 'essentials off\ninclude "inc;ude} {.eg"\nallow 192.0.2.1 port 443\n' >"$evil_policy"
run -O "$tmp/evil-out" "$evil_policy"
expect "evil names compile" [ $rc -eq 0 ]
expect "evil names: nft loads" ip netns exec "$ns" nft -f "$tmp/evil-out/ruleset.nft"
expect "evil names: nothing but our table" \
	[ "$(ip netns exec "$ns" nft list tables)" = "table inet egressc" ]
ip netns exec "$ns" nft flush ruleset
expect "evil names: iptables-restore loads" \
	ip netns exec "$ns" iptables-restore --noflush "$tmp/evil-out/rules.v4"
expect "evil names: ip6tables-restore loads" \
	ip netns exec "$ns" ip6tables-restore --noflush "$tmp/evil-out/rules.v6"
# INPUT, FORWARD, OUTPUT, and egressc's: EGRESSC, EGRESSC-OUTPUT,
# EGRESSC-FORWARD, EGRESSC-BLOCK, and the counters' chains EGRESSC-deny_1
# and EGRESSC-default.
expect "evil names: only our chains" \
	[ "$(ip netns exec "$ns" iptables-save | grep '^:' | cut -d' ' -f1 | sort | tr '\n' ' ')" = \
	  ":EGRESSC :EGRESSC-BLOCK :EGRESSC-FORWARD :EGRESSC-OUTPUT :EGRESSC-default :EGRESSC-deny_1 :FORWARD :INPUT :OUTPUT " ]
ip netns exec "$ns" nft flush ruleset
for f in ruleset.nft rules.v4 rules.v6 hosts; do
	# Every line of a comment starts with '#'; a newline from a name
	# would have started a line of its own with "table ip evil".
	expect "evil names: $f has no injected line" \
		sh -c "! grep -q '^table ip evil' '$tmp/evil-out/$f'"
done
expect "evil names: nothing ran" [ ! -e pwned -a ! -e "$evil_dir/pwned" ]

# Killed while writing: the target is the old file or the whole new one.
# Kills land at twenty points spread over one run's duration, so most hit
# it while it writes.
awk 'BEGIN { print "essentials off"; for (i = 0; i < 200000; i++) printf "allow 203.%d.%d.%d port %d\n",
	i / 65536, (i / 256) % 256, i % 256, 1 + i % 13 }' >"$tmp/big.eg"
t0=$(date +%s%N)
"$egressc" -o "$tmp/big.expected" -f iptables "$tmp/big.eg"
run_ms=$((($(date +%s%N) - t0) / 1000000))
echo "the previous ruleset" >"$tmp/big.v4"
torn=0
for i in $(seq 1 20); do
	cp "$tmp/big.v4" "$tmp/before"
	"$egressc" -o "$tmp/big.v4" "$tmp/big.eg" &
	pid=$!
	sleep "$(awk -v ms="$run_ms" -v i="$i" 'BEGIN { printf "%.3f", ms * i / 20 / 1000 }')"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	if ! cmp -s "$tmp/big.v4" "$tmp/before" && ! cmp -s "$tmp/big.v4" "$tmp/big.expected"; then
		torn=$((torn + 1))
	fi
done
expect "killed mid-write: never a torn file (of 20 kills)" [ $torn -eq 0 ]

# --verify reads lines of any length: a class of 700 ports is one nft line
# of several kilobytes, valid, and once was refused as "bad ports".
{
	echo "essentials off"
	printf 'allow 192.0.2.3 port %s\n' "$(seq -s, 1001 2 2399)"
	printf 'allow 2001:db8::3 port %s proto tcp, udp\n' "$(seq -s, 3001 3 5099)"
} >"$tmp/manyports.eg"
run --verify -O "$tmp/manyports" "$tmp/manyports.eg"
expect "--verify of 700 ports in a class" [ $rc -eq 0 ]
[ $rc -eq 0 ] || indent <"$tmp/stderr"

# An IPv6 prefix shorter than the mapped block ::ffff:0:0/96 stays IPv6,
# and an IPv6 set may then hold the block: --verify reads it back as the
# IPv6 it is written as, not as the IPv4 it would map.
printf 'essentials off\nallow ::fffe:0:0/95\ndeny ::fffe:0:0/96\n' >"$tmp/mapped-block.eg"
run --verify -O "$tmp/mapped-block" "$tmp/mapped-block.eg"
expect "--verify of an IPv6 set holding the mapped block" [ $rc -eq 0 ]
[ $rc -eq 0 ] || indent <"$tmp/stderr"

testlib_finish
