#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers set rec_status, play_status; gdb's $N values are matched literally
# play --gdb (issue 4): gdb scripts in batch mode against replays, forward
# and backward. Reverse stepping is compared with gdb's own "record full"
# on the live program, which knows where a live process going backwards
# lands.

load helpers

setup() {
	rrk_setup
	P=$ROOT/tests/progs/bin
	S=$BATS_TEST_TMPDIR/script.gdb
}

# Script 1: break, bt, locals and globals, finish, until, registers.
script_basic() {
	cat >"$S" <<'G'
break square
continue
bt
info locals
print x
print counter
print total
info registers rip
print $rsp <= $rbp && (long)&result < $rbp && (long)&result > $rbp - 64
finish
info registers rip
print $
until
until 31
print sq
print message
continue
print counter
G
}

check_basic() {
	grep -q '^Breakpoint 1, square (x=1) at tests/progs/gdb_basic.c:13' "$GOUT"
	grep -q '^#1  0x[0-9a-f]* in main () at tests/progs/gdb_basic.c:28' "$GOUT"
	grep -q '^result = ' "$GOUT"
	grep -q '^\$1 = 1$' "$GOUT"           # x
	grep -q '^\$2 = 0$' "$GOUT"           # counter before the first call ends
	grep -q '^\$3 = 100$' "$GOUT"         # total
	grep -q '^rip .*<square+' "$GOUT"
	grep -q '^\$4 = 1$' "$GOUT"           # rsp, rbp and the local agree
	grep -q '^Value returned is \$5 = 1$' "$GOUT"
	grep -q '^rip .*<main+' "$GOUT"
	grep -q '^29\s.*add_to_total(sq);' "$GOUT"
	grep -q '^main () at tests/progs/gdb_basic.c:31' "$GOUT"
	grep -q '^\$7 = 1$' "$GOUT"           # sq
	grep -q '^\$8 = "i=1 sq=1 total=101\\n"' "$GOUT"
	grep -q '^Breakpoint 1, square (x=2)' "$GOUT"
	grep -q '^\$9 = 1$' "$GOUT"
}

@test "gdb: break in a function, bt, locals and globals, finish, until, info registers" {
	record "$P/gdb_basic"
	[ "$rec_status" -eq 0 ]
	script_basic
	gdb_batch "$T" "$S"
	check_basic
}

script_watch() {
	cat >"$S" <<'G'
watch total
continue
continue
continue
reverse-continue
print total
reverse-continue
print total
delete
rwatch counter
continue
continue
delete
awatch counter
continue
continue
reverse-continue
G
}

check_watch() {
	# forward: 100 -> 101 -> 105 -> 114
	grep -q '^Old value = 100$' "$GOUT"
	grep -q '^New value = 101$' "$GOUT"
	grep -q '^New value = 114$' "$GOUT"
	# back to the previous writes: 105, then 101, stopping at the statement
	# that writes (before its store), as a live process going back would
	grep -A4 '^Old value = 114$' "$GOUT" | grep -q '^New value = 105$'
	grep -A4 '^Old value = 114$' "$GOUT" | grep -q '^21\s.*total = before + v;'
	grep -q '^\$1 = 105$' "$GOUT"
	grep -A4 '^Old value = 105$' "$GOUT" | grep -q '^New value = 101$'
	grep -q '^\$2 = 101$' "$GOUT"
	grep -q '^Hardware read watchpoint 2: counter' "$GOUT"
	grep -q '^Value = ' "$GOUT"
	grep -q '^Hardware access (read/write) watchpoint 3: counter' "$GOUT"
	[ "$(grep -c 'watchpoint [23]: counter' "$GOUT")" -ge 6 ]
}

@test "gdb: watch a global, reverse-continue to the previous write; rwatch and awatch" {
	record "$P/gdb_basic"
	script_watch
	gdb_batch "$T" "$S"
	check_watch
}

# The lines that say where gdb stopped and why, without addresses.
watch_stops() {
	grep -E '^(Breakpoint [0-9]+,|Hardware (watch|read|access)|Old value|New value|Value =|[0-9]+\s|\$[0-9]+ =|No more)| at tests/progs/' "$1" |
		sed -E 's/0x[0-9a-f]+/ADDR/g'
}

# watch_both TRACE: runs $S with debug registers (where they trap) and
# with RRK_NO_DEBUGREGS=1 (page protection); both must stop at the lines
# in $BATS_TEST_TMPDIR/want.
watch_both() {
	local mode
	for mode in 0 1; do
		RRK_NO_DEBUGREGS=$mode gdb_batch "$1" "$S"
		watch_stops "$GOUT" >"$BATS_TEST_TMPDIR/got.$mode"
		diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got.$mode"
		program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
		cmp "$OUT1" "$BATS_TEST_TMPDIR/gdb-driven"
	done
}

