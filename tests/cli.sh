#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The command line's contract: formats from extensions and -f, -o -, -O DIR,
# exit statuses, determinism, that a failed run writes nothing and
# clobbers nothing, and that each command takes its own options and
# refuses every other.
#
#   tests/cli.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/cli.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init cli

hosts=--hosts-file=golden/hostsdb

not_colored() {
	! grep -q $'\033' "$1"
}
not_in() {
	! grep -q -- "$1" "$2"
}
good=golden/spec-example.eg
bad=golden/err-many.eg

# Formats by extension, and -f overriding it.
for pair in nft:nft v4:iptables v6:ip6tables hosts:hosts; do
	ext=${pair%%:*}
	run $hosts -o "$tmp/out.$ext" $good
	expect "-o .$ext exits 0" [ $rc -eq 0 ]
	expect "-o .$ext matches golden" cmp -s "$tmp/out.$ext" golden/spec-example.$ext
	run $hosts -f "${pair#*:}" -o "$tmp/out.txt" $good
	expect "-f ${pair#*:} matches golden" cmp -s "$tmp/out.txt" golden/spec-example.$ext
done

# Standard output: nft by default, or what -f says.
run $hosts $good
expect "no -o writes nft to stdout" cmp -s "$tmp/stdout" golden/spec-example.nft
run $hosts -o - -f hosts $good
expect "-o - -f hosts" cmp -s "$tmp/stdout" golden/spec-example.hosts

# A device is written, not replaced by a file.
run $hosts -o /dev/null -f nft $good
expect "-o /dev/null exits 0" [ $rc -eq 0 ]
expect "-o /dev/null leaves a device" [ -c /dev/null ]

# -O DIR writes all seven, creating DIR.
run $hosts -O "$tmp/dir" $good
expect "-O exits 0" [ $rc -eq 0 ]
for f in ruleset.nft:nft rules.v4:v4 rules.v6:v6 hosts:hosts ipsets:ipset \
	 dnsmasq.conf:dnsmasq dnsmasq-ipset.conf:dnsmasq-ipset; do
	expect "-O wrote ${f%%:*}" cmp -s "$tmp/dir/${f%%:*}" "golden/spec-example.${f#*:}"
done
expect "-O leaves no temporaries" [ "$(ls -A "$tmp/dir" | wc -l)" -eq 7 ]

# Deterministic: the same input twice gives the same bytes.
run $hosts -O "$tmp/again" $good
expect "two runs are byte-identical" diff -r "$tmp/dir" "$tmp/again"

# A failed compile exits 1, writes nothing, and leaves old files intact.
echo "previous contents" >"$tmp/keep.nft"
mkdir -p "$tmp/keepdir"
echo "previous" >"$tmp/keepdir/ruleset.nft"
run $hosts -o "$tmp/keep.nft" -O "$tmp/keepdir" $bad
expect "errors exit 1" [ $rc -eq 1 ]
expect "errors leave -o file intact" [ "$(cat "$tmp/keep.nft")" = "previous contents" ]
expect "errors leave -O files intact" [ "$(cat "$tmp/keepdir/ruleset.nft")" = previous ]
expect "errors create no other file" [ "$(ls -A "$tmp/keepdir")" = ruleset.nft ]
expect "errors write nothing to stdout" [ ! -s "$tmp/stdout" ]
expect "errors are located" grep -q '^golden/err-many.eg:2:7: error: ' "$tmp/stderr"
run $hosts -o "$tmp/new.nft" $bad
expect "errors create no -o file" [ ! -e "$tmp/new.nft" ]
run --resolver 127.0.0.1:9 --dns-timeout 500 -o "$tmp/new.nft" golden/hostnames.eg
expect "hostnames a server cannot resolve fail" [ $rc -eq 1 -a ! -e "$tmp/new.nft" ]
run --hosts-file "$tmp/no-such-file" $good
expect "a missing hosts file fails" [ $rc -eq 1 ]

# An output that cannot be created fails the run and replaces nothing.
run $hosts -o "$tmp/keep.nft" -O "$tmp/no/such/dir" $good
expect "uncreatable output exits 1" [ $rc -eq 1 ]
expect "uncreatable output replaces nothing" [ "$(cat "$tmp/keep.nft")" = "previous contents" ]

