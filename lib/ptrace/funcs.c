#include "funcs.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"

/* DWARF pointer encodings .eh_frame_hdr uses (the only ones accepted) */
#define PE_UDATA4 0x03
#define PE_SDATA4 0x0b
#define PE_PCREL 0x10
#define PE_DATAREL 0x30

/* The load address of the object mapped at addr: the nearest mapping
 * start at or below it, in the run of adjacent mappings that holds it,
 * with an ELF header there (replay maps files as anonymous memory, so
 * names and offsets do not tell). */
static uint64_t object_base(struct tracee *t, uint64_t addr)
{
	struct mapping *m;
	long n = rrk_read_maps(t->tid, &m);
	uint64_t base = 0;
	long at = -1;
	for (long i = 0; i < n; i++)
		if (addr >= m[i].start && addr < m[i].end)
			at = i;
	for (long i = at; i >= 0 && at - i < 32; i--) {
		uint8_t magic[SELFMAG];
		if (tracee_read(t, m[i].start, magic, SELFMAG) == 0 && !memcmp(magic, ELFMAG, SELFMAG)) {
			base = m[i].start;
			break;
		}
		if (i > 0 && m[i - 1].end != m[i].start)
			break;
	}
	if (n >= 0)
		free(m);
	return base;
}

/* The address of the object's .eh_frame_hdr (PT_GNU_EH_FRAME), or 0. */
static uint64_t eh_frame_hdr(struct tracee *t, uint64_t base)
{
	Elf64_Ehdr eh;
	if (tracee_read(t, base, &eh, sizeof eh) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 64)
		return 0;
	Elf64_Phdr ph[64];
	if (tracee_read(t, base + eh.e_phoff, ph, eh.e_phnum * sizeof *ph) < 0)
		return 0;
	/* the bias: where the segment at file offset 0 was asked to be */
	uint64_t bias = base, hdr = 0;
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset == 0) {
			bias = base - ph[i].p_vaddr;
			break;
		}
	for (int i = 0; i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			hdr = bias + ph[i].p_vaddr;
	return hdr;
}

int rrk_func_bounds(struct tracee *t, uint64_t addr, uint64_t *start, uint64_t *end)
{
	uint64_t base = object_base(t, addr), hdr = base ? eh_frame_hdr(t, base) : 0;
	uint8_t h[12];
	/* version 1; eh_frame_ptr (4 bytes), fde_count udata4, table of
	 * datarel sdata4 pairs: the layout every linker writes */
	if (!hdr || tracee_read(t, hdr, h, sizeof h) < 0 || h[0] != 1 || (h[1] & 0x0f) != PE_SDATA4 ||
	    h[2] != PE_UDATA4 || h[3] != (PE_DATAREL | PE_SDATA4))
		return -1;
	uint32_t count;
	memcpy(&count, h + 8, 4);
	if (!count || count > (1u << 24))
		return -1;
	uint64_t table = hdr + 12;
	int32_t e[2];
	/* the last entry whose function starts at or before addr */
	uint32_t lo = 0, hi = count;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (tracee_read(t, table + 8ull * mid, e, 4) < 0)
			return -1;
		if (hdr + (uint64_t)(int64_t)e[0] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (tracee_read(t, table + 8ull * lo, e, 8) < 0)
		return -1;
	uint64_t fn = hdr + (uint64_t)(int64_t)e[0], fde = hdr + (uint64_t)(int64_t)e[1];
	if (fn > addr)
		return -1;
	/* the FDE: length, CIE pointer, pc_begin (pcrel sdata4, as the
	 * table says), pc_range */
	uint32_t f[4];
	if (tracee_read(t, fde, f, sizeof f) < 0 || f[0] == 0xffffffffu ||
	    fde + 8 + (uint64_t)(int64_t)(int32_t)f[2] != fn)
		return -1;
	uint64_t range = f[3];
	if (addr >= fn + range)
		return -1;
	*start = fn;
	*end = fn + range;
	return 0;
}
