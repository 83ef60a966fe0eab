#!/usr/bin/env bash
# rrkit benchmarks (`make bench`; not part of `make check`).
#
# Runs each workload natively, under `rec`, under `rec --no-syscallbuf`,
# replayed by `play -q`, and under `strace -f`, interleaved run by run;
# prints the medians as ratios to native, plus the trace bytes per second
# of native time and the median of each run's play/rec, and rewrites doc/performance.md with the same table and
# the machine's details. Then compares gdb's `record full` with rec on a
# loop of 1,000,000 instructions. Nothing here asserts on timings.
#
# Environment:
#   BENCH_RUNS=N        runs per workload (default 9); slow rows run at most
#                       their cap (see the runs column) unless
#   BENCH_UNCAPPED=1    is set
#   BENCH_ONLY=a,b      run only these rows (names as in the table; "gdb" for
#                       the gdb comparison, "gdb-reverse" for reverse stepping
#                       under play --gdb); doc/performance.md is then not
#                       rewritten (unless BENCH_DOC is set)
#   BENCH_GDB_ITERS=N   loop iterations for the gdb comparison (4 instructions
#                       each; default 250000 = 1,000,000 instructions)
#   BENCH_GDB_RUNS=N    gdb record full runs (default 1: ~2 min each here)
#   BENCH_POINT_PASSES=N loop passes before the execution point of the
#                       "points" comparison (default 1000000)
#   BENCH_POINT_RUNS=N  replays each way in that comparison (default 1:
#                       about a minute each here)
#   BENCH_GDB_TIMEOUT=S give up on one gdb record full run after S seconds
#                       (default 900)
#   BENCH_TIMEOUT=S     give up on any other measured command after S seconds
#                       (default 300); its cell then says "timeout"
#   BENCH_BIN=DIR       measure DIR/rec and DIR/play (default bin, built by
#                       `make bench`), e.g. another build to compare with
#   BENCH_DOC=FILE      where to write the Markdown (default doc/performance.md)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

runs=${BENCH_RUNS:-9}
uncapped=${BENCH_UNCAPPED:-0}
only=${BENCH_ONLY:-}
gdb_iters=${BENCH_GDB_ITERS:-250000}
point_passes=${BENCH_POINT_PASSES:-1000000}
point_runs=${BENCH_POINT_RUNS:-1}
gdb_runs=${BENCH_GDB_RUNS:-1}
gdb_timeout=${BENCH_GDB_TIMEOUT:-900}
cmd_timeout=${BENCH_TIMEOUT:-300}
toolbin=${BENCH_BIN:-bin}
doc=${BENCH_DOC:-doc/performance.md}

for v in "$runs" "$gdb_iters" "$gdb_runs" "$gdb_timeout" "$cmd_timeout" "$point_passes" "$point_runs"; do
	case $v in
	'' | *[!0-9]* | 0)
		echo "bench: BENCH_RUNS, BENCH_GDB_ITERS, BENCH_GDB_RUNS, BENCH_GDB_TIMEOUT, BENCH_TIMEOUT, BENCH_POINT_PASSES and BENCH_POINT_RUNS must be positive integers" >&2
		exit 2
		;;
	esac
done

# The generated project's `make -j2` must not join the jobserver of a
# `make bench` that runs us.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEFILES MAKEOVERRIDES GNUMAKEFLAGS

for t in strace gdb gcc make tar find awk timeout /usr/bin/python3; do
	if ! command -v "$t" >/dev/null 2>&1; then
		echo "bench: $t not found; run: make bench (installs it as root) or sh bench/deps.sh" >&2
		exit 2
	fi
done

# Build what is missing (`make bench` has already built everything).
progs="cpu_compress syscall_heavy loop pmu_probe"
need_build=0
if [ -z "${BENCH_BIN:-}" ]; then
	for f in bin/rec bin/play; do [ -x "$f" ] || need_build=1; done
fi
for p in $progs; do [ -x "bench/bin/$p" ] || need_build=1; done
if [ "$need_build" = 1 ]; then
	make --no-print-directory all bench-progs >&2
fi
for f in "$toolbin/rec" "$toolbin/play"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f not found" >&2
		exit 2
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rrkit-bench.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# syscall_heavy's file, gcc's temporaries: all in our directory.
export TMPDIR="$tmp"
log=$tmp/out.log

# Measure copies of the tools, so that a rebuild during the run (it takes
# minutes) cannot mix two versions. They are static: a copy runs the same.
mkdir "$tmp/tools"
cp "$toolbin/rec" "$toolbin/play" "$tmp/tools/"
rec=$tmp/tools/rec
play=$tmp/tools/play

say() { printf '%s\n' "$*" >&2; }

now() { date +%s.%N; }

