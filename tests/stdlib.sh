#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The standard library and 'use': every module is well formed (its header
# names it, what it does, its sources and the date they were checked),
# compiles on its own with every hostname valid and resolved, and names
# only hosts the test addresses cover; the search order (-I, then
# EGRESSC_PATH, then the tree); what modules may not do; essentials: on
# by default, off when asked, overridden by an explicit deny; and, asked
# of 'egressc query', what cloud-metadata leaves open on the metadata
# address and what the platform modules (aws, gcp, azure) let out under
# default deny.
#
#   tests/stdlib.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/stdlib.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init stdlib
# Relative, so diagnostics name modules as stdlib/NAME.eg.
EGRESSC_PATH=stdlib
hosts=--hosts-file=tests/stdlib.hosts

lacks_word() {
	! grep -qw "$@"
}

# A policy in $tmp/p.eg from the arguments, one line each.
policy() {
	printf '%s\n' "$@" >"$tmp/p.eg"
}

modules=()
for f in stdlib/*.eg; do
	modules+=("$(basename "$f" .eg)")
done
expect "the stdlib has modules" [ ${#modules[@]} -ge 24 ]
for want in github-actions github npm pypi dockerhub ghcr crates go debian debian-archive \
	    ubuntu maven rubygems cloud-metadata aws gcp azure toolchains sigstore github-packages \
	    gradle nuget hashicorp quay; do
	expect "module $want exists" [ -f "stdlib/$want.eg" ]
done

# Every module: its header, then a clean compile of it alone.
for m in "${modules[@]}"; do
	f=stdlib/$m.eg
	expect "$m: header names it" grep -qx "# module: $m" "$f"
	expect "$m: says what it covers" grep -q '^# what: .' "$f"
	expect "$m: gives its sources" grep -q '^# sources: .' "$f"
	expect "$m: gives the date checked" grep -Eq '^# checked: [0-9]{4}-[0-9]{2}-[0-9]{2}$' "$f"
	policy "essentials off" "use $m"
	run $hosts --verify -o "$tmp/$m.nft" "$tmp/p.eg"
	expect "$m: compiles and verifies alone" [ $rc -eq 0 ]
	expect "$m: compiles without warnings" [ ! -s "$tmp/stderr" ]
	[ $rc -eq 0 ] || cat "$tmp/stderr"
done

# Every hostname the modules name is in the test hosts file, and every
# name there is one a module names: the file neither lags nor rots.
grep -ho '^[^#]*' stdlib/*.eg | tr ' ,\t' '\n\n\n' |
	grep -E '^[a-z0-9-]+(\.[a-z0-9-]+)+$' | grep -Ev '^[0-9.]+$' | sort -u >"$tmp/named"
awk '!/^#/ && NF >= 2 { for (i = 2; i <= NF; i++) print $i }' tests/stdlib.hosts |
	sort -u >"$tmp/listed"
expect "stdlib.hosts lists every module hostname" \
	diff <(comm -23 "$tmp/named" "$tmp/listed") /dev/null
expect "stdlib.hosts lists no name a module lacks" \
	diff <(comm -13 "$tmp/named" "$tmp/listed") /dev/null
expect "stdlib.hosts uses documentation addresses only" \
	diff <(awk '!/^#/ && NF && $1 !~ /^(192\.0\.2\.|198\.51\.100\.|203\.0\.113\.|2001:db8:)/' \
		tests/stdlib.hosts) /dev/null

# Every name the modules pin, as 'egressc names' lists them for a policy
# that uses them all: golden/stdlib.names, so that a host a module gains or
# loses shows in review. Regenerate it with the command below.
policy "use $(IFS=,; echo "${modules[*]}" | sed 's/,/, /g')"
run names "$tmp/p.eg"
expect "names: exit 0" [ $rc -eq 0 ]
expect "names: golden/stdlib.names" diff -u golden/stdlib.names "$tmp/stdout"
# The hosts the runner needs that essentials pin (GitHub's meta document's
# shards, the results service's second name), and those a policy that says
# only 'use github' now has without essentials.
for want in tokenghub.actions.githubusercontent.com \
	    pipelinesghubeus26.actions.githubusercontent.com \
	    run-actions-3-azure-eastus.actions.githubusercontent.com \
	    actions-results-receiver-production.githubapp.com; do
	policy "allow 192.0.2.80"
	run names "$tmp/p.eg"
	expect "names: essentials pin $want" grep -qx "$want" "$tmp/stdout"
done
for want in uploads.github.com objects-origin.githubusercontent.com \
	    github-releases.githubusercontent.com; do
	policy "essentials off" "use github"
	run names "$tmp/p.eg"
	expect "names: 'use github' alone pins $want" grep -qx "$want" "$tmp/stdout"
done

# Answers of 'egressc query' for $tmp/p.eg: lines of "allow|deny DEST
# [PORT[/PROTO]]" on standard input, each a check named "NAME: LINE".
module_answers() {
	local name=$1 verdict dest svc want
	while read -r verdict dest svc; do
		want=1
		[ "$verdict" = allow ] && want=0
		run query $hosts "$tmp/p.eg" "$dest" $svc
		expect "$name: $verdict $dest${svc:+ $svc}" [ $rc -eq $want ]
		[ $rc -eq $want ] || cat "$tmp/stdout" "$tmp/stderr"
	done
}

# cloud-metadata alone, under default allow: the metadata address is shut
# to TCP but DNS and to UDP but DNS and NTP, the other addresses to all.
policy "default allow" "essentials off" "use cloud-metadata"
module_answers cloud-metadata <<'Q'
deny 169.254.169.254 80
deny 169.254.169.254 443
deny 169.254.169.254 1
deny 169.254.169.254 65535
deny 169.254.169.254 80/udp
deny 169.254.169.254 67/udp
deny 169.254.169.254 65535/udp
allow 169.254.169.254 53/udp
allow 169.254.169.254 53/tcp
allow 169.254.169.254 123/udp
deny fd00:ec2::254 80
deny fd00:ec2::254 53/udp
deny fd20:ce::254 80
deny fd20:ce::254 53/udp
deny 169.254.170.2 80
deny 169.254.170.23 80
deny fd00:ec2::23 80
deny 100.100.100.200 80
deny 100.100.100.200 53/udp
deny fd00:c1::a9fe:a9fe 80
deny 192.0.0.192 80
deny 169.254.42.42 80
deny fd00:42::42 80
deny fd00:a9fe:a9fe::1 80
allow fd00:ec2::253 53/udp
allow fd00:ec2::123 123/udp
allow fd00:ec2::1 443
allow 192.0.2.1 80
Q
# An allow of the whole address cannot reopen what the module denies.
policy "essentials off" "use cloud-metadata" "allow 169.254.169.254"
module_answers "cloud-metadata under an allow" <<'Q'
deny 169.254.169.254 80
allow 169.254.169.254 53/udp
Q

# The platform modules with cloud-metadata under default deny: DNS, NTP
# and DHCP where each platform serves them, the credential paths shut, and
# no DHCP port open to every address.
policy "default deny" "essentials off" "use cloud-metadata, gcp"
module_answers gcp <<'Q'
allow 169.254.169.254 53/udp
allow 169.254.169.254 53/tcp
allow 169.254.169.254 123/udp
allow ff02::1:2 547/udp
deny 169.254.169.254 80
deny 169.254.169.254 443
deny 169.254.169.254 8080
deny 169.254.169.254 67/udp
deny fd20:ce::254 80
deny 203.0.113.99 67/udp
deny 203.0.113.99 53/udp
Q
policy "default deny" "essentials off" "use cloud-metadata, aws"
module_answers aws <<'Q'
allow 169.254.169.253 53/udp
allow 169.254.169.253 53/tcp
allow fd00:ec2::253 53/udp
allow fd00:ec2::253 53/tcp
allow 169.254.169.123 123/udp
allow fd00:ec2::123 123/udp
allow ff02::1:2 547/udp
deny 169.254.169.254 80
deny 169.254.169.254 53/udp
deny fd00:ec2::254 80
deny 169.254.170.2 80
deny 169.254.169.253 80
deny 169.254.169.123 123
deny ff02::1:2 80
deny 203.0.113.99 67/udp
Q
policy "default deny" "essentials off" "use cloud-metadata, azure"
module_answers azure <<'Q'
allow 168.63.129.16 53/udp
allow 168.63.129.16 53/tcp
allow 168.63.129.16 67/udp
allow 168.63.129.16 80
allow 168.63.129.16 32526
deny 168.63.129.16 22
deny 168.63.129.16 443
deny 168.63.129.16 123/udp
deny 169.254.169.254 80
deny 169.254.169.254 53/udp
deny 203.0.113.99 67/udp
Q
# Together they open none of the credential paths.
policy "default deny" "essentials off" "use cloud-metadata, aws, gcp, azure"
module_answers "all platforms" <<'Q'
deny 169.254.169.254 80
deny fd00:ec2::254 80
deny fd20:ce::254 80
deny 169.254.170.2 80
allow 169.254.169.254 53/udp
Q

# Essentials are on by default: github-actions' names are pinned.
github_v4=$(awk '$2 == "github.com" && $1 !~ /:/ { print $1; exit }' tests/stdlib.hosts)
policy "allow 192.0.2.80 port 443"
run $hosts -o "$tmp/on.nft" "$tmp/p.eg"
expect "essentials: compiles" [ $rc -eq 0 ]
expect "essentials: github.com is allowed" grep -qw "$github_v4" "$tmp/on.nft"
run $hosts --explain "$tmp/p.eg"
expect "essentials: --explain lists what they added" \
	grep -q '^essentials: on; they added these rules' "$tmp/stdout"
expect "essentials: --explain names github.com's rule" \
	grep -q '^    stdlib/github-actions.eg:[0-9]*: allow .*github.com' "$tmp/stdout"
run query $hosts "$tmp/p.eg" "$github_v4" 443
expect "essentials: query allows github.com" [ $rc -eq 0 ]

# essentials off: nothing of them is left.
policy "essentials off" "allow 192.0.2.80 port 443"
run $hosts -o "$tmp/off.nft" "$tmp/p.eg"
expect "essentials off: compiles" [ $rc -eq 0 ]
expect "essentials off: github.com is not allowed" lacks_word "$github_v4" "$tmp/off.nft"
run query $hosts "$tmp/p.eg" "$github_v4" 443
expect "essentials off: query denies github.com" [ $rc -eq 1 ]

# An explicit deny wins over essentials, and no warning says so.
policy "allow 192.0.2.80 port 443" "deny $github_v4"
run $hosts -o "$tmp/deny.nft" "$tmp/p.eg"
expect "deny over essentials: compiles" [ $rc -eq 0 ]
expect "deny over essentials: no warning" [ ! -s "$tmp/stderr" ]
run query $hosts "$tmp/p.eg" "$github_v4" 443
expect "deny over essentials: query denies" [ $rc -eq 1 ]

# A module used twice, or by essentials and by name, is loaded once.
policy "essentials off" "use npm" "use npm, pypi"
run $hosts -o "$tmp/twice.nft" "$tmp/p.eg"
policy "essentials off" "use npm, pypi"
run $hosts -o "$tmp/once.nft" "$tmp/p.eg"
expect "use twice equals once" diff <(sed 1d "$tmp/twice.nft") <(sed 1d "$tmp/once.nft")
policy "use github-actions"
run $hosts --explain "$tmp/p.eg"
expect "explicit github-actions: essentials add nothing" \
	grep -q '^essentials: on; the policy uses github-actions itself' "$tmp/stdout"

# Unknown and invalid modules.
policy "essentials off" "use npn"
run $hosts -o "$tmp/x.nft" "$tmp/p.eg"
expect "unknown module: exit 1" [ $rc -eq 1 ]
expect "unknown module: did you mean" grep -q "2:5: error: unknown module 'npn'; did you mean 'npm'?" "$tmp/stderr"
expect "unknown module: no output" [ ! -e "$tmp/x.nft" ]
policy "essentials off" "use ../etc/passwd"
run $hosts -o "$tmp/x.nft" "$tmp/p.eg"
expect "a path is no module name" [ $rc -eq 1 ]

# Search order: -I before EGRESSC_PATH before the tree.
mkdir -p "$tmp/mods1" "$tmp/mods2"
printf 'allow 192.0.2.91\n' >"$tmp/mods1/npm.eg"
printf 'allow 192.0.2.92\n' >"$tmp/mods2/npm.eg"
policy "essentials off" "use npm"
EGRESSC_PATH=$tmp/mods2:stdlib run $hosts -I "$tmp/mods1" -o "$tmp/s.nft" "$tmp/p.eg"
expect "-I comes first" grep -qw 192.0.2.91 "$tmp/s.nft"
EGRESSC_PATH=$tmp/mods2:stdlib run $hosts -o "$tmp/s.nft" "$tmp/p.eg"
expect "then EGRESSC_PATH" grep -qw 192.0.2.92 "$tmp/s.nft"
env -u EGRESSC_PATH "$egressc" $hosts -o "$tmp/s.nft" "$tmp/p.eg" 2>"$tmp/stderr"
expect "then the tree beside the build directory" grep -q 'allow_tcp_443: stdlib/npm.eg:' "$tmp/s.nft"

# What a module may not do: change settings, include files.
for stmt in "default allow" "mode monitor" "essentials off" "log denied" "on-deny drop" \
	    "resolver 192.0.2.53"; do
	printf '%s\n' "$stmt" >"$tmp/mods1/bad.eg"
	policy "essentials off" "use bad"
	run -I "$tmp/mods1" -o "$tmp/x.nft" "$tmp/p.eg"
	expect "a module cannot say '$stmt'" grep -q "bad.eg:1:1: error: a module cannot change the" "$tmp/stderr"
done
printf 'include "x.eg"\n' >"$tmp/mods1/bad.eg"
run -I "$tmp/mods1" -o "$tmp/x.nft" "$tmp/p.eg"
expect "a module cannot include" grep -q "error: a module cannot include files" "$tmp/stderr"
# A module may use another; a cycle of uses is no error.
printf 'use cyc2\nallow 192.0.2.93\n' >"$tmp/mods1/cyc1.eg"
printf 'use cyc1\nallow 192.0.2.94\n' >"$tmp/mods1/cyc2.eg"
policy "essentials off" "use cyc1"
run -I "$tmp/mods1" -o "$tmp/c.nft" "$tmp/p.eg"
expect "modules using each other: compiles" [ $rc -eq 0 ]
expect "modules using each other: both loaded" grep -q '192.0.2.93-192.0.2.94\|192.0.2.93,' "$tmp/c.nft"

expect "the stdlib and the example are in fmt's layout" "$egressc" fmt --check stdlib/*.eg examples/policy.eg
# DNS lockdown on the platform resolver of Google Cloud, which
# cloud-metadata and gcp both name: no warning (nor a -Werror failure).
# Under lockdown, an allow rule for DNS is dead (only the forwarder reaches
# the resolvers): that one is warned of.
policy "default deny" "essentials off" "use cloud-metadata, gcp" "resolver 169.254.169.254"
run -Werror $hosts -o "$tmp/gcp.nft" "$tmp/p.eg"
expect "gcp lockdown: no warning, -Werror passes" [ $rc -eq 0 -a ! -s "$tmp/stderr" ]
[ $rc -eq 0 -a ! -s "$tmp/stderr" ] || indent <"$tmp/stderr"
policy "default deny" "essentials off" "resolver 192.0.2.53" "allow 192.0.2.53 port 53 proto udp"
run $hosts -o "$tmp/dead.nft" "$tmp/p.eg"
expect "lockdown: an allow for DNS is dead, and said so" \
	[ "$(grep -c "warning: this allow rule never matches" "$tmp/stderr")" = 1 ]

testlib_finish
