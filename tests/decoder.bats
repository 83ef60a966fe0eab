#!/usr/bin/env bats
# shellcheck disable=SC2154 # bats' run sets status and output
# The rdtsc/rdtscp/cpuid site finder (lib/ptrace/sites.c, through
# tests/tools/bin/sites): instruction boundaries on a made-up file, the
# system's libraries against objdump -d (tests/oracle.sh), files without
# section headers, and hostile input.

load helpers

setup() {
	rrk_setup
	S=tests/tools/bin/sites
	[ -x "$S" ] || skip "run 'make tests/tools/bin/sites' first"
	D=$BATS_TEST_TMPDIR
	LIB=/usr/lib/x86_64-linux-gnu
}

# sites_of FILE...: "VADDR KIND OFF LEN" lines of the finder.
sites_of() {
	"$S" --long "$@" | cut -d' ' -f2-
}

@test "sites: boundaries, prefixes, data objects and what follows undecodable bytes" {
	# f: the three instructions, two whose opcode bytes sit inside an
	# immediate (b8 0f 31 00 00, b8 a2 0f 01 f9) and a REX-prefixed rdtsc
	# (a site at its prefix, 3 bytes). table: a data object in .text, not
	# decoded. g: 0f 31 right after a byte that is no instruction in
	# 64-bit mode (06) is taken for data; a cpuid 64 bytes on is not.
	cat >"$D/t.s" <<'EOF'
	.text
	.globl f
	.type f, @function
f:
	cpuid
	rdtsc
	rdtscp
	movl $0x310f, %eax
	movl $0xf9010fa2, %eax
	.byte 0x48, 0x0f, 0x31
	ret
	.size f, .-f
	.type table, @object
table:
	.byte 0x0f, 0xa2, 0x0f, 0x31
	.size table, .-table
	.globl g
	.type g, @function
g:
	.byte 0x06
	.byte 0x0f, 0x31
	.zero 64, 0x90
	cpuid
	ret
	.size g, .-g
	.section .note.GNU-stack,"",@progbits
EOF
	gcc -c "$D/t.s" -o "$D/t.o"
	gcc -shared -nostdlib "$D/t.o" -o "$D/t.so"
	# The relocatable file: addresses are offsets in .text (at file offset 40).
	run sites_of "$D/t.o"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "0 cpuid 40 2
2 rdtsc 42 2
4 rdtscp 44 3
11 rdtsc 51 3
5c cpuid 9c 2" ]
	# The shared library: the same, from f's address.
	f=$(nm "$D/t.so" | awk '$3 == "f" { print $1 }')
	run sites_of "$D/t.so"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | awk -v f=$((0x$f)) '{ printf "%x %s %s\n", ("0x" $1) - f, $2, $4 }')" = "0 cpuid 2
2 rdtsc 2
4 rdtscp 3
11 rdtsc 3
5c cpuid 2" ]
}

@test "sites: the C library and the dynamic linker as objdump -d sees them" {
	run sh tests/oracle.sh "$LIB/libc.so.6" "$LIB/ld-linux-x86-64.so.2"
	echo "$output"
	[ "$status" -eq 0 ]
	# ld.so asks cpuid for the CPU's features: the finder must see some.
	[ "$("$S" "$LIB/ld-linux-x86-64.so.2" | grep -c ' cpuid$')" -gt 0 ]
}

@test "sites: a file without section headers is decoded by its executable segments" {
	cp "$LIB/ld-linux-x86-64.so.2" "$D/ld.so"
	# e_shoff (8 bytes at 40) := 0.
	printf '\0\0\0\0\0\0\0\0' | dd of="$D/ld.so" bs=1 seek=40 conv=notrunc 2>/dev/null
	sites_of "$LIB/ld-linux-x86-64.so.2" >"$D/with"
	sites_of "$D/ld.so" >"$D/without"
	[ -s "$D/with" ]
	diff "$D/with" "$D/without"
}

@test "sites: files that are not x86-64 ELF, cut short or with damaged headers" {
	: >"$D/empty"
	echo "not an ELF file" >"$D/text"
	head -c 100 "$LIB/ld-linux-x86-64.so.2" >"$D/cut100"
	head -c 5000 "$LIB/ld-linux-x86-64.so.2" >"$D/cut5000"
	run "$S" "$D/empty" "$D/text" "$D" "$D/missing"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c ' error: ')" -eq 4 ]
	run "$S" --skip "$D/empty" "$D/text" "$D/cut100" "$D/cut5000"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	# 300 copies of ld.so with random bytes written over the ELF header,
	# the program and section headers or the symbol tables: the finder
	# reads only inside the file, so it ends normally on each (status 0,
	# or 1 for one it does not take for x86-64 ELF), never by a signal.
	mkdir "$D/fuzz"
	perl -e '
		my ($src, $dir) = @ARGV;
		open(my $in, "<:raw", $src) or die;
		local $/; my $elf = <$in>;
		my ($phoff, $shoff, $phnum, $shnum) = unpack("Q< Q< x8 S< x2 S<", substr($elf, 32, 30));
		my @areas = ([0, 64], [$phoff, $phnum * 56], [$shoff, $shnum * 64]);
		for my $i (0 .. $shnum - 1) {
			my ($type, $off, $size) = unpack("x4 L< x16 Q< Q<", substr($elf, $shoff + 64 * $i, 40));
			push @areas, [$off, $size] if $type == 2 || $type == 11;
		}
		srand(7);
		for my $n (1 .. 300) {
			my $copy = $elf;
			for (1 .. 1 + int(rand(4))) {
				my $a = $areas[int(rand(@areas))];
				my $at = $a->[0] + int(rand($a->[1] > 8 ? $a->[1] - 8 : 1));
				my $v = rand() < 0.5 ? "\xff" x 8 : pack("Q<", int(rand(2**32)) * int(rand(2**20)));
				substr($copy, $at, 1 + int(rand(8))) = substr($v, 0, 1 + int(rand(8)));
			}
			open(my $out, ">:raw", "$dir/$n") or die;
			print $out substr($copy, 0, length($elf));
		}' "$LIB/ld-linux-x86-64.so.2" "$D/fuzz"
	run timeout 120 "$S" "$D"/fuzz/*
	echo "$output" | tail -n 5
	[ "$status" -le 1 ]
}

# The whole system is the oracle here; the finder does not depend on the
# syscall buffer, so the run without it (make check's second) leaves it out.
@test "decoder oracle: sites equal objdump -d's in /usr/bin and /usr/lib/x86_64-linux-gnu" {
	[ -z "${RRK_NO_SYSCALLBUF:-}" ] || skip "the finder does not depend on the syscall buffer"
	run sh tests/oracle.sh /usr/bin "$LIB"
	echo "$output"
	echo "$output" | grep '^oracle: ' | sed 's/^/# /' >&3
	[ "$status" -eq 0 ]
}