# time_cmd CMD...: runs CMD with its output in $log, killing it after
# $limit seconds; sets elapsed (seconds), status, and outcome (empty when
# CMD succeeded, else "fail" or "timeout").
elapsed=0
status=0
outcome=
limit=$cmd_timeout
time_cmd() {
	local t0 t1
	t0=$(now)
	if timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null; then status=0; else status=$?; fi
	t1=$(now)
	elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
	case $status in
	0) outcome= ;;
	124 | 137) outcome=timeout ;;
	*) outcome=fail ;;
	esac
}

# failed WHAT: reports a failed command on stderr with the end of its
# output, and in the notes under the table with rec's or play's first
# message (else the last line of the output) unless it timed out.
notes=()
row=
failed() {
	local why first
	if [ "$outcome" = timeout ]; then
		why="timed out after ${limit}s (status $status)"
	else
		why="failed (status $status)"
	fi
	say "bench:   $1 $why; last lines of its output:"
	tail -n 5 "$log" | cut -c 1-300 | sed 's/^/bench:     /' >&2
	first=
	if [ "$outcome" != timeout ]; then
		first=$(grep -m 1 -E '^(rec|play): ' "$log" | cut -c 1-200 || true)
		[ -n "$first" ] || first=$(tail -n 1 "$log" | cut -c 1-200)
		first=${first//\`/\'}
	fi
	notes+=("${row:+$row: }$1 $why${first:+: \`$first\`}")
}

# median: of the numbers on standard input, one a line.
median() {
	sort -g | awk '{ a[NR] = $1 }
		END {
			if (NR == 0) exit
			if (NR % 2) printf "%.6f\n", a[(NR + 1) / 2]
			else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2
		}'
}

# med_of LIST: the median of a space-separated list of numbers.
# shellcheck disable=SC2086 # split the list on purpose
med_of() { printf '%s\n' $1 | median; }

# show_cmd ARG...: the command line as one would type it into sh, with
# our temporary directory written as $TMPDIR.
show_cmd() {
	local a out="" q="'\\''"
	for a in "$@"; do
		case $a in
		'' | *[!A-Za-z0-9_./=:,+-]*) a="'${a//\'/$q}'" ;;
		esac
		out+="${out:+ }$a"
	done
	printf '%s' "${out//"$tmp"/\$TMPDIR}"
}

# ratio TOOL_SECONDS NATIVE_SECONDS
ratio() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t / n }'; }

selected() {
	[ -z "$only" ] && return 0
	case ",$only," in *",$1,"*) return 0 ;; esac
	return 1
}

load0=$(cut -d ' ' -f 1-3 /proc/loadavg)

# Is rec --no-syscallbuf there? (It is being added; without it: n/a.)
nosb=0
nosb_msg=
if timeout -k 10 60 "$rec" --no-syscallbuf -o "$tmp/probe.trace" -- true >"$log" 2>&1 </dev/null; then
	nosb=1
else
	nosb_msg=$(head -n 1 "$log")
	say "bench: rec --no-syscallbuf is not available ($nosb_msg): that column is n/a"
fi
rm -f "$tmp/probe.trace"

# Results, one entry per row.
R_name=()
R_runs=()
R_native=()
R_rec=()
R_nosb=()
R_play=()
R_strace=()
R_mbps=()
R_pr=()
R_cmd=()

# cell LIST FAILED NATIVE: the ratio cell of one tool (FAILED: why it has
# none).
cell() {
	if [ -n "$2" ]; then
		printf '%s' "$2"
	elif [ -z "$1" ]; then
		printf '%s' "n/a"
	else
		ratio "$(med_of "$1")" "$3"
	fi
}

