#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats' run sets status, output, lines, stderr
# rec --check: what this machine lets rrkit do, each mechanism tried for
# real (lib/ptrace/probe.c). The trap lines are checked against what the CPU
# does for tests/progs/trap_probe, which asks for the same faults on its
# own.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	rrk_setup
}

# check [VAR=VALUE...]: rec --check with RRK_FORCE_PATCH and RRK_NO_DEBUGREGS unset, or set as given.
check() {
	run --separate-stderr env -u RRK_FORCE_PATCH -u RRK_NO_DEBUGREGS "$@" timeout 20 "$ROOT/bin/rec" --check
	printf '%s\n' "$output"
	echo "--- status $status, stderr: $stderr"
}

# The nine lines, in order, each in one of its forms.
forms=(
	'ptrace: (works|missing: rec cannot record here)'
	'seccomp: (works|missing: rec cannot record here)'
	'rdtsc trap: (works|(missing|forced off \(RRK_FORCE_PATCH\)): rec patches rdtsc instructions to trap)'
	'rdtscp trap: (works|(missing|forced off \(RRK_FORCE_PATCH\)): rec patches rdtscp instructions to trap)'
	'cpuid trap: (works|(missing|forced off \(RRK_FORCE_PATCH\)): rec patches cpuid instructions to trap)'
	"context-switch event: (works|missing: a buffered syscall that blocks is noticed at rec's next 10 ms tick)"
	'debug register breakpoints: (works|(missing|forced off \(RRK_NO_DEBUGREGS\)): execution points and gdb hardware breakpoints use int3 breakpoints)'
	'debug register watchpoints: (works|(missing|forced off \(RRK_NO_DEBUGREGS\)): rec and play single-step instead, gdb watchpoints are emulated)'
	'hardware counters: (works \(not used\)|missing \(not needed\))'
)

# lines_in_forms: $lines are exactly the nine forms.
lines_in_forms() {
	[ "${#lines[@]}" -eq 9 ]
	local i
	for i in "${!forms[@]}"; do
		[[ "${lines[$i]}" =~ ^${forms[$i]}$ ]] || { echo "line $((i + 1)) is not '${forms[$i]}'"; return 1; }
	done
}

@test "rec --check: nine lines, each in its form; exit 0 here" {
	check
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	lines_in_forms
	[ "${lines[0]}" = "ptrace: works" ]
	[ "${lines[1]}" = "seccomp: works" ]
	[[ "$output" != *"forced off"* ]]
}

@test "RRK_FORCE_PATCH=1: no trap line says works; a trap that works is forced off" {
	check
	local plain=("${lines[@]}")
	check RRK_FORCE_PATCH=1
	[ "$status" -eq 0 ]
	lines_in_forms
	local i
	for i in 2 3 4; do
		[[ "${lines[$i]}" != *": works" ]]
		if [[ "${plain[$i]}" == *": works" ]]; then
			[[ "${lines[$i]}" == *": forced off (RRK_FORCE_PATCH): rec patches "* ]]
		fi
	done
	# the other lines do not change
	for i in 0 1 5 6 7 8; do
		[ "${lines[$i]}" = "${plain[$i]}" ]
	done
	# 0 is off, like unset
	check RRK_FORCE_PATCH=0
	[[ "$output" != *"forced off"* ]]
}

@test "rec --check's trap lines agree with what the CPU does" {
	run timeout 20 tests/progs/bin/trap_probe
	[ "$status" -eq 0 ]
	local probe=$output
	echo "trap_probe: $probe"
	check
	local insn want
	for insn in rdtsc rdtscp cpuid; do
		want="missing: rec patches $insn instructions to trap"
		if grep -qx "$insn faults: yes" <<<"$probe"; then
			want=works
		fi
		grep -qx "$insn trap: $want" <<<"$output"
	done
}

@test "rec --check PROG: one error line, status 125, nothing on stdout" {
	run --separate-stderr timeout 20 bin/rec --check tests/progs/bin/hello_time
	echo "status $status stdout: $output stderr: $stderr"
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	[ "$stderr" = "rec: --check takes no program; see rec --help" ]
}

@test "RRK_NO_DEBUGREGS=1: the debug register lines are forced off where they work; the others do not change" {
	check
	local plain=("${lines[@]}")
	check RRK_NO_DEBUGREGS=1
	[ "$status" -eq 0 ]
	lines_in_forms
	local i
	for i in 6 7; do
		[[ "${lines[$i]}" != *": works" ]]
		if [[ "${plain[$i]}" == *": works" ]]; then
			[[ "${lines[$i]}" == *": forced off (RRK_NO_DEBUGREGS): "* ]]
		fi
	done
	for i in 0 1 2 3 4 5 8; do
		[ "${lines[$i]}" = "${plain[$i]}" ]
	done
	check RRK_NO_DEBUGREGS=0
	[[ "$output" != *"forced off"* ]]
}

@test "play --check: the same nine lines as rec --check; with a trace, one error line and status 125" {
	check
	local want=("${lines[@]}")
	run --separate-stderr env -u RRK_FORCE_PATCH -u RRK_NO_DEBUGREGS timeout 20 "$ROOT/bin/play" --check
	[ "$status" -eq 0 ]
	lines_in_forms
	[ "${lines[*]}" = "${want[*]}" ]
	run --separate-stderr timeout 20 "$ROOT/bin/play" --check some.trace
	[ "$status" -eq 125 ]
	[ -z "$output" ]
	[ "$stderr" = "play: --check takes no trace and no other option; see play --help" ]
}