# An output is never an input or another output: the run is a usage error
# and writes nothing. Files are compared as files (a symbolic link, another
# spelling), outputs not there yet by their resolved paths.
c=$tmp/clash
mkdir -p "$c/mods" "$c/sub"
printf 'essentials off\ninclude "inc.eg"\nallow file "list.txt" port 443\nuse mod\nallow registry.npmjs.org port 443\n' \
	>"$c/p.eg"
echo 'deny 203.0.113.0/24' >"$c/inc.eg"
echo '192.0.2.0/24' >"$c/list.txt"
echo 'allow 198.51.100.1 port 22' >"$c/mods/mod.eg"
cp golden/hostsdb "$c/hostsdb"
ln -s ../p.eg "$c/sub/link.eg"
cp -a "$c" "$tmp/clash.before"
clash() {
	local what=$1 message=$2
	shift 2
	run -I "$c/mods" --hosts-file "$c/hostsdb" "$@" "$c/p.eg"
	expect "$what: usage error, exit 2" [ $rc -eq 2 ]
	expect "$what: says so" grep -qF -- "$message" "$tmp/stderr"
	expect "$what: nothing written" diff -r "$tmp/clash.before" "$c"
	expect "$what: nothing on stdout" [ ! -s "$tmp/stdout" ]
}
clash "--save-resolved POLICY" "error: '$c/p.eg' is both an output (--save-resolved) and the policy" \
	-o "$c/new.nft" --save-resolved "$c/p.eg"
clash "-o into -O" "error: outputs '$c/out/ruleset.nft' (-O $c/out) and '$c/out/ruleset.nft' (-o) are one file" \
	-O "$c/out" -o "$c/out/ruleset.nft" -f iptables
clash "-o over an include" "$c/p.eg:2:9: error: '$c/inc.eg' is both an output (-o) and this included file" \
	-f nft -o "$c/inc.eg"
clash "-o over a list, spelt otherwise" "$c/p.eg:3:7: error: '$c/sub/../list.txt' is both an output (-o) and this address list" \
	-f nft -o "$c/sub/../list.txt"
clash "-o over a module" "$c/p.eg:4:5: error: '$c/mods/mod.eg' is both an output (-o) and module 'mod'" \
	-f nft -o "$c/mods/mod.eg"
clash "--save-resolved over the hosts file" "is both an output (--save-resolved) and the hosts file" \
	--save-resolved "$c/hostsdb"
clash "-o through a symbolic link" "error: '$c/sub/link.eg' is both an output (-o) and the policy" \
	-f nft -o "$c/sub/link.eg"
clash "standard output twice" "error: standard output is two outputs (-o and --save-resolved)" \
	-o - --save-resolved -
clash "two spellings of a new file" "are one file" \
	-o "$c/sub/../new.nft" --save-resolved "$c/new.nft"
run -I "$c/mods" --hosts-file "$c/hostsdb" -O "$c/out" -o "$c/out/other.nft" --save-resolved "$c/saved" \
	"$c/p.eg"
expect "distinct outputs are written" [ $rc -eq 0 -a -s "$c/out/other.nft" -a -s "$c/saved" ]

# Usage errors exit 2.
run $hosts
expect "no policy: exit 2" [ $rc -eq 2 ]
run $hosts -f pf $good
expect "unknown format: exit 2" [ $rc -eq 2 ]
run $hosts -o "$tmp/out.conf" $good
expect "unknown extension: exit 2" [ $rc -eq 2 -a ! -e "$tmp/out.conf" ]
run --frobnicate $good
expect "unknown option: exit 2" [ $rc -eq 2 ]
run $good $good
expect "two policies: exit 2" [ $rc -eq 2 ]
run -o
expect "missing option argument: exit 2" [ $rc -eq 2 ]

run --help
expect "--help exits 0" [ $rc -eq 0 ]
expect "--help shows usage" grep -q '^usage: egressc' "$tmp/stdout"
run --version
expect "--version" grep -Eq '^egressc [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/stdout"