# bench_row NAME CAP PREP CMD...: measures CMD (an argument vector). PREP is
# a command run before every measured run, not timed (":" for none). CAP is
# the most runs this row makes by default.
bench_row() {
	local name=$1 cap=$2 prep=$3
	shift 3
	selected "$name" || return 0
	row=$name
	local n=$runs
	if [ "$uncapped" != 1 ] && [ "$cap" -lt "$n" ]; then
		n=$cap
		notes+=("$name: $n run(s) instead of $runs, to keep \`make bench\` short (BENCH_UNCAPPED=1 lifts this)")
	fi
	say "bench: $name ($n run(s)): $(show_cmd "$@")"

	# Warm-up (page cache, dynamic loader caches): not measured.
	$prep
	time_cmd "$@"
	if [ "$status" != 0 ]; then
		failed "native (warm-up)"
	fi

	# A tool that failed or timed out once is not run again in this row.
	local i t_native="" t_rec="" t_nosb="" t_play="" t_strace="" t_pr="" bytes="" e_rec
	local f_native="" f_rec="" f_nosb="" f_play="" f_strace=""
	for ((i = 1; i <= n; i++)); do
		if [ -z "$f_native" ]; then
			$prep
			time_cmd "$@"
			say "bench:   run $i: native ${elapsed}s"
			if [ "$status" = 0 ]; then t_native+=" $elapsed"; else f_native=$outcome; failed "native"; fi
		fi

		if [ -z "$f_rec" ]; then
			$prep
			rm -f "$tmp/t.trace"
			time_cmd "$rec" -o "$tmp/t.trace" -- "$@"
			say "bench:   run $i: rec ${elapsed}s"
			if [ "$status" = 0 ]; then
				t_rec+=" $elapsed"
				e_rec=$elapsed
				bytes+=" $(stat -c %s "$tmp/t.trace")"
				if [ -z "$f_play" ]; then
					$prep
					time_cmd "$play" -q "$tmp/t.trace"
					say "bench:   run $i: play ${elapsed}s"
					if [ "$status" = 0 ]; then
						t_play+=" $elapsed"
						t_pr+=" $(ratio "$elapsed" "$e_rec")"
					else
						f_play=$outcome
						failed "play"
					fi
				fi
			else
				f_rec=$outcome
				f_play=${f_play:--}
				failed "rec"
			fi
			rm -f "$tmp/t.trace"
		fi

		if [ "$nosb" = 1 ] && [ -z "$f_nosb" ]; then
			$prep
			time_cmd "$rec" --no-syscallbuf -o "$tmp/t.trace" -- "$@"
			say "bench:   run $i: rec --no-syscallbuf ${elapsed}s"
			if [ "$status" = 0 ]; then t_nosb+=" $elapsed"; else f_nosb=$outcome; failed "rec --no-syscallbuf"; fi
			rm -f "$tmp/t.trace"
		fi

		if [ -z "$f_strace" ]; then
			$prep
			time_cmd strace -f -o /dev/null "$@"
			say "bench:   run $i: strace ${elapsed}s"
			if [ "$status" = 0 ]; then t_strace+=" $elapsed"; else f_strace=$outcome; failed "strace"; fi
		fi
	done

	local native mbps=""
	if [ -n "$f_native" ] || [ -z "$t_native" ]; then
		native=""
	else
		native=$(med_of "$t_native")
	fi
	R_name+=("$name")
	R_runs+=("$n")
	R_cmd+=("$(show_cmd "$@")")
	if [ -z "$native" ]; then
		R_native+=("${f_native:-fail}")
		R_rec+=("-")
		R_nosb+=("-")
		R_play+=("-")
		R_strace+=("-")
		R_mbps+=("-")
		R_pr+=("-")
		return 0
	fi
	R_native+=("$(awk -v x="$native" 'BEGIN { printf "%.3f", x }')")
	R_rec+=("$(cell "$t_rec" "$f_rec" "$native")")
	if [ "$nosb" = 1 ]; then
		R_nosb+=("$(cell "$t_nosb" "$f_nosb" "$native")")
	else
		R_nosb+=("n/a")
	fi
	R_play+=("$(cell "$t_play" "$f_play" "$native")")
	R_strace+=("$(cell "$t_strace" "$f_strace" "$native")")
	if [ -n "$bytes" ] && [ -z "$f_rec" ]; then
		mbps=$(awk -v b="$(med_of "$bytes")" -v n="$native" 'BEGIN { printf "%.1f", b / n / 1e6 }')
	else
		mbps="-"
	fi
	R_mbps+=("$mbps")
	if [ -n "$t_pr" ] && [ -z "$f_play" ]; then
		R_pr+=("$(awk -v x="$(med_of "$t_pr")" 'BEGIN { printf "%.2f", x }')")
	else
		R_pr+=("-")
	fi
}

# --- the generated 50-file C project -----------------------------------------

gen_project() {
	local dir=$1 i
	mkdir -p "$dir"
	for ((i = 1; i <= 49; i++)); do
		cat >"$dir/mod$i.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item$i {
	int key;
	double weight;
	char name[32];
};

static int cmp$i(const void *a, const void *b)
{
	const struct item$i *x = a, *y = b;
	return (x->key > y->key) - (x->key < y->key);
}

static unsigned long mix$i(unsigned long h, unsigned long v)
{
	h ^= v + 0x9e3779b97f4a7c15UL + (h << 6) + (h >> 2);
	return h * $((i * 2 + 1))UL;
}

unsigned long mod$i(unsigned long seed)
{
	struct item$i items[64];
	unsigned long h = seed;
	for (int k = 0; k < 64; k++) {
		h = mix$i(h, (unsigned long)k);
		items[k].key = (int)(h % 1000);
		items[k].weight = (double)(h % 97) / 7.0;
		snprintf(items[k].name, sizeof items[k].name, "item-$i-%d", k);
	}
	qsort(items, 64, sizeof items[0], cmp$i);
	for (int k = 0; k < 64; k++)
		h = mix$i(h, (unsigned long)items[k].key + strlen(items[k].name) +
				     (unsigned long)items[k].weight);
	return h;
}
EOF
	done
	{
		echo '#include <stdio.h>'
		for ((i = 1; i <= 49; i++)); do echo "unsigned long mod$i(unsigned long);"; done
		echo 'int main(void)'
		echo '{'
		echo '	unsigned long h = 1;'
		for ((i = 1; i <= 49; i++)); do echo "	h = mod$i(h);"; done
		printf '%s\n' '	printf("%lx\n", h);' '	return 0;' '}'
	} >"$dir/main.c"
	# shellcheck disable=SC2016 # make variables, not shell ones
	printf '%s\n' \
		'CC = gcc' \
		'CFLAGS = -O2 -Wall' \
		'OBJS = $(patsubst %.c,%.o,$(sort $(wildcard *.c)))' \
		'' \
		'prog: $(OBJS)' \
		'	$(CC) -o $@ $(OBJS)' \
		'' \
		'%.o: %.c' \
		'	$(CC) $(CFLAGS) -c -o $@ $<' \
		'' \
		'clean:' \
		'	rm -f prog $(OBJS)' >"$dir/Makefile"
}

