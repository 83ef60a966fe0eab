/* Execution points without a branch counter: a task's complete state
 * (registers, FPU/SSE state, digest of its writable private memory) names
 * the point (doc/design.md, "Execution points"). */
#ifndef RRK_POINT_H
#define RRK_POINT_H

#include <stddef.h>
#include <stdint.h>

#include "format/trace.h"
#include "patchset.h"
#include "tracee.h"

struct point_range {
	uint64_t start, end;
};

/* Fills p and *ranges (malloc'd, *n of them) for the stopped task t of
 * process pid, leaving out the nskips ranges in skips (sorted, disjoint:
 * rec's syscall buffers, whose contents differ between record and
 * replay). Returns 0 or -1. */
int rrk_point_capture(struct tracee *t, const struct rrk_patchset *ps, const struct point_range *skips,
		      size_t nskips, struct rrk_point *p, struct point_range **ranges, size_t *n);
/* Digest of t's memory over ranges, with the original bytes of the
 * instructions in ps (NULL: none) that rec or play rewrote to trap (play
 * may rewrite more than rec did); pages that cannot be read count as
 * absent (hashed as their address only). */
uint64_t rrk_mem_digest(struct tracee *t, const struct rrk_patchset *ps, const struct point_range *r,
			size_t n);
/* Whether t is exactly at the point: regs (GPRs and flags, not orig_rax),
 * FPU/SSE state, then memory. */
int rrk_point_matches(struct tracee *t, const struct rrk_patchset *ps, const struct rrk_regs *want,
		      const struct rrk_point *p, const struct point_range *r, size_t n);
/* When the instruction bytes b start a rep-prefixed string instruction,
 * its length, else 0. A task stopped inside one is at the instruction's
 * own address with registers part way through: a state a breakpoint at
 * that address never shows again. */
size_t rrk_rep_string_len(const uint8_t *b, size_t n);
/* Hardware execute breakpoint 0 at addr (0 clears it). */
int rrk_hw_break(struct tracee *t, uint64_t addr);
/* Where the debug registers do not trap: an int3 written at addr, the
 * byte it replaced kept in *saved; rrk_sw_unbreak puts the byte back.
 * Only one task runs at a time, and the byte goes back before any
 * other task runs or anything reads the memory (digests, keyframes,
 * checkpoints, gdb), so no one but the CPU sees it. 0 or -1. */
int rrk_sw_break(struct tracee *t, uint64_t addr, uint8_t *saved);
int rrk_sw_unbreak(struct tracee *t, uint64_t addr, uint8_t saved);
/* Whether t, stopped by SIGTRAP, hit the int3 at addr (rip just after
 * it, raised by the instruction, not a step or a kill); rip is put back
 * at addr when so. g holds t's registers and is updated. */
int rrk_sw_hit(struct tracee *t, uint64_t addr, struct rrk_regs *g);

#endif
