#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016,SC2030,SC2031 # helpers and bats set rec_status, play_status, status, output, stderr; gdb scripts are single-quoted on purpose; each test sets play_status in its own subshell
# rdtsc, rdtscp and cpuid are recorded whether the CPU faults them or not:
# where it does not (or with RRK_FORCE_PATCH=1), rec rewrites each one to
# trap (doc/design.md, "Instructions that must trap"). make check runs
# this file with and without RRK_FORCE_PATCH=1.

bats_require_minimum_version 1.5.0
load helpers

P=tests/progs/bin

setup() {
	rrk_setup
}

# The header's line for KIND (rdtsc, rdtscp or cpuid) as rec --check and
# RRK_FORCE_PATCH say it must read.
expected_mech() {
	if timeout 20 "$ROOT/bin/rec" --check | grep -qx "$1 trap: works"; then
		echo 'recorded: the CPU faults it'
	else
		echo 'recorded: rec rewrote each instruction to trap'
	fi
}

# patched: whether rec rewrites any instruction kind here.
patched() {
	timeout 20 "$ROOT/bin/rec" --check | grep -Eq '^(rdtsc|rdtscp|cpuid) trap: (missing|forced off)'
}

@test "the header says how rdtsc and cpuid were recorded, as rec --check predicts" {
	record_replay 0 "$P/rdtsc_cpuid"
	run "$ROOT/bin/tracecat" --header "$T"
	[ "$status" -eq 0 ]
	[[ "$output" == *"# rdtsc, rdtscp: $(expected_mech rdtsc)"* ]]
	[[ "$output" == *"# cpuid: $(expected_mech cpuid)"* ]]
	[[ "$output" == *"# cpu features: host"* ]]
	"$ROOT/bin/tracesum" --stats "$T" | grep -q "^cpuid: *$(expected_mech cpuid)\$"
}

@test "a static program's rdtsc, rdtscp and cpuid replay with the recorded values" {
	record_replay 0 "$P/rdtsc_static"
	grep -q '^rdtsc [1-9]' "$OUT1"
	grep -q '^cpuid 0: max [1-9]' "$OUT1"
	[ "$("$ROOT/bin/tracecat" "$T" | awk '$3 == "rdtsc"' | wc -l)" -eq 2 ]
}

@test "20,000 rdtsc reads record and replay, each one an event" {
	record_replay 0 "$P/rdtsc_loop" 20000
	grep -q '^reads 20000 ' "$OUT1"
	[ "$("$ROOT/bin/tracecat" "$T" | grep -c ' rdtsc 0x')" -ge 20001 ]
}

@test "code made executable by mprotect has its rdtsc and cpuid recorded" {
	record_replay 0 "$P/exec_mprotect"
	grep -q '^copied rdtsc [1-9][0-9]* [1-9]' "$OUT1"
	# the copy's cpuid answers as the original's does
	grep -Eq '^copied cpuid vendor ebx ([0-9a-f]{8}) \(own \1\)$' "$OUT1"
	"$ROOT/bin/tracecat" "$T" >"$BATS_TEST_TMPDIR/cat"
	local m
	m=$(awk '/ syscall mprotect\(.*PROT_EXEC\) = 0$/ { n = $1 } END { print n }' "$BATS_TEST_TMPDIR/cat")
	[ -n "$m" ]
	[ "$(awk -v m="$m" '$1 > m && $3 == "rdtsc"' "$BATS_TEST_TMPDIR/cat" | wc -l)" -eq 2 ]
	[ "$(awk -v m="$m" '$1 > m && $3 == "cpuid"' "$BATS_TEST_TMPDIR/cat" | wc -l)" -eq 2 ]
	if [ "$(expected_mech rdtsc)" = 'recorded: rec rewrote each instruction to trap' ]; then
		grep -q "^# patch event=$m .* rdtsc len=2\$" "$BATS_TEST_TMPDIR/cat"
		grep -q "^# patch event=$m .* cpuid len=2\$" "$BATS_TEST_TMPDIR/cat"
	fi
}