@test "gdb: watch -l on a list node's field at the end: reverse-continue finds the late write, continue hits it again" {
	record "$P/gdb_list"
	[ "$rec_status" -eq 0 ]
	printf 'break done\ncontinue\nwatch -l node->key\nreverse-continue\nprint n->key\ncontinue\ncontinue\n' >"$S"
	cat >"$BATS_TEST_TMPDIR/want" <<'W'
Breakpoint 1, done (node=ADDR) at tests/progs/gdb_list.c:37
37		printf("done: key=%d\n", node->key);
Hardware watchpoint 2: -location node->key
Hardware watchpoint 2: -location node->key
Old value = 100
New value = 8
ADDR in relabel (n=ADDR, key=100) at tests/progs/gdb_list.c:32
32		n->key = key;
$1 = 8
Hardware watchpoint 2: -location node->key
Old value = 8
New value = 100
relabel (n=ADDR, key=100) at tests/progs/gdb_list.c:33
33	}
Breakpoint 1, done (node=ADDR) at tests/progs/gdb_list.c:37
37		printf("done: key=%d\n", node->key);
W
	watch_both "$T"
}

@test "gdb: more watchpoints than debug registers, one of 16 bytes, rwatch, awatch and hbreak, forward and back" {
	record "$P/gdb_watch_many"
	[ "$rec_status" -eq 0 ]
	cat >"$S" <<'G'
hbreak done
watch a
watch b
watch c
watch d
watch e
watch -l pr
continue
continue
continue
continue
continue
continue
continue
reverse-continue
reverse-continue
delete
rwatch pr.lo
awatch seen
continue
continue
continue
continue
delete
hbreak done
continue
reverse-continue
G
	cat >"$BATS_TEST_TMPDIR/want" <<'W'
Hardware watchpoint 2: a
Hardware watchpoint 3: b
Hardware watchpoint 4: c
Hardware watchpoint 5: d
Hardware watchpoint 6: e
Hardware watchpoint 7: -location pr
Hardware watchpoint 2: a
Old value = 0
New value = 1
main () at tests/progs/gdb_watch_many.c:27
27			b = 2 * i;
Hardware watchpoint 3: b
Old value = 0
New value = 2
main () at tests/progs/gdb_watch_many.c:28
28			c = 3 * i;
Hardware watchpoint 4: c
Old value = 0
New value = 3
main () at tests/progs/gdb_watch_many.c:29
29			d = 4 * i;
Hardware watchpoint 5: d
Old value = 0
New value = 4
main () at tests/progs/gdb_watch_many.c:30
30			e = 5 * i;
Hardware watchpoint 6: e
Old value = 0
New value = 5
main () at tests/progs/gdb_watch_many.c:31
31			pr.hi = -i;
Hardware watchpoint 7: -location pr
Old value = {lo = 0, hi = 0}
New value = {lo = 0, hi = -1}
main () at tests/progs/gdb_watch_many.c:32
32			seen += e + pr.lo;
Hardware watchpoint 2: a
Old value = 1
New value = 2
main () at tests/progs/gdb_watch_many.c:27
27			b = 2 * i;
Hardware watchpoint 2: a
Old value = 2
New value = 1
ADDR in main () at tests/progs/gdb_watch_many.c:26
26			a = i;
Hardware watchpoint 7: -location pr
Old value = {lo = 0, hi = -1}
New value = {lo = 0, hi = 0}
ADDR in main () at tests/progs/gdb_watch_many.c:31
31			pr.hi = -i;
Hardware read watchpoint 8: pr.lo
Hardware access (read/write) watchpoint 9: seen
Hardware read watchpoint 8: pr.lo
Value = 0
ADDR in main () at tests/progs/gdb_watch_many.c:32
32			seen += e + pr.lo;
Hardware access (read/write) watchpoint 9: seen
Value = 0
ADDR in main () at tests/progs/gdb_watch_many.c:32
32			seen += e + pr.lo;
Hardware access (read/write) watchpoint 9: seen
Old value = 0
New value = 5
main () at tests/progs/gdb_watch_many.c:33
33			printf("round %ld: a=%ld e=%ld hi=%ld\n", i, a, e, pr.hi);
Hardware read watchpoint 8: pr.lo
Value = 0
ADDR in main () at tests/progs/gdb_watch_many.c:32
32			seen += e + pr.lo;
Breakpoint 10, done () at tests/progs/gdb_watch_many.c:18
18		printf("done: seen=%ld\n", seen);
No more reverse-execution history.
W
	watch_both "$T"
}

