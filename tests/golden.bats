#!/usr/bin/env bats
# Expected outputs: what tracecat (text, --json, --header) and tracesum
# --stats print for the trace `mktrace --all-kinds` writes, which has every
# kind of event, record and attachment, against the files in tests/golden/.
# A failure shows the change as `diff -u EXPECTED GOT`. When a change is
# meant, rewrite the files with
#   RRK_GOLDEN_UPDATE=1 bats tests/golden.bats
# and commit them with it (git diff tests/golden/ shows what changed).

load helpers

setup() {
	cd "$BATS_TEST_DIRNAME/.." || exit 1
	MK=tests/tools/bin/mktrace
	[ -x "$MK" ] || skip "run 'make tests/tools/bin/mktrace' first"
	[ -x bin/tracecat ] || skip "run 'make bin/tracecat' first"
	[ -x bin/tracesum ] || skip "run 'make bin/tracesum' first"
	ROOT=$PWD
	T=$BATS_TEST_TMPDIR/all-kinds.trace
	"$MK" --all-kinds >"$T"
}

# same NAME CMD [ARGS...]: CMD exits 0, prints nothing on stderr, and its
# standard output is tests/golden/NAME, line for line.
same() {
	local want=$ROOT/tests/golden/$1 got=$BATS_TEST_TMPDIR/$1 err=$BATS_TEST_TMPDIR/$1.err
	shift
	local st=0
	"$@" >"$got" 2>"$err" || st=$?
	[ "$st" -eq 0 ] || { echo "$*: exit status $st"; cat "$err"; return 1; }
	[ ! -s "$err" ] || { echo "$*: wrote on stderr:"; cat "$err"; return 1; }
	if [ "${RRK_GOLDEN_UPDATE:-}" = 1 ]; then
		cp "$got" "$want"
		return 0
	fi
	diff -u "$want" "$got"
}

@test "mktrace --all-kinds writes the same trace every time" {
	"$MK" --all-kinds >"$BATS_TEST_TMPDIR/again.trace"
	cmp "$T" "$BATS_TEST_TMPDIR/again.trace"
}

@test "tracecat: expected output" {
	same all-kinds.txt bin/tracecat "$T"
}

@test "tracecat --json: expected output" {
	same all-kinds.jsonl bin/tracecat --json "$T"
}

@test "tracecat --header: expected output" {
	same all-kinds.header.txt bin/tracecat --header "$T"
}

# tracesum names the trace as it was given: from the trace's directory,
# by a name without the test's temporary path. The file's size (its
# "file bytes") depends on the zstd library that compressed it, so that
# line must give the trace's size and is then compared without it.
stats() {
	local size out
	size=$(stat -c %s "$T")
	out=$(cd "$BATS_TEST_TMPDIR" && "$ROOT/bin/tracesum" --stats all-kinds.trace) || return
	printf '%s\n' "$out" | sed "s/^\(file bytes: *\)$size\$/\1(the trace's size)/"
}

@test "tracesum --stats: expected output" {
	same all-kinds.stats stats
}

@test "tracesum --stats: the event kinds add up to the events" {
	bin/tracesum --stats "$T" >/dev/null
	stats_add_up "$T"
}
