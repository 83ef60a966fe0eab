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
	GOUT=$BATS_TEST_TMPDIR/gdb.out # what gdb_batch's gdb printed
	GERR=$BATS_TEST_TMPDIR/play.err # gdb_batch's play's stderr
	export T OUT1 ERR1 OUT2 ERR2 ROOT GOUT GERR
}

# record CMD [ARGS...]: bin/rec $REC_OPTS -o $T CMD > $OUT1 2> $ERR1; sets
# rec_status. REC_OPTS: rec's options, split at spaces (none by default).
# Fails when the trace's event kinds do not add up (stats_add_up).
record() {
	rec_status=0
	# shellcheck disable=SC2086 # REC_OPTS is a list of options
	timeout "$RRK_TIMEOUT" "$ROOT/bin/rec" ${REC_OPTS:-} -o "$T" -- "$@" >"$OUT1" 2>"$ERR1" </dev/null ||
		rec_status=$?
	stats_add_up "$T"
}

# stats_add_up TRACE: the "  KIND N" lines of `tracesum --stats TRACE`
# (one per event kind) add up to its "events:" line, so that no kind goes
# uncounted. A trace tracesum finds bad or incomplete (its status 2 or 3,
# as when rec failed) has nothing to add up: the test's own checks say
# whether that is right.
stats_add_up() {
	local stats st=0
	[ -e "$1" ] || return 0
	stats=$(timeout "$RRK_TIMEOUT" "$ROOT/bin/tracesum" --stats "$1" 2>/dev/null) || st=$?
	case $st in
	0) ;;
	2 | 3) return 0 ;;
	*)
		echo "stats_add_up: tracesum --stats $1 exited with status $st"
		return 1
		;;
	esac
	printf '%s\n' "$stats" | awk '
		/^events:/ { events = $2; seen = 1 }
		/^keyframe count:/ { inkinds = 1; next }
		inkinds && /^  [a-z]+ +[0-9]+$/ { sum += $2; next }
		{ inkinds = 0 }
		END {
			if (!seen) { print "stats_add_up: no events: line"; exit 1 }
			if (sum != events) {
				print "stats_add_up: the event kinds add up to " sum ", not to the " events " events"
				exit 1
			}
		}' || { printf '%s\n' "$stats" | sed -n '/^events:/,/^top syscalls:/p'; return 1; }
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

# gdb_batch TRACE SCRIPT [GDB-ARGS...]: gdb -batch connected to
# play --gdb=- TRACE (whose own stderr, with the program's output, goes to
# $GERR); everything gdb prints goes to $GOUT. gdb gets no local file: it
# reads the program and its libraries from the trace.
gdb_batch() {
	local trace=$1 script=$2
	shift 2
	gdb_status=0
	timeout "$RRK_TIMEOUT" gdb -nx -q -batch -iex 'set debuginfod enabled off' \
		-iex 'set pagination off' -iex 'set confirm off' \
		-ex "target remote | exec '$ROOT/bin/play' --gdb=- '$trace' 2>'$GERR'" \
		-x "$script" "$@" >"$GOUT" 2>&1 </dev/null || gdb_status=$?
	echo "gdb status $gdb_status; gdb output:"
	cat "$GOUT"
	echo "--- play stderr:"
	head -n 20 "$GERR"
}

# last_event TRACE: the number of the trace's last event (tracecat lists
# buffered syscalls on lines of their own, so its line count is not it).
last_event() {
	"$ROOT/bin/tracesum" --stats "$1" | awk '/^event range:/ { print $NF }'
}

# Bytes the program wrote to stdout in events 1..M of TRACE ("= N [stdout]").
stdout_bytes_upto() {
	"$ROOT/bin/tracecat" "$1" |
		awk -v m="$2" '$1 <= m && / \[stdout\]$/ && match($0, / = [0-9]+ /) {
			n += substr($0, RSTART + 3, RLENGTH - 4)
		} END { print n + 0 }'
}

# interrupt_rec [REC-OPTIONS...]: records $ROOT/tests/progs/bin/slow 30 into $T
# (by its full path, so that a check for leftovers names this checkout's)
# and sends SIGINT to rec's process group, as a terminal's ^C would, once
# the program ticks; rec's status goes to $BATS_TEST_TMPDIR/status, its
# stderr to $BATS_TEST_TMPDIR/err. Job control (set -m) gives rec and the
# program a group of their own; background jobs start with SIGINT
# ignored (and rec passes that on), so perl puts back the default.
interrupt_rec() {
	local d=$BATS_TEST_TMPDIR
	bash -c 'set -m; d=$1 t=$2; shift 2
		perl -e '\''$SIG{INT} = "DEFAULT"; exec @ARGV'\'' \
		bin/rec "$@" -o "$t" "$PWD/tests/progs/bin/slow" 30 >/dev/null 2>"$d/err" &
		echo $! >"$d/pid"; wait $!; echo $? >"$d/status"' _ "$d" "$T" "$@" &
	local runner=$!
	for _ in $(seq 1 100); do
		timeout 10 bin/tracecat "$T" 2>/dev/null | grep -q 'write(1, "tick' && break
		sleep 0.2
	done
	sleep 0.5 # into its nanosleep
	kill -INT -- "-$(cat "$d/pid")"
	wait "$runner"
}

# interrupted_trace_ok: after interrupt_rec, rec exited 130 and $T is a
# complete trace that replays to the same death by SIGINT; tracecat's
# lines are left in $output.
# shellcheck disable=SC2154 # bats' run sets status and output
interrupted_trace_ok() {
	[ "$(cat "$BATS_TEST_TMPDIR/status")" -eq 130 ]
	run timeout 20 bin/tracesum "$T"
	[ "$status" -eq 0 ]
	run timeout 20 bin/play -q "$T"
	[ "$status" -eq 130 ]
	run timeout 20 bin/tracecat "$T"
	[[ "$output" == *"signal SIGINT"* ]]
}