@test "JIT code in writable executable memory: rec says once that it cannot search it" {
	record_replay 0 "$P/jit_rwx"
	grep -qx 'jit code returned 42' "$OUT1"
	local n
	n=$(grep -c '^rec: anonymous memory (code made at run time) at 0x[0-9a-f]* is executable: rec cannot find the .* instructions in it' "$ERR1" || true)
	if patched; then [ "$n" -eq 1 ]; else [ "$n" -eq 0 ]; fi
}

@test "play refuses a trace whose rewritten instructions are not where the program has them" {
	RRK_FORCE_PATCH=1 record "$P/rdtsc_cpuid"
	[ "$rec_status" -eq 0 ]
	"$ROOT/bin/tracecat" "$T" | grep -q '^# patch event=1 tid=[0-9]* addr=0x[0-9a-f]* rdtsc len=2$'
	tests/tools/bin/tamper --patch-addr 1 <"$T" >"$T.bad"
	run --separate-stderr timeout 60 "$ROOT/bin/play" "$T.bad"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[[ "$stderr" == "play: $T.bad: event 1 rewrites an instruction at 0x"*" that the replayed program does not have there (a corrupt trace?)" ]]
}

@test "rec --cpu-features=baseline: no AVX or XSAVE offered, and play runs on another CPU without a warning" {
	local a=0 b=1
	[ "$(nproc)" -ge 2 ] || b=0 # (one CPU: the same one, still without pinning to it)
	REC_OPTS=--cpu-features=baseline record taskset -c "$a" "$ROOT/$P/rdtsc_cpuid"
	[ "$rec_status" -eq 0 ]
	play_status=0
	taskset -c "$b" timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$T" >"$OUT2" 2>"$ERR2" || play_status=$?
	show_run
	[ "$play_status" -eq 0 ]
	cmp "$OUT1" "$OUT2"
	[ ! -s "$ERR2" ]
	# leaf 1: no xsave, osxsave, avx (ecx bits 26-28); leaf 7: nothing
	local ecx
	ecx=$(sed -n 's/^cpuid 1: .* ecx \([0-9a-f]*\) .*/\1/p' "$OUT1")
	[ $((0x$ecx & 0x1c000000)) -eq 0 ]
	grep -qx 'cpuid 7.0: eax 00000000 ebx 00000000 ecx 00000000 edx 00000000' "$OUT1"
	"$ROOT/bin/tracecat" --header "$T" | grep -qx '# cpu features: baseline (x86-64-v2)'
}

@test "play refuses a trace whose cpuid offered a feature this CPU lacks, and names it" {
	record "$P/rdtsc_cpuid"
	[ "$rec_status" -eq 0 ]
	# a feature this CPU lacks: AMD CPUs have no AMX, Intel ones no SSE4a
	local args name
	if ! grep -qw amx_tile /proc/cpuinfo; then
		args="7 0 3 24" name=amx-tile
	elif ! grep -qw sse4a /proc/cpuinfo; then
		args="0x80000001 0 2 6" name=sse4a
	else
		skip "this CPU has both AMX and SSE4a"
	fi
	# shellcheck disable=SC2086 # four numbers
	tests/tools/bin/tamper --cpuid-bit $args <"$T" >"$T.bad"
	run --separate-stderr timeout 60 "$ROOT/bin/play" "$T.bad"
	echo "$stderr"
	[ "$status" -eq 125 ]
	[ "$stderr" = "play: cannot replay $T.bad on this CPU: this CPU lacks $name, which the recorded program was offered; record with rec --cpu-features=baseline for a trace that replays on any x86-64 CPU" ]
}

@test "rec --cpu-features: a bad level is one line and status 125" {
	run --separate-stderr "$ROOT/bin/rec" --cpu-features=avx9000 -o "$T" true
	[ "$status" -eq 125 ]
	[ "$stderr" = "rec: --cpu-features avx9000: not a CPU level (host, baseline); see rec --help" ]
	[ ! -s "$T" ]
}

