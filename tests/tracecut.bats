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

# Bytes the program wrote to stdout in events 1..M ("= N [stdout]").
stdout_bytes_upto() {
	"$ROOT/bin/tracecat" "$1" |
		awk -v m="$2" '$1 <= m && / \[stdout\]$/ && match($0, / = [0-9]+ /) {
			n += substr($0, RSTART + 3, RLENGTH - 4)
		} END { print n + 0 }'
}

# cut_everywhere: records "$@", replays it, then cuts at 10 points spread
# over the trace and checks each cut's replay against the full one.
cut_everywhere() {
	record "$@"
	replay
	[ "$play_status" -eq "$rec_status" ]
	cmp "$OUT1" "$OUT2"
	local total m k
	total=$("$ROOT/bin/tracecat" "$T" | wc -l)
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
	total=$("$ROOT/bin/tracecat" "$T" | wc -l)
	all=$(stdout_bytes_upto "$T" "$total")
	for k in 1 2 3 4 5 6 7 8 9 10; do
		# 10 points from the start to the last event before the exits
		n=$((2 + (total - 4) * k / 10))
		timeout "$RRK_TIMEOUT" "$ROOT/bin/tracecut" --from "$n" "$T" >"$CUT"
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
	[ "$(grep -c '^i=' <<<"$output")" -eq 3 ]
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
	total=$("$ROOT/bin/tracecat" "$T" | wc -l)
	for bad in "--to 0" "--to x" "--to -3" "--to" "--bogus"; do
		# shellcheck disable=SC2086 # the option and its value are split on purpose
		run cut_err $bad "$T"
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[ "${#lines[@]}" -eq 1 ]
		grep -q '^tracecut: .*see tracecut --help$' <<<"$output"
	done
	run cut_err --to $((total + 1)) "$T"
	[ "$status" -eq 2 ]
	grep -q "^tracecut: --to $((total + 1)): .* has $total events; see tracecat$" <<<"$output"
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