proj=$tmp/project
gen_project "$proj"
make_clean() { make -s -C "$proj" clean >/dev/null 2>&1; }

# --- the rows ----------------------------------------------------------------

# shellcheck disable=SC2016 # $i is the inner shell's
py_loop='i=0; while [ "$i" -lt 50 ]; do /usr/bin/python3 -c pass; i=$((i + 1)); done'

bench_row true-startup 9 : /bin/true
bench_row rdtsc-1m 3 : tests/progs/bin/rdtsc_loop 1000000
bench_row cpu-compress 9 : bench/bin/cpu_compress
bench_row syscall-heavy 1 : bench/bin/syscall_heavy
bench_row tar-usr-include 9 : sh -c 'tar cf - /usr/include | wc -c'
bench_row find-usr-h 3 : sh -c "find /usr -name '*.h' | wc -l"
bench_row make-j2-50-files 3 make_clean make -s -C "$proj" -j2
bench_row python3-x50 5 : sh -c "$py_loop"

# --- gdb record full versus rec ----------------------------------------------

# gdb's record full run: the file gdb reads, and what doc/performance.md shows.
gdb_full_script='set pagination off
set confirm off
set debuginfod enabled off
set record full insn-number-max unlimited
break spin
run
record full
finish
info record
record stop
continue'
gdb_done=0
gdb_insns=$((gdb_iters * 4))
gdb_logged=""
g_native="" g_rec="" g_plain="" g_full="" g_full_cell="" g_ratio="" g_per_insn=""
if selected gdb; then
	gdb_done=1
	row=gdb
	loop_cmd=(bench/bin/loop "$gdb_iters")
	cat >"$tmp/plain.gdb" <<'EOF'
set pagination off
set confirm off
set debuginfod enabled off
break spin
run
finish
continue
EOF
	printf '%s\n' "$gdb_full_script" >"$tmp/full.gdb"
	say "bench: gdb: ${loop_cmd[*]} ($gdb_insns instructions in spin()); native, rec and gdb without record: $runs run(s); gdb record full: $gdb_runs run(s)"
	t_native="" t_rec="" t_plain="" t_full=""
	time_cmd "${loop_cmd[@]}" # warm-up
	for ((i = 1; i <= runs; i++)); do
		time_cmd "${loop_cmd[@]}"
		if [ "$status" = 0 ]; then t_native+=" $elapsed"; else failed "native loop"; fi
		time_cmd "$rec" -o "$tmp/t.trace" -- "${loop_cmd[@]}"
		if [ "$status" = 0 ]; then t_rec+=" $elapsed"; else failed "rec loop"; fi
		rm -f "$tmp/t.trace"
		time_cmd gdb -nx -q -batch -x "$tmp/plain.gdb" --args "${loop_cmd[@]}"
		if [ "$status" = 0 ]; then t_plain+=" $elapsed"; else failed "gdb (no record)"; fi
		say "bench:   run $i: native ${t_native##* }s, rec ${t_rec##* }s, gdb without record ${t_plain##* }s"
	done
	for ((i = 1; i <= gdb_runs; i++)); do
		limit=$gdb_timeout
		time_cmd gdb -nx -q -batch -x "$tmp/full.gdb" --args "${loop_cmd[@]}"
		limit=$cmd_timeout
		if [ "$status" = 0 ] && grep -q '^Log contains' "$log"; then
			t_full+=" $elapsed"
			gdb_logged=$(sed -n 's/^Log contains \([0-9]*\) instructions.*/\1/p' "$log" | head -n 1)
			say "bench:   gdb record full run $i: ${elapsed}s ($gdb_logged instructions logged)"
		elif [ "$outcome" = timeout ]; then
			g_full_cell="timeout (>${gdb_timeout}s)"
			say "bench:   gdb record full run $i: timed out after ${gdb_timeout}s"
		else
			failed "gdb record full"
		fi
	done
	[ -n "$t_native" ] && g_native=$(med_of "$t_native")
	[ -n "$t_rec" ] && g_rec=$(med_of "$t_rec")
	[ -n "$t_plain" ] && g_plain=$(med_of "$t_plain")
	if [ -n "$t_full" ]; then
		g_full=$(med_of "$t_full")
		g_full_cell=$(awk -v x="$g_full" 'BEGIN { printf "%.2f", x }')
		if [ -n "$g_rec" ]; then
			g_ratio=$(ratio "$g_full" "$g_rec")
		fi
		# Per instruction, less gdb's own start-up (its run without record).
		g_per_insn=$(awk -v f="$g_full" -v p="${g_plain:-0}" -v n="${gdb_logged:-$gdb_insns}" \
			'BEGIN { printf "%.1f", (f - p) / n * 1e6 }')
	fi
	[ -n "$g_full_cell" ] || g_full_cell="fail"
