/* rdtsc, rdtscp and cpuid at real instruction boundaries. A byte scan
 * finds where their opcode bytes occur; only there is Zydis run, from the
 * last place objdump -d would restart decoding at (a section start or a
 * function symbol), so that a 0f 31 inside another instruction, or in
 * bytes the linear decode steps over, is not taken for an rdtsc. */
#include "sites.h"

#include <elf.h>
#include <emmintrin.h>
#include <stdlib.h>
#include <string.h>

#include <Zydis/Decoder.h>

#include "base/util.h"

/* An instruction this close after bytes that do not decode is taken for
 * data: code has no undecodable bytes, while tables and strings in .text
 * (OpenSSL's ecp_nistz256_precomputed in a stripped libcrypto, GHC's info
 * tables) fail to decode every few dozen bytes and then yield 0f 31 and
 * 0f a2 by chance. In Debian 12's /usr/bin and /usr/lib such sites came
 * 1 to 39 bytes after a failure, real ones 151 or more. A patched "site"
 * in data would corrupt it; a missed one is only not recorded. */
#define DATA_WINDOW 64

/* The file as hostile input: every read is checked against size. */
struct elf {
	const uint8_t *data;
	size_t size;
	Elf64_Ehdr eh;
};

/* data[off, off + len) lies inside the file (no overflow). */
static int in_file(const struct elf *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

/* A table of n entries of entsize bytes (at least need) at off. */
static int table_ok(const struct elf *e, uint64_t off, uint64_t n, uint64_t entsize, size_t need)
{
	if (n && entsize < need)
		return 0;
	return in_file(e, off, 0) && (n == 0 || n <= (e->size - off) / entsize);
}

/* Section i's header (the table was checked by the caller). */
static Elf64_Shdr shdr(const struct elf *e, uint64_t i)
{
	Elf64_Shdr s;
	memcpy(&s, e->data + e->eh.e_shoff + i * e->eh.e_shentsize, sizeof s);
	return s;
}

/* The opcode bytes of one of mask's instructions start at p (p < end):
 * 0f 31 rdtsc, 0f 01 f9 rdtscp, 0f a2 cpuid. */
static int candidate_at(const uint8_t *d, uint64_t p, uint64_t end, unsigned mask)
{
	if (d[p] != 0x0f || p + 1 >= end)
		return 0;
	uint8_t b = d[p + 1];
	return (b == 0x31 && (mask & RRK_SITE_BIT(RRK_SITE_RDTSC))) ||
	       (b == 0xa2 && (mask & RRK_SITE_BIT(RRK_SITE_CPUID))) ||
	       (b == 0x01 && p + 2 < end && d[p + 2] == 0xf9 &&
		(mask & RRK_SITE_BIT(RRK_SITE_RDTSCP)));
}

/* First candidate in [p, end), or end. 0f is one byte in 30 of code, too
 * common for memchr to skip far: SSE2 (every x86-64 has it) tests 16
 * places at a time for 0f followed by 31, a2 or 01. */
static uint64_t next_candidate(const uint8_t *d, uint64_t p, uint64_t end, unsigned mask)
{
	const __m128i esc = _mm_set1_epi8(0x0f), tsc = _mm_set1_epi8(0x31),
		      cpuid = _mm_set1_epi8((char)0xa2), grp7 = _mm_set1_epi8(0x01);
	for (; end - p >= 17; p += 16) {
		__m128i a = _mm_loadu_si128((const __m128i *)(d + p));
		__m128i b = _mm_loadu_si128((const __m128i *)(d + p + 1));
		__m128i second = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, tsc), _mm_cmpeq_epi8(b, cpuid)),
					      _mm_cmpeq_epi8(b, grp7));
		unsigned hits = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, esc), second));
		for (; hits; hits &= hits - 1)
			if (candidate_at(d, p + (unsigned)__builtin_ctz(hits), end, mask))
				return p + (unsigned)__builtin_ctz(hits);
	}
	for (; p < end; p++)
		if (candidate_at(d, p, end, mask))
			return p;
	return end;
}

struct found {
	struct rrk_site *v;
	size_t n, cap;
};

/* A code region: file offsets [off, end) loaded at vaddr, section shndx
 * (0 for a segment: no symbols then). */
struct region {
	uint64_t off, end, vaddr, shndx;
};

