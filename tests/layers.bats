#!/usr/bin/env bats
# One-way layers (issue 16): the replay engine never names what sits
# above it, so the tools that replay without a debugger carry none of it.

load helpers

setup() {
	rrk_setup
}

@test "layers: rec and tracecut carry no debugger" {
	local b n
	for b in rec tracecut; do
		n=$(nm "$ROOT/bin/$b" | grep -ci gdb || true)
		echo "$b: $n gdb symbols"
		[ "$n" -eq 0 ]
	done
	# (and play, which serves gdb, does: the check can fail)
	[ "$(nm "$ROOT/bin/play" | grep -ci gdb)" -gt 0 ]
}

# copy_tree DIR: this checkout's tracked files and its build (so that only
# what a test changes is compiled again), for a test to change.
copy_tree() {
	mkdir -p "$1"
	git ls-files -z | xargs -0 cp -p --parents -t "$1"
	cp -pR build "$1/build"
}

@test "layers: make layers fails on a call to a higher layer, and on its header" {
	local d=$BATS_TEST_TMPDIR/tree
	copy_tree "$d"
	run make -C "$d" -s layers
	[ "$status" -eq 0 ]
	# a function of the trace format that calls the gdb server
	cp -p "$d/lib/format/crc32c.c" "$d/crc32c.c.orig"
	printf '%s\n' 'void gdb_console(void *s, const char *msg);' \
		'void rrk_up(void) { gdb_console(0, ""); }' >>"$d/lib/format/crc32c.c"
	run make -C "$d" -s layers
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"build/lib/format/crc32c.o -> gdb_console"* ]]
	# the same layer naming the server's header
	cp -p "$d/crc32c.c.orig" "$d/lib/format/crc32c.c"
	sed -i '1i #include "debug/gdb.h"' "$d/lib/format/kinds.c"
	run make -C "$d" -s layers
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *'lib/format/kinds.c: #include "debug/gdb.h": not below format/'* ]]
}

@test "layers: make statics fails on mutable static data nobody listed" {
	local d=$BATS_TEST_TMPDIR/tree
	copy_tree "$d"
	echo 'int rrk_hidden_counter;' >>"$d/lib/format/kinds.c"
	run make -C "$d" -s statics
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"lib/format/kinds.o rrk_hidden_counter"* ]]
}
