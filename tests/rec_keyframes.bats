#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers set rec_status, play_status; sh -c scripts are single-quoted on purpose
# rec --keyframe-interval (issue 5): keyframes written while recording, by
# a replay of the trace as it is written. The trace replays as one without
# them would, and play --goto starts from the keyframe before its event.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	rrk_setup
	P=$ROOT/tests/progs/bin
}


# record_keyframes K CMD...: rec --keyframe-interval K, then checks that a
# keyframe stands before every K-th event (or a note says why not), that
# play prints what the program printed with its status, and that
# play --goto at 5 points starts from the keyframe before the point and
# prints the output of the events from there.
record_keyframes() {
	local k=$1
	shift
	rec_status=0
	timeout "$RRK_TIMEOUT" "$ROOT/bin/rec" --keyframe-interval "$k" -o "$T" -- "$@" \
		>"$OUT1" 2>"$ERR1" </dev/null || rec_status=$?
	replay
	show_run
	[ "$play_status" -eq "$rec_status" ]
	cmp "$OUT1" "$OUT2"
	"$ROOT/bin/tracesum" "$T" >/dev/null
	local total made noted last
	total=$(last_event "$T")
	made=$("$ROOT/bin/tracecat" "$T" | grep -c "^# keyframe event=")
	# every keyframe is at a multiple of k, right before its event
	"$ROOT/bin/tracecat" "$T" | awk -v k="$k" '
		/^# keyframe event=/ { split($3, a, "="); want = a[2]; if (want % k) exit 1; next }
		want { if ($1 != want) exit 1; want = 0 }'
	noted=$(grep -c '^rec: note: no keyframe before event' "$ERR1" || true)
	# the events before which only exits follow get none, silently
	last=$("$ROOT/bin/tracecat" "$T" | awk '!/^#/ && !/ exit / { n = $1 } END { print n }')
	echo "events $total keyframes $made notes $noted last-non-exit $last"
	[ "$made" -ge 3 ]
	[ "$((made + noted))" -ge $(((last - 1) / k)) ]
	[ "$((made + noted))" -le $(((total - 1) / k)) ]
	"$ROOT/bin/tracesum" --stats "$T" | grep -q "^keyframe count: *$made\$"
	local all n i first kf
	all=$(stdout_bytes_upto "$T" "$total")
	for i in 1 2 3 4 5; do
		n=$((k + 1 + (total - k - 4) * i / 5))
		# the replay starts at the last keyframe at or before n
		first=$(RRK_DEBUG=1 "$ROOT/bin/play" --goto "$n" "$T" 2>&1 >/dev/null |
			awk '/^replay: event/ { print $3; exit }')
		# the last keyframe at or before n
		kf=$("$ROOT/bin/tracecat" "$T" | awk -v n="$n" '/^# keyframe event=/ {
			split($3, a, "="); if (a[2] + 0 <= n + 0) k = a[2] } END { print k + 0 }')
		echo "goto $n: replay starts at event $first (keyframe $kf)"
		[ "$kf" -gt 1 ]
		[ "$first" -eq "$kf" ]
		"$ROOT/bin/play" --goto "$n" "$T" >"$BATS_TEST_TMPDIR/after" 2>/dev/null || true
		tail -c "$((all - $(stdout_bytes_upto "$T" $((n - 1)))))" "$OUT2" |
			cmp - "$BATS_TEST_TMPDIR/after"
	done
}

@test "rec --keyframe-interval: a single-threaded program" {
	record_keyframes 20 "$P/many_syscalls"
}

@test "rec --keyframe-interval: a multi-threaded program" {
	record_keyframes 20 "$P/threads_pc"
}

@test "rec --keyframe-interval: a process tree (a shell pipeline)" {
	record_keyframes 40 sh -c 'for i in 1 2 3; do echo "line $i"; /bin/echo "child $i"; done; seq 1 500 | sort -rn | head -3'
}

@test "rec --keyframe-interval: streams to play and tracecat through pipes" {
	run bash -c 'timeout "$1" bin/rec --keyframe-interval 30 "$2" 2>/dev/null | timeout "$1" bin/play - 2>&1' \
		_ "$RRK_TIMEOUT" "$P/threads_pc"
	[ "$status" -eq 0 ]
	[[ "$output" == *"total 2000 checksum"* ]]
	run bash -c 'timeout "$1" bin/rec --keyframe-interval 30 "$2" 2>/dev/null | bin/tracecat - | grep -c "^# keyframe"' \
		_ "$RRK_TIMEOUT" "$P/threads_pc"
	[ "$output" -ge 3 ]
}