fi

# --- execution points: debug registers versus int3 ---------------------------

# One recording of a SIGALRM landing in a loop after about point_passes
# passes since the timer was set; it replays with the point found by a
# debug register breakpoint, then by play's int3 (RRK_NO_DEBUGREGS=1).
pt_done=0 pt_passes="" pt_dr="" pt_sw="" pt_rec=""
if selected points; then
	pt_done=1
	row=points
	pt_cmd=(bench/bin/point_loop "$point_passes")
	say "bench: points: ${pt_cmd[*]}, recorded once, replayed $point_runs time(s) each way"
	time_cmd "$rec" -o "$tmp/pt.trace" -- "${pt_cmd[@]}"
	if [ "$status" = 0 ]; then
		pt_rec=$elapsed
		pt_passes=$(sed -n 's/^passes \([0-9]*\).*/\1/p' "$log" | head -n 1)
		t_dr="" t_sw=""
		for ((i = 1; i <= point_runs; i++)); do
			time_cmd env RRK_NO_DEBUGREGS=0 "$play" -q "$tmp/pt.trace"
			if [ "$status" = 0 ]; then t_dr+=" $elapsed"; else failed "play (debug registers)"; fi
			time_cmd env RRK_NO_DEBUGREGS=1 "$play" -q "$tmp/pt.trace"
			if [ "$status" = 0 ]; then t_sw+=" $elapsed"; else failed "play (int3)"; fi
			say "bench:   run $i: debug registers ${t_dr##* }s, int3 ${t_sw##* }s"
		done
		[ -n "$t_dr" ] && pt_dr=$(med_of "$t_dr")
		[ -n "$t_sw" ] && pt_sw=$(med_of "$t_sw")
	else
		failed "rec point_loop"
	fi
	rm -f "$tmp/pt.trace"
fi

# --- play --gdb: reverse stepping in a long run without events --------------

# From the end of tests/progs/compute_long (2 x 2e9 rounds of arithmetic,
# no system call between its start-up and its printf), back to first(),
# called once near its start, then one instruction, one line and one step
# back (issue 15's acceptance). Then from middle(), 2.5 s into the same
# run: one instruction, one line and one step back (into crunch()'s
# tail). Each command's time is gdb's own (python time around
# gdb.execute).
rev_timed='python
import time
def timed(cmd):
    t0 = time.time()
    gdb.execute(cmd)
    print("TIME %s %.3f" % (cmd, time.time() - t0))
end'
rev_back='python timed("reverse-stepi")
python timed("reverse-next")
python timed("reverse-step")
python print("LANDED %s" % gdb.selected_frame().name())'
rev_script="$rev_timed"'
python timed("continue")
break first
python timed("reverse-continue")
'"$rev_back"
rev_deep_script="$rev_timed"'
break middle
python timed("continue")
'"$rev_back"
rev_cmds=(continue reverse-continue reverse-stepi reverse-next reverse-step)
rev_deep_cmds=(continue reverse-stepi reverse-next reverse-step)
rev_runs=$((runs < 3 ? runs : 3))
[ "$uncapped" = 1 ] && rev_runs=$runs
rev_done=0
declare -A rev_med=()
# rev_measure KEY SCRIPT LANDING CMD...: rev_runs runs of gdb with SCRIPT
# on $tmp/rev.trace, with and without debug registers; the medians of
# each CMD's time go to rev_med[KEY.MODE.CMD]; a run counts when its
# LANDED line matches LANDING.
rev_measure() {
	local key=$1 script=$2 landing=$3 mode i c nodr
	shift 3
	printf '%s\n' "$script" >"$tmp/rev.gdb"
	for mode in dr nodr; do
		declare -A rev_t=()
		for ((i = 1; i <= rev_runs; i++)); do
			nodr=""
			[ "$mode" = nodr ] && nodr=1
			time_cmd env ${nodr:+RRK_NO_DEBUGREGS=1} gdb -nx -q -batch -iex 'set debuginfod enabled off' \
				-ex "target remote | exec '$root/$toolbin/play' --gdb=- '$tmp/rev.trace' 2>/dev/null" \
				-x "$tmp/rev.gdb"
			if [ "$status" != 0 ] || ! grep -q "^LANDED .*$landing" "$log"; then
				failed "play --gdb ($key, $mode)"
				continue
			fi
			for c in "$@"; do
				rev_t[$c]+=" $(sed -n "s/^TIME $c \([0-9.]*\)\$/\1/p" "$log")"
			done
			say "bench:   $key $mode run $i: $(grep '^TIME' "$log" | sed 's/^TIME //' | tr '\n' ' ')"
		done
		for c in "$@"; do
			if [ -n "${rev_t[$c]:-}" ]; then
				rev_med[$key.$mode.$c]=$(med_of "${rev_t[$c]}")
			fi
		done
		unset rev_t
	done
}
if selected gdb-reverse; then
	rev_done=1
	row=gdb-reverse
	say "bench: gdb-reverse: tests/progs/bin/compute_long under play --gdb, $rev_runs run(s) each with and without RRK_NO_DEBUGREGS=1"
	time_cmd "$rec" -o "$tmp/rev.trace" -- tests/progs/bin/compute_long 2000000000
	if [ "$status" != 0 ]; then
		failed "rec compute_long"
	else
		rev_measure start "$rev_script" strtoul "${rev_cmds[@]}"
		rev_measure deep "$rev_deep_script" crunch "${rev_deep_cmds[@]}"
	fi
