#include "cpufeat.h"

#include <stdio.h>
#include <string.h>

#include "tracee.h"

/* Registers of a cpuid answer: r[0] eax ... r[3] edx. */
enum { EAX, EBX, ECX, EDX };

/* Instruction set extensions a program may test for and then use: a
 * replay host must have each one the recording offered. */
static const struct feature {
	uint32_t leaf, sub;
	uint8_t reg, bit;
	const char *name;
} features[] = {
	{ 1, 0, EDX, 15, "cmov" }, { 1, 0, EDX, 23, "mmx" }, { 1, 0, EDX, 25, "sse" },
	{ 1, 0, EDX, 26, "sse2" }, { 1, 0, ECX, 0, "sse3" }, { 1, 0, ECX, 1, "pclmulqdq" },
	{ 1, 0, ECX, 9, "ssse3" }, { 1, 0, ECX, 12, "fma" }, { 1, 0, ECX, 13, "cx16" },
	{ 1, 0, ECX, 19, "sse4.1" }, { 1, 0, ECX, 20, "sse4.2" }, { 1, 0, ECX, 22, "movbe" },
	{ 1, 0, ECX, 23, "popcnt" }, { 1, 0, ECX, 25, "aes" }, { 1, 0, ECX, 26, "xsave" },
	{ 1, 0, ECX, 27, "osxsave" }, { 1, 0, ECX, 28, "avx" }, { 1, 0, ECX, 29, "f16c" },
	{ 7, 0, EBX, 0, "fsgsbase" }, { 7, 0, EBX, 3, "bmi1" }, { 7, 0, EBX, 5, "avx2" },
	{ 7, 0, EBX, 8, "bmi2" }, { 7, 0, EBX, 16, "avx512f" }, { 7, 0, EBX, 17, "avx512dq" },
	{ 7, 0, EBX, 19, "adx" }, { 7, 0, EBX, 21, "avx512ifma" }, { 7, 0, EBX, 23, "clflushopt" },
	{ 7, 0, EBX, 24, "clwb" }, { 7, 0, EBX, 28, "avx512cd" }, { 7, 0, EBX, 29, "sha" },
	{ 7, 0, EBX, 30, "avx512bw" }, { 7, 0, EBX, 31, "avx512vl" },
	{ 7, 0, ECX, 1, "avx512vbmi" }, { 7, 0, ECX, 5, "waitpkg" }, { 7, 0, ECX, 6, "avx512vbmi2" },
	{ 7, 0, ECX, 8, "gfni" }, { 7, 0, ECX, 9, "vaes" }, { 7, 0, ECX, 10, "vpclmulqdq" },
	{ 7, 0, ECX, 11, "avx512vnni" }, { 7, 0, ECX, 12, "avx512bitalg" },
	{ 7, 0, ECX, 14, "avx512vpopcntdq" }, { 7, 0, ECX, 22, "rdpid" },
	{ 7, 0, ECX, 27, "movdiri" }, { 7, 0, ECX, 28, "movdir64b" },
	{ 7, 0, EDX, 8, "avx512vp2intersect" }, { 7, 0, EDX, 14, "serialize" },
	{ 7, 0, EDX, 22, "amx-bf16" }, { 7, 0, EDX, 23, "avx512fp16" }, { 7, 0, EDX, 24, "amx-tile" },
	{ 7, 0, EDX, 25, "amx-int8" }, { 7, 1, EAX, 4, "avx-vnni" }, { 7, 1, EAX, 5, "avx512bf16" },
	{ 0xd, 1, EAX, 0, "xsaveopt" }, { 0xd, 1, EAX, 1, "xsavec" }, { 0xd, 1, EAX, 3, "xsaves" },
	{ 0x80000001, 0, ECX, 0, "lahf_lm" }, { 0x80000001, 0, ECX, 5, "lzcnt" },
	{ 0x80000001, 0, ECX, 6, "sse4a" }, { 0x80000001, 0, ECX, 8, "prefetchw" },
	{ 0x80000001, 0, ECX, 11, "xop" }, { 0x80000001, 0, ECX, 16, "fma4" },
	{ 0x80000001, 0, ECX, 21, "tbm" }, { 0x80000001, 0, EDX, 29, "lm" },
};

