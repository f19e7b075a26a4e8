#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Installs the Debian 12 packages egressc needs, and only those missing.
#   scripts/deps.sh          to build egressc
#   scripts/deps.sh --test   to build it and run its tests
#   scripts/deps.sh --bench  to build it and run make bench
# Nothing is fetched when everything is already installed, so a prepared
# machine works offline.
set -eu

build="make gcc libc6-dev pkg-config flex bison libnftables-dev libc-ares-dev"
test="libcmocka-dev dnsmasq-base nftables iptables ipset iproute2 bind9-dnsutils diffutils clang-14 libclang-rt-14-dev valgrind libcap2-bin
      debhelper dpkg-dev fakeroot docker.io busybox-static git python3-prometheus-client publicsuffix"

bench="nftables iptables ipset iproute2 iprange time iperf3 dnsmasq-base"

want=$build
[ "${1:-}" = --test ] && want="$build $test"
[ "${1:-}" = --bench ] && want="$build $bench"

missing=""
for pkg in $want; do
	if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $pkg"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing; run as root to install them" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# The tests start daemons (dnsmasq, dockerd) in namespaces of their own;
# installing them must not start them on this machine, where dockerd would
# change its firewall. policy-rc.d says no to service starts while
# packages install, unless this machine has one of its own already.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
