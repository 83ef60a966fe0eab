#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers and bats set rec_status, play_status, stderr; sh -c scripts are single-quoted on purpose
# Trace reading and writing: digest stability, checks, summaries, and how
# every trace-reading tool copes with bad input (it must fail cleanly with
# one line of error, never crash or hang).

bats_require_minimum_version 1.5.0

setup() {
	cd "$BATS_TEST_DIRNAME/.." || exit 1
	MK=tests/tools/bin/mktrace
	[ -x "$MK" ] || skip "run 'make tests/tools/bin/mktrace' first"
	[ -x bin/tracesum ] || skip "run 'make bin/tracesum' first"
	T="$BATS_TEST_TMPDIR"
	"$MK" >"$T/good.trace"
}

# Exit status a tool uses for a bad trace, or "nonzero".
bad_status() {
	case "$1" in
	play) echo 125 ;;
	*) echo nonzero ;;
	esac
}

# run_tool TOOL TRACE: runs TOOL on TRACE with a time limit.
run_tool() {
	run --separate-stderr timeout 10 "bin/$1" "$2"
}

# expect_clean_failure TOOL: checks $status/$stderr of a run on bad input:
# a failure status (not a crash, not a timeout) and one "TOOL: " error line.
# play acts on events as it reads them, so on a synthetic trace it may stop
# with a (multi-line) divergence report before it reaches the damage; for
# play only the exit status and an error line are checked.
# shellcheck disable=SC2154 # $stderr is set by bats' run --separate-stderr
expect_clean_failure() {
	local tool=$1 want errlines
	want=$(bad_status "$tool")
	[ "$status" -ne 0 ] || { echo "$tool succeeded on bad input"; return 1; }
	[ "$status" -lt 124 ] || [ "$status" -eq 125 ] ||
		{ echo "$tool: exit $status (crash or hang?)"; return 1; }
	if [ "$want" != nonzero ]; then
		[ "$status" -eq "$want" ] || { echo "$tool: exit $status, wanted $want"; return 1; }
	fi
	errlines=$(printf '%s\n' "$stderr" | grep -c "^$tool: ")
	if [ "$tool" = play ]; then
		[ "$errlines" -ge 1 ] || { echo "$tool: no error line: $stderr"; return 1; }
	else
		[ "$errlines" -eq 1 ] || { echo "$tool: $errlines error lines: $stderr"; return 1; }
	fi
}

# Tools that read the whole trace before acting, so their message is about
# the trace itself (see above about play).
strict() {
	[ "$1" != play ]
}

# every_tool_fails FILE [TEXT [all]]: each trace reader fails cleanly on
# FILE, and its message contains TEXT (every reader's with "all", else
# only the strict readers').
every_tool_fails() {
	local file=$1 text=${2-} who=${3-strict} t
	for t in $(tools); do
		run_tool "$t" "$file"
		echo "$t: $status: $stderr"
		expect_clean_failure "$t"
		[ -z "$text" ] && continue
		if [ "$who" = all ] || strict "$t"; then
			[[ "$stderr" == *"$text"* ]]
		fi
	done
}

tools() {
	local t
	for t in tracesum tracecat play; do
		[ -x "bin/$t" ] && echo "$t"
	done
	return 0
}

@test "tracesum prints DIGEST  NAME for files and stdin" {
	run timeout 10 bin/tracesum "$T/good.trace"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}\ \ $T/good\.trace$ ]]
	run bash -c "timeout 10 bin/tracesum < '$T/good.trace'"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}\ \ -$ ]]
}