@test "gdb: rwatch on a field that the C library's memcpy reads with a wider access" {
	record "$P/gdb_watch_many"
	printf 'break done\ncontinue\nrwatch pr.hi\ncontinue\ncontinue\ncontinue\n' >"$S"
	local mode
	for mode in 0 1; do
		RRK_NO_DEBUGREGS=$mode gdb_batch "$T" "$S"
		grep -E '^(Hardware read|Value =|No more)|^__mem|^[a-z_]+ \(' "$GOUT" |
			sed -E 's/ at .*//' >"$BATS_TEST_TMPDIR/got.$mode"
	done
	diff "$BATS_TEST_TMPDIR/got.0" "$BATS_TEST_TMPDIR/got.1"
	# the copy reads pr whole (from pr.lo): a hit in memcpy, then the end
	grep -A1 '^Value = -2$' "$BATS_TEST_TMPDIR/got.1" | grep -q '^__mem'
	tail -n 1 "$BATS_TEST_TMPDIR/got.1" | grep -q '^No more reverse-execution history'
}

@test "gdb: from the end of the program, reverse-continue lands on the last hit" {
	record "$P/gdb_basic"
	cat >"$S" <<'G'
continue
break square
reverse-continue
print x
print counter
reverse-continue
print x
G
	gdb_batch "$T" "$S"
	grep -q '^No more reverse-execution history.' "$GOUT"   # the end
	grep -q '^Breakpoint 1, square (x=5)' "$GOUT"
	grep -q '^\$1 = 5$' "$GOUT"
	grep -q '^\$2 = 4$' "$GOUT"
	grep -q '^\$3 = 4$' "$GOUT"
}

# Only the lines that say where gdb stopped, without addresses.
where_lines() {
	grep -E '^[0-9]+\s|^(Breakpoint [0-9]+,|Run till|Value returned|rip|square|main|add_to_total|0x[0-9a-f]+ in|No more|\$[0-9]+ =|Old value|New value)' "$1" |
		sed -E 's/0x[0-9a-f]+/ADDR/g; s/\$[0-9]+/$N/g; s/Breakpoint [0-9]+/Breakpoint N/'
}

@test "gdb: reverse-step, reverse-next, reverse-finish, reverse-stepi land where gdb's record full does" {
	record "$P/gdb_pure"
	cat >"$BATS_TEST_TMPDIR/steps" <<'G'
break square if x == 5
continue
next
next
finish
next
step
next
next
reverse-next
reverse-step
reverse-finish
reverse-next
reverse-step
reverse-next
reverse-stepi
reverse-stepi
info registers rip
stepi
info registers rip
delete
break add_to_total
reverse-continue
print v
reverse-continue
print v
reverse-finish
G
	# the oracle: the live program under gdb's record full (its own
	# watchpoints do not trigger going backwards, so they are not compared)
	{
		echo 'break main'
		echo 'run'
		echo 'record full'
		printf 'echo ---\\n\n'
		cat "$BATS_TEST_TMPDIR/steps"
	} >"$S"
	timeout "$RRK_TIMEOUT" gdb -nx -q -batch -iex 'set debuginfod enabled off' -iex 'set pagination off' \
		-x "$S" "$P/gdb_pure" >"$BATS_TEST_TMPDIR/native" 2>&1 </dev/null || true
	sed '1,/^---$/d' "$BATS_TEST_TMPDIR/native" >"$BATS_TEST_TMPDIR/native.tail"
	where_lines "$BATS_TEST_TMPDIR/native.tail" >"$BATS_TEST_TMPDIR/want"
	gdb_batch "$T" "$BATS_TEST_TMPDIR/steps"
	where_lines "$GOUT" | grep -v '_start' >"$BATS_TEST_TMPDIR/got"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/want")" -ge 30 ]
	grep -q '^add_to_total (v=16)\|^Breakpoint N, add_to_total (v=16)' "$BATS_TEST_TMPDIR/got"
}

# walk TRACE BREAKPOINT STEPS: from the breakpoint, stepi STEPS times,
# then reverse-stepi back, comparing every register state (tests/gdb_walk.py).
walk() {
	printf 'break %s\ncontinue\ndelete\nset $walk_steps = %s\nsource %s\n' "$2" "$3" \
		"$ROOT/tests/gdb_walk.py" >"$S"
	gdb_batch "$1" "$S"
	grep -q "^walk: $3 steps, 0 mismatches" "$GOUT"
}

@test "gdb: stepi forward then reverse-stepi back agree at every instruction, across system calls" {
	record "$P/gdb_basic"
	walk "$T" '31 if i == 2' 200
	# the walk went through the write(2) of the second line: one event
	local a b
	read -r a b < <(sed -n 's/^walk: 200 steps, 0 mismatches, events \([0-9]*\)\.\.\([0-9]*\)$/\1 \2/p' "$GOUT")
	[ "$b" -eq $((a + 1)) ]
}

