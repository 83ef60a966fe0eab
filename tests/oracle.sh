#!/bin/sh
# sh tests/oracle.sh [-j JOBS] PATH...: the decoder oracle. For every
# regular file under the PATHs (files or directories; symbolic links are
# not followed) that is a 64-bit x86-64 ELF file, the rdtsc/rdtscp/cpuid
# sites rec would patch (tests/tools/bin/sites) must be the instructions
# objdump -d finds in the same sections (allocated PROGBITS with
# SHF_EXECINSTR). Prints the files, sites and mismatches, each mismatch
# with objdump's listing around it and the symbols there; exits 1 when one
# is not explained (see below).
#
# objdump's side costs most, so a file is disassembled only when the
# bytes of one of these instructions (0f 31, 0f 01 f9, 0f a2) occur in
# one of those sections (found with dd and grep, not with the code under
# test): elsewhere neither side can find one. JOBS (default 2) files are
# disassembled at a time.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)

# code_sections FILE: "NAME OFFSET SIZE" (hex) of FILE's allocated
# executable PROGBITS sections, the ones rec patches.
code_sections() {
	readelf -SW "$1" 2>/dev/null | sed -n 's/^ *\[ *[0-9]*\] //p' |
		awk '$2 == "PROGBITS" && $7 ~ /A/ && $7 ~ /X/ { print $1, $4, $5 }'
}

# listing FILE: objdump -d of those sections, one instruction a line.
listing() {
	# shellcheck disable=SC2046 # one -j NAME per section
	objdump -d -w --no-show-raw-insn $(code_sections "$1" | awk '{ print "-j", $1 }') "$1"
}

# --objdump OUT FILE...: objdump's sites of each FILE, appended to OUT.sites
# as "FILE VADDR KIND"; each FILE disassembled is appended to OUT.ran.
if [ "${1:-}" = --objdump ]; then
	out=$2
	shift 2
	for f in "$@"; do
		secs=$(code_sections "$f")
		[ -n "$secs" ] || continue
		hit=
		while read -r _ off size; do
			[ -z "$hit" ] || break
			if dd if="$f" bs=64K iflag=skip_bytes,count_bytes skip=$((0x$off)) \
				count=$((0x$size)) 2>/dev/null |
				LC_ALL=C grep -qaP '\x0f(\x31|\xa2|\x01\xf9)'; then
				hit=1
			fi
		done <<EOF
$secs
EOF
		[ -n "$hit" ] || continue
		# Instruction lines are "ADDR:<TAB>[PREFIX ]...MNEMONIC".
		listing "$f" |
			awk -v f="$f" -F '\t' 'NF >= 2 && $1 ~ /^ *[0-9a-f]+:$/ {
				n = split($2, w, " ")
				if (n >= 1 && w[n] ~ /^(rdtsc|rdtscp|cpuid)$/) {
					a = $1
					gsub(/[ :]/, "", a)
					print f, a, w[n]
				}
			}' >>"$out.sites"
		echo "$f" >>"$out.ran"
	done
	exit 0
fi

jobs=2
if [ "${1:-}" = -j ]; then
	jobs=$2
	shift 2
