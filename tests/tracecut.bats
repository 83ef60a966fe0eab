#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers set rec_status, play_status; sh -c scripts are single-quoted on purpose
# tracecut (issue 5, first part): cutting the end off a trace. A cut at
# event M replays exactly the output the full replay produced up to M.

load helpers

setup() {
	rrk_setup
	P=$ROOT/tests/progs/bin
	CUT=$BATS_TEST_TMPDIR/cut.trace
}


# cut_everywhere: records "$@", replays it, then cuts at 10 points spread
# over the trace and checks each cut's replay against the full one.
cut_everywhere() {
	record "$@"
	replay
	[ "$play_status" -eq "$rec_status" ]
	cmp "$OUT1" "$OUT2"
	local total m k
	total=$(last_event "$T")
	for k in 1 2 3 4 5 6 7 8 9 10; do
		m=$((total * k / 10))
		[ "$m" -ge 1 ] || m=1
		timeout "$RRK_TIMEOUT" "$ROOT/bin/tracecut" --to "$m" "$T" >"$CUT"
		"$ROOT/bin/tracesum" "$CUT" >/dev/null # a valid trace
		run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT"
		echo "cut at $m of $total: status $status"
		if [ "$m" -eq "$total" ]; then
			# the whole trace: the program's own end and status
			[ "$status" -eq "$rec_status" ]
		else
			[ "$status" -eq 0 ]
		fi
		timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT" >"$BATS_TEST_TMPDIR/cut.out" 2>/dev/null || true
		head -c "$(stdout_bytes_upto "$T" "$m")" "$OUT2" | cmp - "$BATS_TEST_TMPDIR/cut.out"
	done
}

# cut_from_everywhere: records "$@", then cuts --from 10 points spread
# over the trace (and, for some, --to as well) and checks each cut's replay
# against the full one: the output produced from event N on.
cut_from_everywhere() {
	record "$@"
	replay
	[ "$play_status" -eq "$rec_status" ]
	cmp "$OUT1" "$OUT2"
	local total m n k all before upto
	total=$(last_event "$T")
	all=$(stdout_bytes_upto "$T" "$total")
	for k in 1 2 3 4 5 6 7 8 9 10; do
		# 10 points from the start to the last event before the exits
		n=$((2 + (total - 4) * k / 10))
		# (no keyframe can be made half way through a vfork: the next event)
		while ! timeout "$RRK_TIMEOUT" "$ROOT/bin/tracecut" --from "$n" "$T" >"$CUT" 2>"$BATS_TEST_TMPDIR/cut.err"; do
			cat "$BATS_TEST_TMPDIR/cut.err"
			grep -q 'in the middle of a vfork' "$BATS_TEST_TMPDIR/cut.err"
			n=$((n + 1))
		done
		"$ROOT/bin/tracesum" --stats "$CUT" | grep -q "^event range: *$n to $total\$"
		"$ROOT/bin/tracecat" "$CUT" | head -n 1 | grep -q "^# keyframe event=$n "
		run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT"
		echo "cut from $n of $total: status $status ${lines[*]: -1}"
		[ "$status" -eq "$rec_status" ]
		timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT" >"$BATS_TEST_TMPDIR/cut.out" 2>/dev/null || true
		before=$(stdout_bytes_upto "$T" $((n - 1)))
		tail -c "$((all - before))" "$OUT2" | cmp - "$BATS_TEST_TMPDIR/cut.out"
		# and a window: from n to half way to the end
		m=$(((n + total) / 2))
		[ "$m" -lt "$total" ] || continue
		timeout "$RRK_TIMEOUT" "$ROOT/bin/tracecut" --from "$n" --to "$m" "$T" >"$CUT"
		run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT"
		[ "$status" -eq 0 ]
		timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT" >"$BATS_TEST_TMPDIR/cut.out" 2>/dev/null || true
		upto=$(stdout_bytes_upto "$T" "$m")
		head -c "$upto" "$OUT2" | tail -c "$((upto - before))" | cmp - "$BATS_TEST_TMPDIR/cut.out"
	done
}

@test "tracecut --from: a single-threaded program, cut at 10 points" {
	cut_from_everywhere "$P/gdb_basic"
}

@test "tracecut --from: a multi-threaded program, cut at 10 points" {
	cut_from_everywhere "$P/threads_pc"
}

@test "tracecut --from: a process tree, cut at 10 points" {
	cut_from_everywhere sh -c 'for i in 1 2 3; do echo "line $i"; /bin/echo "child $i"; done; seq 1 5 | sort -rn'
}

