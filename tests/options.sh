#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What each command takes is said three times: by 'egressc CMD --help'
# (made from the command's option table), by egressc(1) and by the
# README's option table. For every command 'egressc --help' lists, the
# three must name exactly the same options.
#
# egressc(1): under OPTIONS, each .SS heading names the commands its
# options belong to: "compile", or "Every command: compile, query, ...";
# an option is the tag line after a .TP.
# README.md: each table headed "| option | COMMAND | ..." marks with a
# non-empty cell which commands take the options in its first one.
#
#   tests/options.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/options.sh EGRESSC}
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init options

# The options named in a --help text: the left column of its option lines
# ("  -f, --format FORMAT   text..." or "      --explain   text...").
help_options() {
	awk '/^  -|^      --/ {
		sub(/^ +/, ""); split($0, col, /  +/)
		n = split(col[1], w, /[ ,]+/)
		for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print w[i]
	}' | sort -u
}

# "COMMAND OPTION" lines for every option egressc(1) documents.
man_options() {
	sed 's/\\-/-/g' man/egressc.1 | awk '
		/^\.SH / { opts = $2 == "OPTIONS"; next }
		!opts { next }
		/^\.SS / {
			h = substr($0, 5); gsub(/"/, "", h)
			if (index(h, ":")) h = substr(h, index(h, ":") + 1)
			ncmds = split(h, cmds, /[ ,]+/)
			next
		}
		/^\.T[PQ]/ { tag = 1; next }
		tag {
			tag = 0
			n = split($0, w, /[ ",]+/)
			for (i = 2; i <= n; i++)
				if (w[i] ~ /^-/)
					for (c = 1; c <= ncmds; c++) if (cmds[c] != "") print cmds[c], w[i]
		}'
}

# The same for the README's table.
readme_options() {
	awk -F '|' '
		/^\| option \|/ {
			table = 1
			for (i = 3; i < NF; i++) { name[i] = $i; gsub(/ /, "", name[i]) }
			next
		}
		table && /^\|[-:|]+$/ { next }
		table && !/^\|/ { table = 0 }
		table {
			line = $0; gsub(/\\\|/, "", line)
			split(line, cell, "|")
			n = split(cell[2], w, /[ `,]+/)
			for (c = 3; c in name; c++) {
				if (name[c] == "" || cell[c] !~ /[^ ]/) continue
				for (i = 1; i <= n; i++) if (w[i] ~ /^-/) print name[c], w[i]
			}
		}' README.md
}

man_options >"$tmp/man"
readme_options >"$tmp/readme"

run --help
awk '/^Commands/ { list = 1; next } list && /^  [a-z]/ { print $1; next } list { exit }' \
	"$tmp/stdout" >"$tmp/commands"
expect "egressc --help lists the commands" grep -qx fmt "$tmp/commands"
help_options <"$tmp/stdout" >"$tmp/toplevel"
run compile --help
help_options <"$tmp/stdout" >"$tmp/compile"
expect "egressc --help shows compile's options" diff -u "$tmp/compile" "$tmp/toplevel"

while read -r cmd; do
	run "$cmd" --help
	expect "$cmd --help exits 0" [ $rc -eq 0 ]
	expect "$cmd --help shows its usage" grep -q "^usage: egressc.* $cmd\b\|^usage: egressc \[$cmd\]" \
		"$tmp/stdout"
	help_options <"$tmp/stdout" >"$tmp/help"
	expect "$cmd --help lists -h" grep -qx -- -h "$tmp/help"
	run "$cmd" -h
	expect "$cmd -h is --help" diff -q <(help_options <"$tmp/stdout") "$tmp/help"
	for doc in man readme; do
		awk -v c="$cmd" '$1 == c { print $2 }' "$tmp/$doc" | sort -u >"$tmp/$doc-$cmd"
		if diff -u --label "$cmd --help" --label "$doc: $cmd" "$tmp/help" "$tmp/$doc-$cmd" \
			>"$tmp/diff"; then
			ok
		else
			bad "$cmd: --help and the $doc list different options"
			indent <"$tmp/diff"
		fi
	done
done <"$tmp/commands"

# A document no command's options are found in would pass the above empty.
expect "egressc(1) documents the shared options" grep -qx 'apply --hosts-file' "$tmp/man"
expect "the README documents the shared options" grep -qx 'query --strict' "$tmp/readme"
for doc in man readme; do
	awk '{ print $1 }' "$tmp/$doc" | sort -u >"$tmp/$doc-commands"
	expect "$doc: documents only the commands there are" \
		diff -u <(sort "$tmp/commands") "$tmp/$doc-commands"
done

testlib_finish