fi
if [ $# -eq 0 ]; then
	echo "usage: sh tests/oracle.sh [-j JOBS] PATH..." >&2
	exit 2
fi
sites=$root/tests/tools/bin/sites
if [ ! -x "$sites" ]; then
	echo "oracle: $sites is missing; run: make tests/tools/bin/sites" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C

# "DEV:INODE SIZE PATH" of every file. Hard links are disassembled once,
# by their first path (mesa's 13 drivers are one 25 MB file).
for p in "$@"; do
	find "$p" -type f -printf '%D:%i %s %p\n'
done | sort -u -k3 >"$tmp/inodes"
cut -d' ' -f3- "$tmp/inodes" >"$tmp/files"
sort -s -k1,1 "$tmp/inodes" |
	awk '$1 != last { rep = $3; last = $1 } { print $3, rep }' | sort >"$tmp/alias"

# Ours, in one process; files that are not x86-64 ELF (or unreadable)
# get an error line and are left out on both sides.
tr '\n' '\0' <"$tmp/files" | xargs -0 -r "$sites" >"$tmp/ours.raw" || true
grep ' error: ' "$tmp/ours.raw" | sed 's/ error: .*//' | sort -u >"$tmp/skipped" || true
grep -v ' error: ' "$tmp/ours.raw" | sort >"$tmp/ours" || true
comm -23 "$tmp/files" "$tmp/skipped" >"$tmp/elf"

# objdump's, on one path of each file, the biggest first so that the jobs
# end together; then copied to the other paths.
: >"$tmp/od.sites"
: >"$tmp/od.ran"
join "$tmp/elf" "$tmp/alias" | awk '$1 == $2 { print $1 }' | sort >"$tmp/reps"
sort -k3 "$tmp/inodes" | join -1 3 -2 1 - "$tmp/reps" | sort -k3,3nr | awk '{ print $1 }' |
	tr '\n' '\0' | xargs -0 -r -P "$jobs" -n 4 sh "$0" --objdump "$tmp/od"
awk 'NR == FNR { names[$2] = names[$2] " " $1; next }
	{ n = split(names[$1], v, " "); for (i = 1; i <= n; i++) print v[i], $2, $3 }' \
	"$tmp/alias" "$tmp/od.sites" | sort >"$tmp/theirs"

# Lines only on one side: "FILE VADDR KIND SIDE".
comm -23 "$tmp/ours" "$tmp/theirs" | sed 's/$/ sites/' >"$tmp/diff"
comm -13 "$tmp/ours" "$tmp/theirs" | sed 's/$/ objdump/' >>"$tmp/diff"
sort -o "$tmp/diff" "$tmp/diff"

kinds=$(awk '{ n[$NF]++ } END { printf "rdtsc %d, rdtscp %d, cpuid %d",
	n["rdtsc"], n["rdtscp"], n["cpuid"] }' "$tmp/ours")
echo "oracle: $(wc -l <"$tmp/files") files, $(wc -l <"$tmp/elf") x86-64 ELF" \
	"($(wc -l <"$tmp/reps") distinct), $(wc -l <"$tmp/od.ran") with the opcode bytes in code" \
	"disassembled by objdump"
echo "oracle: $(wc -l <"$tmp/ours") sites ($kinds) in" \
	"$(awk '{ print $1 }' "$tmp/ours" | sort -u | wc -l) files; objdump: $(wc -l <"$tmp/theirs")"

# Each mismatch with objdump's own listing around it (from its own start
# points) and the symbols below it. One that only objdump has is
# explained when that listing shows (bad) in the 64 bytes before it:
# objdump is decoding data there, and its instruction is none (the finder
# leaves out what follows undecodable bytes that closely; lib/ptrace/sites.c).
unexplained=0
listed=
while read -r f a k side; do
	if [ "$f" != "$listed" ]; then
		listing "$f" >"$tmp/listing"
		listed=$f
	fi
	a=$((0x$a))
	awk -F '\t' -v a="$a" '$1 ~ /^ *[0-9a-f]+:$/ {
		h = $1
		gsub(/[ :]/, "", h)
		v = 0
		for (i = 1; i <= length(h); i++)
			v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		if (v >= a - 64 && v <= a + 16)
			print (v < a && $2 ~ /\(bad\)/ ? "BAD " : "    ") $0
	}' "$tmp/listing" >"$tmp/around"
	if [ "$side" = objdump ] && grep -q '^BAD ' "$tmp/around"; then
		why="explained: objdump decodes data here, (bad) before it"
	else
		why="UNEXPLAINED"
		unexplained=$((unexplained + 1))
	fi
	printf -- '--- mismatch: %s %x %s: only in %s; %s\n' "$f" "$a" "$k" "$side" "$why"
	echo "objdump -d, 64 bytes before it to 16 after (BAD: (bad) before it):"
	sed 's/^/  /' "$tmp/around"
	echo "the symbols nearest below it (value, size, type, name):"
	readelf -sW "$f" 2>/dev/null | awk -v a="$a" '$2 ~ /^[0-9a-f]+$/ && $7 != "UND" {
		v = 0
		for (i = 1; i <= length($2); i++)
			v = v * 16 + index("0123456789abcdef", substr($2, i, 1)) - 1
		if (v <= a && $4 != "SECTION" && $4 != "FILE")
			print v, $3, $4, $8
	}' | sort -n -u | tail -n 3 | awk -v a="$a" '{ printf "  %x (-%d) %s %s %s\n", $1, a - $1, $2, $3, $4 }'
done <"$tmp/diff"

echo "oracle: $(wc -l <"$tmp/diff") mismatches, $unexplained unexplained"
[ "$unexplained" -eq 0 ]