@test "gdb: stepi and reverse-stepi agree across rdtsc and cpuid, and in a thread" {
	record "$P/rdtsc_cpuid"
	walk "$T" main 300
	T=$BATS_TEST_TMPDIR/threads.trace record "$P/gdb_threads"
	walk "$BATS_TEST_TMPDIR/threads.trace" work 100
}

script_threads() {
	cat >"$S" <<'G'
break worker0
break worker1
break worker2
break worker3
continue
info threads
thread 1
bt
thread 2
print $_thread
continue
continue
continue
info threads
continue
G
}

check_threads() {
	for i in 0 1 2 3; do
		grep -q "hit Breakpoint $((i + 1)), worker$i (a=0x0)" "$GOUT"
	done
	# at the first stop the main thread and the worker that stopped at
	# least (how many others exist depends on the recorded schedule)
	[ "$(grep -c '^[ *] [0-9] *Thread [0-9]* "' "$GOUT")" -ge 3 ]
	grep -q '^\[Switching to thread 1 ' "$GOUT"
	grep -q 'in main () at tests/progs/gdb_threads.c' "$GOUT"
	grep -q '^\[Switching to thread 2 ' "$GOUT"
	grep -q '^\$1 = 2$' "$GOUT"
	grep -q '^sum3=31992000$' "$GERR"
}

@test "gdb: info threads and thread N in a 4-thread program, breakpoints in each" {
	record "$P/gdb_threads"
	script_threads
	gdb_batch "$T" "$S"
	check_threads
}

@test "gdb: the same scripts work when the recorded executable and libraries are gone" {
	local d=$BATS_TEST_TMPDIR/gone
	mkdir -p "$d"
	cp "$P/gdb_basic" "$P/gdb_threads" "$d/"
	# a shared library of our own, deleted with the programs
	printf 'int gone_add(int a, int b)\n{\n\tint sum = a + b;\n\treturn sum;\n}\n' >"$d/gone.c"
	printf 'int gone_add(int, int);\nint main(void) { return gone_add(40, 2) == 42 ? 0 : 1; }\n' >"$d/main.c"
	gcc -O0 -g -shared -fPIC -o "$d/libgone.so" "$d/gone.c"
	gcc -O0 -g -o "$d/uses_gone" "$d/main.c" -L"$d" -lgone -Wl,-rpath,"$d"
	T=$BATS_TEST_TMPDIR/basic.trace record "$d/gdb_basic"
	T=$BATS_TEST_TMPDIR/threads.trace record "$d/gdb_threads"
	T=$BATS_TEST_TMPDIR/lib.trace record "$d/uses_gone"
	rm -r "$d"
	script_basic
	gdb_batch "$BATS_TEST_TMPDIR/basic.trace" "$S"
	check_basic
	grep -q "Reading $d/gdb_basic from remote target" "$GOUT"
	script_watch
	gdb_batch "$BATS_TEST_TMPDIR/basic.trace" "$S"
	check_watch
	script_threads
	gdb_batch "$BATS_TEST_TMPDIR/threads.trace" "$S"
	check_threads
	printf 'break gone_add\ncontinue\nbt\nprint a\nfinish\ninfo sharedlibrary\n' >"$S"
	gdb_batch "$BATS_TEST_TMPDIR/lib.trace" "$S"
	grep -q "^Breakpoint 1, gone_add (a=40, b=2) at $d/gone.c:3" "$GOUT"
	grep -q '^#1  0x[0-9a-f]* in main () at ' "$GOUT"
	grep -q '^\$1 = 40$' "$GOUT"
	grep -q '^Value returned is \$2 = 42$' "$GOUT"
	grep -q "Yes .*$d/libgone.so" "$GOUT"
}

@test "gdb: a replay driven by gdb, back and forth, prints what plain play prints" {
	record "$P/gdb_basic"
	replay
	[ "$play_status" -eq 0 ]
	cmp "$OUT1" "$OUT2"
	cat >"$S" <<'G'
break add_to_total
continue
continue
continue
reverse-continue
reverse-continue
next
reverse-step
delete
continue
continue
G
	gdb_batch "$T" "$S"
	# with --gdb=- the program's output goes to play's stderr
	program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
	cmp "$OUT2" "$BATS_TEST_TMPDIR/gdb-driven"
	grep -q 'exited normally\]' "$GOUT"
}

@test "gdb: a process tree (sh, exec, pipe) under gdb: to the end, back to the start, to the end again" {
	record sh -c 'echo hi; ls / | head -3; exec /bin/true'
	replay
	[ "$play_status" -eq 0 ]
	printf 'continue\ninfo threads\nreverse-continue\nmonitor when\ncontinue\ncontinue\n' >"$S"
	gdb_batch "$T" "$S"
	[ "$(grep -c '^No more reverse-execution history' "$GOUT")" -eq 3 ]
	grep -q '^Current event: 2$' "$GOUT"
	grep -q 'exited normally' "$GOUT"
	program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
	cmp "$OUT2" "$BATS_TEST_TMPDIR/gdb-driven"
}

@test "gdb: a breakpoint on a signal handler stops when the signal arrives" {
	record "$P/segv_handler"
	printf 'break handler\ncontinue\nprint sig\nbt 2\ncontinue\n' >"$S"
	gdb_batch "$T" "$S"
	grep -q '^Breakpoint 1, handler (sig=11' "$GOUT"
	grep -q '^\$1 = 11$' "$GOUT"
	grep -q '<signal handler called>' "$GOUT"
}

@test "gdb: monitor goto to just after a thread switch in the middle of user code" {
	record "$P/spin_wait"
	local sched
	sched=$("$ROOT/bin/tracecat" "$T" | awk '$3 == "sched" && /at=point/ { print $1; exit }')
	[ -n "$sched" ]
	printf 'monitor goto %s\nmonitor when\ninfo threads\ncontinue\n' "$((sched + 1))" >"$S"
	gdb_batch "$T" "$S"
	grep -q "^At event $((sched + 1))\$" "$GOUT"
	grep -q "^Current event: $((sched + 1))\$" "$GOUT"
	grep -q '^No more reverse-execution history' "$GOUT"   # the end
	program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
	replay
	cmp "$OUT2" "$BATS_TEST_TMPDIR/gdb-driven"
}

@test "gdb: memory and register writes go to a copy; the replay goes on as recorded" {
	record "$P/gdb_basic"
	cat >"$S" <<'G'
break add_to_total
continue
set var total = 999
print total
continue
print total
set var $rax = 77
print $rax
continue
print v
print $rax != 77
delete
continue
G
	gdb_batch "$T" "$S"
	grep -q '^\$1 = 999$' "$GOUT"
	grep -q 'changes to memory were made to a copy' "$GOUT"
	grep -q '^\$2 = 101$' "$GOUT"      # the replay's own value at the next stop
	grep -q '^\$3 = 77$' "$GOUT"
	grep -q 'cannot run changed registers' "$GOUT"
	grep -q '^\$4 = 4$' "$GOUT"        # nothing ran
	grep -q '^\$5 = 1$' "$GOUT"
	grep -q '^No more reverse-execution history' "$GOUT"
	program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
	cmp "$OUT1" "$BATS_TEST_TMPDIR/gdb-driven"
	# a function called from gdb does not run, and the replay is intact
	printf 'break add_to_total\ncontinue\nprint square(3)\n' >"$S"
	gdb_batch "$T" "$S"
	grep -q 'stopped while in a function called from GDB' "$GOUT"
	program_lines "$GERR" >"$BATS_TEST_TMPDIR/gdb-driven"
	cmp "$OUT1" "$BATS_TEST_TMPDIR/gdb-driven"
}

@test "gdb: play --gdb launches gdb; output on play's stdout matches plain play" {
	record "$P/gdb_basic"
	printf 'break square\ncontinue\nreverse-continue\ncontinue\ncontinue\ndelete\ncontinue\ncontinue\n' >"$S"
	run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" --gdb "$T" -- -nx -batch -iex 'set debuginfod enabled off' -x "$S"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q '^Breakpoint 1, square (x=1)' <<<"$output"
	[ "$(grep -c '^i=1 sq=1 total=101$' <<<"$output")" -eq 1 ]
	grep -q '^counter=5 total=155 pid-independent$' <<<"$output"
}

# --goto N far into the replay (compute_long 2000000000: about 5 s of
# computation before its output): play reaches N before it starts gdb,
# whose remote timeout (2 s) the replay would otherwise outlast.
@test "gdb: play --gdb --goto N reaches N before gdb connects" {
	record "$P/compute_long" 2000000000
	[ "$rec_status" -eq 0 ]
	local w
	w=$(bin/tracecat "$T" | awk '/ syscall write\(1, "result=/ { print $1; exit }')
	[ -n "$w" ]
	run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" --gdb --goto "$w" "$T" -- -nx -batch \
		-iex 'set debuginfod enabled off' -ex 'monitor when' -ex 'continue'
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^Current event: $w\$" <<<"$output"
	grep -q '^result=' <<<"$output"
	! grep -q 'Ignoring packet error\|No threads' <<<"$output" || false
}

@test "gdb: play --gdb=:0 serves on a port and prints how to connect" {
	record "$P/gdb_basic"
	timeout "$RRK_TIMEOUT" "$ROOT/bin/play" --gdb=:0 "$T" >"$OUT2" 2>"$ERR2" &
	local pid=$! port=
	for _ in $(seq 1 100); do
		port=$(sed -n "s/.*target remote 127.0.0.1:\([0-9]*\)'.*/\1/p" "$ERR2")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ]
	printf 'break square\ncontinue\nprint x\ndelete\ncontinue\n' >"$S"
	timeout "$RRK_TIMEOUT" gdb -nx -q -batch -iex 'set debuginfod enabled off' \
		-ex "target remote 127.0.0.1:$port" -x "$S" >"$GOUT" 2>&1 </dev/null || true
	wait "$pid" || true
	cat "$GOUT" "$ERR2"
	grep -q '^\$1 = 1$' "$GOUT"
	cmp "$OUT1" "$OUT2"
}