/* The candidates of a region and, for each, where decoding starts and
 * whether it lies in a data object. */
struct cands {
	uint64_t *at, *start;
	long *data; /* > 0: inside a data object (after the running sum) */
	size_t n;
};

/* Index of the first candidate at or after file offset b (n if none). */
static size_t first_at(const struct cands *c, uint64_t b)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->at[mid] < b)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Applies the symbols of every SHT_SYMTAB and SHT_DYNSYM section
 * (malformed ones skipped) to the candidates. A function (STT_FUNC,
 * STT_GNU_IFUNC) is a place where decoding restarts. A data object
 * (STT_OBJECT with a size) is not decoded, as objdump -d shows it as data,
 * and decoding restarts after it. Each start goes to the first candidate
 * at or above it and a running maximum hands it on; objects mark their
 * candidates through a running sum: no sorting, and no cost that grows
 * with symbols times candidates. In a relocatable file symbol values are
 * offsets in their own section: only that section's count there. */
static void apply_symbols(const struct elf *e, uint64_t shnum, const struct region *r,
			  struct cands *c)
{
	uint64_t len = r->end - r->off;
	int rel = e->eh.e_type == ET_REL;
	for (uint64_t i = 0; i < shnum; i++) {
		Elf64_Shdr s = shdr(e, i);
		if (s.sh_type != SHT_SYMTAB && s.sh_type != SHT_DYNSYM)
			continue;
		uint64_t ent = s.sh_entsize ? s.sh_entsize : sizeof(Elf64_Sym);
		if (ent < sizeof(Elf64_Sym) || !in_file(e, s.sh_offset, s.sh_size))
			continue;
		for (uint64_t j = 0; j < s.sh_size / ent; j++) {
			Elf64_Sym sym;
			memcpy(&sym, e->data + s.sh_offset + j * ent, sizeof sym);
			unsigned t = ELF64_ST_TYPE(sym.st_info);
			int func = t == STT_FUNC || t == STT_GNU_IFUNC;
			int object = t == STT_OBJECT && sym.st_size > 0;
			if ((!func && !object) || sym.st_shndx == SHN_UNDEF ||
			    (rel && sym.st_shndx != r->shndx) || sym.st_value < r->vaddr ||
			    sym.st_value - r->vaddr >= len)
				continue;
			uint64_t b = r->off + (sym.st_value - r->vaddr);
			if (object) {
				uint64_t left = r->end - b;
				uint64_t end = b + (sym.st_size < left ? sym.st_size : left);
				c->data[first_at(c, b)]++;
				c->data[first_at(c, end)]--;
				b = end;
			}
			size_t k = first_at(c, b);
			if (k < c->n && c->start[k] < b)
				c->start[k] = b;
		}
	}
	for (size_t k = 1; k < c->n; k++) {
		if (c->start[k] < c->start[k - 1])
			c->start[k] = c->start[k - 1];
		c->data[k] += c->data[k - 1];
	}
}

static int site_kind(ZydisMnemonic m)
{
	switch (m) {
	case ZYDIS_MNEMONIC_RDTSC:
		return RRK_SITE_RDTSC;
	case ZYDIS_MNEMONIC_RDTSCP:
		return RRK_SITE_RDTSCP;
	case ZYDIS_MNEMONIC_CPUID:
		return RRK_SITE_CPUID;
	default:
		return 0;
	}
}

/* Decodes the region where it has candidates. Decoding restarts at the
 * region start, at each function symbol and after each data object, and
 * runs linearly from the greatest such start at or below a candidate up
 * to it, or on from where the last walk stopped when that began at the
 * same start. A byte that does not decode is stepped over, as objdump's
 * (bad), and what follows it closely is left out (DATA_WINDOW). */
