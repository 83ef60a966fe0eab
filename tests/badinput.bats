#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2016 # helpers and bats set rec_status, play_status, stderr; sh -c scripts are single-quoted on purpose
# Every trace reader on damaged copies of a real recording: one clear
# error line and a failure status; never a crash or a hang. A truncated
# trace still yields its complete prefix and says it is incomplete.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	rrk_setup
	record tests/progs/bin/hello_time
	[ "$rec_status" -eq 0 ]
	SIZE=$(stat -c %s "$T")
}

# one_error TOOL: exactly one line of TOOL's own on stderr, and the status
# is a failure that is neither a crash (>128) nor a timeout (124).
one_error() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c "^$1: ")
	[ "$n" -eq 1 ] || { echo "$1: $n error lines: $stderr"; return 1; }
	if [ "$status" -eq 0 ] || [ "$status" -eq 124 ] || [ "$status" -gt 125 ]; then
		echo "$1: status $status"
		return 1
	fi
}

@test "empty file" {
	: >"$T.empty"
	for t in play tracecat tracesum; do
		run --separate-stderr timeout 20 "bin/$t" "$T.empty"
		one_error "$t"
	done
}

@test "random bytes" {
	head -c 65536 /dev/urandom >"$T.rand"
	for t in play tracecat tracesum; do
		run --separate-stderr timeout 20 "bin/$t" "$T.rand"
		one_error "$t"
	done
}

@test "truncated at 10 offsets: the prefix, then an incomplete notice" {
	local i off
	for i in $(seq 1 10); do
		off=$((16 + (SIZE - 17) * i / 10))
		[ "$off" -lt "$SIZE" ] || off=$((SIZE - 1))
		head -c "$off" "$T" >"$T.cut"
		for t in play tracecat tracesum; do
			run --separate-stderr timeout 20 "bin/$t" "$T.cut"
			echo "offset $off: $t status $status: $stderr"
			one_error "$t"
			[[ "$stderr" == *incomplete* ]]
		done
		# tracecat printed every complete event before the notice
		run --separate-stderr timeout 20 bin/tracecat "$T.cut"
		local last
		last=$(printf '%s\n' "$output" | tail -n 1 | cut -d' ' -f1)
		if [ -n "$output" ]; then
			[[ "$stderr" == *"after event $last "* ]]
		fi
	done
}

@test "one flipped byte at 10 offsets: corrupt, one line" {
	local i off
	for i in $(seq 0 9); do
		off=$((3 + (SIZE - 4) * i / 9))
		cp "$T" "$T.flip"
		printf '\x5a' | dd of="$T.flip" bs=1 seek="$off" conv=notrunc status=none
		cmp -s "$T" "$T.flip" && continue # the byte was already 0x5a
		for t in play tracecat tracesum; do
			run --separate-stderr timeout 20 "bin/$t" "$T.flip"
			echo "offset $off: $t status $status: $stderr"
			one_error "$t"
		done
	done
}

@test "a missing trace file" {
	for t in play tracecat tracesum; do
		run --separate-stderr timeout 20 "bin/$t" "$T.nonexistent"
		one_error "$t"
		[[ "$stderr" == *"$T.nonexistent"* ]]
	done
}

@test "rec on a full disk: one clear line, status 125, and the caller survives" {
	run --separate-stderr timeout 20 bin/rec -o /dev/full tests/progs/bin/hello_time
	[ "$status" -eq 125 ]
	[[ "$stderr" == "rec: writing trace to /dev/full: No space left on device"* ]]
}

@test "rec whose trace reader went away: status 125, no hang" {
	run bash -c 'timeout 20 bin/rec ls -la /usr/lib 2>/dev/null | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"'
	[ "$output" = 125 ]
}
