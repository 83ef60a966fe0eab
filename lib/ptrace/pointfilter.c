#include "pointfilter.h"

#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "maps.h"
#include "point.h"
#include "sites.h"
#include "base/util.h"

/* The filter's mapping: code from the entry in the first page, data
 * and stack in the second. */
#define AREA (2 * 4096)
#define DATA (4096 + 2048)
/* The jump's reach, less room for the mapping itself. */
#define REACH ((1ll << 31) - 2 * AREA)

int rrk_no_pfilter(void)
{
	return rrk_env_on("RRK_NO_PFILTER");
}

/* The task's extended state (XSAVE area) as the kernel keeps it: a
 * system call run in it can leave the header's in-use bits otherwise,
 * and those reach the program's memory in its next signal frame. Kept
 * and put back around the calls play runs in it. */
struct xstate {
	uint8_t buf[16384];
	struct iovec iov;
	int ok;
};

static void xstate_get(struct tracee *t, struct xstate *x)
{
	x->iov.iov_base = x->buf;
	x->iov.iov_len = sizeof x->buf;
	x->ok = ptrace(PTRACE_GETREGSET, t->tid, (void *)NT_X86_XSTATE, &x->iov) == 0;
}

static void xstate_put(struct tracee *t, struct xstate *x)
{
	if (x->ok)
		ptrace(PTRACE_SETREGSET, t->tid, (void *)NT_X86_XSTATE, &x->iov);
}

/* Runs syscall nr(a0..a3, -1, 0) in t, from a signal stop, at insn
 * (the last two: an anonymous mmap's fd and offset; munmap ignores
 * them); t's registers and extended state are put back after it. */
static long inject_kept(struct tracee *t, uint64_t insn, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
			uint64_t a3, int *ok)
{
	struct rrk_regs r0;
	*ok = 0;
	if (tracee_getregs(t, &r0) < 0)
		return -1;
	struct xstate *x = rrk_xmalloc(sizeof *x);
	xstate_get(t, x);
	long got = tracee_inject_at_signal(t, insn, nr, a0, a1, a2, a3, (uint64_t)-1, 0, ok);
	tracee_setregs(t, &r0);
	xstate_put(t, x);
	free(x);
	return got;
}

static int64_t dist(uint64_t a, uint64_t b)
{
	return (int64_t)(a - b);
}

