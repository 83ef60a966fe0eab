# Shared helpers for the bats tests. Loaded with `load helpers`.
# shellcheck shell=bash

# Every rec/play call runs under this limit, so a hung engine fails the
# test instead of hanging CI.
RRK_TIMEOUT=${RRK_TIMEOUT:-120}

rrk_setup() {
	cd "$BATS_TEST_DIRNAME/.." || return 1
	T=$BATS_TEST_TMPDIR/t.trace
	OUT1=$BATS_TEST_TMPDIR/out1 # program's stdout at record time
	ERR1=$BATS_TEST_TMPDIR/err1 # rec's stderr (program's stderr + rec's messages)
	OUT2=$BATS_TEST_TMPDIR/out2 # play's stdout
	ERR2=$BATS_TEST_TMPDIR/err2 # play's stderr
	ROOT=$PWD
	export T OUT1 ERR1 OUT2 ERR2 ROOT
}

# record CMD [ARGS...]: bin/rec -o $T CMD > $OUT1 2> $ERR1; sets rec_status.
record() {
	rec_status=0
	timeout "$RRK_TIMEOUT" "$ROOT/bin/rec" -o "$T" -- "$@" >"$OUT1" 2>"$ERR1" </dev/null ||
		rec_status=$?
}

# replay [PLAY-OPTIONS...]: bin/play [OPTS] $T > $OUT2 2> $ERR2; sets play_status.
# Options are optional, hence:
# shellcheck disable=SC2120
replay() {
	play_status=0
	timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$@" "$T" >"$OUT2" 2>"$ERR2" </dev/null ||
		play_status=$?
}

# Prints what happened; bats shows it only when the test fails.
show_run() {
	echo "rec status: ${rec_status-unset}  play status: ${play_status-unset}"
	echo "--- rec stderr (first 20 lines):"
	head -n 20 "$ERR1" 2>/dev/null || true
	echo "--- play stderr (first 20 lines):"
	head -n 20 "$ERR2" 2>/dev/null || true
	echo "--- stdout sizes: record $(wc -c <"$OUT1" 2>/dev/null) replay $(wc -c <"$OUT2" 2>/dev/null)"
}

# Lines of FILE that are not rec's or play's own messages ("rec: ...").
program_lines() {
	grep -v -e '^rec: ' -e '^play: ' "$1" || true
}

# record_replay STATUS CMD [ARGS...]: records CMD, replays the trace and
# checks that rec exited with STATUS, play with the same status, and that
# the replay printed exactly what the program printed.
record_replay() {
	local want=$1
	shift
	record "$@"
	replay
	show_run
	[ "$rec_status" -eq "$want" ]
	[ "$play_status" -eq "$rec_status" ]
	cmp "$OUT1" "$OUT2"
	# The program's stderr too, without rec's and play's own messages.
	program_lines "$ERR1" >"$BATS_TEST_TMPDIR/perr1"
	program_lines "$ERR2" >"$BATS_TEST_TMPDIR/perr2"
	cmp "$BATS_TEST_TMPDIR/perr1" "$BATS_TEST_TMPDIR/perr2"
}
