#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run.sh BUILD_DIR - egressc's address-list optimizer against peers.
#
# Generates deterministic lists (bench/gen-prefixes.c), collapses each with
# egressc, iprange and Python's ipaddress, checks that they agree, times
# loading the results with nft, and prints one table. Everything it writes
# goes under BUILD_DIR/bench/; lists are reused while the generator is
# unchanged. Exit status 1 if the tools disagree, 0 otherwise: missed
# targets are reported, not failed.
set -euo pipefail
export LC_ALL=C		# '.' decimals in EPOCHREALTIME and awk

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
mkdir -p "$1/bench"
BUILD=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")" && pwd)
B=$BUILD/bench D=$BUILD/bench/data O=$BUILD/bench/out
EGRESSC=$BUILD/egressc
GEN=$B/gen-prefixes
NS=egressc-bench-$$
mkdir -p "$D" "$O"

# A namespace left behind would keep up to a million set elements in the
# kernel, so it goes whatever happens.
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT

say() { printf '== %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------
need=()
command -v iprange >/dev/null || need+=(iprange)
[ -x /usr/bin/time ] || need+=(time)	# GNU time: -v reports peak RSS
command -v nft >/dev/null || need+=(nftables)
command -v ip >/dev/null || need+=(iproute2)
if ((${#need[@]})); then
	say "installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
PY=$(command -v python3 || true)

# --- data ----------------------------------------------------------------
if [ ! -x "$GEN" ] || [ "$SRC/gen-prefixes.c" -nt "$GEN" ]; then
	say "building $GEN"
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -o "$GEN" "$SRC/gen-prefixes.c"
fi

# gen FAMILY COUNT NAME: the list and its one-line policy, kept while newer
# than the generator. Written aside and renamed so an interrupted run never
# leaves a short list to be reused.
gen() {
	local f=$D/$3.txt
	if [ ! -s "$f" ] || [ "$GEN" -nt "$f" ]; then
		say "generating $3"
		"$GEN" "$1" "$2" > "$f.tmp"
		mv "$f.tmp" "$f"
	fi
	# Essentials would add a module whose names need DNS: the lists alone.
	printf 'essentials off\nallow file "%s"\n' "$3.txt" > "$D/$3.eg"
}
gen v4 10000 v4-10k
gen v4 100000 v4-100k
gen v4 1000000 v4-1M
gen v6 100000 v6-100k
gen v6 1000000 v6-1M
# The Python rows take the first 100k lines of the 1M lists. With one seed a
# shorter list is the start of a longer one, so those are the 100k lists.
for f in v4 v6; do
	if ! head -n 100000 "$D/$f-1M.txt" | cmp -s - "$D/$f-100k.txt"; then
		echo "gen-prefixes: $f-100k is not the start of $f-1M" >&2
		exit 1
	fi
done

# The raw 1M list as one auto-merged interval set, for the nft load peer.
# nft 1.0.6 takes a million elements in one block (it splits the netlink
# batch itself); the closing braces need lines of their own.
RAW=$D/v4-1M-raw.nft
if [ ! -s "$RAW" ] || [ "$D/v4-1M.txt" -nt "$RAW" ]; then
	{
		printf 'table inet bench {\n\tset s {\n\t\ttype ipv4_addr\n'
		printf '\t\tflags interval\n\t\tauto-merge\n\t\telements = {\n'
		sed 's/^/\t\t\t/; s/$/,/' "$D/v4-1M.txt"
		printf '\t\t}\n\t}\n}\n'
	} > "$RAW.tmp"
	mv "$RAW.tmp" "$RAW"
fi

# --- measuring -----------------------------------------------------------
# measure NAME CMD...: runs CMD three times, stdout to $O/NAME.out. Sets WALL
# (median, seconds) and RSS (largest peak, MB); returns 1 if a run failed,
# with its stderr in $O/NAME.err. Wall time comes from EPOCHREALTIME, since
# time -v rounds to 10 ms, which is all of a 10k run. With NETNS=1 each run
# gets a fresh network namespace $NS.
measure() {
	local name=$1 t0 t1 kb rc walls=()
	shift
	RSS=0
	for _ in 1 2 3; do
		[ -z "${NETNS:-}" ] || ip netns add "$NS"
		t0=$EPOCHREALTIME
		rc=0
		/usr/bin/time -v -o "$O/$name.time" "$@" > "$O/$name.out" 2> "$O/$name.err" || rc=$?
		t1=$EPOCHREALTIME
		[ -z "${NETNS:-}" ] || ip netns del "$NS"
		((rc == 0)) || return 1
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }')")
		kb=$(awk '/Maximum resident set size/ { print $NF }' "$O/$name.time")
		((kb > RSS)) && RSS=$kb
	done
	WALL=$(printf '%s\n' "${walls[@]}" | sort -g | sed -n 2p)
	RSS=$(awk -v k="$RSS" 'BEGIN { printf "%.1f", k / 1024 }')
}

# The prefixes of an nft ruleset: every line inside 'elements = { ... }'.
nft_elements() {
	awk '/elements = \{/ { f = 1; next } f && /^[ \t]*\}/ { f = 0 } f' "$1" |
		tr -d ' \t,'
}

# A prefix list in one spelling, sorted: explicit lengths on host routes.
# The minimal CIDR cover of a set is unique, so agreeing tools print the
# same list.
norm() { sed -E '/\//!{/:/s|$|/128|;/:/!s|$|/32|}' | sort; }

ROWS=() MISMATCHES=()
declare -A WALLS PFX
# row CASE TOOL INPUT PREFIXES WALL RSS [NOTE]
row() { ROWS+=("$(printf '%-9s|%-22s|%8s|%9s|%8s|%7s|%s' "$1" "$2" "$3" "$4" "$5" "$6" "${7:-}")"); }
# failed CASE TOOL INPUT NAME: the row of a tool that exited non-zero.
failed() {
	local why
	why=$(head -n 1 "$O/$4.err")
	row "$1" "$2" "$3" - - - "FAILED: ${why:-non-zero exit, no message}"
}

# check CASE TOOL_A FILE_A TOOL_B FILE_B: both normalised lists must agree.
check() {
	local a b
	a=$(wc -l < "$3") b=$(wc -l < "$5")
	if ((a != b)); then
		MISMATCHES+=("MISMATCH: $1: $2 gives $a prefixes, $4 gives $b")
	elif ! cmp -s "$3" "$5"; then
		MISMATCHES+=("MISMATCH: $1: $2 and $4 give $a prefixes each, but different ones")
	else
		return 0
	fi
	echo "${MISMATCHES[-1]}" >&2
}

# Whether egressc compiles such a policy at all; find out once.
EG_OK=0 EG_WHY="missing $EGRESSC"
if [ -x "$EGRESSC" ]; then
	echo 192.0.2.1 > "$O/probe.txt"
	printf 'essentials off\nallow file "probe.txt"\n' > "$O/probe.eg"
	if "$EGRESSC" -o "$O/probe.nft" "$O/probe.eg" 2> "$O/probe.err"; then
		EG_OK=1
	else
		EG_WHY="rejects 'allow file': $(head -n 1 "$O/probe.err")"
	fi
fi
((EG_OK)) || say "egressc SKIPPED: $EG_WHY"

# run_egressc CASE LIST_NAME: the egressc row, its prefixes in $O/LIST.eg.
run_egressc() {
	local n
	n=$(wc -l < "$D/$2.txt")
	if ((!EG_OK)); then
		row "$1" egressc "$n" - - - "skipped: $EG_WHY"
		return 0
	fi
	say "egressc $2"
	measure "$2.egressc" "$EGRESSC" -o "$O/$2.nft" "$D/$2.eg" ||
		{ failed "$1" egressc "$n" "$2.egressc"; return; }
	nft_elements "$O/$2.nft" | norm > "$O/$2.eg.pfx"
	PFX[$2]=$(wc -l < "$O/$2.eg.pfx")
	WALLS[egressc.$2]=$WALL
	row "$1" egressc "$n" "${PFX[$2]}" "$WALL" "$RSS"
}

run_iprange() {
	local n
	n=$(wc -l < "$D/$2.txt")
	say "iprange $2"
	# The default mode (merge) prints the minimal CIDR list; -C only counts.
	measure "$2.iprange" iprange "$D/$2.txt" ||
		{ failed "$1" iprange "$n" "$2.iprange"; return; }
	norm < "$O/$2.iprange.out" > "$O/$2.ip.pfx"
	WALLS[iprange.$2]=$WALL
	row "$1" iprange "$n" "$(wc -l < "$O/$2.ip.pfx")" "$WALL" "$RSS"
	[ ! -s "$O/$2.eg.pfx" ] || check "$1" egressc "$O/$2.eg.pfx" iprange "$O/$2.ip.pfx"
}

run_python() {
	local n
	n=$(wc -l < "$D/$2.txt")
	if [ -z "$PY" ]; then
		row "$1" "python ipaddress" "$n" - - - "skipped: no python3"
		return 0
	fi
	say "python $2"
	measure "$2.python" "$PY" "$SRC/collapse.py" "$D/$2.txt" ||
		{ failed "$1" "python ipaddress" "$n" "$2.python"; return; }
	norm < "$O/$2.python.out" > "$O/$2.py.pfx"
	row "$1" "python ipaddress" "$n" "$(wc -l < "$O/$2.py.pfx")" "$WALL" "$RSS"
	[ ! -s "$O/$2.eg.pfx" ] || check "$1" egressc "$O/$2.eg.pfx" python "$O/$2.py.pfx"
	[ ! -s "$O/$2.ip.pfx" ] || check "$1" iprange "$O/$2.ip.pfx" python "$O/$2.py.pfx"
}

# Stale results must not pass for this run's.
rm -f "$O"/*.pfx

run_egressc "10k v4" v4-10k
run_iprange "10k v4" v4-10k
run_egressc "100k v4" v4-100k
run_iprange "100k v4" v4-100k
run_python "100k v4" v4-100k
run_egressc "1M v4" v4-1M
run_iprange "1M v4" v4-1M
run_egressc "100k v6" v6-100k
run_python "100k v6" v6-100k
run_egressc "1M v6" v6-1M

say "nft load"
if [ -s "$O/v4-1M.eg.pfx" ]; then
	if NETNS=1 measure load.egressc ip netns exec "$NS" nft -f "$O/v4-1M.nft"; then
		WALLS[load.egressc]=$WALL
		row "nft load" "egressc's 1M v4 output" 1000000 "${PFX[v4-1M]}" "$WALL" "$RSS"
	else
		failed "nft load" "egressc's 1M v4 output" 1000000 load.egressc
	fi
else
	row "nft load" "egressc's 1M v4 output" 1000000 - - - "skipped: no egressc output"
fi
if NETNS=1 measure load.raw ip netns exec "$NS" nft -f "$RAW"; then
	WALLS[load.raw]=$WALL
	row "nft load" "raw 1M v4, auto-merge" 1000000 1000000 "$WALL" "$RSS" "prefixes: as given to nft"
else
	failed "nft load" "raw 1M v4, auto-merge" 1000000 load.raw
fi

# --- report --------------------------------------------------------------
# ratio A B: A / B to two places, or '-' when either is missing.
ratio() {
	if [ -z "${1:-}" ] || [ -z "${2:-}" ]; then
		echo -
		return 0
	fi
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}
# times A B: "xA/B", or '-'.
times() {
	local r
	r=$(ratio "$@")
	[ "$r" = - ] && echo - || echo "x$r"
}
# meets VALUE LIMIT: PASS if VALUE <= LIMIT.
meets() {
	[ "$1" != - ] || { echo "n/a"; return; }
	awk -v v="$1" -v l="$2" 'BEGIN { print (v <= l ? "PASS" : "MISS") }'
}

echo
printf '%-9s %-22s %8s %9s %8s %7s %s\n' case tool input prefixes "wall s" "RSS MB" note
for r in "${ROWS[@]}"; do
	echo "$r" | tr '|' ' ' | sed 's/ *$//'
done
echo
echo "wall: median of 3 runs; RSS: largest peak of the 3 (GNU time -v)"
for s in 10k 100k 1M; do
	echo "egressc/iprange wall, $s v4: $(ratio "${WALLS[egressc.v4-$s]:-}" "${WALLS[iprange.v4-$s]:-}")"
done
echo "egressc wall growth 10k->100k: $(times "${WALLS[egressc.v4-100k]:-}" "${WALLS[egressc.v4-10k]:-}")," \
	"100k->1M: $(times "${WALLS[egressc.v4-1M]:-}" "${WALLS[egressc.v4-100k]:-}") (linear: x10)"
echo "nft load, raw / egressc's output: $(times "${WALLS[load.raw]:-}" "${WALLS[load.egressc]:-}")"
echo
r=$(ratio "${WALLS[egressc.v4-1M]:-}" "${WALLS[iprange.v4-1M]:-}")
rss=$(awk -F'|' '$1 ~ /^1M v4/ && $2 ~ /^egressc/ { gsub(/ /, "", $6); print $6 }' < <(printf '%s\n' "${ROWS[@]}"))
echo "target: 1M v4 egressc wall <= 0.4x iprange: $r $(meets "$r" 0.4) (aim: 0.3x)"
echo "target: 1M v4 egressc peak RSS <= 40 MB:    ${rss:--} $(meets "${rss:--}" 40)"
echo "target: 1M v6 egressc wall < 1 s:           ${WALLS[egressc.v6-1M]:--} $(meets "${WALLS[egressc.v6-1M]:--}" 0.9999)"
if ((${#MISMATCHES[@]})); then
	echo
	printf '%s\n' "${MISMATCHES[@]}"
	exit 1
fi