# A checkpoint part way through a run whose system calls went through
# the syscall buffer (gdb_long's getppid per round, no event between
# rounds): the copy has consumed some of the run's records, and a
# restart goes on from there (it once filled the buffer again from the
# run's start, and the replay diverged at the next event). gdb does not
# know that a monitor command moved the program: the flushes drop what
# it cached of registers and memory.
@test "gdb: monitor checkpoint part way through buffered system calls, restart, on to the end" {
	record "$P/gdb_long" 100
	[ "$rec_status" -eq 0 ]
	cat >"$S" <<'G'
break marker if round == 60
continue
monitor checkpoint
print round
delete
continue
monitor restart 1
maintenance flush register-cache
maintenance flush dcache
print round
break marker
continue
print round
delete
continue
G
	gdb_batch "$T" "$S"
	grep -q '^Checkpoint 1 at event ' "$GOUT"
	grep -q '^\$1 = 60$' "$GOUT"
	grep -q '^\$2 = 60$' "$GOUT"
	grep -q '^\$3 = 61$' "$GOUT"
	[ "$(grep -c divergence "$GERR")" -eq 0 ]
	[ "$(grep -c '^rounds=100$' "$GERR")" -eq 1 ]
}

@test "gdb: monitor when, goto, checkpoint, restart; play --goto N" {
	record "$P/gdb_basic"
	# the events of the writes of the second and third lines
	local w2 w3
	w2=$("$ROOT/bin/tracecat" "$T" | awk '/write\(1, "i=2 / { print $1; exit }')
	w3=$("$ROOT/bin/tracecat" "$T" | awk '/write\(1, "i=3 / { print $1; exit }')
	cat >"$S" <<G
monitor when
break add_to_total
continue
continue
monitor checkpoint
print total
continue
continue
print total
monitor restart 1
maintenance flush register-cache
maintenance flush dcache
print total
print v
monitor when
monitor goto $w3
monitor when
print total
monitor restart 0
monitor when
monitor help
monitor bogus
G
	gdb_batch "$T" "$S"
	grep -q '^Current event: 2$' "$GOUT"
	grep -q "^Checkpoint 1 at event $w2\$" "$GOUT"
	[ "$(grep -c '^\$1 = 101$' "$GOUT")" -eq 1 ]
	grep -q '^\$2 = 114$' "$GOUT"
	grep -q '^\$3 = 101$' "$GOUT"      # back at checkpoint 1
	grep -q '^\$4 = 4$' "$GOUT"
	grep -q "^Current event: $w2\$" "$GOUT"
	grep -q "^At event $w3\$" "$GOUT"
	grep -q "^Current event: $w3\$" "$GOUT"
	grep -q '^\$5 = 105$' "$GOUT"
	grep -q '^  goto N ' "$GOUT"
	grep -q 'unknown monitor command "bogus"' "$GOUT"
	# --goto: gdb starts at the event of the third line's write
	printf 'monitor when\nprint total\n' >"$S"
	run timeout "$RRK_TIMEOUT" gdb -nx -q -batch -iex 'set debuginfod enabled off' \
		-ex "target remote | exec '$ROOT/bin/play' --gdb=- --goto $w3 '$T'" -x "$S" </dev/null
	echo "$output"
	grep -q "^Current event: $w3\$" <<<"$output"
	grep -q '^\$1 = 105$' <<<"$output"
}

