#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The runner image's entrypoint (contrib/docker/egressc-entrypoint.sh):
# it applies the policy, then runs the job without CAP_NET_ADMIN and
# CAP_NET_RAW and with no-new-privs, so the job cannot undo the policy. In
# a network namespace of the test's own, a job run through it, as root:
# cannot delete the table or flush the ruleset, not even from a new user
# namespace, and the ruleset is afterwards what an apply leaves; cannot open
# a packet socket or a raw IPv4 or IPv6 one; has neither capability in any
# of its five sets, and every other one it had; has no-new-privs set;
# turned into nobody, gets neither root from a setuid-root binary nor
# CAP_NET_RAW from a file-capability one. The job's exit status is the
# entrypoint's. A failed apply leaves the closed table and runs no job.
# Controls show that each probe succeeds where nothing was dropped.
#
#   tests/caps.sh EGRESSC            (as root)
#
# The apply runs inside the namespace, on a hosts file and a fragment in
# the scratch directory: the host's /etc/hosts, /etc/dnsmasq.d and firewall
# are never touched. No traffic is sent.
#@check full
set -u
egressc=${1:?usage: tests/caps.sh EGRESSC}
egressc=$(cd "$(dirname "$egressc")" && pwd)/$(basename "$egressc")
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh
testlib_init caps netns
# A shell killed by a signal runs no EXIT trap: exit instead, so the
# namespace and the scratch directory go.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 141' PIPE
trap 'exit 143' TERM
chmod 755 "$tmp"	# the job's probes run as nobody, too

entrypoint=$PWD/contrib/docker/egressc-entrypoint.sh
for tool in setpriv perl setcap unshare; do
	command -v "$tool" >/dev/null || { echo "caps: $tool is missing"; exit 1; }
done

cat >"$tmp/caps.eg" <<'EOF'
essentials off
allow 198.51.100.0/24 port 443
allow 2001:db8::/32 port 443
deny 203.0.113.0/24
EOF
"$egressc" -O "$tmp/out" "$tmp/caps.eg" 2>"$tmp/stderr" || {
	echo "caps: the test policy does not compile:"
	indent <"$tmp/stderr"
	exit 1
}
cp -r "$tmp/out" "$tmp/bad"
echo 'garbage in the ruleset' >>"$tmp/bad/ruleset.nft"
printf '127.0.0.1\tlocalhost\n' >"$tmp/hosts"


# A setuid-root copy of id, and a copy of perl with cap_net_raw in its
# file capabilities: the ways back to privilege that the job must not have.
cp "$(command -v id)" "$tmp/suid-id"
chmod 4755 "$tmp/suid-id"
cp "$(command -v perl)" "$tmp/fcap-perl"
setcap cap_net_raw+ep "$tmp/fcap-perl" || { echo "caps: setcap failed on $tmp"; exit 1; }

# The probes, for the controls and the job alike: each exits 0 if it got
# the socket, else prints the error.
cat >"$tmp/raw.pl" <<'EOF'
use Socket;
my %kind = (packet => [17, SOCK_RAW, 0], inet => [PF_INET, SOCK_RAW, 1],
	    inet6 => [PF_INET6, SOCK_RAW, 58]);
my $k = $kind{$ARGV[0]} or die "raw.pl: packet, inet or inet6\n";
socket(my $s, $k->[0], $k->[1], $k->[2]) or die "$ARGV[0]: $!\n";
EOF
# The job: tries each way to undo the policy; writes what came of it to
# DIR/NAME.rc (exit status) and DIR/NAME.out; exits 7.
cat >"$tmp/job.sh" <<EOF
#!/bin/bash
out=\$1
try() { local name=\$1; shift; "\$@" >"\$out/\$name.out" 2>&1; echo \$? >"\$out/\$name.rc"; }
touch "\$out/ran"
cat /proc/self/status >"\$out/status"
try delete nft delete table inet egressc
try flush nft flush ruleset
try userns unshare --user --map-root-user sh -c 'echo in a user namespace; exec nft delete table inet egressc'
try packet perl "$tmp/raw.pl" packet
try inet perl "$tmp/raw.pl" inet
try inet6 perl "$tmp/raw.pl" inet6
try forwarder setpriv --reuid=dnsmasq --regid=nogroup --clear-groups id -u
try uid id -u
try suid "$tmp/suid-id" -u
try fcap "$tmp/fcap-perl" "$tmp/raw.pl" packet
exit 7
EOF
chmod 755 "$tmp/job.sh"

# entry DIR OUT COMMAND...: the entrypoint in the namespace, applying DIR;
# $rc, its output in OUT.
entry() {
	local dir=$1 out=$2
	shift 2
	in_ns env EGRESSC="$egressc" EGRESSC_DIR="$dir" EGRESSC_JOB_USER="${EGRESSC_JOB_USER:-}" \
		EGRESSC_APPLY_OPTIONS="--hosts-path $tmp/hosts --dnsmasq-path $tmp/dnsmasq.conf" \
		"$entrypoint" "$@" >"$out" 2>&1
	rc=$?
}

