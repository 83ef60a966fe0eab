/* Finding the instructions rec must make trap when the CPU does not:
 * rdtsc, rdtscp and cpuid, at real instruction boundaries (Zydis). */
#ifndef RRK_SITES_H
#define RRK_SITES_H

#include <stddef.h>
#include <stdint.h>

enum rrk_site_kind {
	RRK_SITE_RDTSC = 1,
	RRK_SITE_RDTSCP = 2,
	RRK_SITE_CPUID = 3,
};
#define RRK_SITE_BIT(k) (1u << (k))
#define RRK_SITE_ALL (RRK_SITE_BIT(RRK_SITE_RDTSC) | RRK_SITE_BIT(RRK_SITE_RDTSCP) | RRK_SITE_BIT(RRK_SITE_CPUID))

struct rrk_site {
	uint64_t off;   /* file offset of the instruction's first byte */
	uint64_t vaddr; /* its address in the ELF file's own numbering */
	uint8_t kind;   /* RRK_SITE_* */
	uint8_t len;    /* whole instruction, prefixes included (2..15) */
};

/* Every instruction of the kinds in mask (RRK_SITE_BIT bits) in the
 * executable sections of the ELF file data[0, size). Instruction
 * boundaries: decoding starts at each executable section's start and
 * again at each function symbol in it (.symtab and .dynsym), as objdump -d
 * does; the bytes of a data object symbol in it (STT_OBJECT with a size)
 * are not decoded, as objdump -d shows them as data, and decoding starts
 * again after them. An instruction less than 64 bytes after bytes that do
 * not decode is taken for data and left out (tables in the code of
 * stripped files). A file without section headers is decoded from the
 * start of each executable PT_LOAD segment. Only the stretches from such a
 * start up to where the instructions' opcode bytes occur are decoded, so a
 * library costs a byte scan plus those stretches (long ones when its
 * functions have no symbols). Never reads outside data, whatever it holds.
 * Returns the number of sites, with *out a malloc'd array sorted by off
 * (NULL when there are none), or -1 when data is not a 64-bit x86-64 ELF
 * file. */
long rrk_find_sites(const uint8_t *data, size_t size, unsigned mask, struct rrk_site **out);

/* The sites of each file content seen, found once per digest (a library
 * that a make -j2 maps a hundred times is decoded once). */
struct rrk_scan {
	uint8_t digest[32];
	struct rrk_site *sites;
	long n; /* -1: not an x86-64 ELF file */
};
struct rrk_scans {
	struct rrk_scan *v;
	size_t n;
};
const struct rrk_scan *rrk_scan_find(const struct rrk_scans *c, const uint8_t digest[32]);
/* Finds the sites of data (whose digest it is) and keeps them; data NULL:
 * the file could not be read (no sites, n -1). */
const struct rrk_scan *rrk_scan_add(struct rrk_scans *c, const uint8_t digest[32], const uint8_t *data,
				    size_t size, unsigned mask);
void rrk_scans_free(struct rrk_scans *c);

/* When the instruction at code[0, n) always goes on to the one after
 * it (no branch, call, return, system call, interrupt or trap), its
 * length, and in *rip_disp where its displacement from rip is when it
 * addresses memory relative to its own address (a 32-bit field at that
 * offset in the instruction), else 0; returns 0 for any other
 * instruction (also when it does not decode). */
size_t rrk_insn_next(const uint8_t *code, size_t n, unsigned *rip_disp);

/* When the instruction at code[0, n) is a relative jmp, a jcc (not
 * jrcxz or loop) or a call rel32, its length, its displacement from its
 * end in *rel, and its condition (the low 4 bits of its opcode) in
 * *cond, -1 for jmp, -3 for call; else 0. */
size_t rrk_insn_jump(const uint8_t *code, size_t n, int64_t *rel, int *cond);

/* When the instruction at code[0, n) is a near ret or an indirect near
 * jmp, which do the same wherever they are (once a displacement from
 * rip, reported as rrk_insn_next does, is moved), or an indirect near
 * call that does not address memory by rsp (*call_modrm: where its
 * ModRM byte is; the same bytes with ModRM.reg 4 are a jmp to the same
 * place), its length; else 0. */
size_t rrk_insn_leaves(const uint8_t *code, size_t n, unsigned *rip_disp, unsigned *call_modrm);

/* How control leaves one instruction, for finding the one before a
 * position (doc/design.md, "Going back"). */
enum rrk_flow {
	RRK_FLOW_NEXT,    /* on to the next instruction */
	RRK_FLOW_JCC,     /* a conditional jump by rel (or on to the next) */
	RRK_FLOW_JMP,     /* a relative jmp by rel */
	RRK_FLOW_CALL,    /* a call rel32: to rel, and back to the next */
	RRK_FLOW_ICALL,   /* an indirect call */
	RRK_FLOW_RET,
	RRK_FLOW_IJMP,    /* an indirect jmp (a jump table, a tail call) */
	RRK_FLOW_OTHER,   /* anything else: syscall, ud2... */
};
struct rrk_insn {
	size_t len;
	enum rrk_flow flow;
	int64_t rel;      /* JCC, JMP, CALL: the target less the end */
	unsigned writes;  /* the general registers it writes, in
			   * rrk_pfilter_differ's bits (rsp is not one) */
};
/* Decodes the instruction at code[0, n); its length, or 0. */
size_t rrk_insn_info(const uint8_t *code, size_t n, struct rrk_insn *out);

#endif