@test "gdb: reverse-continue over a second of program time" {
	record "$P/gdb_long"
	[ "$rec_status" -eq 0 ]
	printf 'continue\nbreak marker\nreverse-continue\nprint round\nreverse-continue\nprint round\n' >"$S"
	gdb_batch "$T" "$S"
	grep -q '^\$1 = 400$' "$GOUT"
	grep -q '^\$2 = 399$' "$GOUT"
}

# The reverse steps of issue 15's acceptance: from the end of a long
# computation without events, back to a breakpoint near its start, then a
# reverse-stepi, -next and -step (compute_long, 2 x 50 million rounds
# here; make bench times the 5-second one, doc/performance.md).
@test "gdb: from the end of a long computation, back to its start: reverse-stepi, -next, -step land as gdb's record full would" {
	record "$P/compute_long" 50000000
	[ "$rec_status" -eq 0 ]
	cat >"$S" <<'G'
python
def where():
    f = gdb.selected_frame()
    print("AT %s %d" % (f.name(), gdb.find_pc_line(f.pc()).line))
end
continue
break first
reverse-continue
python where()
reverse-stepi
python where()
x/i $pc
reverse-next
python where()
reverse-step
python where()
continue
python where()
G
	gdb_batch "$T" "$S"
	grep -q '^Breakpoint 1, first' "$GOUT"
	# first's entry; the call in main; the start of that line; the end
	# of strtoul, which the line before called (as record full on the
	# live program lands, checked by hand); forward to first again
	grep '^AT ' "$GOUT" | sed 's/^AT //' | tr '\n' ' ' |
		grep -Eq '^first 13 main 32 main 32 [_A-Za-z]*strtoul[_a-z]* [0-9]+ first 13 $'
	grep -q '^=> 0x[0-9a-f]* <main+[0-9]*>:.*call.*<first>' "$GOUT"
	grep -q '^result=' "$GERR"
}

