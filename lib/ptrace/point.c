#include "point.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#include "maps.h"
#include "base/util.h"

/* The legacy FXSAVE area up to xmm15; the tail is padding and software
 * bytes that say nothing about the program. */
#define FP_COMPARE 416
/* How much of the stack below the red zone is left out of a point's
 * memory: a thread's stack, bounded in case rsp is in a mapping that
 * holds more than a stack. */
#define DEAD_STACK (256u << 10)

int rrk_point_capture(struct tracee *t, const struct rrk_patchset *ps, const struct point_range *skips,
		      size_t nskips, struct rrk_point *p, struct point_range **ranges, size_t *n)
{
	struct mapping *m;
	struct rrk_regs ur;
	memset(p, 0, sizeof p[0]);
	if (ptrace(PTRACE_GETFPREGS, t->tid, 0, p->fpregs) < 0 || tracee_getregs(t, &ur) < 0)
		return -1;
	long nm = rrk_read_maps(t->tid, &m);
	if (nm < 0)
		return -1;
	/* The ranges to skip, plus the dead stack below the red zone: the
	 * kernel and rrkit's own code (the library's frames around a
	 * buffered call, whose page differs in replay) leave different
	 * bytes there, and no program may read them (doc/design.md). */
	struct point_range *skip = rrk_xmalloc((nskips + 1) * sizeof *skip);
	size_t nskip = 0;
	struct point_range dead = { 0, 0 };
	for (long i = 0; i < nm; i++)
		if (ur.rsp > m[i].start && ur.rsp <= m[i].end && !m[i].shared &&
		    (!strcmp(m[i].name, "[stack]") || !m[i].name[0]) && ur.rsp - 128 > m[i].start) {
			dead.end = ur.rsp - 128;
			dead.start = dead.end - m[i].start > DEAD_STACK ? dead.end - DEAD_STACK : m[i].start;
		}
	for (size_t j = 0; j < nskips; j++) {
		if (dead.end > dead.start && dead.start < skips[j].start) {
			skip[nskip++] = dead;
			dead.end = dead.start;
		}
		skip[nskip++] = skips[j];
	}
	if (dead.end > dead.start)
		skip[nskip++] = dead;
	struct point_range *r = rrk_xmalloc((size_t)(nm + nskip + 1) * sizeof *r);
	size_t k = 0;
	for (long i = 0; i < nm; i++) {
		/* What the program can change and read back; the vDSO's
		 * pages are the kernel's and unused (hidden from libc). */
		if (!(m[i].prot & PROT_WRITE) || m[i].shared || !strncmp(m[i].name, "[v", 2))
			continue;
		/* less the ranges to skip (sorted, disjoint) */
		uint64_t a = m[i].start;
		for (size_t j = 0; j < nskip && a < m[i].end; j++) {
			const struct point_range *x = &skip[j];
			if (x->end <= a || x->start >= m[i].end)
				continue;
			if (x->start > a)
				r[k++] = (struct point_range){ a, x->start };
			a = x->end;
		}
		if (a < m[i].end)
			r[k++] = (struct point_range){ a, m[i].end };
	}
	free(m);
	free(skip);
	p->nranges = (uint32_t)k;
	p->digest = rrk_mem_digest(t, ps, r, k);
	*ranges = r;
	*n = k;
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v;
	h *= 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

uint64_t rrk_mem_digest(struct tracee *t, const struct rrk_patchset *ps, const struct point_range *r,
			size_t n)
{
	static uint64_t buf[1 << 16]; /* 512 KiB at a time */
	uint64_t h = 0x243f6a8885a308d3ull;
	for (size_t i = 0; i < n; i++) {
		uint64_t a = r[i].start;
		while (a < r[i].end) {
			uint64_t len = r[i].end - a;
			if (len > sizeof buf)
				len = sizeof buf;
			h = mix(h, a);
			if (tracee_read(t, a, buf, len) == 0) {
				if (ps)
					rrk_ps_unpatch(ps, a, (uint8_t *)buf, len);
				for (uint64_t k = 0; k < len / 8; k++)
					h = mix(h, buf[k]);
			} else {
				h = mix(h, ~a);
			}
			a += len;
		}
	}
	return h;
}

int rrk_point_matches(struct tracee *t, const struct rrk_patchset *ps, const struct rrk_regs *want,
		      const struct rrk_point *p, const struct point_range *r, size_t n)
{
	struct rrk_regs g;
	if (tracee_getregs(t, &g) < 0)
		return 0;
	g.orig_rax = want->orig_rax;
	char why[512];
	int debug = getenv("RRK_DEBUG") != NULL;
	if (rrk_regs_diff(want, &g, why, debug ? sizeof why : 0)) {
		if (debug)
			fprintf(stderr, "point: registers differ: %s\n", why);
		return 0;
	}
	uint8_t fp[512];
	if (ptrace(PTRACE_GETFPREGS, t->tid, 0, fp) < 0 || memcmp(fp, p->fpregs, FP_COMPARE)) {
		if (debug)
			fprintf(stderr, "point: FPU state differs\n");
		return 0;
	}
	uint64_t d = rrk_mem_digest(t, ps, r, n);
	if (debug && d != p->digest)
		fprintf(stderr, "point: memory differs\n");
	return d == p->digest;
}

int rrk_hw_break(struct tracee *t, uint64_t addr)
{
	size_t dr0 = offsetof(struct user, u_debugreg[0]);
	size_t dr7 = offsetof(struct user, u_debugreg[7]);
	if (!addr)
		return (int)ptrace(PTRACE_POKEUSER, t->tid, (void *)dr7, 0);
	if (ptrace(PTRACE_POKEUSER, t->tid, (void *)dr0, (void *)addr) < 0)
		return -1;
	/* L0 enabled, execute, length 1 */
	return (int)ptrace(PTRACE_POKEUSER, t->tid, (void *)dr7, (void *)1);
}

int rrk_sw_break(struct tracee *t, uint64_t addr, uint8_t *saved)
{
	static const uint8_t int3 = 0xcc;
	if (tracee_read(t, addr, saved, 1) < 0)
		return -1;
	return tracee_write(t, addr, &int3, 1);
}

int rrk_sw_unbreak(struct tracee *t, uint64_t addr, uint8_t saved)
{
	return tracee_write(t, addr, &saved, 1);
}

int rrk_sw_hit(struct tracee *t, uint64_t addr, struct rrk_regs *g)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (tracee_getregs(t, g) < 0 || g->rip != addr + 1 ||
	    ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0 || si.si_code != 0x80 /* SI_KERNEL */)
		return 0;
	g->rip = addr;
	return tracee_setregs(t, g) == 0;
}

size_t rrk_rep_string_len(const uint8_t *b, size_t n)
{
	size_t i = 0;
	int rep = 0;
	for (; i < n && i < 14; i++) {
		uint8_t c = b[i];
		if (c == 0xf2 || c == 0xf3)
			rep = 1;
		else if (!(c == 0x66 || c == 0x67 || c == 0x26 || c == 0x2e || c == 0x36 ||
			   c == 0x3e || c == 0x64 || c == 0x65 || (c >= 0x40 && c <= 0x4f)))
			break;
	}
	if (!rep || i >= n)
		return 0;
	uint8_t op = b[i];
	/* movs, cmps, stos, lods, scas, ins, outs */
	if ((op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf) || (op >= 0x6c && op <= 0x6f))
		return i + 1;
	return 0;
}
