#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers and bats set rec_status, play_status, stderr; sh -c scripts are single-quoted on purpose
bats_require_minimum_version 1.5.0
# play compares registers at every event: a trace that no longer matches
# the program's execution is reported as a divergence (exit 125).

load helpers

setup() {
	rrk_setup
	TAMPER=tests/tools/bin/tamper
}

@test "a changed syscall result makes the replay diverge, with a report" {
	record tests/progs/bin/files
	[ "$rec_status" -eq 0 ]
	# The program's own temporary file: make its open fail in replay.
	local n
	n=$(bin/tracecat "$T" | awk '/openat\(AT_FDCWD, "\/tmp\/rrkit-files/ { print $1; exit }')
	[ -n "$n" ]
	"$TAMPER" --result "$n" -2 <"$T" >"$T.bad"
	run --separate-stderr timeout 60 bin/play "$T.bad"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "${stderr_lines[0]}" == "play: divergence at event "* ]]
	[[ "$stderr" == *expected:* ]]
	[[ "$stderr" == *actual:* ]]
}

@test "changed recorded registers are reported with the register name" {
	record tests/progs/bin/hello_time
	[ "$rec_status" -eq 0 ]
	local n
	n=$(bin/tracecat "$T" | awk '/ getpid\(/ { print $1; exit }')
	[ -n "$n" ]
	"$TAMPER" --rbx "$n" <"$T" >"$T.bad"
	run --separate-stderr timeout 60 bin/play "$T.bad"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "${stderr_lines[0]}" == "play: divergence at event $n (syscall getpid, tid "*"rbx expected"* ]]
}