# failed NAME WHAT: the job's attempt NAME failed; with a third argument,
# its output says so.
failed() {
	local r
	r=$(cat "$tmp/job/$1.rc" 2>/dev/null)
	if [ -n "$r" ] && [ "$r" -ne 0 ] &&
	   { [ $# -lt 3 ] || grep -q "$3" "$tmp/job/$1.out"; }; then
		ok
	else
		bad "job: $2 (exit ${r:-none})"
		head -5 "$tmp/job/$1.out" 2>/dev/null | indent
	fi
}

# cap FIELD STATUS: the hexadecimal capability set FIELD (CapBnd, ...) in
# the /proc/PID/status copy STATUS.
cap() { printf '%d' "0x$(sed -n "s/^$1:[[:space:]]*//p" "$2")"; }

# CAP_NET_ADMIN, CAP_NET_RAW, and CAP_SETUID and CAP_SETGID (with which
# root would become the DNS forwarder's user).
net_caps=$(((1 << 12) | (1 << 13) | (1 << 7) | (1 << 6)))

# Controls: where nothing is dropped, each probe gets what the job must not.
for kind in packet inet inet6; do
	expect "control: root opens a raw $kind socket" in_ns perl "$tmp/raw.pl" $kind
done
nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
expect "control: nobody is root through the setuid copy" \
	[ "$(in_ns "${nobody[@]}" "$tmp/suid-id" -u)" = 0 ]
expect "control: nobody opens a packet socket through the file capability" \
	in_ns "${nobody[@]}" "$tmp/fcap-perl" "$tmp/raw.pl" packet
cat /proc/self/status >"$tmp/own.status"
expect "control: this shell has both capabilities in its bounding set" \
	[ $(($(cap CapBnd "$tmp/own.status") & net_caps)) -eq "$net_caps" ]

# 1. A harmless job: the apply's ruleset, for comparison; the job's exit
# status comes through.
entry "$tmp/out" "$tmp/entry.log" true
exit_is "entrypoint, job 'true'" 0 "$tmp/entry.log"
in_ns nft list ruleset >"$tmp/applied.ruleset"
expect "the policy is loaded (not the closed table)" grep -q '198\.51\.100\.0/24' "$tmp/applied.ruleset"

# 2. The hostile job.
mkdir "$tmp/job"
entry "$tmp/out" "$tmp/entry.log" "$tmp/job.sh" "$tmp/job"
exit_is "entrypoint, the job's exit status" 7 "$tmp/entry.log"
expect "the job ran" [ -e "$tmp/job/ran" ]

failed delete "nft delete table inet egressc" 'Operation not permitted'
failed flush "nft flush ruleset" 'Operation not permitted'
failed userns "nft delete table from a new user namespace" 'in a user namespace'
expect "job: nft in a new user namespace: operation not permitted" grep -q 'Operation not permitted' "$tmp/job/userns.out"
in_ns nft list ruleset >"$tmp/after.ruleset"
if cmp -s "$tmp/applied.ruleset" "$tmp/after.ruleset"; then
	ok
else
	bad "the ruleset after the job is not the applied one"
	diff -u "$tmp/applied.ruleset" "$tmp/after.ruleset" | head -20 | indent
fi
expect "the table is still there" grep -q '^table inet egressc {' "$tmp/after.ruleset"

failed packet "a packet socket" 'Operation not permitted'
failed inet "a raw IPv4 socket" 'Operation not permitted'
failed inet6 "a raw IPv6 socket" 'Operation not permitted'

if [ -s "$tmp/job/status" ]; then
	for set in CapBnd CapPrm CapEff CapInh CapAmb; do
		expect "job: $set has none of CAP_NET_ADMIN, CAP_NET_RAW, CAP_SETUID, CAP_SETGID" \
			[ $(($(cap $set "$tmp/job/status") & net_caps)) -eq 0 ]
	done
	expect "job: every other capability stays in its bounding set" \
		[ "$(cap CapBnd "$tmp/job/status")" -eq $(($(cap CapBnd "$tmp/own.status") & ~net_caps)) ]
	expect "job: NoNewPrivs is set" grep -qx 'NoNewPrivs:[[:space:]]*1' "$tmp/job/status"
else
	bad "job: no /proc/self/status copy"
fi

failed forwarder "becoming the DNS forwarder's user (dnsmasq)" 'Operation not permitted'

# 2b. The same job as nobody (EGRESSC_JOB_USER): no setuid-root binary or
# file capability gives anything back.
rm -rf "$tmp/job"
mkdir "$tmp/job"
chmod 777 "$tmp/job"
EGRESSC_JOB_USER=nobody entry "$tmp/out" "$tmp/entry.log" "$tmp/job.sh" "$tmp/job"
exit_is "entrypoint, job as nobody: the job's exit status" 7 "$tmp/entry.log"
expect "job as nobody: it is nobody" [ "$(cat "$tmp/job/uid.out" 2>/dev/null)" = 65534 ]
suid=$(cat "$tmp/job/suid.out" 2>/dev/null)
expect "job as nobody: the setuid-root binary leaves it nobody (got '$suid')" [ "$suid" = 65534 ]
failed fcap "as nobody, a packet socket through a file capability" 'Operation not permitted'
failed delete "as nobody, nft delete table inet egressc" 'Operation not permitted'
failed forwarder "as nobody, becoming the DNS forwarder's user" 'Operation not permitted'

# 3. A failed apply: the closed table stays, the job never runs.
rm -rf "$tmp/job"
mkdir "$tmp/job"
entry "$tmp/bad" "$tmp/entry.log" "$tmp/job.sh" "$tmp/job"
if [ "$rc" -ne 0 ] && [ "$rc" -ne 7 ]; then ok; else
	bad "entrypoint, broken ruleset: exit $rc"
	head -10 "$tmp/entry.log" | indent
fi
expect "broken ruleset: the job did not run" [ ! -e "$tmp/job/ran" ]
in_ns nft list table inet egressc >"$tmp/closed" 2>&1
expect "broken ruleset: the closed table (output, policy drop)" \
	grep -q 'type filter hook output priority filter; policy drop;' "$tmp/closed"
expect "broken ruleset: not the policy" [ -z "$(grep '198\.51\.100\.0/24' "$tmp/closed")" ]

testlib_finish
