#!/bin/sh
# Installs the Debian packages `make bench` needs: those to build the tools
# and the benchmark programs, and the programs the benchmarks run.
# Does nothing (and touches no network) when everything is already there.
# Works with standard input closed (CI).
set -eu

# musl-tools/libzstd-dev/linux-libc-dev/make/binutils: build the tools;
# gcc: the benchmark programs and the generated 50-file project;
# strace, gdb: the comparison columns; tar, findutils, python3: workloads;
# coreutils: date, timeout, sort, stat, nproc; gawk or mawk provide awk.
PKGS="musl-tools libzstd-dev linux-libc-dev gcc make binutils strace gdb tar
findutils python3 coreutils"

missing=
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
		missing="${missing:+$missing }$p"
	fi
done
if ! command -v awk >/dev/null 2>&1; then
	missing="${missing:+$missing }mawk"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "rrkit bench: missing packages: $missing; run: sudo apt-get install $missing" >&2
	exit 1
fi

echo "rrkit bench: installing missing packages: $missing" >&2
export DEBIAN_FRONTEND=noninteractive
# $missing is a space-separated list of package names: split it on purpose.
# shellcheck disable=SC2086
apt-get update </dev/null && apt-get install -y --no-install-recommends $missing </dev/null
