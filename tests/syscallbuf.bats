#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers set rec_status, play_status; sh -c scripts are single-quoted on purpose
# The syscall buffer (issue 6): common syscalls made in the program's own
# process without a stop, logged, and given back by play.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	rrk_setup
	P=$ROOT/tests/progs/bin
	unset RRK_NO_SYSCALLBUF # these tests choose for themselves
}

buffered() {
	"$ROOT/bin/tracecat" "$1" | grep -c ' \[buffered\]$' || true
}

@test "syscall buffer: small reads and writes are made without stops, and replay exactly" {
	record_replay 0 "$P/sysbuf_heavy"
	local with without n1 n2
	with=$(buffered "$T")
	n1=$(last_event "$T")
	"$ROOT/bin/tracecat" --header "$T" | grep -q '^# syscall buffer: protocol 1$'
	# the same program with a stop per syscall
	REC_OPTS=--no-syscallbuf record_replay 0 "$P/sysbuf_heavy"
	without=$(buffered "$T")
	n2=$(last_event "$T")
	"$ROOT/bin/tracecat" --header "$T" | grep -q '^# syscall buffer: off$'
	echo "buffered: $with ($n1 events); without the buffer: $without ($n2 events)"
	[ "$with" -ge 60000 ]
	[ "$without" -eq 0 ]
	[ "$((n1 * 20))" -lt "$n2" ]
	# tracecat lists them as ordinary lines, marked; and in JSON
	record "$P/sysbuf_heavy"
	"$ROOT/bin/tracecat" "$T" | grep -q '^[0-9]* [0-9]* syscall pwrite64([0-9]*, 0x[0-9a-f]*, 10, 160) = 10 \[buffered\]$'
	"$ROOT/bin/tracecat" --json "$T" | grep -q '"name":"read",.*"buffered":true}$'
}

@test "syscall buffer: calls made inside the C library are buffered too" {
	# opendir/readdir and stat: getdents64 and newfstatat from inside libc
	record_replay 0 ls -la /usr/lib
	"$ROOT/bin/tracecat" "$T" | grep -q ' syscall getdents64(.*\[buffered\]$'
	"$ROOT/bin/tracecat" "$T" | grep -q ' syscall \(newfstatat\|statx\|lstat\)(.*\[buffered\]$'
	record_replay 0 /usr/bin/python3 -c 'import os, time; print(len(os.listdir("/usr")), time.time() > 0)'
	[ "$(buffered "$T")" -ge 100 ]
}

@test "syscall buffer: calls that wait for another thread or process do not hold up the recording" {
	record_replay 0 "$P/sysbuf_block"
	grep -q '^thread said abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx$' "$OUT1"
	grep -q 'chunk 19;.*status 0$' "$OUT1"
	# the reads that waited became ordinary recorded calls
	"$ROOT/bin/tracecat" "$T" | grep -q ' syscall read(.*\[enter\]$'
	record_replay 0 sh -c 'seq 1 200000 | sort -rn | head -3; yes | head -c 300000 | wc -c'
	record_replay 0 "$P/threads_pc"
}

@test "syscall buffer: a pipe that fills up is widened to 256 KiB; a size the program chose is kept" {
	"$P/pipe_fill" >"$BATS_TEST_TMPDIR/native"
	grep -q '^pipe sizes 65536 and 8192$' "$BATS_TEST_TMPDIR/native"
	record_replay 0 "$P/pipe_fill"
	grep -q '^pipe sizes 262144 and 8192$' "$OUT1"
	grep -q '^child read 4194304 and 1048576 bytes$' "$OUT2"
	# every write that filled the pipe was one stop: fewer than with 64 KiB
	local waited
	waited=$("$ROOT/bin/tracecat" "$T" | grep -c ' syscall write(4, .*\[enter\]$' || true)
	echo "writes that waited: $waited"
	[ "$waited" -le 24 ]
	REC_OPTS=--no-syscallbuf record_replay 0 "$P/pipe_fill"
	grep -q '^pipe sizes 65536 and 8192$' "$OUT1"
}