@test "tracecut --to: a single-threaded program, cut at 10 points" {
	cut_everywhere "$P/gdb_basic"
}

@test "tracecut --to: a multi-threaded program, cut at 10 points" {
	cut_everywhere "$P/threads_pc"
}

@test "tracecut --to: a process tree, cut at 10 points" {
	cut_everywhere sh -c 'for i in 1 2 3; do echo "line $i"; /bin/echo "child $i"; done; seq 1 5 | sort -rn'
}

@test "tracecut: the end record says where the cut is; tracecat and tracesum show it" {
	record "$P/gdb_basic"
	"$ROOT/bin/tracecut" --to 40 "$T" >"$CUT"
	run "$ROOT/bin/tracecat" --header "$CUT"
	grep -q '^# end: cut events=40 reason="cut after event 40 by tracecut"$' <<<"$output"
	[ "$(grep -c '^[0-9]' <<<"$output")" -eq 40 ]
	run "$ROOT/bin/tracesum" --stats "$CUT"
	grep -q '^events: *40$' <<<"$output"
	grep -q '^end: *cut: cut after event 40 by tracecut$' <<<"$output"
	run "$ROOT/bin/play" "$CUT"
	[ "$status" -eq 0 ]
	grep -q '^play: the trace ends at event 40 (cut after event 40 by tracecut); replayed all of it$' <<<"$output"
}