static void scan_region(const struct elf *e, uint64_t shnum, const ZydisDecoder *dec,
			const struct region *r, unsigned mask, struct found *f)
{
	struct cands c = {0};
	size_t cap = 0;
	for (uint64_t p = next_candidate(e->data, r->off, r->end, mask); p < r->end;
	     p = next_candidate(e->data, p + 1, r->end, mask)) {
		if (c.n == cap)
			c.at = rrk_xrealloc(c.at, (cap = cap ? 2 * cap : 64) * sizeof *c.at);
		c.at[c.n++] = p;
	}
	if (c.n == 0)
		return;
	c.start = rrk_xmalloc(c.n * sizeof *c.start);
	c.data = rrk_xcalloc(c.n + 1, sizeof *c.data);
	for (size_t i = 0; i < c.n; i++)
		c.start[i] = r->off;
	if (r->shndx)
		apply_symbols(e, shnum, r, &c);

	/* bad: just after the last byte that did not decode in this stretch. */
	uint64_t from = r->off, pos = r->off, bad = 0;
	for (size_t i = 0; i < c.n; i++) {
		if (c.data[i] > 0)
			continue;
		if (c.start[i] != from)
			from = pos = c.start[i], bad = 0; /* a new stretch: decode afresh */
		while (pos <= c.at[i]) {
			ZydisDecodedInstruction ins;
			if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(dec, NULL, e->data + pos,
									 r->end - pos, &ins))) {
				bad = ++pos;
				continue;
			}
			int k = site_kind(ins.mnemonic);
			if (k && (mask & RRK_SITE_BIT(k)) && !(bad && pos - bad < DATA_WINDOW)) {
				if (f->n == f->cap)
					f->v = rrk_xrealloc(f->v, (f->cap = f->cap ? 2 * f->cap : 16) *
									  sizeof *f->v);
				f->v[f->n++] = (struct rrk_site){
					.off = pos,
					.vaddr = r->vaddr + (pos - r->off),
					.kind = (uint8_t)k,
					.len = ins.length,
				};
			}
			pos += ins.length;
		}
	}
	free(c.at);
	free(c.start);
	free(c.data);
}

static int site_cmp(const void *a, const void *b)
{
	uint64_t x = ((const struct rrk_site *)a)->off, y = ((const struct rrk_site *)b)->off;
	return (x > y) - (x < y);
}

/* The section header count: e_shnum, or section 0's sh_size when that is
 * 0 (more than 0xff00 sections); 0 when the table is unusable. */
static uint64_t section_count(const struct elf *e)
{
	const Elf64_Ehdr *h = &e->eh;
	if (h->e_shoff == 0 || !table_ok(e, h->e_shoff, 1, h->e_shentsize, sizeof(Elf64_Shdr)))
		return 0;
	uint64_t n = h->e_shnum ? h->e_shnum : shdr(e, 0).sh_size;
	return table_ok(e, h->e_shoff, n, h->e_shentsize, sizeof(Elf64_Shdr)) ? n : 0;
}

long rrk_find_sites(const uint8_t *data, size_t size, unsigned mask, struct rrk_site **out)
{
	*out = NULL;
	struct elf e = {.data = data, .size = size};
	if (size < sizeof e.eh)
		return -1;
	memcpy(&e.eh, data, sizeof e.eh);
	if (memcmp(e.eh.e_ident, ELFMAG, SELFMAG) != 0 || e.eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    e.eh.e_ident[EI_DATA] != ELFDATA2LSB || e.eh.e_machine != EM_X86_64)
		return -1;
	mask &= RRK_SITE_ALL;
	if (!mask)
		return 0;

	ZydisDecoder dec;
	if (!ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    !ZYAN_SUCCESS(ZydisDecoderEnableMode(&dec, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE)))
		return -1;

	struct found f = {0};
	uint64_t shnum = section_count(&e);
	if (shnum) {
		for (uint64_t i = 1; i < shnum; i++) {
			Elf64_Shdr s = shdr(&e, i);
			if (s.sh_type != SHT_PROGBITS || (s.sh_flags & (SHF_EXECINSTR | SHF_ALLOC)) !=
								 (SHF_EXECINSTR | SHF_ALLOC))
				continue;
			if (!in_file(&e, s.sh_offset, s.sh_size) || s.sh_addr > UINT64_MAX - s.sh_size)
				continue;
			struct region r = {s.sh_offset, s.sh_offset + s.sh_size, s.sh_addr, i};
			scan_region(&e, shnum, &dec, &r, mask, &f);
		}
	} else if (e.eh.e_phoff && table_ok(&e, e.eh.e_phoff, e.eh.e_phnum, e.eh.e_phentsize,
					      sizeof(Elf64_Phdr))) {
		/* No section headers: the kernel's view, each executable
		 * segment's file bytes from its start. */
		for (uint64_t i = 0; i < e.eh.e_phnum; i++) {
			Elf64_Phdr p;
			memcpy(&p, data + e.eh.e_phoff + i * e.eh.e_phentsize, sizeof p);
			if (p.p_type != PT_LOAD || !(p.p_flags & PF_X) ||
			    !in_file(&e, p.p_offset, p.p_filesz) || p.p_vaddr > UINT64_MAX - p.p_filesz)
				continue;
			struct region r = {p.p_offset, p.p_offset + p.p_filesz, p.p_vaddr, 0};
			scan_region(&e, 0, &dec, &r, mask, &f);
		}
	}

	if (f.n == 0) {
		free(f.v);
		return 0;
	}
	/* Sections or segments can overlap (hostile files): one entry a place. */
	qsort(f.v, f.n, sizeof *f.v, site_cmp);
	size_t n = 1;
	for (size_t i = 1; i < f.n; i++)
		if (f.v[i].off != f.v[n - 1].off)
			f.v[n++] = f.v[i];
	*out = f.v;
	return (long)n;
}

