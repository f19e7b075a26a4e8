#!/bin/bash
# Kernel differential testing: random policies (tests/randpolicy.sh) and
# random probes. Each policy is compiled to nft and to iptables, loaded in
# turn into a client namespace, and every probe is sent to a server
# namespace that owns the probed addresses, twice: from the client (the
# runner's own traffic, its output path) and from a container behind a
# bridge in the client (traffic the runner forwards); both outcomes must be
# the verdict 'egressc query' gives. Then diff is checked against query on
# pairs of policies: empty for a rewrite that means the same, and for two
# random policies empty exactly when every probe gets the same verdict
# (and a line it prints names a packet whose verdict differs).
#
#   tests/difftest.sh EGRESSC [POLICIES [PROBES [SEED]]]
# A failure prints the seed, the policy and the probe, to replay it.
#@check full $DIFFTEST_CHECK
set -u
egressc=${1:?usage: tests/difftest.sh EGRESSC [POLICIES [PROBES [SEED]]]}
policies=${2:-20}
nprobes=${3:-100}
seed=${4:-1}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
PROBE=$(cd "$(dirname "${PROBE:?set PROBE to the probe binary}")" && pwd)/$(basename "$PROBE")
. tests/lib.sh
testlib_init difftest
. tests/netns.sh
. tests/randpolicy.sh
RANDOM=$seed
agree=0
disagree=0
declare -A disagree_from=([runner]=0 [container]=0)

# Probes: "PROTO ADDR PORT" lines.
make_probes() {
	for _ in $(seq "$nprobes"); do
		local proto=udp
		[ $((RANDOM % 2)) -eq 0 ] && proto=tcp
		rand_addr
		echo "$proto $REPLY ${probe_ports[RANDOM % 8]}"
	done
}

# The kernel's answers, a line per probe, probing from inside namespace NS.
kernel_answers() { # NS
	ip netns exec "$1" bash -c '
		while read -r proto addr port; do
			if "$0" "$proto" "$addr" "$port" 300 >/dev/null 2>&1; then
				echo allow
			else
				echo deny
			fi
		done' "$PROBE" <"$tmp/probes"
}

query_answers() {
	awk '{ print $2, $3 "/" $1 }' "$tmp/probes" |
		"$egressc" query "$1" - 2>/dev/null | awk '{ print $1 }'
}

# The policy is printed once, under the last of its disagreements.
compare() { # BACKEND SIDE (runner or container)
	local probe k q before=$disagree
	while IFS= read -r probe <&3 && read -r k <&4 && read -r q <&5; do
		if [ "$k" = "$q" ]; then
			agree=$((agree + 1))
		else
			disagree=$((disagree + 1))
			disagree_from[$2]=$((disagree_from[$2] + 1))
			bad "seed $seed policy $n $1 from the $2: probe '$probe': kernel $k, query $q"
		fi
	done 3<"$tmp/probes" 4<"$tmp/kernel" 5<"$tmp/query"
	[ "$disagree" -eq "$before" ] || sed 's/^/    | /' "$tmp/p.eg"
}

for n in $(seq "$policies"); do
	rand_policy >"$tmp/p.eg"
	make_probes >"$tmp/probes"
	if ! "$egressc" -O "$tmp/out" "$tmp/p.eg" 2>"$tmp/err"; then
		bad "seed $seed policy $n does not compile"
		cat "$tmp/p.eg" "$tmp/err"
		continue
	fi
	query_answers "$tmp/p.eg" >"$tmp/query"
	netns_setup || { bad "namespace setup"; continue; }
	# shellcheck disable=SC2046 # one address a word
	netns_add_server_addr $(awk '{ print $2 }' "$tmp/probes" | sort -u)
	netns_serve "$(printf '%s,' "${probe_ports[@]}" | sed 's/,$//')"
	netns_add_container || { bad "container setup"; netns_cleanup; continue; }
	for backend in nft iptables; do
		netns_fresh_client || { bad "policy $n: $backend: namespace renewal"; continue; }
		# --noflush, as egressc apply loads them: the iptables files
		# replace only egressc's own chains.
		if [ $backend = nft ]; then
			ip netns exec "$NS_CLIENT" nft -f "$tmp/out/ruleset.nft"
		else
			ip netns exec "$NS_CLIENT" iptables-nft-restore --noflush "$tmp/out/rules.v4" &&
				ip netns exec "$NS_CLIENT" ip6tables-nft-restore --noflush "$tmp/out/rules.v6"
		fi || { bad "policy $n: $backend load"; continue; }
		kernel_answers "$NS_CLIENT" >"$tmp/kernel"
		compare $backend runner
		kernel_answers "$NS_CONTAINER" >"$tmp/kernel"
		compare $backend container
	done
	netns_cleanup
	ok

	# diff against query, on a rewrite and on a second random policy.
	sort -R --random-source=<(yes "$seed$n") "$tmp/p.eg" >"$tmp/same.eg"
	if ! "$egressc" diff "$tmp/p.eg" "$tmp/same.eg" >"$tmp/diff"; then
		bad "seed $seed policy $n: diff of a reordering is not empty"
		cat "$tmp/diff"
	fi
	rand_policy >"$tmp/q.eg"
	query_answers "$tmp/q.eg" >"$tmp/query2"
	"$egressc" diff "$tmp/p.eg" "$tmp/q.eg" >"$tmp/diff" 2>/dev/null
	rc=$?
	if [ $rc -eq 0 ] && ! cmp -s "$tmp/query" "$tmp/query2"; then
		bad "seed $seed policy $n: diff empty, yet probes differ"
	elif [ $rc -eq 1 ] && [ "$(awk 'NR == 1 { print $4 }' "$tmp/diff")" = 0 ]; then
		ok # port 0 alone cannot be queried
	elif [ $rc -eq 1 ]; then
		# The first line names a packet: its verdicts must differ.
		read -r sign prefix proto dports _ <"$tmp/diff"
		addr=${prefix%/*}
		port=${dports%%-*}
		# Port 0 cannot be queried; the range's next port is as good.
		[ "$port" = all ] || [ "$port" = 0 ] && port=1
		svc=$port/$proto
		[ "$proto" = other ] && svc=
		[ "$proto" = any ] && svc=1/tcp
		v1=$("$egressc" query "$tmp/p.eg" "$addr" $svc 2>/dev/null | head -1)
		v2=$("$egressc" query "$tmp/q.eg" "$addr" $svc 2>/dev/null | head -1)
		if [ "$v1" = "$v2" ]; then
			bad "seed $seed policy $n: diff says '$sign $prefix $proto $dports' but both $v1"
		else
			ok
		fi
	elif [ $rc -ne 0 ]; then
		bad "seed $seed policy $n: diff failed"
	fi
done

echo "difftest: $policies policies, $nprobes probes each, both backends, from the runner and a container: $agree agreed, $disagree disagreed (${disagree_from[runner]} from the runner, ${disagree_from[container]} from the container)"
testlib_finish