fi

# --- output ------------------------------------------------------------------

fmt3() { if [ -n "$1" ]; then awk -v x="$1" 'BEGIN { printf "%.3f", x }'; else printf 'fail'; fi; }

machine_details() {
	local cpu cores kernel pmu mem os virt commit
	cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
	[ -n "$cpu" ] || cpu=unknown
	cores=$(nproc 2>/dev/null || echo '?')
	if grep -qw hypervisor /proc/cpuinfo 2>/dev/null; then virt=", virtual machine"; else virt=""; fi
	kernel=$(uname -srm)
	pmu=$(bench/bin/pmu_probe 2>/dev/null || echo unknown)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
	os=$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release 2>/dev/null | tr -d '"' | head -n 1)
	commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
	printf -- '- Date: %s\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
	printf -- '- CPU: %s (%s cores online%s)\n' "$cpu" "$cores" "$virt"
	printf -- '- Hardware PMU (perf_event_open of an instructions counter): %s\n' "$pmu"
	printf -- '- Memory: %s\n' "$mem"
	printf -- '- Load average when the run started: %s (other work on the machine skews the numbers)\n' "$load0"
	printf -- '- Kernel: %s\n' "$kernel"
	printf -- '- OS: %s\n' "${os:-unknown}"
	printf -- '- rrkit: %s/rec and %s/play: %s; repository at commit %s (plus any uncommitted changes)\n' \
		"$toolbin" "$toolbin" "$("$rec" --version 2>&1 | head -n 1)" "$commit"
	printf -- '- Tools: %s; %s; %s; %s\n' \
		"$(gcc --version | head -n 1)" "$(strace -V | head -n 1)" \
		"$(gdb --version | head -n 1)" "$(/usr/bin/python3 --version 2>&1)"
}

header=(workload runs "native s" rec "rec --no-syscallbuf" play "strace -f" "trace MB/s" "play/rec")

rev_lines() {
	printf '%-18s %10s %20s\n' 'from the end' seconds 'RRK_NO_DEBUGREGS=1'
	for c in "${rev_cmds[@]}"; do
		printf '%-18s %10s %20s\n' "$c" "$(fmt3 "${rev_med[start.dr.$c]:-}")" "$(fmt3 "${rev_med[start.nodr.$c]:-}")"
	done
	printf '%-18s %10s %20s\n' 'at middle()' seconds 'RRK_NO_DEBUGREGS=1'
	for c in "${rev_deep_cmds[@]}"; do
		printf '%-18s %10s %20s\n' "$c" "$(fmt3 "${rev_med[deep.dr.$c]:-}")" "$(fmt3 "${rev_med[deep.nodr.$c]:-}")"
	done
}

text_table() {
	local fmt='%-18s %4s %9s %7s %20s %7s %10s %11s %9s\n' k
	# shellcheck disable=SC2059 # the format is ours
	printf "$fmt" "${header[@]}"
	for k in "${!R_name[@]}"; do
		# shellcheck disable=SC2059
		printf "$fmt" "${R_name[$k]}" "${R_runs[$k]}" "${R_native[$k]}" "${R_rec[$k]}" \
			"${R_nosb[$k]}" "${R_play[$k]}" "${R_strace[$k]}" "${R_mbps[$k]}" "${R_pr[$k]}"
	done
}

md_table() {
	local k
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${header[@]}"
	printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
	for k in "${!R_name[@]}"; do
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R_name[$k]}" "${R_runs[$k]}" \
			"${R_native[$k]}" "${R_rec[$k]}" "${R_nosb[$k]}" "${R_play[$k]}" \
			"${R_strace[$k]}" "${R_mbps[$k]}" "${R_pr[$k]}"
	done
}

per_hit() { if [ -n "$1" ] && [ -n "$pt_passes" ]; then awk -v t="$1" -v n="$pt_passes" 'BEGIN { printf "%.1f", t / n * 1e6 }'; else printf '?'; fi; }