@test "syscall buffer: poll and recvmsg (with a passed fd), which write in place" {
	record_replay 0 "$P/sysbuf_poll"
	grep -q '^poll 1 revents 0x1; recvmsg 9: "mess" + "age 2" with an fd$' "$OUT1"
	grep -q '^through the passed fd$' "$OUT1"
	"$ROOT/bin/tracecat" "$T" | grep -q ' syscall recvmsg(.*\[buffered\]$'
}

@test "syscall buffer: signals that arrive during buffered calls replay at the same point" {

	for _ in 1 2 3; do
		record_replay 0 "$P/sysbuf_signals"
		cat "$OUT1"
		grep -q "^[0-9]* rounds, [4-9][0-9] ticks, sum [0-9]*$" "$OUT1"
	done
}

@test "syscall buffer: writes to the recorded stdout stay events, so play shows them" {
	run bash -c 'bin/rec -o "$1" "$2" 2>/dev/null | cat; bin/play "$1" 2>/dev/null | cat' _ "$T" "$P/dup_stdout"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = plain ]
	[ "${lines[3]}" = "through /dev/stdout" ]
	[ "${lines[4]}" = plain ]
	[ "${lines[7]}" = "through /dev/stdout" ]
	[ "${#lines[@]}" -eq 8 ]
	# the write to /dev/null was buffered, the others were not
	"$ROOT/bin/tracecat" "$T" | tail -n 8
	"$ROOT/bin/tracecat" "$T" | grep -q '^[0-9]* [0-9]* syscall write([0-9]*, 0x.*\[buffered\]$'
	[ "$("$ROOT/bin/tracecat" "$T" | grep -c '\[stdout\]$')" -eq 4 ]
}

@test "syscall buffer: off with --no-syscallbuf, RRK_NO_SYSCALLBUF and for static programs" {
	REC_OPTS=--no-syscallbuf record_replay 0 "$P/sysbuf_heavy"
	[ "$(buffered "$T")" -eq 0 ]
	[ "$("$ROOT/bin/tracecat" "$T" | grep -c rrk_sbinit || true)" -eq 0 ]
	RRK_NO_SYSCALLBUF=1 record_replay 0 "$P/sysbuf_heavy"
	[ "$(buffered "$T")" -eq 0 ]
	"$ROOT/bin/tracecat" --header "$T" | grep -q '^# options: .*--no-syscallbuf\|^# syscall buffer: off$'
	# rrkit's own tools are static: LD_PRELOAD does not apply
	record_replay 0 "$ROOT/bin/tracesum" --version
	[ "$(buffered "$T")" -eq 0 ]
	[ "$("$ROOT/bin/tracecat" "$T" | grep -c rrk_sbinit || true)" -eq 0 ]
}

@test "syscall buffer: keyframes, cuts and gdb work on buffered traces" {
	record "$P/sysbuf_heavy"
	local total n
	total=$(last_event "$T")
	n=$((total / 2))
	"$ROOT/bin/tracecut" --from "$n" "$T" >"$BATS_TEST_TMPDIR/cut.trace"
	[ "$("$ROOT/bin/play" "$BATS_TEST_TMPDIR/cut.trace" 2>&1)" = "$("$ROOT/bin/play" --goto "$n" "$T" 2>&1)" ]
	printf 'break main\ncontinue\nbreak fstat\ncontinue\nbt 1\nreverse-continue\nprint $pc == main\n' >"$BATS_TEST_TMPDIR/s.gdb"
	gdb_batch "$T" "$BATS_TEST_TMPDIR/s.gdb"
	cat "$GOUT"
	grep -q '^#0 .*fstat' "$GOUT"
	grep -q '^\$1 = 1$' "$GOUT"
}
