#!/usr/bin/env bats
# shellcheck disable=SC2154 # helpers set OUT2, T
# Language runtimes (issue 17): node, Go and Rust (cargo) programs record
# and replay identically, three recordings each. The programs are in tests/runtimes/;
# tests/deps.sh installs the toolchains. (Java is not here yet: 1 in 10 of
# its recordings, 4 in 10 without the syscall buffer, diverge at a
# preemption inside JIT code; doc/design.md, "Known gaps".)

load helpers

setup() {
	rrk_setup
	R=$ROOT/tests/runtimes
}

# three_times WANT-FILE CMD...: records and replays CMD three times; each
# replay's output is the expected text.
three_times() {
	local want=$1 _
	shift
	for _ in 1 2 3; do
		record_replay 0 "$@"
		cmp "$want" "$OUT2"
	done
}

@test "node -e style script: timers, a Promise, a worker thread and fs" {
	printf '%s\n' 'fs lines 2' 'worker sum 2999997' 'timer fired' 'done' >"$BATS_TEST_TMPDIR/want"
	three_times "$BATS_TEST_TMPDIR/want" node "$R/node_all.js"
}

@test "a Go program with eight goroutines" {
	cd "$BATS_TEST_TMPDIR"
	HOME=$BATS_TEST_TMPDIR GOCACHE=$BATS_TEST_TMPDIR/gocache go build -o goroutines "$R/goroutines.go"
	echo "goroutines 8 total 4399982 GOMAXPROCS $(nproc)" >want
	three_times want ./goroutines
}

@test "cargo build --offline of a small crate, then its four-thread binary, in one recording" {
	cp -r "$R/crate" "$BATS_TEST_TMPDIR/crate"
	cd "$BATS_TEST_TMPDIR/crate"
	echo 'hello from rust, total 499999' >want
	local _
	for _ in 1 2 3; do
		rm -rf target
		record_replay 0 sh -c 'cargo build --offline -q && ./target/debug/hello'
		cmp want "$OUT2"
	done
}
