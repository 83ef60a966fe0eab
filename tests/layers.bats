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
