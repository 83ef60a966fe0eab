#!/bin/sh
# sh tests/install-packages.sh LABEL PACKAGE...: installs the Debian
# packages of the list that are missing (as root; otherwise says what to
# run). Does nothing (and touches no network) when all are there. Works
# with standard input closed (CI). Used by tests/deps.sh and bench/deps.sh.
set -eu
label=$1
shift

missing=
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="${missing:+$missing }$p"
	fi
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "$label: missing packages: $missing; run: sudo apt-get install $missing" >&2
	exit 1
fi

echo "$label: installing missing packages: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
# $missing is a space-separated list of package names: split it on purpose.
# shellcheck disable=SC2086
apt-get update </dev/null && apt-get install -y --no-install-recommends $missing </dev/null