@test "gdb sees the original rdtsc and cpuid at rewritten sites, and stops and steps there" {
	RRK_FORCE_PATCH=1 record "$P/rdtsc_cpuid"
	[ "$rec_status" -eq 0 ]
	local s=$BATS_TEST_TMPDIR/s.gdb
	printf 'break main\ncontinue\ndisassemble main\n' >"$s"
	gdb_batch "$T" "$s"
	grep -q 'rdtsc *$' "$GOUT"
	grep -q 'cpuid *$' "$GOUT"
	run ! grep -q 'int  *\$0xf3' "$GOUT"
	# a breakpoint on the first rdtsc: stop there, see it, step over it
	local off
	off=$(sed -n 's/.*<+\([0-9]*\)>:[[:space:]]*rdtsc *$/\1/p' "$GOUT" | head -n 1)
	[ -n "$off" ]
	printf 'break *(main+%s)\ncontinue\nx/i $pc\nstepi\nprint $pc == (char *)main + %s + 2\ncontinue\n' "$off" "$off" >"$s"
	gdb_batch "$T" "$s"
	grep -q '^Breakpoint 1, ' "$GOUT"
	grep -q '=> 0x[0-9a-f]* <main+'"$off"'>:[[:space:]]*rdtsc' "$GOUT"
	grep -q '^\$1 = 1$' "$GOUT"
	# the program's output is the recording's
	program_lines "$GERR" | cmp - "$OUT1"
}

@test "a trace whose rdtsc the CPU faulted replays where play rewrites the instructions itself" {
	RRK_FORCE_PATCH=0 record "$P/rdtsc_cpuid"
	[ "$rec_status" -eq 0 ]
	"$ROOT/bin/tracecat" --header "$T" | grep -qx '# rdtsc, rdtscp: recorded: the CPU faults it' ||
		skip "SKIP: the CPU does not fault rdtsc here, so no trace of this kind can be made"
	RRK_FORCE_PATCH=1 replay
	show_run
	[ "$play_status" -eq 0 ]
	cmp "$OUT1" "$OUT2"
	[ ! -s "$ERR2" ]
	# and a multi-process one, from its keyframes too
	T=$BATS_TEST_TMPDIR/sh.trace RRK_FORCE_PATCH=0 record sh -c 'for i in 1 2 3; do /bin/echo "child $i"; done; date +%s%N'
	RRK_FORCE_PATCH=1 timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$BATS_TEST_TMPDIR/sh.trace" >"$OUT2"
	cmp "$OUT1" "$OUT2"
	"$ROOT/bin/tracecut" --keyframe-interval 50 "$BATS_TEST_TMPDIR/sh.trace" >"$BATS_TEST_TMPDIR/kf.trace"
	RRK_FORCE_PATCH=1 timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$BATS_TEST_TMPDIR/kf.trace" >"$OUT2"
	cmp "$OUT1" "$OUT2"
	local n
	n=$("$ROOT/bin/tracecat" "$BATS_TEST_TMPDIR/kf.trace" | awk '/^# keyframe event=/ { sub("event=", "", $3); k = $3 } END { print k }')
	[ -n "$n" ]
	[ "$(RRK_FORCE_PATCH=1 "$ROOT/bin/play" --goto "$n" "$BATS_TEST_TMPDIR/kf.trace" 2>&1)" = "$("$ROOT/bin/play" --goto "$n" "$BATS_TEST_TMPDIR/sh.trace" 2>&1)" ]
}

@test "code made executable a byte at a time, shrunk and moved by mremap: its rdtsc and cpuid stay recorded" {
	record_replay 0 "$P/remap_code"
	[ "$(grep -c '^[a-z]*: rdtsc [1-9][0-9]* cpuid ebx [0-9a-f]\{8\}$' "$OUT1")" -eq 3 ]
	# three reads of the copy, whatever mechanism: each one an event
	[ "$("$ROOT/bin/tracecat" "$T" | awk '$3 == "rdtsc"' | wc -l)" -ge 3 ]
}

@test "a shared executable mapping is left alone: rec never writes into a file" {
	cp "$P/rdtsc_cpuid" "$BATS_TEST_TMPDIR/code.bin"
	record_replay 0 "$P/shared_exec" "$BATS_TEST_TMPDIR/code.bin"
	cmp "$P/rdtsc_cpuid" "$BATS_TEST_TMPDIR/code.bin"
	if patched; then
		grep -q "^rec: $BATS_TEST_TMPDIR/code.bin at 0x[0-9a-f]* is executable: rec cannot find the" "$ERR1"
	fi
}
