#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers and bats set rec_status, play_status, stderr; sh -c scripts are single-quoted on purpose
# Traces are streams: readable while rec writes them, and readable up to
# the last complete frame when rec dies.

load helpers

setup() {
	rrk_setup
}

# waits up to 20 s for FILE to contain PATTERN
wait_for() {
	for _ in $(seq 1 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

@test "tracecat sees events through a pipe while rec is still running" {
	(timeout 60 bin/rec tests/progs/bin/slow 4 2>/dev/null |
		timeout 60 bin/tracecat - >"$BATS_TEST_TMPDIR/cat") &
	# The program's first write is on the pipe long before it exits.
	wait_for "$BATS_TEST_TMPDIR/cat" 'write(1, "tick'
	run grep -c tock "$BATS_TEST_TMPDIR/cat"
	[ "$output" = 0 ]
	wait
	grep -q 'write(1, "tock' "$BATS_TEST_TMPDIR/cat"
	grep -q ' exit status=0' "$BATS_TEST_TMPDIR/cat"
}

@test "a trace whose recorder was killed is readable up to its last frame" {
	timeout 60 bin/rec -o "$T" tests/progs/bin/slow 30 >/dev/null 2>&1 &
	local pid=$!
	# rec flushes a frame at least every second
	for _ in $(seq 1 100); do
		timeout 10 bin/tracecat "$T" 2>/dev/null | grep -q 'write(1, "tick' && break
		sleep 0.2
	done
	kill -KILL "$pid"
	wait "$pid" || true
	run timeout 20 bin/tracecat "$T"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'write(1, "tick'* ]]
	[[ "$output" == *incomplete* ]]
	run timeout 20 bin/tracesum "$T"
	[ "$status" -ne 0 ]
	[[ "$output" == *incomplete* ]]
	run timeout 20 bin/play "$T"
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" == *tick* ]]
	[[ "$output" == *incomplete* ]]
}

@test "Ctrl-C during rec: the program dies of SIGINT, the trace is complete and replays" {
	# A terminal sends SIGINT to the whole foreground process group.
	interrupt_rec
	interrupted_trace_ok
}