void rrk_cpuid_level(uint32_t level, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	if (leaf == 1)
		r[ECX] &= ~(1u << 30); /* rdrand */
	if (leaf == 7 && sub == 0)
		r[EBX] &= ~((1u << 18) | (1u << 4) | (1u << 11)); /* rdseed, hle, rtm */
	if (level != RRK_CPU_BASELINE)
		return;
	/* x86-64-v2: sse3, ssse3, cx16, sse4.1, sse4.2, popcnt (and the
	 * hypervisor bit, which says nothing about instructions); no xsave,
	 * so no avx and none of the xsave state a kernel sizes per CPU. */
	if (leaf == 1)
		r[ECX] &= (1u << 0) | (1u << 9) | (1u << 13) | (1u << 19) | (1u << 20) | (1u << 23) |
			  (1u << 31);
	if (leaf == 7 || leaf == 0xd || leaf == 0x14 || leaf == 0x19 || leaf == 0x1d || leaf == 0x1e ||
	    leaf == 0x24)
		r[EAX] = r[EBX] = r[ECX] = r[EDX] = 0;
	if (leaf == 0x80000001)
		r[ECX] &= 1u << 0; /* lahf_lm */
}

/* Leaves whose answer does not depend on ecx (on every vendor). */
static int ignores_subleaf(uint32_t leaf)
{
	static const uint32_t plain[] = { 0, 1, 2, 3, 5, 6, 0xa, 0x15, 0x16, 0x80000000, 0x80000001,
					  0x80000002, 0x80000003, 0x80000004, 0x80000005, 0x80000006,
					  0x80000007, 0x80000008, 0x8000000a, 0x80000019, 0x8000001a,
					  0x8000001e, 0x8000001f, 0x80000021 };
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (plain[i] == leaf)
			return 1;
	return 0;
}

int rrk_cpuid_lookup(const struct rrk_cpuid_leaf *l, size_t n, uint32_t leaf, uint32_t sub,
		     uint32_t r[4])
{
	if (ignores_subleaf(leaf))
		sub = 0;
	for (size_t i = 0; i < n; i++) {
		if (l[i].leaf != leaf || l[i].subleaf != sub)
			continue;
		r[EAX] = l[i].eax;
		r[EBX] = l[i].ebx;
		r[ECX] = l[i].ecx;
		r[EDX] = l[i].edx;
		return 1;
	}
	return 0;
}

int rrk_cpu_level_parse(const char *name)
{
	if (!strcmp(name, "host"))
		return RRK_CPU_HOST;
	if (!strcmp(name, "baseline") || !strcmp(name, "x86-64-v2"))
		return RRK_CPU_BASELINE;
	return -1;
}

/* The recording's answer for (leaf, sub) as the program saw it; 0 when
 * the leaf is not in the header. */
static int recorded(const struct rrk_cpuid_leaf *l, size_t n, uint32_t level, uint32_t leaf,
		    uint32_t sub, uint32_t r[4])
{
	if (!rrk_cpuid_lookup(l, n, leaf, sub, r))
		return 0;
	rrk_cpuid_level(level, leaf, sub, r);
	return 1;
}

int rrk_cpu_check(const struct rrk_cpuid_leaf *leaves, size_t n, uint32_t level, char *why,
		  size_t len)
{
	uint32_t max[4], emax[4];
	rrk_cpuid(0, 0, max);
	rrk_cpuid(0x80000000, 0, emax);
	for (size_t i = 0; i < sizeof features / sizeof features[0]; i++) {
		const struct feature *f = &features[i];
		uint32_t rec[4], host[4] = { 0, 0, 0, 0 };
		if (!recorded(leaves, n, level, f->leaf, f->sub, rec) || !(rec[f->reg] & (1u << f->bit)))
			continue;
		if (f->leaf < 0x80000000 ? f->leaf <= max[EAX] : f->leaf <= emax[EAX])
			rrk_cpuid(f->leaf, f->sub, host);
		if (!(host[f->reg] & (1u << f->bit))) {
			snprintf(why, len, "this CPU lacks %s, which the recorded program was offered", f->name);
			return -1;
		}
	}
	/* With xsave offered, libraries size their save areas from the
	 * recorded answer, and the CPU saves what it enables: both must agree. */
	uint32_t rec[4], host[4] = { 0, 0, 0, 0 };
	if (recorded(leaves, n, level, 1, 0, rec) && (rec[ECX] & (1u << 27)) &&
	    recorded(leaves, n, level, 0xd, 0, rec)) {
		if (max[EAX] >= 0xd)
			rrk_cpuid(0xd, 0, host);
		if (rec[EAX] != host[EAX] || rec[EDX] != host[EDX] || rec[EBX] != host[EBX]) {
			snprintf(why, len,
				 "this CPU's XSAVE state (components 0x%llx, %u bytes) differs from the recording's (0x%llx, %u bytes)",
				 ((unsigned long long)host[EDX] << 32) | host[EAX], host[EBX],
				 ((unsigned long long)rec[EDX] << 32) | rec[EAX], rec[EBX]);
			return -1;
		}
	}
	return 0;
}