# Reverse steps from a position deep in a long run without events:
# middle() is reached after crunch()'s rounds, hundreds of millions of
# instructions after the run's last event, which single steps from
# there would take hours to count. play finds the instruction before the
# position by the state it leaves (lib/debug/gdb_pred.c): the call into
# middle(), the line before it, crunch()'s return and its loop. The
# landings are those of gdb's record full on the live program
# (compute_long 2000, checked by hand). deep_steps TRACE: the script and
# the comparison.
deep_steps() {
	cat >"$S" <<'G'
python
def where():
    f = gdb.selected_frame()
    i = gdb.execute("x/i $pc", to_string=True).split(":", 1)[1].split()
    print("AT %s %d %s" % (f.name(), gdb.find_pc_line(f.pc()).line, i[0]))
end
break middle
continue
python where()
reverse-stepi
python where()
reverse-stepi
python where()
reverse-stepi
python where()
stepi
stepi
python where()
reverse-next
python where()
reverse-step
python where()
reverse-step
python where()
reverse-stepi
python where()
continue
python where()
G
	gdb_batch "$1" "$S"
	grep '^AT ' "$GOUT" | sed 's/^AT //' >"$BATS_TEST_TMPDIR/landed"
	cat >"$BATS_TEST_TMPDIR/want" <<'W'
middle 18 mov
main 34 call
main 34 mov
main 33 mov
main 34 call
main 34 mov
crunch 26 ret
crunch 24 add
crunch 25 add
middle 18 mov
W
	diff -u "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/landed"
	grep -q '^result=' "$GERR"
}

# 200 million rounds, about 0.25 s: the continue to middle() leaves
# checkpoints part way through the run (every 0.1 s) to start from;
# then without them, from the run's start.
@test "gdb: reverse-stepi, -next and -step deep in a long computation land as record full would" {
	record "$P/compute_long" 200000000
	[ "$rec_status" -eq 0 ]
	deep_steps "$T"
	T=$BATS_TEST_TMPDIR/short.trace record "$P/compute_long" 50000000
	RRK_NO_STRETCH=1 deep_steps "$BATS_TEST_TMPDIR/short.trace"
}

# The instruction before a position, found by state, where it is a
# rep stos that ran 32 times: each of its steps is a state of its own,
# and both runs of the search must count them alike (they once did not,
# and gdb landed 86 calls earlier).
@test "gdb: reverse-stepi deep in a run lands on the last iteration of a rep stos" {
	record "$P/rep_reverse"
	[ "$rec_status" -eq 0 ]
	cat >"$S" <<'G'
break *ppos if counter==2
continue
reverse-stepi
print counter
print $rcx
x/i $pc
reverse-stepi
print $rcx
G
	gdb_batch "$T" "$S"
	grep -q '^\$1 = 2$' "$GOUT"
	grep -q '^\$2 = 1$' "$GOUT"
	grep -q '^=> 0x[0-9a-f]* <fill+[0-9]*>:.*rep stos' "$GOUT"
	grep -q '^\$3 = 2$' "$GOUT"
}