point_lines() {
	printf 'point after %s passes of a loop: rec %s s; play with debug registers %s s (%s us a pass), with int3 %s s (%s us a pass); median of %s\n' \
		"${pt_passes:-?}" "$(fmt3 "$pt_rec")" "$(fmt3 "$pt_dr")" "$(per_hit "$pt_dr")" \
		"$(fmt3 "$pt_sw")" "$(per_hit "$pt_sw")" "$point_runs"
}

gdb_lines() {
	printf 'loop: bench/bin/loop %s, whose spin() runs %s instructions (%s logged by gdb)\n' \
		"$gdb_iters" "$gdb_insns" "${gdb_logged:-?}"
	printf 'native %s s, rec %s s (median of %s), gdb without record %s s (median of %s)\n' \
		"$(fmt3 "$g_native")" "$(fmt3 "$g_rec")" "$runs" "$(fmt3 "$g_plain")" "$runs"
	printf 'gdb record full %s s (median of %s run(s)): %s us per instruction\n' \
		"$g_full_cell" "$gdb_runs" "${g_per_insn:-?}"
	printf 'gdb record full time / rec time: %s\n' "${g_ratio:-n/a}"
}

echo
echo "rrkit benchmarks: median wall-clock seconds natively; the other columns are"
echo "ratios to native (time under the tool / native time); trace MB/s = bytes of"
echo "rec's trace (10^6) per second of native time; play/rec = median of each run's"
echo "replay time / its record time."
echo
text_table
if [ "$nosb" != 1 ]; then
	echo
	echo "rec --no-syscallbuf: n/a, rec does not have it ($nosb_msg)"
fi
for note in "${notes[@]}"; do
	echo "note: $note"
done
if [ "$gdb_done" = 1 ]; then
	echo
	echo "gdb record full versus rec:"
	gdb_lines
fi
if [ "$pt_done" = 1 ]; then
	echo
	echo "execution points, debug registers versus int3:"
	point_lines
fi
if [ "$rev_done" = 1 ]; then
	echo
	echo "play --gdb, reverse execution in 5 s of computation without events (median of $rev_runs):"
	rev_lines
fi
echo

if [ -n "$only" ] && [ -z "${BENCH_DOC:-}" ]; then
	say "bench: BENCH_ONLY is set: $doc not rewritten"
	exit 0
fi

