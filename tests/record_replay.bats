#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers and bats set rec_status, play_status, stderr; sh -c scripts are single-quoted on purpose
# Acceptance tests: record a program, replay the trace, compare.
# rec_status and play_status are set by record/replay in helpers.bash:
# shellcheck disable=SC2154

load helpers

P=tests/progs/bin

setup() {
	rrk_setup
}

# ---- real programs ----

@test "ls -la /usr/lib" {
	record_replay 0 ls -la /usr/lib
	[ -s "$OUT1" ]
}

@test "date +%s%N" {
	record_replay 0 date +%s%N
	grep -Eq '^[0-9]{19}$' "$OUT1"
}

@test "sha256sum /usr/bin/b*" {
	record_replay 0 sha256sum /usr/bin/b*
}

@test "od of /dev/urandom" {
	record_replay 0 od -An -N32 -tx1 /dev/urandom
}

@test "python3 random, time, urandom" {
	# Debian's python3 itself, not a version-manager shim from PATH.
	record_replay 0 /usr/bin/python3 -c 'import random,time,os; print(random.random(), time.time(), os.urandom(8).hex())'
}

@test "perl rand and time" {
	record_replay 0 perl -e 'print rand(), " ", time, "\n"'
}

@test "sqlite3 random() and datetime('now')" {
	record_replay 0 sqlite3 :memory: "select random(), datetime('now')"
}

@test "sort -R of 10000 lines" {
	seq 10000 >"$BATS_TEST_TMPDIR/lines"
	record_replay 0 sort -R --parallel=1 "$BATS_TEST_TMPDIR/lines"
	[ "$(wc -l <"$OUT1")" -eq 10000 ]
	# The shuffle is replayed even though the input is gone.
	rm "$BATS_TEST_TMPDIR/lines"
	replay
	[ "$play_status" -eq 0 ]
	cmp "$OUT1" "$OUT2"
}

@test "sh -c 'exit 3' exits 3 in record and replay" {
	record_replay 3 sh -c 'exit 3'
}

# ---- test programs ----

@test "rdtsc_cpuid" {
	record_replay 0 "$P/rdtsc_cpuid"
	grep -q '^rdtsc [1-9]' "$OUT1"
}

@test "hello_time" {
	record_replay 0 "$P/hello_time"
	grep -q '^hello from rrkit$' "$OUT1"
}

@test "urandom" {
	record_replay 0 "$P/urandom"
	grep -Eq '^[0-9a-f]{64}$' "$OUT1"
}

@test "raise: SIGUSR1 handler" {
	record_replay 0 "$P/raise"
	grep -q '^in handler$' "$OUT1"
	grep -q 'handler ran 1 time' "$OUT1"
}

@test "abort: killed by SIGABRT (134)" {
	record_replay 134 "$P/abort"
	grep -q '^about to abort$' "$OUT1"
}

@test "segv_handler: recovers from a NULL write" {
	record_replay 0 "$P/segv_handler"
	grep -q '^recovered' "$OUT1"
}

@test "segv_fatal: killed by SIGSEGV (139)" {
	record_replay 139 "$P/segv_fatal"
	grep -q '^about to crash$' "$OUT1"
}

@test "exit_status 7" {
	record_replay 7 "$P/exit_status" 7
}

@test "files: mkstemp, read back, stat, readdir, unlink" {
	TMPDIR=$BATS_TEST_TMPDIR record_replay 0 "$P/files"
	grep -q '^found in directory listing: yes$' "$OUT1"
}