# --check: nft's own validation (root: in a private network namespace).
# Alone, or writing to files, each says in one line that it passed.
run $hosts --check $good
expect "--check accepts a good policy" [ $rc -eq 0 ]
expect "--check says one line" [ "$(cat "$tmp/stdout")" = "$good: nft accepts the ruleset" ]
run $hosts --check -o "$tmp/checked.nft" $good
expect "--check with -o writes" cmp -s "$tmp/checked.nft" golden/spec-example.nft
expect "--check with -o says one line" [ "$(wc -l <"$tmp/stdout")" = 1 ]
run $hosts --verify --check $good
expect "--verify --check say one line" \
	grep -qx "$good: verified: .*; nft accepts the ruleset" "$tmp/stdout"
run $hosts --verify -o - $good
expect "--verify -o - prints the ruleset alone" cmp -s "$tmp/stdout" golden/spec-example.nft

# --monitor is 'mode monitor' in the policy, byte for byte (but the name).
sed 's/^mode monitor$//' golden/monitor.eg >"$tmp/monitor.eg"
run --monitor -o "$tmp/flag.nft" "$tmp/monitor.eg"
expect "--monitor exits 0" [ $rc -eq 0 ]
expect "--monitor equals 'mode monitor'" \
	diff <(sed "1d; s|$tmp/monitor.eg|golden/monitor.eg|" "$tmp/flag.nft") <(sed 1d golden/monitor.nft)
run -o "$tmp/enforce.nft" "$tmp/monitor.eg"
expect "without --monitor it enforces" grep -q 'goto blocked' "$tmp/enforce.nft"

# -I: a usage error past its limit, and its argument is required.
run $(for i in $(seq 17); do printf -- '-I %s ' "$tmp"; done) $good
expect "-I at most 16 times: usage error" [ $rc -eq 2 ]
run $good -I
expect "-I needs a directory: usage error" [ $rc -eq 2 ]

# -O0 and -O1 as often as one likes: the last one counts.
run $hosts $(for i in $(seq 50); do printf -- '-O0 '; done) -O1 $good
expect "-O0 fifty times, then -O1" cmp -s "$tmp/stdout" golden/spec-example.nft

# The commands' --help together and the manual page list the same
# options (tests/options.sh checks them command by command).
for cmd in $("$egressc" --help | awk '/^Commands/ { l = 1; next } l && /^  [a-z]/ { print $1; next } l { exit }'); do
	run $cmd --help
	cat "$tmp/stdout"
done | grep -oE -- '--[a-z][a-z-]+' | sort -u >"$tmp/help-opts"
sed 's/\\-/-/g' man/egressc.1 | grep -E '^\.(B|BI|BR) ' | grep -oE -- '--[a-z][a-z-]+' |
	sort -u >"$tmp/man-opts"
expect "--help lists options" [ "$(wc -l <"$tmp/help-opts")" -ge 20 ]
expect "--help and egressc(1) list the same long options" diff "$tmp/help-opts" "$tmp/man-opts"
expect "egressc(1) documents the exit statuses" grep -q '^\.SH EXIT STATUS' man/egressc.1

# Each command takes only its own options: any other is a usage error
# naming the command, and nothing runs.
refused() {
	local cmd=$1 option=$2
	shift 2
	run "$cmd" "$@"
	expect "$cmd refuses $option: exit 2" [ $rc -eq 2 ]
	expect "$cmd refuses $option: says so" \
		grep -qxF "egressc: $cmd: '$option' is not an option of $cmd" "$tmp/stderr"
	expect "$cmd refuses $option: points at its help" \
		grep -qxF "Try 'egressc $cmd --help'." "$tmp/stderr"
	expect "$cmd refuses $option: nothing on stdout" [ ! -s "$tmp/stdout" ]
}
refused query -Werror -o "$tmp/x.nft" --verify -Werror $good 192.0.2.1 443
refused query -o $hosts -o "$tmp/x.nft" $good 192.0.2.1 443
refused query --verify $hosts --verify $good 192.0.2.1 443
refused fmt --monitor --monitor -O "$tmp/zz" $good
refused fmt -O -O "$tmp/zz" $good
expect "fmt -O writes nothing" [ ! -e "$tmp/zz" ]
refused fmt -Werror -Werror $good
refused fmt -O0 -O0 $good
refused fmt -I -I "$tmp" $good
refused fmt --hosts-file $hosts $good
refused diff -o $hosts -o "$tmp/x.nft" golden/diff/widen.old.eg golden/diff/widen.new.eg
refused diff --save-resolved --save-resolved "$tmp/saved" $hosts golden/diff/widen.old.eg \
	golden/diff/widen.new.eg
