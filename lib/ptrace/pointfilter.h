/* Finding an execution point in a hot loop without a stop per pass: a
 * jump at the point's instruction to code near it that compares the
 * general registers with the recorded ones and traps only when they are
 * equal; otherwise it runs a copy of the instruction and jumps back
 * (doc/design.md, "Without a stop per pass"). Part of the replay engine. */
#ifndef RRK_POINTFILTER_H
#define RRK_POINTFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "format/trace.h"
#include "tracee.h"

struct rrk_pfilter {
	uint64_t page;     /* the filter's page in the task (0: not armed) */
	uint64_t entry;    /* where the jump goes */
	uint64_t point;
	size_t len;        /* of the instructions the jump covers */
	unsigned cc;       /* bit i: an instruction starts at the jump's byte i + 1 */
	uint8_t saved[5];  /* the bytes the jump replaced */
	uint64_t trap;     /* rip after the filter's int3 (registers equal) */
	uint64_t resume;   /* the copy of the point's instruction */
	uint64_t copies_end; /* the jump back after the copies */
	uint64_t copy[5];  /* [b]: the copy of the covered instruction at point + b */
	const char *why;   /* why arming failed */
	uint64_t strays;   /* branches into the covered instructions */
};

/* Arms the filter for t, stopped by a signal (a breakpoint's SIGTRAP) at
 * point with want the recorded registers: maps two pages within reach of a
 * 32-bit jump by a system call run at insn ("0f 05" in t), writes the
 * filter there and the jump at point, over the instruction there and as
 * many after it as the jump's 5 bytes cover. The jump's displacement is
 * chosen so that its bytes where those later instructions start are
 * 0xcc: a branch to one of them traps (rrk_pfilter_stray) rather than
 * running half a jump. differ: the registers that differed from want
 * at each miss so far (rrk_pfilter_differ); ignore: registers not
 * compared (same bits). t is left at point,
 * registers as they were. Returns 0, or -1 with nothing changed when
 * one of those instructions cannot run elsewhere (a call, a system
 * call, an indirect jump...) or no pages could be mapped. */
int rrk_pfilter_arm(struct tracee *t, uint64_t insn, uint64_t point, const struct rrk_regs *want,
		    unsigned differ, unsigned ignore, struct rrk_pfilter *f);
/* Bit i set for each general register (rax, rcx, rdx, rbx, rbp, rsi,
 * rdi, r8..r15) whose value in now is not the one in want. Play ANDs
 * them over the misses before arming: the filter checks first, cheaply,
 * a register that differed at each of them. */
unsigned rrk_pfilter_differ(const struct rrk_regs *now, const struct rrk_regs *want);
/* The jump at the point in (on) or out: out while the state at the
 * point is compared (the digest may cover the code) and once done. */
int rrk_pfilter_jump(struct tracee *t, const struct rrk_pfilter *f, int on);
/* Takes the jump out and unmaps the page, from a signal stop of t at the
 * point, and leaves t at such a stop again, registers kept. Returns 0,
 * or -1 when t did not cooperate. */
int rrk_pfilter_disarm(struct tracee *t, uint64_t insn, struct rrk_pfilter *f);
/* Whether t, stopped by SIGTRAP at rip, came to one of the instructions
 * the jump covers other than the first by a branch (and hit the int3
 * there: it stands at rip - 1): where the copy of that instruction is,
 * for t to go on from there; else 0. */
uint64_t rrk_pfilter_stray(const struct rrk_pfilter *f, uint64_t rip);
/* Whether RRK_NO_PFILTER asks play to keep the stop per pass (for
 * comparisons and tests). */
int rrk_no_pfilter(void);
/* t stopped somewhere in the filter's page: the address in the program
 * it stands for (the point, or just after its instruction). */
uint64_t rrk_pfilter_where(const struct rrk_pfilter *f, uint64_t rip);

#endif