@test "env_args: argv, environment and cwd come from the trace" {
	RRKIT_TEST_VAR=recorded record_replay 0 "$P/env_args" a 'b c'
	grep -q '^RRKIT_TEST_VAR recorded$' "$OUT1"
	# Replaying elsewhere with another environment changes nothing.
	local st=0
	(cd / && RRKIT_TEST_VAR=other timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$T" >"$OUT2" </dev/null) || st=$?
	[ "$st" -eq 0 ]
	cmp "$OUT1" "$OUT2"
}

@test "mmap_file: file mapping and anonymous mapping" {
	seq 100000 >"$BATS_TEST_TMPDIR/data"
	record_replay 0 "$P/mmap_file" "$BATS_TEST_TMPDIR/data"
	# The mapped file's contents are in the trace.
	rm "$BATS_TEST_TMPDIR/data"
	replay
	[ "$play_status" -eq 0 ]
	cmp "$OUT1" "$OUT2"
}

@test "sigpipe: rec prog | head -c1 dies of SIGPIPE (141)" {
	run bash -c 'timeout "$1" bin/rec -o "$T" "$2" </dev/null 2>"$ERR1" | head -c1 >"$OUT1"; echo "${PIPESTATUS[0]}"' _ "$RRK_TIMEOUT" "$P/sigpipe"
	echo "$output"
	[ "$output" = 141 ]
	[ "$(cat "$OUT1")" = y ]
	replay
	show_run
	[ "$play_status" -eq 141 ]
	[ "$(head -c1 "$OUT2")" = y ]
}

@test "ioctl_unknown: encoded and unencoded unknown requests" {
	record_replay 0 "$P/ioctl_unknown"
	grep -qi ioctl "$ERR1"
	# unencoded: run as it is, so the kernel's own answer
	grep -q '^0x2400 on fd -1: result -1 errno Bad file descriptor' "$OUT1"
	grep -q '^0x89ff on /dev/null: result -1 errno Inappropriate ioctl for device' "$OUT1"
	grep -q "rec: unknown ioctl 0x89ff .* does not encode its argument size: run as it is" "$ERR1"
}

# rec runs the program on one CPU, but it sees the CPUs it would
# natively (those rec may use), or rec --cpus N's.
@test "nproc sees the CPUs it would see natively, or rec --cpus N" {
	record_replay 0 nproc
	[ "$(cat "$OUT1")" = "$(nproc)" ]
	REC_OPTS="--cpus 3" record_replay 0 nproc
	[ "$(cat "$OUT1")" = 3 ]
	run taskset -c 0 bin/rec -o "$T" -- nproc
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
	run bin/rec --cpus 0 nproc
	[ "$status" -eq 125 ]
	[ "$output" = "rec: --cpus 0: not a number of CPUs from 1 to 1024; see rec --help" ]
}

# A program that signals its own process group signals rec too, when a
# shell runs both in one group (setsid here gives them a group of their
# own). rec must not die of it, nor take two SIGINTs for the user's
# double ^C; the same with --keyframe-interval, where rec is two
# processes.
@test "kill(0, SIG) from the program: rec survives and the trace replays" {
	for opts in "" "--keyframe-interval 20"; do
		# shellcheck disable=SC2086 # opts is a list of options
		run setsid -w bin/rec $opts -o "$T" -- "$P/kill_group"
		echo "rec $opts: status $status: $output"
		[ "$status" -eq 0 ]
		grep -q '^still here$' <<<"$output"
		run bin/play "$T"
		[ "$status" -eq 0 ]
		grep -q '^kill(0, SIGABRT) = 0$' <<<"$output"
		grep -q '^still here$' <<<"$output"
	done
}

# The first SIGTERM (or SIGHUP) sent to rec goes to the program, as it
# would natively; the second ends the recording (the program killed, the
# trace kept), as a second ^C does: `timeout` can stop rec whatever the
# program does.
@test "a second SIGTERM or SIGHUP ends the recording of a program that ignores them" {
	for sig in TERM HUP; do
		"$ROOT/bin/rec" -o "$T" -- "$ROOT/$P/ignore_term" >"$OUT1" 2>"$ERR1" &
		local pid=$!
		for _ in $(seq 100); do
			grep -q started "$OUT1" && break
			sleep 0.1
		done
		kill -"$sig" "$pid"
		sleep 0.3
		kill -0 "$pid" # still recording: the program ignored it
		kill -"$sig" "$pid"
		local st=0
		wait "$pid" || st=$?
		cat "$ERR1"
		[ "$st" -eq 125 ]
		grep -q "^rec: SIG$sig twice: the program was killed; the trace up to here is valid$" "$ERR1"
		run pgrep -f "$ROOT/$P/ignore_term"
		[ "$status" -eq 1 ]
		run bin/play "$T"
		[ "$status" -eq 125 ]
		grep -q '^started$' <<<"$output"
	done
}

# A sanitizer build, what CI runs most: AddressSanitizer insists on being
# the first library loaded, and rec preloads its own; rec sets ASan's
# switch for that (verify_asan_link_order=0). The report is the same in
# replay. Leak checking stops the world with ptrace (issue 18): off.
@test "an ASan+UBSan build reports a heap overflow, the same in replay" {
	cd "$BATS_TEST_TMPDIR"
	cat >overflow.c <<'C'
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
	(void)argv;
	char *p = malloc(8);
	printf("before\n");
	fflush(stdout);
	p[8 + argc] = 1;
	free(p);
	return 0;
}
C
	gcc -g -fsanitize=address,undefined -o overflow overflow.c
	ASAN_OPTIONS=detect_leaks=0 record_replay 1 ./overflow
	grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$ERR1"
	grep -q 'ERROR: AddressSanitizer: heap-buffer-overflow' "$ERR2"
	! grep -q 'does not come first' "$ERR1" || false
}