expect "diff --save-resolved writes nothing" [ ! -e "$tmp/saved" ]
refused apply --verify --verify --dry-run $hosts $good
refused apply -Werror -Werror --dry-run $hosts $good
refused compile -w -w $hosts $good
refused compile --backend --backend nft $hosts $good
run --dry-run $hosts $good
expect "without a command word, compile refuses --dry-run" \
	grep -qxF "egressc: compile: '--dry-run' is not an option of compile" "$tmp/stderr"
expect "without a command word, the help is egressc --help" \
	grep -qxF "Try 'egressc --help'." "$tmp/stderr"

# 'compile' is the command that runs without a command word.
run compile $hosts $good
expect "egressc compile POLICY is egressc POLICY" cmp -s "$tmp/stdout" golden/spec-example.nft

# An option that takes one value, given twice, is refused: which of two
# hosts files a diff read must never be a question. -I and --resolver add.
run --hosts-file golden/hostsdb --hosts-file /dev/null -o "$tmp/twice.nft" golden/diff/widen.old.eg
expect "--hosts-file twice: exit 2" [ $rc -eq 2 ]
expect "--hosts-file twice: says so" grep -q "'--hosts-file' is given twice" "$tmp/stderr"
expect "--hosts-file twice: nothing written" [ ! -e "$tmp/twice.nft" ]
run -o "$tmp/a.nft" -o "$tmp/b.nft" --hosts-file golden/hostsdb golden/diff/widen.old.eg
expect "-o twice: exit 2" [ $rc -eq 2 ]
run diff --hosts-file golden/hostsdb --hosts-file golden/hostsdb golden/diff/widen.old.eg \
	golden/diff/widen.new.eg
expect "diff --hosts-file twice: exit 2, naming diff" grep -q "^egressc: diff: '--hosts-file' is given twice" "$tmp/stderr"
run -I golden -I stdlib --hosts-file golden/hostsdb -o "$tmp/twice.nft" golden/diff/widen.old.eg
expect "-I twice: accepted (exit $rc)" [ $rc -eq 0 ]

# query's sender and time: a bad user, group or time is a usage error, and
# the options are query's own.
for bad_opt in "--user Runner" "--group 4294967295" "--at Monday" "--at 'Mon 24:00'"; do
	eval "run query $bad_opt $hosts golden/query/users.eg 192.0.2.10 8443"
	expect "query $bad_opt: exit 2" [ $rc -eq 2 ]
	expect "query $bad_opt: says which option" grep -q "^egressc: query: ${bad_opt%% *} takes" "$tmp/stderr"
done
refused compile --user --user nobody $hosts $good
refused diff --at --at 'Mon 01:00' golden/diff/widen.old.eg golden/diff/widen.new.eg

# names: every hostname the policy needs, its modules' and essentials'
# included, sorted, none resolved (there is no DNS here).
run names examples/policy.eg
expect "names: exit 0" [ $rc -eq 0 ]
expect "names: sorted, one a line" sort -c "$tmp/stdout"
expect "names: the policy's own" grep -qx 'registry.npmjs.org' "$tmp/stdout"
expect "names: essentials' too" grep -qx 'api.github.com' "$tmp/stdout"
expect "names: no wildcard" not_in '\*' "$tmp/stdout"
expect "names: a hosts file of them compiles the policy" \
	bash -c "sed 's/^/203.0.113.9 /' '$tmp/stdout' >'$tmp/names.hosts' &&
		'$egressc' --hosts-file '$tmp/names.hosts' -o '$tmp/names.nft' examples/policy.eg"
run names golden/diff/widen.old.eg golden/diff/widen.new.eg
expect "names: one POLICY only (exit $rc)" [ $rc -eq 2 ]