const struct rrk_scan *rrk_scan_find(const struct rrk_scans *c, const uint8_t digest[32])
{
	for (size_t i = 0; i < c->n; i++)
		if (!memcmp(c->v[i].digest, digest, 32))
			return &c->v[i];
	return NULL;
}

const struct rrk_scan *rrk_scan_add(struct rrk_scans *c, const uint8_t digest[32], const uint8_t *data,
				    size_t size, unsigned mask)
{
	c->v = rrk_xrealloc(c->v, (c->n + 1) * sizeof *c->v);
	struct rrk_scan *sc = &c->v[c->n++];
	memcpy(sc->digest, digest, 32);
	sc->sites = NULL;
	sc->n = data ? rrk_find_sites(data, size, mask, &sc->sites) : -1;
	return sc;
}

void rrk_scans_free(struct rrk_scans *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->v[i].sites);
	free(c->v);
	c->v = NULL;
	c->n = 0;
}

/* The instruction at code[0, n) in 64-bit mode; 0 when it does not
 * decode. */
static int decode(const uint8_t *code, size_t n, ZydisDecodedInstruction *ins)
{
	ZydisDecoder dec;
	return ZYAN_SUCCESS(ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) &&
	       ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&dec, NULL, code, n, ins));
}

/* Where ins's displacement from rip is, or 0: mod 00, r/m 101 is
 * [rip + disp32] in 64-bit mode. */
static unsigned rip_disp_of(const ZydisDecodedInstruction *ins)
{
	return (ins->attributes & ZYDIS_ATTRIB_HAS_MODRM) && ins->raw.modrm.mod == 0 && ins->raw.modrm.rm == 5
		       ? ins->raw.disp.offset
		       : 0;
}

size_t rrk_insn_next(const uint8_t *code, size_t n, unsigned *rip_disp)
{
	ZydisDecodedInstruction ins;
	if (!decode(code, n, &ins))
		return 0;
	*rip_disp = rip_disp_of(&ins);
	switch (ins.mnemonic) {
	/* what may go elsewhere than the next instruction, or never
	 * finish there without the kernel */
	case ZYDIS_MNEMONIC_CALL: case ZYDIS_MNEMONIC_RET: case ZYDIS_MNEMONIC_JMP:
	case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JCXZ:
	case ZYDIS_MNEMONIC_JECXZ: case ZYDIS_MNEMONIC_JKNZD: case ZYDIS_MNEMONIC_JKZD:
	case ZYDIS_MNEMONIC_JL: case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB:
	case ZYDIS_MNEMONIC_JNBE: case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE:
	case ZYDIS_MNEMONIC_JNO: case ZYDIS_MNEMONIC_JNP: case ZYDIS_MNEMONIC_JNS:
	case ZYDIS_MNEMONIC_JNZ: case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP:
	case ZYDIS_MNEMONIC_JRCXZ: case ZYDIS_MNEMONIC_JS: case ZYDIS_MNEMONIC_JZ:
	case ZYDIS_MNEMONIC_LOOP: case ZYDIS_MNEMONIC_LOOPE: case ZYDIS_MNEMONIC_LOOPNE:
	case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
	case ZYDIS_MNEMONIC_UIRET: case ZYDIS_MNEMONIC_SYSCALL: case ZYDIS_MNEMONIC_SYSENTER:
	case ZYDIS_MNEMONIC_SYSEXIT: case ZYDIS_MNEMONIC_SYSRET: case ZYDIS_MNEMONIC_INT:
	case ZYDIS_MNEMONIC_INT1: case ZYDIS_MNEMONIC_INT3: case ZYDIS_MNEMONIC_INTO:
	case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
	case ZYDIS_MNEMONIC_HLT: case ZYDIS_MNEMONIC_XBEGIN: case ZYDIS_MNEMONIC_XABORT:
		return 0;
	default:
		return ins.length;
	}
}

