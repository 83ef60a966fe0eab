#!/bin/sh
# `make demo`: record a program, look at its trace, replay it, compare.
# Builds nothing: make has built bin/ and tests/progs/bin/ already.
set -eu
cd "$(dirname "$0")/.."

for t in rec play tracecat tracesum; do
	if [ ! -x "bin/$t" ]; then
		echo "demo: bin/$t is missing; run: make demo" >&2
		exit 1
	fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rrkit-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
trace=$tmp/demo.trace

if [ -x tests/progs/bin/hello_time ]; then
	set -- tests/progs/bin/hello_time
else
	set -- ls -la /usr/lib
fi

echo "== 1. Recording: bin/rec -o $trace $*"
echo "   (it reads clocks, its pids and random bytes: different on every run)"
st=0
bin/rec -o "$trace" -- "$@" >"$tmp/recorded.out" || st=$?
echo "   rec exited with status $st; the program printed:"
sed 's/^/   | /' "$tmp/recorded.out"
if [ "$st" -ne 0 ]; then
	echo "demo: recording failed" >&2
	exit 1
fi

echo
echo "== 2. The first 20 events: bin/tracecat TRACE | head -n 20"
bin/tracecat "$trace" >"$tmp/events"
head -n 20 "$tmp/events"
echo "   ($(wc -l <"$tmp/events") lines in all; $(grep -c ' \[buffered\]$' "$tmp/events" || true) of them are"
echo "   syscalls made through the syscall buffer, without a stop, marked [buffered])"

echo
echo "== 3. Summary: bin/tracesum --stats TRACE"
bin/tracesum --stats "$trace"

echo
echo "== 4. Replaying: bin/play TRACE (the program runs again; its inputs come from the trace)"
pst=0
bin/play "$trace" >"$tmp/replayed.out" || pst=$?
echo "   play exited with status $pst; the replay printed:"
sed 's/^/   | /' "$tmp/replayed.out"

echo
if [ "$pst" -eq "$st" ] && cmp -s "$tmp/recorded.out" "$tmp/replayed.out"; then
	echo "== Result: the replayed output is identical to the recorded output."
else
	echo "== Result: the replay DIFFERS from the recording (status $st vs $pst)." >&2
	diff "$tmp/recorded.out" "$tmp/replayed.out" >&2 || true
	exit 1
fi

if command -v gdb >/dev/null 2>&1 && [ -x tests/progs/bin/gdb_basic ]; then
	echo
	echo "== 5. Debugging a replay, forward and backward: bin/play --gdb TRACE"
	gtrace=$tmp/gdb.trace
	bin/rec -o "$gtrace" tests/progs/bin/gdb_basic >/dev/null
	cat >"$tmp/cmds.gdb" <<'EOF'
break add_to_total
continue
continue
print total
delete
watch total
reverse-continue
continue
continue
EOF
	echo "   gdb commands:"
	sed 's/^/   > /' "$tmp/cmds.gdb"
	bin/play --gdb "$gtrace" -- -nx -batch -iex 'set debuginfod enabled off' -x "$tmp/cmds.gdb" 2>&1 |
		grep -v -e '^Reading ' -e '^warning: File transfers' -e '^$' | sed 's/^/   | /'
fi
