#!/bin/sh
# Installs the Debian packages `make bench` needs: those to build the tools
# and the benchmark programs, and the programs the benchmarks run.
# Does nothing (and touches no network) when everything is already there.
# Works with standard input closed (CI).
set -eu

# musl-tools/libzstd-dev/linux-libc-dev/make/binutils: build the tools;
# gcc: the benchmark programs and the generated 50-file project;
# strace, gdb: the comparison columns; tar, findutils, python3: workloads;
# coreutils: date, timeout, sort, stat, nproc; gawk or mawk provide awk;
# libzycore-dev: headers under the Zydis decoder (tests/zydis.sh).
PKGS="musl-tools libzstd-dev linux-libc-dev gcc make binutils strace gdb tar
findutils python3 coreutils libzycore-dev"

if ! command -v awk >/dev/null 2>&1; then
	PKGS="$PKGS mawk"
fi
# shellcheck disable=SC2086 # PKGS is a list of package names
exec sh "$(dirname "$0")/../tests/install-packages.sh" "rrkit bench" $PKGS
