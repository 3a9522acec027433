#!/bin/sh
# Installs the Debian packages the build, tests, demo and benchmarks need,
# when they are missing.  Idempotent and quiet when everything is there.
set -e
PKGS="build-essential pkg-config libsctp-dev lksctp-tools libcmocka-dev bats clang
libclang-rt-dev libusrsctp-examples libusrsctp-dev tshark libssl-dev iproute2 xinetd telnet socat ncat
iperf3 curl python3 procps openssh-server openssh-client postgresql nginx redis-server
redis-tools git nftables stress-ng sip-tester erlang-base erlang-diameter osmo-stp kamailio
kamailio-sctp-modules default-jdk-headless"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
		echo "deps: missing packages:$missing; run as root or install them" >&2
		exit 1
	fi
fi
export DEBIAN_FRONTEND=noninteractive
# Installing openssh-server, postgresql, nginx, redis-server or kamailio
# starts the service on its default port; the tests run their own on test
# ports and must neither depend on nor collide with one.  Debian's way to keep
# maintainer scripts from starting services: a policy-rc.d that exits 101
# (invoke-rc.d(8)), here only for the install, unless one is already there.
POLICY=/usr/sbin/policy-rc.d
if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# withsctp tests/deps.sh: no service starts during the install\nexit 101\n' |
		$SUDO tee "$POLICY" >/dev/null
	$SUDO chmod 755 "$POLICY"
	trap '$SUDO rm -f "$POLICY"' EXIT
	trap 'exit 1' INT TERM HUP
fi
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
