#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc fmt: on every policy the tests hold (goldens, traffic, stdlib,
# examples, documentation examples aside), formatting is idempotent,
# keeps every comment, and changes nothing the policy means (egressc diff
# of the original and the formatted file is empty, and both compile to the
# same outputs but for line numbers). Then the layout itself, on a file
# made for it, and -w and --check.
#
#   tests/fmt.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/fmt.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init fmt

# The comments of a file, in order, as fmt keeps them (trailing blanks off).
comments() {
	awk '{ s = $0; sub(/\r$/, "", s); q = 0
	       for (i = 1; i <= length(s); i++) { c = substr(s, i, 1)
	         if (c == "\"") q = !q
	         if (c == "#" && !q) { t = substr(s, i); sub(/[ \t]+$/, "", t); print t; break } } }' "$1"
}

checked=0
for f in golden/*.eg golden/include/*.eg golden/diff/*.eg golden/query/*.eg tests/traffic/*.eg \
	 tests/runtime/*.eg tests/monitor/*.eg stdlib/*.eg examples/*.eg; do
	# Only what parses can be formatted; error cases that parse count too.
	"$egressc" fmt "$f" >"$tmp/once.eg" 2>"$tmp/err" || continue
	checked=$((checked + 1))
	"$egressc" fmt "$tmp/once.eg" >"$tmp/twice.eg" 2>&1
	expect "$f: formatting twice is formatting once" cmp -s "$tmp/once.eg" "$tmp/twice.eg"
	expect "$f: every comment kept, in order" diff <(comments "$f") <(comments "$tmp/once.eg")
	[ -f "${f%.eg}.err" ] && continue
	case $f in golden/include/* | stdlib/*) continue ;; esac
	hosts=golden/hostsdb
	[ -f "${f%.eg}.hostsdb" ] && hosts=${f%.eg}.hostsdb
	[[ $f == golden/diff/* && -f ${f%.eg}.hosts ]] && hosts=${f%.eg}.hosts # its side's
	case $f in
	golden/stdlib-* | golden/essentials* | golden/diff/essentials* | golden/diff/modules* | examples/*)
		hosts=tests/stdlib.hosts ;;
	esac
	# Formatted beside the original, so includes and lists still resolve.
	cp "$tmp/once.eg" "$(dirname "$f")/.fmt-test.eg"
	"$egressc" diff --hosts-file "$hosts" "$f" "$(dirname "$f")/.fmt-test.eg" >"$tmp/diff" 2>&1
	rc=$?
	rm -f "$(dirname "$f")/.fmt-test.eg"
	expect "$f: the formatted policy means the same (diff exit $rc)" [ $rc -eq 0 ]
done
expect "fmt formatted the test policies" [ $checked -ge 100 ]

# The layout.
cat >"$tmp/messy.eg" <<'IN'
# The head of the file.

allow 192.0.2.1 port 443   # first
deny 192.0.2.9 ;  allow 192.0.2.2 # two on a line
# attached to the setting
default allow
define many = { a.example, b.example, c.example,
	d.example }   # the list
allow e.example, 198.51.100.1, 198.51.100.2, 198.51.100.3, 198.51.100.4, 198.51.100.5 port 80
dynamic builders port 22 timeout 5m
use npm,pypi


# the end
IN
cat >"$tmp/want.eg" <<'IN'
# The head of the file.

# attached to the setting
default allow

allow 192.0.2.1 port 443  # first
deny 192.0.2.9
allow 192.0.2.2  # two on a line
define many = {
	a.example,
	b.example,
	c.example,
	d.example,  # the list
}
allow e.example,
      198.51.100.1,
      198.51.100.2,
      198.51.100.3,
      198.51.100.4,
      198.51.100.5 port 80
dynamic builders timeout 5m port 22
use npm, pypi

# the end
IN
run fmt "$tmp/messy.eg"
expect "fmt exits 0" [ $rc -eq 0 ]
expect "the canonical layout" diff -u "$tmp/want.eg" "$tmp/stdout"

# A header comment stays first, though it sits right above a rule and a
# setting further down moves up.
printf '# The header.\n# Its second line.\nallow 192.0.2.1 port 443\nmode monitor\n' >"$tmp/header.eg"
run fmt "$tmp/header.eg"
expect "fmt keeps the header comment first" \
	[ "$(cat "$tmp/stdout")" = "$(printf '# The header.\n# Its second line.\n\nmode monitor\n\nallow 192.0.2.1 port 443')" ]

# --check lists what is not formatted; -w fixes it, only it.
cp "$tmp/want.eg" "$tmp/good.eg"
run fmt --check "$tmp/messy.eg" "$tmp/good.eg"
expect "--check: exit 1 when a file is not formatted" [ $rc -eq 1 ]
expect "--check names it, and only it" [ "$(cat "$tmp/stdout")" = "$tmp/messy.eg" ]
touch -d '2001-01-01' "$tmp/good.eg"
run fmt -w "$tmp/messy.eg" "$tmp/good.eg"
expect "-w exits 0" [ $rc -eq 0 ]
expect "-w rewrote the file" cmp -s "$tmp/messy.eg" "$tmp/want.eg"
expect "-w left a formatted file alone" [ "$(stat -c %Y "$tmp/good.eg")" = "$(date -d 2001-01-01 +%s)" ]
run fmt --check "$tmp/messy.eg" "$tmp/good.eg"
expect "--check: exit 0 when all are formatted" [ $rc -eq 0 -a ! -s "$tmp/stdout" ]

# A protocol after a port is printed as the proto clause it means.
printf 'allow 192.0.2.1 port 8443/tcp\nallow 192.0.2.2 port 53/tcp, 53/udp timeout 1h\ndynamic b port 22/udp\n' \
	>"$tmp/suffix.eg"
printf 'allow 192.0.2.1 port 8443 proto tcp\nallow 192.0.2.2 port 53 proto tcp, udp timeout 1h\ndynamic b port 22 proto udp\n' \
	>"$tmp/suffix-want.eg"
run fmt "$tmp/suffix.eg"
expect "port N/PROTO: printed as a proto clause" diff -u "$tmp/suffix-want.eg" "$tmp/stdout"

# A file that does not parse: an error, nothing written.
printf 'allow {\n' >"$tmp/bad.eg"
cp "$tmp/bad.eg" "$tmp/bad.orig"
run fmt -w "$tmp/bad.eg"
expect "a syntax error: exit 1" [ $rc -eq 1 ]
expect "a syntax error: located" grep -q 'bad.eg:[0-9]*:[0-9]*: error' "$tmp/stderr"
expect "a syntax error: the file is untouched" cmp -s "$tmp/bad.eg" "$tmp/bad.orig"
run fmt -w --check "$tmp/good.eg"
expect "-w with --check: usage error" [ $rc -eq 2 ]
testlib_finish