@test "a thread that never ran while recorded does not run in replay (thread, then exec at once)" {
	record_replay 0 "$P/thread_then_exec"
	[ "$(cat "$OUT1")" = "exec'd" ]
	! grep -q 'worker ran' "$OUT2" || false
}

@test "shared_pwrite: a pwrite shows in the file's MAP_SHARED mapping, in replay too" {
	record_replay 0 "$P/shared_pwrite"
	grep -q '^mapping sees: WRITEgh the mapping$' "$OUT2"
}

# Calls a program does without, and numbers no kernel has: the answer of
# a kernel without the feature (rrkit's choice per call, lib/sys/systable.c),
# the same in replay, one note per call.
@test "feature_calls: pkeys, bpf, io_uring, AIO, perf, userfaultfd, iopl, memfd_secret and unknown numbers get ENOSYS/EINVAL" {
	record_replay 0 "$P/feature_calls"
	cat >"$BATS_TEST_TMPDIR/want" <<'W'
pkey_alloc: -1 Invalid argument
pkey_free: -1 Invalid argument
bpf: -1 Function not implemented
io_uring_setup: -1 Function not implemented
io_setup: -1 Function not implemented
perf_event_open: -1 Function not implemented
userfaultfd: -1 Function not implemented
iopl: -1 Function not implemented
memfd_secret: -1 Function not implemented
syscall 1008: -1 Function not implemented
syscall 1009: -1 Function not implemented
syscall -1: -1 Function not implemented
x32 getpid: -1 Function not implemented
still running, pid matches: yes
W
	diff -u "$BATS_TEST_TMPDIR/want" "$OUT1"
	[ "$(grep -c '^rec: the program called [a-z_0-9]* at event [0-9]*: it gets E[A-Z]*, as from a kernel without that feature, and goes on$' "$ERR1")" -eq 9 ]
	[ "$(grep -c '^rec: the program made system call' "$ERR1")" -eq 1 ]
	grep -q '^rec: the program made system call 1008 at event [0-9]*, which rec does not know: it gets ENOSYS' "$ERR1"
	# what tracecat shows of them
	run bin/tracecat "$T"
	grep -q ' syscall pkey_alloc(0, 0) = -1 EINVAL \[faked\]$' <<<"$output"
	grep -q ' syscall syscall_1008(0, 0, 0, 0, 0, 0) = -1 ENOSYS \[faked\]$' <<<"$output"
	grep -q ' syscall syscall_0xffffffffffffffff(0, 0, 0, 0, 0, 0) = -1 ENOSYS \[faked\]$' <<<"$output"
	grep -q ' syscall syscall_0x40000027(0, 0, 0, 0, 0, 0) = -1 ENOSYS \[faked\]$' <<<"$output"
}

