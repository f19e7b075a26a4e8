#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# egressc import: provider lists (JSON documents the user fetched) into
# modules and address lists. With the real snapshots in ../shared/data
# (copied into the scratch directory; the project does not depend on
# them), each provider's output is byte for byte golden/import/'s, a module
# is in fmt's layout and loads with 'use', a list compiles and verifies;
# without them, those checks are skipped. Always: the JSON reader's
# strictness and its located errors, the request's errors with their
# hints, and that an error writes and clobbers nothing.
#
#   tests/import.sh EGRESSC
#@check fast
set -u
egressc=${1:?usage: tests/import.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init import

# golden/import/NAME and the import that writes it, a line each.
goldens() {
	cat <<'G'
github-meta-actions.eg github-meta github-ip-ranges.json --section domains.actions --name github-actions-shards --date 2025-07-24
github-meta-hooks.list github-meta github-ip-ranges.json --section hooks --section dependabot --date 2025-07-24
aws-s3-us-east-1.list aws-ip-ranges aws-ip-ranges.json --service S3 --region us-east-1
google-us-central1.list google-cloud google-cloud-ip-ranges.json --region us-central1
azure-westeurope.list azure-service-tags microsoft-azure-ip-ranges.json --service AzureCloud.westeurope --date 2025-07-24
G
}

data=../shared/data/cloud-ranges
if [ -d "$data" ]; then
	mkdir "$tmp/data"
	cp "$data"/*.json "$tmp/data/"
	while read -r golden provider file args; do
		# shellcheck disable=SC2086 # the arguments are words
		(cd "$tmp/data" && "$egressc" import $provider $file $args -o "$tmp/$golden") \
			2>"$tmp/stderr"
		expect "$golden: written" [ -s "$tmp/$golden" ]
		expect "$golden: no diagnostics" [ ! -s "$tmp/stderr" ]
		expect "$golden: as golden/import/$golden" diff -u "golden/import/$golden" "$tmp/$golden"
	done < <(goldens)
	# Written again, the same bytes (to standard output this time).
	(cd "$tmp/data" && "$egressc" import aws-ip-ranges aws-ip-ranges.json --service S3 \
		--region us-east-1) >"$tmp/again.list"
	expect "deterministic" cmp -s "$tmp/again.list" golden/import/aws-s3-us-east-1.list
	# A wider selection of the same file: every region of S3.
	(cd "$tmp/data" && "$egressc" import aws-ip-ranges aws-ip-ranges.json --service S3) \
		>"$tmp/s3.list"
	expect "every region: more prefixes" \
		[ "$(wc -l <"$tmp/s3.list")" -gt "$(wc -l <golden/import/aws-s3-us-east-1.list)" ]
	(cd "$tmp/data" && "$egressc" import github-meta github-ip-ranges.json --section actions \
		--date 2025-07-24) >"$tmp/actions.list"
	expect "github-meta actions: 5,314 ranges" \
		[ "$(grep -vc '^#' "$tmp/actions.list")" -eq 5314 ]
else
	echo "import: $data is not here; skipping the real-data checks"
fi

# What the goldens are, whatever the data: a module in fmt's layout that a
# policy can use, and lists a policy compiles and verifies.
mkdir "$tmp/mods"
cp golden/import/github-meta-actions.eg "$tmp/mods/github-actions-shards.eg"
expect "imported module: in fmt's layout" "$egressc" fmt --check "$tmp/mods/github-actions-shards.eg"
printf 'essentials off\nuse github-actions-shards\n' >"$tmp/use.eg"
run names -I "$tmp/mods" "$tmp/use.eg"
expect "imported module: 'use' loads it" grep -qx tokenghub.actions.githubusercontent.com "$tmp/stdout"
for list in golden/import/*.list; do
	cp "$list" "$tmp/l.list"
	printf 'essentials off\nallow file "l.list" port 443\n' >"$tmp/l.eg"
	run --verify -o "$tmp/l.nft" "$tmp/l.eg"
	expect "$(basename "$list"): compiles and verifies" [ $rc -eq 0 ]
done

# Small documents for the reader and the requests.
meta='{"domains": {"actions": ["*.actions.example", "b.example", "A.example", "b.example"],
  "inbound": {"full_domains": ["c.example"], "wildcard_domains": ["*.d.example"]},
  "attest": {"trust_domain": "", "services": ["e.example"]}},
 "hooks": ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7"]}'
printf '%s\n' "$meta" >"$tmp/meta.json"
run import github-meta "$tmp/meta.json" --section domains.actions --section domains.inbound \
	--section domains.attest --date 2026-12-05
expect "small meta: exit 0" [ $rc -eq 0 ]
expect "small meta: names sorted, lower case, once each" \
	diff <(sed -n '/^allow/,$p' "$tmp/stdout") - <<'EOF2'
allow *.actions.example,
      *.d.example,
      a.example,
      b.example,
      c.example,
      e.example port 443
EOF2
expect "small meta: the date in the header" grep -qx '# checked: 2026-12-05' "$tmp/stdout"
expect "small meta: the file's name, not its path, in the header" \
	grep -q 'read from meta.json (https' "$tmp/stdout"
run import github-meta "$tmp/meta.json" --section hooks --date 2026-12-05
expect "small meta: prefixes sorted by family and address" \
	diff <(grep -v '^#' "$tmp/stdout") - <<'EOF2'
192.0.2.0/24
198.51.100.7
2001:db8::/32
EOF2

# doc NAME TEXT: a one-document file for the reader.
doc() { printf '%s' "$2" >"$tmp/$1.json"; }

# bad NAME EXPECTED-STDERR-REGEX ARGS...: an import that fails, writes
# nothing, leaves -o's file as it was and says so.
bad_import() {
	local what=$1 want=$2
	shift 2
	echo keep >"$tmp/out.txt"
	run import "$@" -o "$tmp/out.txt"
	expect "$what: exit 1" [ $rc -eq 1 ]
	expect "$what: says '$want'" grep -q -- "$want" "$tmp/stderr"
	expect "$what: -o's file untouched" [ "$(cat "$tmp/out.txt")" = keep ]
	[ $rc -eq 1 ] && grep -q -- "$want" "$tmp/stderr" || indent <"$tmp/stderr"
}
bad_import "no --date for github-meta" "carries no date; say when it was fetched with --date" \
	github-meta "$tmp/meta.json" --section domains.actions
bad_import "a bad --date" "--date '2026-1-5' is not a date" \
	github-meta "$tmp/meta.json" --section domains.actions --date 2026-1-5
bad_import "no --section" "say which part of the document to take with --section" \
	github-meta "$tmp/meta.json" --date 2026-12-05
bad_import "an unknown section" "no section 'domains.actoins'.*did you mean 'domains.actions'" \
	github-meta "$tmp/meta.json" --section domains.actoins --date 2026-12-05
bad_import "names and prefixes together" "make different files" \
	github-meta "$tmp/meta.json" --section domains.actions --section hooks --date 2026-12-05
bad_import "an unknown provider" "unknown provider 'aws-ip-range'; did you mean 'aws-ip-ranges'" \
	aws-ip-range "$tmp/meta.json" --service S3
bad_import "a missing file" "cannot open" aws-ip-ranges "$tmp/none.json" --service S3
bad_import "not AWS's document" "no 'createDate' here; is this AWS's ip-ranges.json" \
	aws-ip-ranges "$tmp/meta.json" --service S3
bad_import "a selector the provider does not read" "google-cloud takes no --service" \
	google-cloud "$tmp/meta.json" --service S3
doc empty '{"domains": {"x": {"trust_domain": ""}}, "hooks": []}'
bad_import "a section without names" "the sections named hold no hostnames" \
	github-meta "$tmp/empty.json" --section domains.x --date 2026-12-05
bad_import "a section without prefixes" "the sections named hold no address prefixes" \
	github-meta "$tmp/empty.json" --section hooks --date 2026-12-05
bad_import "a bad module name" "is not a module name" \
	github-meta "$tmp/meta.json" --section domains.actions --date 2026-12-05 --name Bad_Name

# A document's own text in the header is one line: a line break in its
# date would begin a line of the list ("0.0.0.0/0") under a comment.
doc awsdate '{"createDate": "2026-12-05-00-00-00\n0.0.0.0/0", "prefixes": [{"ip_prefix": "192.0.2.0/24", "region": "r", "service": "S3"}], "ipv6_prefixes": []}'
bad_import "a line break in AWS's createDate" "awsdate.json:1:16: error: createDate .* is not one line of text" \
	aws-ip-ranges "$tmp/awsdate.json" --service S3
doc gcdate '{"creationTime": "2026\r0.0.0.0/0", "prefixes": [{"ipv4Prefix": "192.0.2.0/24", "scope": "s"}]}'
bad_import "a carriage return in Google's creationTime" "creationTime .* is not one line of text" \
	google-cloud "$tmp/gcdate.json"

# A wildcard over a whole top-level domain is no provider's service.
doc tld '{"domains": {"x": ["*.githubusercontent.example", "*.com"]}}'
bad_import "a wildcard over a top-level domain" "tld.json:1:51: error: '\*.com' is every name of a top-level domain" \
	github-meta "$tmp/tld.json" --section domains.x --date 2026-12-05
doc host '{"domains": {"x": ["ok.example", "bad..example"]}}'
bad_import "a bad hostname, located" "host.json:1:34: error: 'bad..example' is not a hostname" \
	github-meta "$tmp/host.json" --section domains.x --date 2026-12-05
doc bits '{"hooks": ["192.0.2.1/24"]}'
bad_import "host bits, with the network meant" "'192.0.2.1/24' has host bits set; did you mean 192.0.2.0/24" \
	github-meta "$tmp/bits.json" --section hooks --date 2026-12-05
# The reader: each a JSON text RFC 8259 refuses, and where it says so.
while IFS='|' read -r what text want; do
	doc r "$text"
	bad_import "reader: $what" "$want" github-meta "$tmp/r.json" --section hooks --date 2026-12-05
done <<'R'
a trailing comma|{"hooks": [1,]}|r.json:1:14: error: expected a value
a comment|{"hooks": [] /* x */}|r.json:1:14: error: expected ',' or '}' after a member
single quotes|{'hooks': []}|r.json:1:2: error: expected a key (a string)
a duplicate key|{"hooks": [], "hooks": ["192.0.2.0/24"]}|r.json:1:15: error: duplicate key 'hooks'
a leading zero|{"hooks": [01]}|r.json:1:12: error: a number with a leading zero
a bad escape|{"hooks": ["\q"]}|r.json:1:13: error: unknown escape
a lone surrogate|{"hooks": ["\udc00"]}|r.json:1:13: error: a lone low surrogate
a NUL|{"hooks": ["\u0000"]}|r.json:1:13: error: a NUL character
an unterminated string|{"hooks": ["192.0.2.0/24]}|r.json:1:12: error: unterminated string
text after the value|{"hooks": []} x|r.json:1:15: error: expected the end of the file after the value
an empty file||r.json:1:1: error: expected a value, found the end of the file
NaN|{"hooks": [NaN]}|r.json:1:12: error: expected a value
R
doc deep "$(printf '%0.s[' {1..70})"
bad_import "reader: nesting past its limit" "nest deeper than 64 levels" \
	github-meta "$tmp/deep.json" --section hooks --date 2026-12-05
# The caret under the error, on the line it is on.
printf '{\n  "hooks": [\n    "192.0.2.0/24",\n  ]\n}\n' >"$tmp/lines.json"
run import github-meta "$tmp/lines.json" --section hooks --date 2026-12-05
expect "reader: the line and column, the source line and a caret" diff "$tmp/stderr" - <<EOF2
$tmp/lines.json:4:3: error: expected a value (object, array, string, number, true, false or null), found ']'
  ]
  ^
EOF2
# What the reader accepts: escapes decoded, a byte order mark skipped.
printf '\xef\xbb\xbf{"domains": {"x": ["a\\u002eexample", "\\u0062.example"]}, "n": [-0.5e+3, true, null]}' \
	>"$tmp/ok.json"
run import github-meta "$tmp/ok.json" --section domains.x --date 2026-12-05
expect "reader: escapes and a byte order mark" grep -qx 'allow a.example, b.example port 443' "$tmp/stdout"

testlib_finish