@test "tracecut: cuts compose, read pipes, and replay without the program's files" {
	cp "$P/gdb_basic" "$BATS_TEST_TMPDIR/prog"
	record "$BATS_TEST_TMPDIR/prog"
	rm "$BATS_TEST_TMPDIR/prog"
	"$ROOT/bin/tracecut" --to 44 "$T" | "$ROOT/bin/tracecut" --to 40 - >"$CUT"
	"$ROOT/bin/tracecut" --to 40 "$T" >"$BATS_TEST_TMPDIR/direct.trace"
	[ "$("$ROOT/bin/tracesum" "$CUT" | cut -d' ' -f1)" = "$("$ROOT/bin/tracesum" "$BATS_TEST_TMPDIR/direct.trace" | cut -d' ' -f1)" ]
	run "$ROOT/bin/play" "$CUT"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^i=' <<<"$output")" -eq "$(head -c "$(stdout_bytes_upto "$T" 40)" "$OUT1" | grep -c '^i=')" ]
	# --from cuts compose too: 30..46 then 35..44 is 35..44
	"$ROOT/bin/tracecut" --from 30 --to 46 "$T" | "$ROOT/bin/tracecut" --from 35 --to 44 - >"$CUT"
	run "$ROOT/bin/tracesum" --stats "$CUT"
	grep -q '^event range: *35 to 44$' <<<"$output"
	run "$ROOT/bin/play" "$CUT"
	[ "$status" -eq 0 ]
	"$ROOT/bin/tracecut" --from 35 --to 44 "$T" >"$BATS_TEST_TMPDIR/direct.trace"
	[ "$("$ROOT/bin/play" "$CUT" 2>/dev/null)" = "$("$ROOT/bin/play" "$BATS_TEST_TMPDIR/direct.trace" 2>/dev/null)" ]
	# a cut of a cut at its own first event keeps its keyframe
	"$ROOT/bin/tracecut" --from 35 "$CUT" >"$BATS_TEST_TMPDIR/again.trace"
	[ "$("$ROOT/bin/tracecat" "$BATS_TEST_TMPDIR/again.trace" | grep -c '^# keyframe event=35 ')" -eq 1 ]
	# without --to: the whole trace, its status and output
	"$ROOT/bin/tracecut" <"$T" >"$CUT"
	run "$ROOT/bin/play" -q "$CUT"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# tracecut's messages, without the trace it may have begun to write
cut_err() {
	{ "$ROOT/bin/tracecut" "$@" >/dev/null; } 2>&1
}

@test "tracecut: bad uses and bad traces give one clear line" {
	record "$P/gdb_basic"
	local total
	total=$(last_event "$T")
	for bad in "--to 0" "--to x" "--to -3" "--to" "--bogus"; do
		# shellcheck disable=SC2086 # the option and its value are split on purpose
		run cut_err $bad "$T"
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		grep -q '^tracecut: .*see tracecut --help$' <<<"$output"
	done
	run cut_err --from 20 --to 10 "$T"
	[ "$status" -eq 2 ]
	grep -q '^tracecut: --from 20 --to 10: the range is empty' <<<"$output"
	run cut_err --from $((total + 5)) "$T"
	[ "$status" -eq 2 ]
	grep -q "^tracecut: --from $((total + 5)): .* has events 1 to $total; see tracecat$" <<<"$output"
	"$ROOT/bin/tracecut" --from 30 "$T" >"$CUT"
	run cut_err --from 10 "$CUT"
	[ "$status" -eq 2 ]
	grep -q "^tracecut: --from 10: .* starts at event 30; see tracecat$" <<<"$output"
	run cut_err --to $((total + 1)) "$T"
	[ "$status" -eq 2 ]
	grep -q "^tracecut: --to $((total + 1)): .* has events 1 to $total; see tracecat$" <<<"$output"
	head -c 5000 "$T" >"$BATS_TEST_TMPDIR/short.trace"
	run cut_err "$BATS_TEST_TMPDIR/short.trace"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	grep -q 'incomplete' <<<"$output"
	run cut_err /nonexistent
	[ "$status" -eq 2 ]
	grep -q '^tracecut: cannot open /nonexistent: No such file or directory$' <<<"$output"
	run script -qec "$ROOT/bin/tracecut $T" /dev/null
	grep -q 'refusing to write a trace to a terminal' <<<"$output"
}

@test "tracecut --from: the last 1% of a long trace is much smaller and replays its part" {
	record "$P/many_syscalls"
	[ "$rec_status" -eq 0 ]
	local total n full part t0 t1
	total=$(last_event "$T")
	# from the last round's output on: the last 1% of the program's run
	n=$("$ROOT/bin/tracecat" "$T" | awk '/ \[stdout\]$/ { n = $1 } END { print n }')
	"$ROOT/bin/tracecut" --from "$n" "$T" >"$CUT"
	full=$(stat -c %s "$T")
	part=$(stat -c %s "$CUT")
	echo "full trace: $full bytes ($total events); cut from $n: $part bytes"
	[ "$((part * 5))" -lt "$full" ]
	# each blob once: no more blob records than the full trace has
	local rf rc
	rf=$("$ROOT/bin/tracesum" --stats "$T" | sed -n 's/^blobs: .* in \([0-9]*\) records)$/\1/p')
	rc=$("$ROOT/bin/tracesum" --stats "$CUT" | sed -n 's/^blobs: .* in \([0-9]*\) records)$/\1/p')
	echo "blob records: full $rf, cut $rc"
	[ -n "$rc" ] && [ "$rc" -le "$rf" ]
	t0=$(date +%s%N)
	run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$CUT"
	t1=$(date +%s%N)
	echo "play of the cut: $(((t1 - t0) / 1000000)) ms (reported, not checked)"
	[ "$status" -eq 0 ]
	[ "$output" = "round 8000 sum $(sed -n 's/^round 8000 sum //p' "$OUT1")" ]
}

@test "tracecut --from: play --gdb on a cut trace, with the program's files gone" {
	cp "$P/gdb_basic" "$BATS_TEST_TMPDIR/prog"
	record "$BATS_TEST_TMPDIR/prog"
	# from the write of the second line: square(2) comes next
	local w2
	w2=$("$ROOT/bin/tracecat" "$T" | awk '/write\(1, "i=2 / { print $1; exit }')
	"$ROOT/bin/tracecut" --from "$w2" "$T" >"$CUT"
	rm "$BATS_TEST_TMPDIR/prog"
	cat >"$BATS_TEST_TMPDIR/s.gdb" <<'G'
monitor when
break square
continue
bt
print x
continue
reverse-continue
print x
reverse-continue
monitor when
continue
G
	gdb_batch "$CUT" "$BATS_TEST_TMPDIR/s.gdb"
	[ "$(grep -c "^Current event: $w2\$" "$GOUT")" -eq 2 ]
	grep -q '^Breakpoint 1, square (x=2) at tests/progs/gdb_basic.c:13' "$GOUT"
	grep -q '^#1  0x[0-9a-f]* in main () at tests/progs/gdb_basic.c:28' "$GOUT"
	grep -q '^\$1 = 2$' "$GOUT"
	grep -q '^\$2 = 2$' "$GOUT"
	# back at the cut's first event, and no further
	grep -q '^No more reverse-execution history' "$GOUT"
}

@test "tracecut --from: play --gdb on a multi-threaded cut goes back to the cut's start" {
	record "$P/threads_pc"
	local n
	# half way between the last clone and the first thread's exit: every
	# thread is alive there (how many events come first depends on how
	# rdtsc and cpuid are recorded)
	n=$("$ROOT/bin/tracecat" "$T" | awk '/ syscall clone/ { c = $1 } / syscall exit\(/ && c && !e { e = $1 } END { print int((c + e) / 2) }')
	"$ROOT/bin/tracecut" --from "$n" "$T" >"$CUT"
	printf 'continue\nreverse-continue\nmonitor when\ninfo threads\ncontinue\n' >"$BATS_TEST_TMPDIR/s.gdb"
	gdb_batch "$CUT" "$BATS_TEST_TMPDIR/s.gdb"
	[ "$(grep -c '^No more reverse-execution history' "$GOUT")" -eq 3 ]
	grep -q "^Current event: $n\$" "$GOUT"
	[ "$(grep -c '^[ *] [0-9] *Thread [0-9]* "' "$GOUT")" -ge 2 ]
	grep -q '^total 2000 checksum' "$GERR"
}

@test "tracecut --keyframe-interval: keyframes in the middle; play --goto and monitor goto start from them" {
	record sh -c 'for i in 1 2 3; do echo "line $i"; /bin/echo "child $i"; done; seq 1 5 | sort -rn'
	replay
	local idx=$BATS_TEST_TMPDIR/indexed.trace total n
	"$ROOT/bin/tracecut" --keyframe-interval 100 "$T" >"$idx" 2>"$BATS_TEST_TMPDIR/cut.err"
	cat "$BATS_TEST_TMPDIR/cut.err"
	total=$(last_event "$T")
	# one before every 100th event, unless a note says why not
	local made skipped
	made=$("$ROOT/bin/tracecat" "$idx" | grep -c '^# keyframe event=[0-9]*00 ')
	skipped=$(grep -c '^tracecut: note: no keyframe before event' "$BATS_TEST_TMPDIR/cut.err" || true)
	[ "$((made + skipped))" -eq $(((total - 1) / 100)) ]
	[ "$made" -ge 5 ]
	"$ROOT/bin/tracesum" --stats "$idx" | grep -q "^keyframe count: *$made\$"
	# the same replay, with or without them
	run "$ROOT/bin/play" "$idx"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cat "$OUT2")" ]
	# play --goto: the output of events n and after, from the keyframe
	# before n in the indexed trace, from the start in the other
	for n in 150 450 500 $((total - 2)); do
		[ "$("$ROOT/bin/play" --goto "$n" "$idx" 2>&1)" = "$("$ROOT/bin/play" --goto "$n" "$T" 2>&1)" ]
		head -c "$(stdout_bytes_upto "$T" $((n - 1)))" "$OUT2" >"$BATS_TEST_TMPDIR/before"
		"$ROOT/bin/play" --goto "$n" "$T" >"$BATS_TEST_TMPDIR/after" 2>/dev/null
		cat "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" | cmp - "$OUT2"
	done
	# Where a keyframe could be made (not half way through a vfork):
	# kf[1], kf[3], kf[5] are the first, third and fifth keyframes (which
	# events those are depends on how rdtsc and cpuid were recorded).
	local kf
	mapfile -t kf < <("$ROOT/bin/tracecat" "$idx" | awk '/^# keyframe event=/ { sub("event=", "", $3); print $3 }')
	kf=("" "${kf[@]}")
	# a cut at one of those keyframes copies it, with the blobs it needs
	"$ROOT/bin/tracecut" --from "${kf[3]}" "$idx" >"$CUT"
	[ "$("$ROOT/bin/play" "$CUT" 2>&1)" = "$("$ROOT/bin/play" --goto "${kf[3]}" "$T" 2>&1)" ]
	# --from with --keyframe-interval: keyframes after the first too
	"$ROOT/bin/tracecut" --from "${kf[1]}" --keyframe-interval 100 "$T" >"$CUT" 2>"$BATS_TEST_TMPDIR/cut.err"
	[ "$("$ROOT/bin/tracecat" "$CUT" | grep -c '^# keyframe event=[0-9]*00 ')" -ge 3 ]
	[ "$("$ROOT/bin/play" --goto "${kf[5]}" "$CUT" 2>&1)" = "$("$ROOT/bin/play" --goto "${kf[5]}" "$T" 2>&1)" ]
	# gdb's monitor goto starts from the keyframe too
	printf 'monitor goto %s\nmonitor when\ninfo threads\nmonitor goto %s\nmonitor when\n' "${kf[5]}" "${kf[1]}" >"$BATS_TEST_TMPDIR/s.gdb"
	gdb_batch "$idx" "$BATS_TEST_TMPDIR/s.gdb"
	grep -q "^Current event: ${kf[5]}\$" "$GOUT"
	grep -q "^Current event: ${kf[1]}\$" "$GOUT"
	[ "$(grep -c '^[ *] [0-9] *Thread [0-9]* "' "$GOUT")" -ge 2 ]
}