/* Whether [page, page + AREA) is free among m[0..n) (sorted). */
static int page_free(const struct mapping *m, long n, uint64_t page)
{
	if (page < 0x10000 || page >= 0x7ffffffff000ull)
		return 0;
	long lo = 0, hi = n; /* the first mapping ending after page */
	while (lo < hi) {
		long mid = (lo + hi) / 2;
		if (m[mid].end <= page)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == n || m[lo].start >= page + AREA;
}

/* Where the jump at point goes: an entry address E in a free page (the
 * next one free too) whose displacement from point + 5 has, in each
 * byte i marked in fixed, the value want[i]. Nearest first (the free top
 * byte nearest to 0, both signs); 0 when there is none. */
static uint64_t entry_near(const struct mapping *m, long n, uint64_t point, unsigned fixed, const uint8_t want[4])
{
	uint64_t from = point + 5;
	for (int i3 = 0; i3 < 254; i3++) {
		int b3 = fixed & 8 ? want[3] : (i3 & 1 ? 0x100 - (i3 + 1) / 2 : i3 / 2);
		if ((fixed & 8) && i3)
			break;
		for (int b2 = fixed & 4 ? want[2] : 0; b2 < 256; b2 = fixed & 4 ? 256 : b2 + 1)
			for (int b1 = fixed & 2 ? want[1] : 0; b1 < 256; b1 = fixed & 2 ? 256 : b1 + 1)
				for (int b0 = fixed & 1 ? want[0] : 0; b0 < 256; b0 = fixed & 1 ? 256 : b0 + 16) {
					uint32_t rel = (uint32_t)b0 | (uint32_t)b1 << 8 | (uint32_t)b2 << 16 |
						       (uint32_t)b3 << 24;
					int64_t d = (int64_t)(int32_t)rel;
					uint64_t e = from + (uint64_t)d;
					if (d <= REACH && d >= -REACH && page_free(m, n, e & ~4095ull))
						return e;
				}
	}
	return 0;
}

/* Where the jump at point goes when it covers instructions after the
 * point's (a boundary inside it: cc bit i for the jump's byte i + 1).
 * A branch to one of them would land inside the jump. Best, its
 * displacement's bytes from the first boundary on are the bytes that
 * were there: those instructions stay whole, and a branch to them runs
 * them (*pun set). Else those bytes are 0xcc where an instruction
 * starts: such a branch traps instead of running half a jump
 * (rrk_pfilter_stray). 0 when neither finds free pages. */
static uint64_t entry_for(pid_t tid, uint64_t point, unsigned cc, const uint8_t *code, int *pun)
{
	struct mapping *m;
	long n = rrk_read_maps(tid, &m);
	if (n < 0)
		return 0;
	uint64_t e = 0;
	*pun = 0;
	if (cc && !rrk_env_on("RRK_PFILTER_INT3")) {
		unsigned first = (unsigned)__builtin_ctz(cc), fixed = 0;
		for (unsigned i = first; i < 4; i++)
			fixed |= 1u << i;
		e = entry_near(m, n, point, fixed, code + 1);
		*pun = e != 0;
	}
	if (!e) {
		static const uint8_t cc4[4] = { 0xcc, 0xcc, 0xcc, 0xcc };
		e = entry_near(m, n, point, cc, cc4);
	}
	free(m);
	return e;
}

static size_t put(uint8_t *code, size_t k, const void *b, size_t n)
{
	memcpy(code + k, b, n);
	return k + n;
}

static size_t put_rel32(uint8_t *code, size_t k, uint64_t from_end, uint64_t to)
{
	int32_t rel = (int32_t)(to - from_end);
	return put(code, k, &rel, 4);
}

/* The instructions the jump at the point covers. */
struct covered {
	size_t start, end;  /* offsets from the point */
	unsigned rip_disp;  /* where a rip displacement is in it, or 0 */
	int jump;           /* -2: none; -1: jmp; -3: call; else a jcc's condition */
	unsigned call_modrm; /* an indirect call: its ModRM byte's offset */
	uint64_t target;    /* the jump's */
};

/* register numbers as instructions encode them, in the order of the
 * values in the page and of rrk_pfilter_differ's bits */
static const int reg_num[15] = { 0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
#define NUM_RCX 1

static void reg_values(const struct rrk_regs *w, uint64_t v[15])
{
	const uint64_t val[15] = { w->rax, w->rcx, w->rdx, w->rbx, w->rbp, w->rsi, w->rdi, w->r8,
				   w->r9, w->r10, w->r11, w->r12, w->r13, w->r14, w->r15 };
	memcpy(v, val, sizeof val);
}

unsigned rrk_pfilter_differ(const struct rrk_regs *now, const struct rrk_regs *want)
{
	uint64_t a[15], b[15];
	unsigned m = 0;
	reg_values(now, a);
	reg_values(want, b);
	for (int i = 0; i < 15; i++)
		if (a[i] != b[i])
			m |= 1u << i;
	return m;
}

/* Where the code of the filter and its data are. */
struct layout {
	uint64_t base;       /* the entry */
	uint64_t vals;       /* the recorded registers */
	uint64_t saved_rsp, saved_rcx, top;
};

static size_t rip_op(uint8_t *code, size_t k, const struct layout *l, const uint8_t op[3], uint64_t to)
{
	k = put(code, k, op, 3);
	return put_rel32(code, k, l->base + k + 4, to);
}

/* The whole comparison, at k: rsp saved and switched to the page's own
 * stack, flags saved there (the program's memory is never touched);
 * each general register but rsp compared with its recorded value; all
 * equal: flags and rsp back, int3 (*trap: after it); else flags and
 * rsp back and a jump to resume. */
static size_t full_check(uint8_t *code, size_t k, const struct layout *l, uint64_t resume, unsigned ignore,
			 uint64_t *trap)
{
	static const uint8_t pushf = 0x9c, popf = 0x9d, int3 = 0xcc, jmp = 0xe9;
	static const uint8_t save_rsp[3] = { 0x48, 0x89, 0x25 };   /* mov %rsp, disp32(%rip) */
	static const uint8_t load_rsp[3] = { 0x48, 0x8b, 0x25 };   /* mov disp32(%rip), %rsp */
	static const uint8_t own_stack[3] = { 0x48, 0x8d, 0x25 };  /* lea disp32(%rip), %rsp */
	size_t jne_at[15];
	k = rip_op(code, k, l, save_rsp, l->saved_rsp);
	k = rip_op(code, k, l, own_stack, l->top);
	k = put(code, k, &pushf, 1);
	for (int i = 0; i < 15; i++) {
		jne_at[i] = 0;
		if (ignore & (1u << i))
			continue;
		/* cmp r64, [rip + disp32]: REX.W (+R), 3B, modrm 00 reg 101 */
		uint8_t op[3] = { (uint8_t)(0x48 | (reg_num[i] >= 8 ? 4 : 0)), 0x3b,
				  (uint8_t)(((reg_num[i] & 7) << 3) | 5) };
		k = rip_op(code, k, l, op, l->vals + 8 * (uint64_t)i);
		static const uint8_t jne[2] = { 0x0f, 0x85 };
		k = put(code, k, jne, 2);
		jne_at[i] = k;
		k += 4;
	}
	k = put(code, k, &popf, 1);
	k = rip_op(code, k, l, load_rsp, l->saved_rsp);
	k = put(code, k, &int3, 1);
	*trap = l->base + k;
	for (int i = 0; i < 15; i++)
		if (jne_at[i])
			put_rel32(code, jne_at[i], l->base + jne_at[i] + 4, l->base + k);
	k = put(code, k, &popf, 1);
	k = rip_op(code, k, l, load_rsp, l->saved_rsp);
	k = put(code, k, &jmp, 1);
	return put_rel32(code, k, l->base + k + 4, resume);
}

/* The filter, at l->base. Most passes differ from the recorded state in
 * one register (quick, or -1 for none known), checked first without
 * touching flags or stack: rcx saved, rcx = quick's value minus the
 * recorded one (movabs, lea), jrcxz to the whole comparison; otherwise
 * rcx back and straight on to the copies of the covered instructions
 * (rip displacements moved, jumps re-encoded) and a jump back after
 * them. Returns the code's length; f's trap, resume, copy and
 * copies_end are set. */
static size_t build(uint8_t *code, const struct layout *l, uint64_t point, const uint8_t *insn,
		    size_t len, const struct covered *cv, size_t ninsn, int quick, const uint64_t val[15],
		    unsigned ignore, struct rrk_pfilter *f)
{
	static const uint8_t jmp = 0xe9;
	static const uint8_t save_rcx[3] = { 0x48, 0x89, 0x0d };   /* mov %rcx, disp32(%rip) */
	static const uint8_t load_rcx[3] = { 0x48, 0x8b, 0x0d };   /* mov disp32(%rip), %rcx */
	size_t k = 0, jrcxz_at = 0, jmp_full_at = 0;
	if (quick >= 0) {
		k = rip_op(code, k, l, save_rcx, l->saved_rcx);
		uint8_t movabs[2] = { 0x48, 0xb9 };
		uint64_t neg = 0 - val[quick];
		k = put(code, k, movabs, 2);
		k = put(code, k, &neg, 8);
		/* lea (%rcx,REG,1), %rcx: REX.W (+X), 8D, modrm 00 001 100, sib */
		uint8_t lea[4] = { (uint8_t)(0x48 | (reg_num[quick] >= 8 ? 2 : 0)), 0x8d, 0x0c,
				   (uint8_t)(((reg_num[quick] & 7) << 3) | 1) };
		k = put(code, k, lea, 4);
		static const uint8_t jrcxz = 0xe3;
		k = put(code, k, &jrcxz, 1);
		jrcxz_at = k++;
		k = rip_op(code, k, l, load_rcx, l->saved_rcx);
	} else {
		k = put(code, k, &jmp, 1);
		jmp_full_at = k;
		k += 4;
	}
	f->resume = l->base + k;
	for (size_t i = 0; i < ninsn; i++) {
		const struct covered *c = &cv[i];
		if (c->start < sizeof f->copy / sizeof f->copy[0])
			f->copy[c->start] = l->base + k;
		if (c->jump == -3 || c->call_modrm) {
			/* a call: the return address the program's own call
			 * would push (no flags touched), then a jump to the
			 * target (an indirect one: the call's own bytes made a
			 * jmp; its operand does not use rsp) */
			static const uint8_t down[5] = { 0x48, 0x8d, 0x64, 0x24, 0xf8 }; /* lea -8(%rsp), %rsp */
			static const uint8_t lo[3] = { 0xc7, 0x04, 0x24 };              /* movl $imm, (%rsp) */
			static const uint8_t hi[4] = { 0xc7, 0x44, 0x24, 0x04 };        /* movl $imm, 4(%rsp) */
			uint64_t ret = point + c->end;
			uint32_t half[2] = { (uint32_t)ret, (uint32_t)(ret >> 32) };
			k = put(code, k, down, 5);
			k = put(code, k, lo, 3);
			k = put(code, k, &half[0], 4);
			k = put(code, k, hi, 4);
			k = put(code, k, &half[1], 4);
			if (c->jump == -3) {
				k = put(code, k, &jmp, 1);
				k = put_rel32(code, k, l->base + k + 4, c->target);
				continue;
			}
		}
		if (c->jump >= -1) {
			/* a jump, as a rel32 one to the same target */
			uint8_t op[2] = { 0x0f, (uint8_t)(0x80 | c->jump) };
			k = c->jump == -1 ? put(code, k, &jmp, 1) : put(code, k, op, 2);
			k = put_rel32(code, k, l->base + k + 4, c->target);
			continue;
		}
		uint8_t copy[16];
		size_t n = c->end - c->start;
		memcpy(copy, insn + c->start, n);
		if (c->rip_disp) {
			int32_t d;
			memcpy(&d, copy + c->rip_disp, 4);
			d = (int32_t)((int64_t)d + dist(point + c->end, l->base + k + n));
			memcpy(copy + c->rip_disp, &d, 4);
		}
		if (c->call_modrm)
			copy[c->call_modrm] = (uint8_t)((copy[c->call_modrm] & ~0x38) | (4 << 3)); /* ff /2 -> ff /4 */
		k = put(code, k, copy, n);
	}
	f->copies_end = l->base + k;
	k = put(code, k, &jmp, 1);
	k = put_rel32(code, k, l->base + k + 4, point + len);
	if (quick >= 0) {
		/* at most 127 bytes on: the copies are short */
		code[jrcxz_at] = (uint8_t)(k - (jrcxz_at + 1));
		k = rip_op(code, k, l, load_rcx, l->saved_rcx);
	} else {
		put_rel32(code, jmp_full_at, l->base + jmp_full_at + 4, l->base + k);
	}
	return full_check(code, k, l, f->resume, ignore, &f->trap);
}

/* The register checked first: one that differed at every miss so far,
 * else one that differs now; not rcx (the quick check's scratch). */
static int quick_reg(unsigned differ, unsigned ignore, const struct rrk_regs *now, const struct rrk_regs *want)
{
	unsigned keep = ~(ignore | 1u << NUM_RCX), m = differ & keep;
	if (!m)
		m = rrk_pfilter_differ(now, want) & keep;
	for (int i = 0; i < 15; i++)
		if (m & (1u << i))
			return i;
	return -1;
}

int rrk_pfilter_arm(struct tracee *t, uint64_t insn, uint64_t point, const struct rrk_regs *want,
		    unsigned differ, unsigned ignore, struct rrk_pfilter *f)
{
	uint8_t b[32];
	struct covered cv[5];
	size_t len = 0, ninsn = 0;
	memset(f, 0, sizeof *f);
	f->why = "cannot read the code";
	if (tracee_read(t, point, b, sizeof b) < 0)
		return -1;
	/* the instructions the 5-byte jump covers: each one that goes on
	 * to the next, a relative jmp, jcc or call (to the same target), a
	 * ret or an indirect jmp */
	unsigned cc = 0;
	while (len < 5) {
		struct covered *c = &cv[ninsn];
		int64_t rel = 0;
		c->jump = -2;
		c->call_modrm = 0;
		size_t l = rrk_insn_next(b + len, sizeof b - len, &c->rip_disp);
		if (!l)
			l = rrk_insn_leaves(b + len, sizeof b - len, &c->rip_disp, &c->call_modrm);
		if (!l) {
			c->rip_disp = 0;
			l = rrk_insn_jump(b + len, sizeof b - len, &rel, &c->jump);
		}
		if (!l) {
			f->why = "an instruction the jump would cover cannot run elsewhere";
			return -1;
		}
		if (len)
			cc |= 1u << (len - 1); /* a boundary inside the jump */
		c->start = len;
		c->end = len + l;
		c->target = point + c->end + (uint64_t)rel;
		ninsn++;
		len += l;
	}
	int pun;
	uint64_t entry = entry_for(t->tid, point, cc, b, &pun), page = entry & ~4095ull;
	f->why = "no free pages within reach";
	if (!entry)
		return -1;
	/* the moved displacements must still reach what they addressed */
	for (size_t i = 0; i < ninsn; i++) {
		int64_t target = (int64_t)cv[i].target;
		if (cv[i].rip_disp) {
			int32_t d;
			memcpy(&d, b + cv[i].start + cv[i].rip_disp, 4);
			target = (int64_t)(point + cv[i].end) + d;
		} else if (cv[i].jump == -2) {
			continue;
		}
		f->why = "a copied instruction would not reach its target";
		if (target - (int64_t)page > REACH - 8192 || target - (int64_t)page < -REACH + 8192)
			return -1;
	}
	struct rrk_regs r0;
	int ok;
	f->why = "the task did not cooperate";
	if (tracee_getregs(t, &r0) < 0)
		return -1;
	long got = inject_kept(t, insn, SYS_mmap, page, AREA, PROT_READ | PROT_WRITE | PROT_EXEC,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, &ok);
	if (!ok || (uint64_t)got != page) {
		if (ok && got >= 0)
			inject_kept(t, insn, SYS_munmap, (uint64_t)got, AREA, 0, 0, &ok);
		return -1;
	}
	uint8_t *code = rrk_xmalloc(AREA);
	memset(code, 0xcc, AREA);
	struct layout l = { .base = entry, .vals = page + DATA };
	l.saved_rsp = l.vals + 15 * 8;
	l.saved_rcx = l.saved_rsp + 8;
	l.top = page + AREA;
	uint64_t val[15];
	reg_values(want, val);
	memcpy(code + DATA, val, sizeof val);
	build(code + (entry - page), &l, point, b, len, cv, ninsn, quick_reg(differ, ignore, &r0, want), val, ignore, f);
	f->why = NULL;
	f->page = page;
	f->entry = entry;
	f->point = point;
	f->len = len;
	f->cc = pun ? 0 : cc; /* (punned: no int3 to run into) */
	memcpy(f->saved, b, sizeof f->saved);
	int rc = tracee_write(t, page, code, AREA);
	free(code);
	if (rc < 0 || rrk_pfilter_jump(t, f, 1) < 0) {
		rrk_pfilter_disarm(t, insn, f);
		return -1;
	}
	return 0;
}

int rrk_pfilter_jump(struct tracee *t, const struct rrk_pfilter *f, int on)
{
	if (!on)
		return tracee_write(t, f->point, f->saved, sizeof f->saved);
	uint8_t jmp[5] = { 0xe9 };
	int32_t rel = (int32_t)(f->entry - (f->point + 5));
	memcpy(jmp + 1, &rel, 4);
	return tracee_write(t, f->point, jmp, sizeof jmp);
}

uint64_t rrk_pfilter_stray(const struct rrk_pfilter *f, uint64_t rip)
{
	uint64_t b = rip - 1 - f->point;
	return rip > f->point + 1 && b >= 1 && b <= 4 && (f->cc & (1u << (b - 1))) ? f->copy[b] : 0;
}

/* t, at a syscall stop after an injected call, with r0 its registers at
 * point: back to a signal stop there, the kind a breakpoint makes (a
 * signal play then sends is delivered only from such a stop), by an int3
 * run at point. */
static int stop_at_point(struct tracee *t, const struct rrk_regs *r0)
{
	uint8_t saved;
	struct stop st;
	struct rrk_regs r = *r0;
	if (rrk_sw_break(t, r0->rip, &saved) < 0)
		return -1;
	int rc = tracee_setregs(t, r0) == 0 && tracee_cont(t, 0) == 0 ? 0 : -1;
	while (rc == 0 && tracee_wait(t, &st) < 0)
		if (errno != EINTR)
			rc = -1;
	rrk_sw_unbreak(t, r0->rip, saved);
	if (rc < 0 || st.kind != STOP_SIGNAL || tracee_getregs(t, &r) < 0 || r.rip != r0->rip + 1)
		return -1;
	return tracee_setregs(t, r0);
}

int rrk_pfilter_disarm(struct tracee *t, uint64_t insn, struct rrk_pfilter *f)
{
	if (!f->page)
		return 0;
	rrk_pfilter_jump(t, f, 0);
	struct rrk_regs r0;
	int ok = 0;
	if (tracee_getregs(t, &r0) == 0)
		inject_kept(t, insn, SYS_munmap, f->page, AREA, 0, 0, &ok);
	f->page = 0;
	return ok && stop_at_point(t, &r0) == 0 ? 0 : -1;
}

uint64_t rrk_pfilter_where(const struct rrk_pfilter *f, uint64_t rip)
{
	return rip > f->resume && rip <= f->copies_end ? f->point + f->len : f->point;
}