# One spelling per option: -f, --format for compile and diff alike.
run diff $hosts -f json golden/diff/widen.old.eg golden/diff/widen.new.eg
expect "diff -f json: exit 1 (they differ)" [ $rc -eq 1 ]
sed '$d' golden/diff/widen.json >"$tmp/widen.json"	# its last line is the exit status
expect "diff -f json prints JSON" cmp -s "$tmp/stdout" "$tmp/widen.json"
run diff $hosts --format=json golden/diff/widen.old.eg golden/diff/widen.new.eg
expect "diff --format=json prints JSON" cmp -s "$tmp/stdout" "$tmp/widen.json"
run diff $hosts -f yaml golden/diff/widen.old.eg golden/diff/widen.new.eg
expect "diff -f yaml: exit 2" [ $rc -eq 2 ]
run --format hosts -o - $hosts $good
expect "compile --format is -f" cmp -s "$tmp/stdout" golden/spec-example.hosts

# Each command's --help (and -h): its usage and options, on stdout.
for cmd in compile query diff apply fmt names; do
	run $cmd --help
	expect "$cmd --help exits 0" [ $rc -eq 0 -a ! -s "$tmp/stderr" ]
	expect "$cmd --help shows its usage" grep -Eq "^usage: egressc \[?$cmd\b" "$tmp/stdout"
	expect "$cmd --help shows -h" grep -q '^  -h, --help ' "$tmp/stdout"
	cp "$tmp/stdout" "$tmp/help-$cmd"
	run $cmd -h
	expect "$cmd -h is --help" cmp -s "$tmp/stdout" "$tmp/help-$cmd"
	run help $cmd
	expect "help $cmd is $cmd --help" cmp -s "$tmp/stdout" "$tmp/help-$cmd"
done
run help nope
expect "help of no command: exit 2" [ $rc -eq 2 ]
expect "help of no command lists the commands" grep -q '^  query ' "$tmp/stderr"
run --help
expect "egressc --help lists the commands" \
	[ "$(grep -cE '^  (compile|query|diff|apply|fmt|names) ' "$tmp/stdout")" -eq 6 ]
expect "egressc --help shows compile's options" grep -q '^  -o FILE ' "$tmp/stdout"
expect "query --help shows no compile-only option" \
	not_in '^  -o \|--verify\|-Werror' "$tmp/help-query"

# A name the hosts file lacks is a name that did not resolve: an error,
# or with --allow-unresolved a warning, its rule then allowing nothing.
run --hosts-file=golden/hostsdb -o "$tmp/unres.nft" golden/err-hostname-unknown.eg
expect "a name the hosts file lacks: exit 1" [ $rc -eq 1 ]
run --hosts-file=golden/hostsdb --allow-unresolved -o "$tmp/unres.nft" golden/err-hostname-unknown.eg
expect "--allow-unresolved, a hosts file: compiles" [ $rc -eq 0 ]
expect "--allow-unresolved, a hosts file: warns" \
	grep -q "warning: hostname 'no-such-host.example.com' is not in hosts file" "$tmp/stderr"
run query --hosts-file=golden/hostsdb --allow-unresolved golden/err-hostname-unknown.eg no-such-host.example.com 443
expect "query: the name asked about must resolve" [ $rc -eq 2 ]

# --max-errors: 20 shown by default, N if given, 0 for every one.
for i in $(seq 30); do echo "allow 198.51.100.$((i + 255))"; done >"$tmp/many.eg"
run "$tmp/many.eg"
expect "20 errors shown by default" [ "$(grep -c ': error: ' "$tmp/stderr")" = 20 ]
expect "the rest counted" grep -qx 'egressc: 10 more errors not shown' "$tmp/stderr"
run --max-errors 3 "$tmp/many.eg"
expect "--max-errors 3" [ "$(grep -c ': error: ' "$tmp/stderr")" = 3 ]
run --max-errors 0 "$tmp/many.eg"
expect "--max-errors 0 shows all" [ "$(grep -c ': error: ' "$tmp/stderr")" = 30 ]
expect "--max-errors 0: none left to count" not_in 'more errors' "$tmp/stderr"
run --max-errors -1 "$tmp/many.eg"
expect "--max-errors -1 is a usage error" [ $rc -eq 2 ]

# NO_COLOR and --color: colour only when asked, or on a terminal.
run --color=always golden/err-log.eg
expect "--color=always colours" grep -q $'\033\\[1;31merror:' "$tmp/stderr"
NO_COLOR=1 run golden/err-log.eg
expect "no colour when not a terminal" not_colored "$tmp/stderr"
run --color=sometimes golden/err-log.eg
expect "--color takes auto, always or never" [ $rc -eq 2 ]

testlib_finish