# A position at the head of a hot loop early in its second call
# (crunch() runs 2 million rounds once before): the search watches P's
# instruction for its arrival, and where it is hot that check moves into
# the program too (a stop per round took minutes).
@test "gdb: reverse-stepi at the head of a hot loop lands on its closing jump" {
	record "$P/compute_long" 2000000
	[ "$rec_status" -eq 0 ]
	cat >"$S" <<'G'
break middle
continue
delete
stepi 18
print $rdx
reverse-stepi
x/i $pc
print $rdx
reverse-stepi
x/i $pc
G
	gdb_batch "$T" "$S"
	[ "$(grep -c '^\$[0-9]* = 1$' "$GOUT")" -eq 2 ]
	grep -q '^=> 0x[0-9a-f]* <crunch+[0-9]*>:.*jne' "$GOUT"
	grep -q '^=> 0x[0-9a-f]* <crunch+[0-9]*>:.*cmp' "$GOUT"
}

@test "gdb: ^C from gdb stops a running replay" {
	# ^C is noticed between events; the buffered syscalls of gdb_long's
	# rounds are not events (doc/design.md "The syscall buffer"). 2000
	# rounds: a replay of several seconds, so that each ^C, sent 0.3 and
	# 0.2 s after a continue, comes before the end on a fast machine too
	REC_OPTS=--no-syscallbuf record "$P/gdb_long" 2000
	run timeout "$RRK_TIMEOUT" /usr/bin/python3 "$ROOT/tests/gdb_proto.py" interrupt "$ROOT/bin/play" "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^noack: b'OK'" <<<"$output"
	grep -q "^stop: b'T02thread:[0-9a-f]*;'" <<<"$output"
	# stopped part way: neither at the start nor at the end
	local n total
	n=$(sed -n 's/^when: Current event: //p' <<<"$output")
	total=$(last_event "$T")
	[ "$n" -gt 2 ]
	[ "$n" -lt "$total" ]
	# a checkpoint there, and back to it after another ^C
	grep -q "^checkpoint: Checkpoint 1 at event $n\$" <<<"$output"
	grep -q "^stop again: b'T02thread:" <<<"$output"
	grep -q "^restart: At event $n\$" <<<"$output"
	grep -q "^when after restart: Current event: $n\$" <<<"$output"
	grep -q "^to the end: b'T05thread:[0-9a-f]*;replaylog:end;'" <<<"$output"
	grep -q '^status: 0$' <<<"$output"
}

@test "gdb: protocol packets: qSupported, target description, g/p, m/x, qXfer, vFile, Z limits" {
	record "$P/gdb_basic"
	run timeout "$RRK_TIMEOUT" /usr/bin/python3 "$ROOT/tests/gdb_proto.py" packets "$ROOT/bin/play" "$T"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^FAIL' <<<"$output")" -eq 0 ]
	[ "$(grep -c '^ok ' <<<"$output")" -eq 35 ]
	grep -q '^status: 0$' <<<"$output"
}

@test "gdb: bad --gdb and --goto uses give one clear line" {
	record "$P/gdb_basic"
	run "$ROOT/bin/play" --gdb=bogus "$T"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	grep -q '^play: bad --gdb=bogus' <<<"$output"
	run "$ROOT/bin/play" --goto 0 "$T"
	[ "$status" -eq 125 ]
	grep -q '^play: --goto 0: not an event number' <<<"$output"
	run "$ROOT/bin/play" --gdb=- --goto x "$T"
	[ "$status" -eq 125 ]
	grep -q 'not an event number' <<<"$output"
	run "$ROOT/bin/play" --gdb=- - <"$T"
	[ "$status" -eq 125 ]
	grep -q 'give the trace as a file' <<<"$output"
	# no gdb to start: one line, before waiting for anything
	run timeout "$RRK_TIMEOUT" env PATH=/nonexistent "$ROOT/bin/play" --gdb "$T"
	[ "$status" -eq 125 ]
	[ "${#lines[@]}" -eq 1 ]
	grep -q '^play: cannot run gdb: install it' <<<"$output"
	# a bad trace fails before gdb is started or waited for
	head -c 1000 "$T" >"$BATS_TEST_TMPDIR/cut.trace"
	for mode in --gdb --gdb=:0 --gdb=-; do
		run timeout "$RRK_TIMEOUT" "$ROOT/bin/play" "$mode" "$BATS_TEST_TMPDIR/cut.trace" </dev/null
		[ "$status" -eq 125 ]
		[ "${#lines[@]}" -eq 1 ]
		grep -q '^play: .*cut.trace: byte 1000: trace ends inside a frame' <<<"$output"
	done
}