{
	cat <<'EOF'
# Performance

These are the numbers of the latest `make bench` run, on the machine
described below. `bench/run.sh` rewrites this file every time it runs: do
not edit it by hand. They are one run's measurements, not guarantees, and
nothing checks them.

## Machine

EOF
	machine_details
	cat <<EOF

## Workloads under each tool

Median of the runs shown (default BENCH_RUNS=9; rows that are slow under
ptrace run fewer times by default, see the notes). For every run the
workload ran natively, under \`rec\`, replayed by \`play\`, under
\`rec --no-syscallbuf\` and under \`strace -f\`, in that order, so that
noise spreads evenly over the columns. A warm-up run before them is not
counted (the page cache holds /usr for the tar and find rows).

EOF
	md_table
	echo
	if [ "$nosb" != 1 ]; then
		echo "- rec --no-syscallbuf: n/a, the rec of this run does not have the option (\`$nosb_msg\`)."
	fi
	for note in "${notes[@]}"; do
		echo "- $note."
	done
	cat <<'EOF'

Columns:

- **runs**: the number of measured runs per column; each figure is their median.
- **native s**: wall-clock seconds of the workload run directly.
- **rec**: time of `bin/rec -o TRACE -- CMD` divided by native time.
- **rec --no-syscallbuf**: the same with `--no-syscallbuf`: rec without its
  in-process system call buffer, so that every system call stops in the
  recorder (`n/a` when this rec lacks the option).
- **play**: time of `bin/play -q TRACE` (replaying the trace just recorded,
  output silenced) divided by native time.
- **strace -f**: time of `strace -f -o /dev/null CMD` divided by native time:
  the cost of ptrace stops at every system call (strace stops at each call's
  entry and exit and decodes its arguments): roughly the floor of a recorder
  that stops the program at every system call.
- **trace MB/s**: size of rec's trace in 10^6 bytes, divided by the native
  seconds: how fast the trace grows per second of the program's own run
  time. The trace includes the executables and libraries the program mapped.
- **play/rec**: the median, over the runs, of each run's replay time divided
  by the same run's record time (play replays the trace that rec just
  wrote). The machine's speed drifts by 10% or more between runs (see the
  native column of a CPU-bound row), and record and replay of a CPU-bound
  program run the same instructions, so comparing the two medians there
  is a coin flip; pairs taken a second apart share the drift.
EOF
	# shellcheck disable=SC2016 # Markdown backquotes
	printf -- '- `fail`, `timeout`: the tool failed, or ran longer than BENCH_TIMEOUT\n'
	# shellcheck disable=SC2016
	printf -- '  (%s s in this run), and was not run again for that row; `-`: not\n' "$cmd_timeout"
	printf -- '  measured because its recording failed.\n'
	cat <<'EOF'

Workloads (run from the top of the repository, with TMPDIR set to a
temporary directory):

| workload | command |
| --- | --- |
EOF
	for k in "${!R_name[@]}"; do
		# shellcheck disable=SC2016 # Markdown backquotes
		printf '| %s | `%s` |\n' "${R_name[$k]}" "${R_cmd[$k]//|/\\|}"
	done
	cat <<'EOF'

- **true-startup**: `/bin/true`: what a recording costs before the
  program's first instruction and after its last (probing the machine,
  loading and rewriting ld.so and libc, the trace's header and end).
- **rdtsc-1m** (`tests/progs/rdtsc_loop.c`): reads the time-stamp counter
  1,000,000 times; each read stops the program in rec (faulted or
  rewritten to trap, doc/design.md "Instructions that must trap") and in
  play.
- **cpu-compress** (`bench/progs/cpu_compress.c`): generates a 50 MB buffer of
  text-like data and compresses it in memory with a small LZ77 compressor
  (hash chains), then decompresses and checks it; almost no system calls.
- **syscall-heavy** (`bench/progs/syscall_heavy.c`): 1,000,000 small system
  calls in one thread: 250,000 rounds of a 16-byte write and read on a pipe,
  a 16-byte append to a file and a 16-byte pread from it.
- **tar-usr-include**, **find-usr-h**: many files, through `sh -c`.
- **make-j2-50-files**: `make -j2` of a generated project of 50 C files
  (49 modules and a main) with gcc -O2; `make clean` (not timed) before each run,
  so each run compiles all 50 files.
- **python3-x50**: 50 start-ups of /usr/bin/python3 in one shell loop.

## gdb record full versus rec

gdb's `record full` records by single-stepping every instruction. The
program `bench/progs/loop.c` (compiled -O1 -g) calls spin(), a loop of 4
instructions per iteration that calls nothing (gdb cannot record the AVX-512
code of glibc's string functions). gdb runs it as
`gdb -nx -q -batch -x SCRIPT --args bench/bin/loop ITERATIONS` with this
script, and the time is that of the whole gdb command:

EOF
	echo '```'
	printf '%s\n' "$gdb_full_script"
	echo '```'
	cat <<'EOF'

rec records the whole program: `bin/rec -o TRACE -- bench/bin/loop ITERATIONS`.
The µs per instruction subtract the time of gdb without `record full` (the
same script without the record lines).

EOF
	if [ "$gdb_done" = 1 ]; then
		echo '```'
		gdb_lines
		echo '```'
	else
		echo "(not measured in this run)"
	fi
	cat <<'EOF'

## Execution points: debug registers versus int3

`bench/progs/point_loop.c` sets a timer and loops without system calls
until its SIGALRM comes, after about BENCH_POINT_PASSES passes (default
1,000,000): the signal lands at an execution point whose instruction ran
once per pass since the task's last event. It is recorded once and
replayed with `RRK_NO_DEBUGREGS=0` (a debug register breakpoint at the
point's instruction, where they work) and `RRK_NO_DEBUGREGS=1` (play's
int3 there, as on machines whose debug registers do not trigger). After
eight misses play moves the register comparison into the program, so
the passes cost no stops (doc/design.md, "Without a stop per pass");
`RRK_NO_PFILTER=1` shows the cost of a stop per pass.

EOF
	if [ "$pt_done" = 1 ]; then
		echo '```'
		point_lines
		echo '```'
	else
		echo "(not measured in this run)"
	fi
	cat <<'EOF'

## Reverse execution under play --gdb

`tests/progs/compute_long` computes for about 5 s with no system call
between its start-up and its final printf, and calls `first()` once near
its start. The trace (`rec -o TRACE -- tests/progs/bin/compute_long 2000000000`) is
served by `play --gdb=- TRACE` to `gdb -batch` with this script, which
prints the time of each command (median of the runs, each a new gdb and
play; with and without `RRK_NO_DEBUGREGS=1`); a run counts only if the
last command lands in `strtoul` (called by the line before, as gdb's
`record full` lands on the live program). The second script stops at
`middle()`, 2.5 s into the run, and steps back from there; a run counts
if it lands in `crunch()`. play finds the instruction before such a
position by the state it leaves, starting from a copy of the replay made
part way through the run on the way there: doc/design.md, "Going back".

EOF
	echo '```'
	printf '%s\n' "$rev_script"
	echo '```'
	echo
	echo '```'
	printf '%s\n' "$rev_deep_script"
	echo '```'
	echo
	if [ "$rev_done" = 1 ]; then
		echo '```'
		rev_lines
		echo '```'
	else
		echo "(not measured in this run)"
	fi
} >"$tmp/performance.md"
mkdir -p "$(dirname "$doc")"
cp "$tmp/performance.md" "$doc"
say "bench: wrote $doc"