@test "stdout_stderr: interleaved writes and a dup2 of stdout" {
	record_replay 0 "$P/stdout_stderr"
	grep -q '^written to fd 5' "$OUT1"
	# play re-emits stderr writes too.
	program_lines "$ERR1" >"$BATS_TEST_TMPDIR/e1"
	program_lines "$ERR2" >"$BATS_TEST_TMPDIR/e2"
	grep -q '^stderr line 4$' "$BATS_TEST_TMPDIR/e1"
	cmp "$BATS_TEST_TMPDIR/e1" "$BATS_TEST_TMPDIR/e2"
}

@test "big_write: 3 MB in one write(2)" {
	record_replay 0 "$P/big_write"
	[ "$(wc -c <"$OUT1")" -eq 3145728 ]
}

# ---- portability, streaming, tools ----

@test "portability: replay after the binary was replaced" {
	mkdir "$BATS_TEST_TMPDIR/prog"
	cp "$P/hello_time" "$BATS_TEST_TMPDIR/prog/hello_time"
	record "$BATS_TEST_TMPDIR/prog/hello_time"
	rm "$BATS_TEST_TMPDIR/prog/hello_time"
	cp /bin/true "$BATS_TEST_TMPDIR/prog/hello_time"
	replay
	show_run
	[ "$rec_status" -eq 0 ]
	[ "$play_status" -eq 0 ]
	grep -q '^hello from rrkit$' "$OUT1"
	cmp "$OUT1" "$OUT2"
}

@test "streaming: rec CMD | play -" {
	# Without -o the trace goes to stdout and the program's stdout to rec's stderr.
	run bash -c 'timeout "$1" bin/rec "$2" </dev/null 2>"$ERR1" | timeout "$1" bin/play - >"$OUT2" 2>"$ERR2"; echo "${PIPESTATUS[*]}"' _ "$RRK_TIMEOUT" "$P/hello_time"
	show_run
	echo "statuses: $output"
	[ "$output" = "0 0" ]
	program_lines "$ERR1" >"$OUT1"
	grep -q '^hello from rrkit$' "$OUT1"
	cmp "$OUT1" "$OUT2"
}

