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

# tamper_and_play EVENT-PATTERN TAMPER-OPTION [VALUE]: finds the first
# event of the recorded $T whose tracecat line matches the awk pattern,
# changes it with the tamper tool and replays: play must diverge (125).
# Sets n to that event's number.
tamper_and_play() {
	n=$(bin/tracecat "$T" | awk "$1 { print \$1; exit }")
	[ -n "$n" ]
	"$TAMPER" "$2" "$n" "${@:3}" <"$T" >"$T.bad"
	run --separate-stderr timeout 60 bin/play "$T.bad"
	echo "$stderr"
	[ "$status" -eq 125 ]
}

@test "a changed syscall result makes the replay diverge, with a report" {
	# (a traced open: the tamper tool changes events, not buffered records)
	REC_OPTS=--no-syscallbuf record tests/progs/bin/files
	[ "$rec_status" -eq 0 ]
	# The program's own temporary file: make its open fail in replay.
	tamper_and_play '/openat\(AT_FDCWD, "\/tmp\/rrkit-files/' --result -2
	[[ "${stderr_lines[0]}" == "play: divergence at event "* ]]
	[[ "$stderr" == *expected:* ]]
	[[ "$stderr" == *actual:* ]]
}

@test "changed recorded registers are reported with the register name" {
	REC_OPTS=--no-syscallbuf record tests/progs/bin/hello_time
	[ "$rec_status" -eq 0 ]
	tamper_and_play '/ getpid\(/' --rbx
	[[ "${stderr_lines[0]}" == "play: divergence at event $n (syscall getpid, tid "*"rbx expected"* ]]
}
