#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats sets status, output, stderr
# Bad option values, for every tool: one line naming the tool and the
# option, a failure status, nothing else written (issue 17). Numbers are
# parsed strictly: no sign, no hex, no spaces, no overflow.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	rrk_setup
	# a trace for the readers' cases
	record tests/progs/bin/exit_status 0
}

# bad TOOL ARGS...: TOOL fails (neither a crash nor a timeout) with one
# line of its own on stderr and nothing on stdout.
bad() {
	local tool=$1
	run --separate-stderr timeout "$RRK_TIMEOUT" "bin/$tool" "${@:2}" </dev/null
	echo "$tool ${*:2}: status $status; stdout [$output]; stderr [$stderr]"
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$status" -le 125 ]
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ "$stderr" == "$tool: "* ]]
}

@test "rec: bad numbers and options" {
	for v in 0 -1 +3 0x10 1e3 ' 5' 5x 99999999999999999999999 ''; do
		bad rec --keyframe-interval "$v" true
	done
	for v in 0 -1 60001 abc ''; do
		bad rec --timeslice "$v" true
	done
	for v in 0 -2 1025 two; do
		bad rec --cpus "$v" true
	done
	bad rec --cpu-features=fast true
	bad rec --bogus true
	bad rec
	bad rec --check true
}

@test "play: bad numbers, ports and options" {
	for v in 0 -1 +3 1.5 abc 99999999999999999999999; do
		bad play --goto "$v" "$T"
	done
	for v in :99999 :abc : :-1 :0x50 'x'; do
		bad play --gdb="$v" "$T"
	done
	bad play --bogus "$T"
	bad play "$T" "$T"
	bad play /nonexistent/trace
}

@test "tracecut, tracecat, tracesum: bad numbers, files and options" {
	for v in 0 -1 x 1e2 99999999999999999999999; do
		bad tracecut --from "$v" "$T"
		bad tracecut --from 1 --to "$v" "$T"
	done
	bad tracecut --from 5 --to 2 "$T"
	bad tracecut --from 1 --to 99999 "$T"
	bad tracecut --bogus "$T"
	bad tracecat --bogus "$T"
	bad tracecat "$T" "$T"
	bad tracesum --bogus "$T"
	bad tracesum -c "$BATS_TEST_TMPDIR"
	bad tracesum -c /nonexistent/list
}

# A header field that should come once, twice: readers use the first
# (doc/trace-format.md).
@test "a header with two ARGV fields: tracecat and tracesum show the first" {
	tests/tools/bin/mktrace --two-argv --events 3 >"$BATS_TEST_TMPDIR/two.trace"
	run bin/tracecat --header "$BATS_TEST_TMPDIR/two.trace"
	[ "$status" -eq 0 ]
	grep -q '^# argv: "/bin/hello" "--greeting" "hi there"$' <<<"$output"
	! grep -q second <<<"$output" || false
	run bin/tracesum --stats "$BATS_TEST_TMPDIR/two.trace"
	grep -q '^argv: *[^ ]*/bin/hello --greeting hi there$' <<<"$output"
}
