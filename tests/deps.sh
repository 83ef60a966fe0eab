#!/bin/sh
# Installs the Debian packages rrkit needs to build and test.
# Does nothing (and touches no network) when everything is already there.
# Works with standard input closed (CI).
set -eu

# musl-tools: musl-gcc for the static tools; libzstd-dev: libzstd.a and
# headers; linux-libc-dev: kernel UAPI headers; gcc/make/binutils: the build
# and the glibc test programs; bats/shellcheck: the test suite and lint;
# file: tests inspect binaries; python3/perl/sqlite3: programs recorded by
# the acceptance tests; coreutils: timeout, seq, sort, od, sha256sum;
# diffutils: cmp; procps: ps/pgrep; bsdutils: script (terminal test);
# gdb: play --gdb and its tests (tests/gdb.bats); libzycore-dev: the
# headers of Zycore, under the Zydis decoder that tests/zydis.sh fetches
# (lib/ptrace/sites.c); xz-utils, tar: a two-thread compression (tests/trees.bats);
# libasan8, libubsan1: a sanitizer build (tests/record_replay.bats; gcc's
# own dependencies, named so that a missing one is installed); nodejs,
# golang-go, cargo: language runtimes (tests/runtimes.bats).
PKGS="musl-tools libzstd-dev linux-libc-dev gcc make binutils bats shellcheck
file python3 perl sqlite3 coreutils diffutils procps bsdutils gdb libzycore-dev
xz-utils tar libasan8 libubsan1 nodejs golang-go cargo"

# shellcheck disable=SC2086 # PKGS is a list of package names
exec sh "$(dirname "$0")/install-packages.sh" rrkit $PKGS
