#!/bin/sh
# Installs the Debian packages the build, tests, demo and benchmarks need,
# when they are missing.  Idempotent and quiet when everything is there.
set -e
PKGS="build-essential pkg-config libsctp-dev lksctp-tools libcmocka-dev bats clang
libclang-rt-dev libusrsctp-examples tshark libssl-dev iproute2 xinetd telnet socat ncat
iperf3 curl python3 procps"
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
$SUDO apt-get update -q >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null