@test "streaming: rec ls / | tracecat - | grep openat" {
	run bash -c 'timeout "$1" bin/rec ls / </dev/null 2>/dev/null | bin/tracecat - | grep -q openat' _ "$RRK_TIMEOUT"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "tracecat, tracesum and play on the trace of sh -c 'exit 3'" {
	record sh -c 'exit 3'
	[ "$rec_status" -eq 3 ]

	run timeout "$RRK_TIMEOUT" bin/tracecat "$T"
	echo "$output" | head -n 20
	[ "$status" -eq 0 ]
	# One line per event: EVENTNO TID KIND DETAIL
	echo "$output" | grep -Eq '^[0-9]+ [0-9]+ [a-z]+ '
	# sh exits through exit_group(3): an exit shows up somewhere.
	echo "$output" | grep -q 'exit'

	run timeout "$RRK_TIMEOUT" bin/tracecat --json "$T"
	[ "$status" -eq 0 ]
	[ -n "$output" ]

	run timeout "$RRK_TIMEOUT" bin/tracesum "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^[0-9a-f]{64}\ \ "$T"$ ]]
	echo "$output" >"$BATS_TEST_TMPDIR/sums"
	run timeout "$RRK_TIMEOUT" bin/tracesum -c "$BATS_TEST_TMPDIR/sums"
	echo "$output"
	[ "$status" -eq 0 ]

	run timeout "$RRK_TIMEOUT" bin/tracesum --stats "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -n "$output" ]

	replay
	show_run
	[ "$play_status" -eq 3 ]
}

@test "play -q prints nothing" {
	record "$P/stdout_stderr"
	[ "$rec_status" -eq 0 ]
	replay -q
	show_run
	[ "$play_status" -eq 0 ]
	[ ! -s "$OUT2" ]
	[ -z "$(program_lines "$ERR2")" ]
}

# ---- errors ----

@test "rec refuses to write a trace to a terminal" {
	command -v script >/dev/null || skip "script(1) is not installed"
	# script(1) gives rec a terminal as stdout. The program would print "ran-2".
	run script -qec "timeout $RRK_TIMEOUT bin/rec -- sh -c 'echo ran-\$((1+1))'" /dev/null </dev/null
	echo "$output"
	[ "$status" -eq 125 ]
	[[ "$output" != *ran-2* ]]
	[[ "$output" == *rec:* ]]
}

@test "rec with a nonexistent program: one clear line, status 127" {
	record /nonexistent/rrkit-no-such-program
	show_run
	[ "$rec_status" -eq 127 ]
	[ "$(wc -l <"$ERR1")" -eq 1 ]
	grep -q 'rrkit-no-such-program' "$ERR1"
	[ ! -s "$OUT1" ]
}

@test "an unsupported syscall stops the recording cleanly, naming it" {
	record "$P/unsupported"
	show_run
	[ "$rec_status" -eq 125 ]
	grep -q 'rec: unsupported system call shmat' "$ERR1"
	grep -q 'before shmat' "$OUT1"
	# The partial trace is still a valid trace.
	run timeout "$RRK_TIMEOUT" bin/tracecat "$T"
	echo "$output" | tail -n 5
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}

# wait_threads PID: until PID has a helper thread (a second task), not
# for a fixed time (a loaded machine starts it late).
wait_threads() {
	local tasks
	for _ in $(seq 100); do
		tasks=("/proc/$1/task/"*)
		[ "${#tasks[@]}" -ge 2 ] && return 0
		sleep 0.05
	done
	return 0
}

# helper_threads_ok PID CPUS: fails unless PID's first thread is pinned to
# one of CPUS (a comma-separated list) and its other threads keep to CPUS
# but off that one, when CPUS has another: rec and play pin themselves
# and their program to one CPU; their writing and hashing threads belong
# on another.
helper_threads_ok() {
	python3 - "$@" <<'PY'
import os, sys
pid, allowed = int(sys.argv[1]), set(int(c) for c in sys.argv[2].split(","))
tids = [int(t) for t in os.listdir(f"/proc/{pid}/task")]
main = os.sched_getaffinity(pid)
others = [os.sched_getaffinity(t) for t in tids if t != pid]
print("main thread", sorted(main), "others", [sorted(o) for o in others])
assert len(main) == 1 and main <= allowed, "main thread not pinned within the allowed CPUs"
assert others, "no helper thread"
for o in others:
    assert o <= allowed, "a helper thread left the allowed CPUs"
    if len(allowed) > 1:
        assert not (o & main), "a helper thread shares the program's CPU"
PY
}

@test "rec's and play's helper threads keep off the program's CPU, within taskset's CPUs" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	# rec pins itself to the CPU it starts on: four runs most likely see
	# both (the helper once shared CPU 0 with the program)
	for cpus in 0,1 0,1 0,1 0,1 0; do
		taskset -c "$cpus" bin/rec -o "$T" -- sleep 3 >/dev/null 2>&1 &
		pid=$!
		wait_threads "$pid"
		run helper_threads_ok "$pid" "$cpus"
		echo "rec on CPUs $cpus: $output"
		[ "$status" -eq 0 ]
		wait "$pid"
	done
	# play pins itself to one CPU, whichever the recording used (cpuid is
	# recorded: any CPU will do), recordings made on CPU 0, then 1 (a
	# second of computing: play does not wait out a sleep)
	for cpu in 0 1; do
		taskset -c "$cpu" bin/rec -o "$T" -- sh -c 'i=0; while [ $i -lt 1500000 ]; do i=$((i + 1)); done' >/dev/null 2>&1
		taskset -c 0,1 bin/play -q "$T" &
		pid=$!
		wait_threads "$pid"
		run helper_threads_ok "$pid" 0,1
		echo "play of a recording on CPU $cpu: $output"
		[ "$status" -eq 0 ]
		wait "$pid"
	done
}