@test "rec --keyframe-interval: tracecut and gdb use the recorded keyframes" {
	record_keyframes 25 "$P/gdb_threads"
	local made
	made=$("$ROOT/bin/tracecat" "$T" | awk '/^# keyframe event=/ { split($3, a, "="); print a[2] }' | sed -n 2p)
	# a cut there copies the keyframe instead of replaying
	"$ROOT/bin/tracecut" --from "$made" "$T" >"$BATS_TEST_TMPDIR/cut.trace"
	[ "$("$ROOT/bin/play" "$BATS_TEST_TMPDIR/cut.trace" 2>&1)" = "$("$ROOT/bin/play" --goto "$made" "$T" 2>&1)" ]
	printf 'monitor goto %s\nmonitor when\nbreak worker3\ncontinue\nbt\n' "$made" >"$BATS_TEST_TMPDIR/s.gdb"
	gdb_batch "$T" "$BATS_TEST_TMPDIR/s.gdb"
	cat "$GOUT"
	grep -q "^Current event: $made\$" "$GOUT"
	grep -q '^#0 .*worker3' "$GOUT"
}

@test "rec --keyframe-interval: Ctrl-C keeps the whole trace, with its keyframes" {
	local d=$BATS_TEST_TMPDIR
	interrupt_rec --keyframe-interval 5
	cat "$d/err"
	[ ! -s "$d/err" ]
	interrupted_trace_ok
	[[ "$output" == *"# keyframe event=5 "* ]]
	# nothing is left running
	run ! pgrep -f "$ROOT/tests/progs/bin/slow 30"
}

@test "rec --keyframe-interval: bad values, a full disk and a closed pipe give one line" {
	for v in 0 x -3 ''; do
		run --separate-stderr bin/rec --keyframe-interval "$v" true
		[ "$status" -eq 125 ]
		[[ "$stderr" == "rec: --keyframe-interval "* ]]
		[ "${#stderr_lines[@]}" -eq 1 ]
	done
	run --separate-stderr timeout 20 bin/rec --keyframe-interval 3 -o /dev/full "$P/hello_time"
	[ "$status" -eq 125 ]
	[ "$stderr" = "rec: writing trace to /dev/full: No space left on device" ]
	run bash -c 'timeout 20 bin/rec --keyframe-interval 3 ls -la /usr/lib 2>"$1" | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$BATS_TEST_TMPDIR/err"
	[ "$output" = 125 ]
	[ "$(grep -c '^rec: ' "$BATS_TEST_TMPDIR/err")" -eq 1 ]
	grep -q '^rec: writing trace to stdout: Broken pipe' "$BATS_TEST_TMPDIR/err"
}

@test "rec --keyframe-interval: a replay that diverges ends the keyframes, not the trace" {
	# The program polls a byte of a file it maps shared, which the test
	# changes: a write rec cannot record, so the keyframer's replay polls
	# on past the recording and diverges. rec must keep every record.
	local d=$BATS_TEST_TMPDIR
	printf 0 >"$d/flag"
	timeout "$RRK_TIMEOUT" "$ROOT/bin/rec" --keyframe-interval 10 -o "$T" -- "$P/shared_poll" "$d/flag" \
		>"$OUT1" 2>"$ERR1" </dev/null &
	local pid=$! i
	# (the program says "waiting" once it has read the '0' under rec)
	for i in $(seq "$((RRK_TIMEOUT * 20))"); do
		grep -q waiting "$OUT1" && break
		sleep 0.05
	done
	if ! grep -q waiting "$OUT1"; then
		kill "$pid"
		false
	fi
	# (in place: truncating the file first would fault the program's
	# access to the mapping, SIGBUS, when it reads at that moment)
	printf 1 | dd of="$d/flag" conv=notrunc status=none
	rec_status=0
	wait "$pid" || rec_status=$?
	cat "$ERR1"
	[ "$rec_status" -eq 0 ]
	grep -q '^changed after' "$OUT1"
	grep -q '^rec: note: no keyframes after event [0-9]*: replaying the recording failed (divergence at event ' "$ERR1"
	run "$ROOT/bin/tracesum" "$T"
	[ "$status" -eq 0 ]
	run "$ROOT/bin/tracecat" "$T"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == *"exit status=0"* ]]
}