@test "the digest does not depend on framing or compression" {
	"$MK" --flush 1 --level 1 >"$T/a.trace"
	"$MK" --flush 7 --level 19 >"$T/b.trace"
	"$MK" --reframe 12 --flush 2 <"$T/good.trace" >"$T/c.trace"
	run ! cmp -s "$T/good.trace" "$T/a.trace"
	run ! cmp -s "$T/a.trace" "$T/b.trace"
	local d0 d1 d2 d3
	d0=$(timeout 10 bin/tracesum "$T/good.trace" | cut -d' ' -f1)
	d1=$(timeout 10 bin/tracesum "$T/a.trace" | cut -d' ' -f1)
	d2=$(timeout 10 bin/tracesum "$T/b.trace" | cut -d' ' -f1)
	d3=$(timeout 10 bin/tracesum "$T/c.trace" | cut -d' ' -f1)
	[ ${#d0} -eq 64 ]
	[ "$d0" = "$d1" ]
	[ "$d0" = "$d2" ]
	[ "$d0" = "$d3" ]
	# A different recording has a different digest.
	d1=$("$MK" --events 49 | timeout 10 bin/tracesum | cut -d' ' -f1)
	[ "$d0" != "$d1" ]
}

@test "a trace bigger than one frame reframes to the same digest" {
	"$MK" --events 3000 --blob-size 2500000 >"$T/big.trace"
	run timeout 10 bin/tracesum --stats "$T/big.trace"
	[ "$status" -eq 0 ]
	[[ "$output" =~ frames:\ +([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 2 ]
	local d0 d1
	d0=$(timeout 10 bin/tracesum "$T/big.trace" | cut -d' ' -f1)
	d1=$("$MK" --reframe 1 <"$T/big.trace" | timeout 10 bin/tracesum | cut -d' ' -f1)
	[ "$d0" = "$d1" ]
}

@test "tracesum -c reports OK and FAILED" {
	cp "$T/good.trace" "$T/x.trace"
	"$MK" --flush 3 >"$T/y.trace"
	(cd "$T" && timeout 10 "$OLDPWD/bin/tracesum" x.trace y.trace >sums)
	run bash -c "cd '$T' && timeout 10 '$PWD/bin/tracesum' -c sums"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "x.trace: OK" ]
	[ "${lines[1]}" = "y.trace: OK" ]
	"$MK" --events 7 >"$T/y.trace"
	run bash -c "cd '$T' && timeout 10 '$PWD/bin/tracesum' -c sums"
	[ "$status" -eq 1 ]
	[[ "$output" == *"x.trace: OK"* ]]
	[[ "$output" == *"y.trace: FAILED"* ]]
	# A corrupt or missing trace fails the check too.
	head -c 100 "$T/good.trace" >"$T/y.trace"
	run bash -c "cd '$T' && timeout 10 '$PWD/bin/tracesum' -c sums 2>/dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == *"y.trace: FAILED"* ]]
	rm "$T/y.trace"
	run bash -c "cd '$T' && timeout 10 '$PWD/bin/tracesum' -c sums 2>/dev/null"
	[ "$status" -eq 1 ]
	[[ "$output" == *"y.trace: FAILED"* ]]
}

@test "tracesum --stats summarises a trace" {
	run timeout 10 bin/tracesum --stats "$T/good.trace"
	[ "$status" -eq 0 ]
	[[ "$output" == *"format version:  1"* ]]
	[[ "$output" == *"recorder:        rrkit "* ]]
	[[ "$output" == *"argv:            /bin/hello --greeting hi there"* ]]
	[[ "$output" =~ events:\ +52 ]]
	[[ "$output" =~ syscall\ +40 ]]
	[[ "$output" =~ rdtsc\ +10 ]]
	[[ "$output" =~ exec\ +1 ]]
	[[ "$output" =~ exit\ +1 ]]
	[[ "$output" == *"top syscalls:"* ]]
	[[ "$output" =~ threads:\ +2 ]]
	[[ "$output" =~ blobs:\ +1\ \(3000\ bytes ]]
	[[ "$output" =~ frames:\ +1 ]]
	[[ "$output" == *"exited with status 0"* ]]
	local d
	d=$(timeout 10 bin/tracesum "$T/good.trace" | cut -d' ' -f1)
	[[ "$output" == *"digest:          $d"* ]]
}

@test "tracesum --help and --version" {
	run timeout 10 bin/tracesum --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: tracesum"* ]]
	run timeout 10 bin/tracesum --version
	[ "$status" -eq 0 ]
	[[ "$output" == *"trace format 1"* ]]
	run timeout 10 bin/tracesum --bogus
	[ "$status" -eq 2 ]
}

@test "unknown skippable records are skipped, unknown required ones refused" {
	"$MK" --unknown-skippable >"$T/skip.trace"
	run timeout 10 bin/tracesum "$T/skip.trace"
	[ "$status" -eq 0 ]
	"$MK" --unknown-required >"$T/req.trace"
	every_tool_fails "$T/req.trace" "unknown record type"
}

@test "an empty file is not a trace" {
	: >"$T/empty.trace"
	every_tool_fails "$T/empty.trace" "not an rrkit trace" all
}

@test "random bytes are not a trace" {
	head -c 4096 /dev/urandom >"$T/random.trace"
	every_tool_fails "$T/random.trace" "not an rrkit trace" all
}

@test "a trace from a newer format version is refused" {
	"$MK" --set-version 2 <"$T/good.trace" >"$T/v2.trace"
	every_tool_fails "$T/v2.trace" "trace format version 2 is newer than this reader (1)" all
}

@test "truncated traces are reported as incomplete" {
	"$MK" --flush 5 >"$T/framed.trace"
	local size off
	size=$(stat -c %s "$T/framed.trace")
	for off in 16 17 40 48 49 200 $((size / 3)) $((size / 2)) $((size - 40)) $((size - 1)); do
		head -c "$off" "$T/framed.trace" >"$T/cut.trace"
		echo "offset $off"
		every_tool_fails "$T/cut.trace" incomplete
		run --separate-stderr timeout 10 bin/tracesum "$T/cut.trace"
		[ "$status" -eq 3 ]
		[ -z "$output" ] # no digest for an incomplete trace
	done
}

@test "a trace without an end record names the last event" {
	"$MK" --no-end >"$T/noend.trace"
	run --separate-stderr timeout 10 bin/tracesum "$T/noend.trace"
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"trace ends after event 52 without an end record"* ]]
	[[ "$stderr" == *incomplete* ]]
}

@test "flipped bytes are reported as corrupt, one line, no crash" {
	local size off
	size=$(stat -c %s "$T/good.trace")
	for off in 0 9 13 16 20 30 44 47 60 $((size / 2)) $((size - 5)) $((size - 1)); do
		cp "$T/good.trace" "$T/flip.trace"
		# Invert all bits of the byte at $off.
		local byte
		byte=$(od -An -tu1 -j "$off" -N1 "$T/flip.trace" | tr -d ' ')
		printf '%b' "\\0$(printf '%03o' $((255 - byte)))" |
			dd of="$T/flip.trace" bs=1 seek="$off" conv=notrunc status=none
		run ! cmp -s "$T/good.trace" "$T/flip.trace"
		echo "offset $off"
		every_tool_fails "$T/flip.trace"
	done
}

@test "bytes after the end record are corrupt" {
	cat "$T/good.trace" "$T/good.trace" >"$T/double.trace"
	every_tool_fails "$T/double.trace" "after the end record"
}

@test "error messages name the file and the byte offset" {
	head -c 300 "$T/good.trace" >"$T/cut.trace"
	run --separate-stderr timeout 10 bin/tracesum "$T/cut.trace"
	[[ "$stderr" == "tracesum: $T/cut.trace: byte 300: "* ]]
}

@test "write errors are reported clearly" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr timeout 10 "$MK" --events 10
	[ "$status" -eq 0 ]
	run --separate-stderr bash -c "timeout 10 '$MK' > /dev/full"
	[ "$status" -ne 0 ]
	[[ "$stderr" == "mktrace: writing trace to stdout: No space left on device" ]]
}

@test "play checks the end digest of a trace of many frames" {
	# (play hashes frames in a second thread: the last frame's records
	# before the end record are added when the end record is checked)
	timeout 60 bin/rec -o "$T/big.trace" -- sh -c 'head -c 3000000 /dev/urandom | od | tail -1' >/dev/null
	run timeout 10 bin/tracesum --stats "$T/big.trace"
	[[ "$output" =~ frames:\ +([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -ge 3 ]
	run timeout 60 bin/play -q "$T/big.trace"
	[ "$status" -eq 0 ]
	"$MK" --reframe 1 --bad-digest <"$T/big.trace" >"$T/bad.trace"
	run timeout 60 bin/play -q "$T/bad.trace"
	[ "$status" -eq 125 ]
	[[ "$output" == *"digest mismatch"* ]]
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}