size_t rrk_insn_leaves(const uint8_t *code, size_t n, unsigned *rip_disp, unsigned *call_modrm)
{
	ZydisDecodedInstruction ins;
	if (!decode(code, n, &ins) || ins.opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
		return 0;
	*rip_disp = rip_disp_of(&ins);
	/* near ret (c3, c2 iw); near jmp r/m64 (ff /4) */
	if (ins.mnemonic == ZYDIS_MNEMONIC_RET && (ins.opcode == 0xc3 || ins.opcode == 0xc2))
		return ins.length;
	*call_modrm = 0;
	if (ins.mnemonic == ZYDIS_MNEMONIC_JMP && ins.opcode == 0xff && ins.raw.modrm.reg == 4)
		return ins.length;
	/* near call r/m64 (ff /2), unless it addresses memory by rsp */
	int by_rsp = ins.raw.modrm.mod != 3 && ins.raw.modrm.rm == 4 && ins.raw.sib.base == 4 && !ins.raw.rex.B;
	if (ins.mnemonic == ZYDIS_MNEMONIC_CALL && ins.opcode == 0xff && ins.raw.modrm.reg == 2 && !by_rsp &&
	    ins.raw.modrm.offset) {
		*call_modrm = ins.raw.modrm.offset;
		return ins.length;
	}
	*rip_disp = 0;
	return 0;
}

size_t rrk_insn_jump(const uint8_t *code, size_t n, int64_t *rel, int *cond)
{
	ZydisDecodedInstruction ins;
	if (!decode(code, n, &ins) || !ins.raw.imm[0].is_relative || (ins.raw.imm[0].size != 8 && ins.raw.imm[0].size != 32))
		return 0;
	size_t len = ins.length, isz = ins.raw.imm[0].size / 8;
	if (len < 1 + isz)
		return 0;
	uint8_t op = code[len - 1 - isz];
	*rel = ins.raw.imm[0].value.s;
	if (ins.mnemonic == ZYDIS_MNEMONIC_JMP && (op == 0xeb || op == 0xe9)) {
		*cond = -1;
		return len;
	}
	if (ins.mnemonic == ZYDIS_MNEMONIC_CALL && op == 0xe8 && isz == 4) {
		*cond = -3;
		return len;
	}
	/* jcc rel8 (70-7f) or rel32 (0f 80-8f); not jrcxz, loop */
	if (isz == 1 && op >= 0x70 && op <= 0x7f) {
		*cond = op & 15;
		return len;
	}
	if (isz == 4 && len >= 6 && code[len - 6] == 0x0f && op >= 0x80 && op <= 0x8f) {
		*cond = op & 15;
		return len;
	}
	return 0;
}

/* Register number n (0-15 as encoded: rax, rcx, rdx, rbx, rsp, rbp,
 * rsi, rdi, r8..r15) as a bit in rrk_pfilter_differ's order, which
 * leaves rsp out. */
static unsigned gpr_bit(unsigned n)
{
	n &= 15;
	return n == 4 ? 0 : 1u << (n < 4 ? n : n - 1);
}

/* The general registers ins may write, at least those: the decoder is
 * built without operand tables, so this reads the encoding (ModRM reg
 * and r/m, the register in the opcode) and adds the implicit ones of the
 * instructions that have them. More than written only costs a wider
 * search. */
static unsigned gpr_writes(const ZydisDecodedInstruction *ins)
{
	const unsigned RAX = 1, RCX = 2, RDX = 4, RBX = 8, RSI = 32, RDI = 64;
	unsigned w = 0, rexr = ins->raw.rex.R ? 8 : 0, rexb = ins->raw.rex.B ? 8 : 0;
	/* VEX and EVEX keep R and B elsewhere: both banks; they may name a
	 * destination in vvvv (mulx, blsr...), kept inverted */
	int legacy = ins->encoding == ZYDIS_INSTRUCTION_ENCODING_LEGACY;
	unsigned both = legacy ? 0 : 8;
	if (!legacy)
		w |= gpr_bit(ins->raw.vex.vvvv) | gpr_bit(~ins->raw.vex.vvvv & 15) | gpr_bit(ins->raw.evex.vvvv) |
		     gpr_bit(~ins->raw.evex.vvvv & 15);
	/* without REX, byte registers 4-7 are ah, ch, dh, bh */
	unsigned high = legacy && !(ins->attributes & ZYDIS_ATTRIB_HAS_REX) ? 4 : 0;
	if (ins->attributes & ZYDIS_ATTRIB_HAS_MODRM) {
		unsigned reg = ins->raw.modrm.reg, rm = ins->raw.modrm.rm;
		w |= gpr_bit(reg | rexr) | gpr_bit(reg | both);
		if (high && reg >= 4)
			w |= gpr_bit(reg - 4);
		if (ins->raw.modrm.mod == 3) {
			w |= gpr_bit(rm | rexb) | gpr_bit(rm | both);
			if (high && rm >= 4)
				w |= gpr_bit(rm - 4);
		}
	}
	uint8_t op = ins->opcode;
	if (ins->opcode_map == ZYDIS_OPCODE_MAP_DEFAULT) {
		if ((op >= 0x50 && op <= 0x5f) || (op >= 0x90 && op <= 0x97) || (op >= 0xb0 && op <= 0xbf))
			w |= gpr_bit((op & 7) | rexb) | RAX; /* push/pop, xchg, mov imm */
		if (op >= 0xb4 && op <= 0xb7 && !(ins->attributes & ZYDIS_ATTRIB_HAS_REX))
			w |= gpr_bit(op & 3); /* mov imm8 to ah..bh */
		if (op == 0xc8 || op == 0xc9)
			w |= 16; /* enter, leave: rbp */
		if (op == 0x98 || op == 0x99 || op == 0xf6 || op == 0xf7 || op == 0x69 || op == 0x6b)
			w |= RAX | RDX;
		if ((op >= 0xa4 && op <= 0xaf) || op == 0x6c || op == 0x6d || op == 0x6e || op == 0x6f)
			w |= RAX | RCX | RSI | RDI; /* string instructions */
		if (op == 0xd7 || op == 0x9f || op == 0xcc)
			w |= RAX;
	} else if (ins->opcode_map == ZYDIS_OPCODE_MAP_0F) {
		if (op == 0xa2 || op == 0x31 || op == 0x01 || op == 0x05 || op == 0x07 || op == 0x33)
			w |= RAX | RBX | RCX | RDX | (1u << 10); /* cpuid, rdtsc(p), syscall: r11 */
		if (op == 0xb0 || op == 0xb1 || op == 0xc7)
			w |= RAX | RDX; /* cmpxchg */
		if (op >= 0xc8 && op <= 0xcf)
			w |= gpr_bit((op & 7) | rexb); /* bswap */
	}
	return w;
}

size_t rrk_insn_info(const uint8_t *code, size_t n, struct rrk_insn *out)
{
	ZydisDecodedInstruction ins;
	memset(out, 0, sizeof *out);
	if (!decode(code, n, &ins))
		return 0;
	out->len = ins.length;
	out->writes = gpr_writes(&ins);
	unsigned dummy, modrm = 0;
	int64_t rel;
	int cond;
	if (rrk_insn_next(code, n, &dummy)) {
		out->flow = RRK_FLOW_NEXT;
	} else if (rrk_insn_jump(code, n, &rel, &cond)) {
		out->rel = rel;
		out->flow = cond == -1 ? RRK_FLOW_JMP : cond == -3 ? RRK_FLOW_CALL : RRK_FLOW_JCC;
	} else if (ins.mnemonic == ZYDIS_MNEMONIC_CALL) {
		out->flow = RRK_FLOW_ICALL;
	} else if (rrk_insn_leaves(code, n, &dummy, &modrm)) {
		out->flow = ins.mnemonic == ZYDIS_MNEMONIC_RET ? RRK_FLOW_RET : RRK_FLOW_IJMP;
	} else {
		out->flow = RRK_FLOW_OTHER;
	}
	return out->len;
}
