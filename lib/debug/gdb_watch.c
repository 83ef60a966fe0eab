/* gdb's watchpoints without debug registers: where they accept values
 * but never trap (some VMs), under RRK_NO_DEBUGREGS=1, and for what does
 * not fit in debug registers 0-2. While the task runs, the pages of
 * watched data are protected (a write watchpoint's lose PROT_WRITE, a
 * read or access watchpoint's all access); a fault there is run again,
 * one single step with the page's own protection, and reported as the
 * debug register trap after that instruction would have been. At every
 * stop the engine sees, the pages have their own protection again.
 * Hardware breakpoints (Z1) become int3 breakpoints. doc/design.md,
 * "Watchpoints without debug registers". */
#include "gdb.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "ptrace/maps.h"
#include "base/util.h"

#define PAGE_OF(a) ((a) & ~(RRK_PAGE - 1))
/* the kernel's half of the address space: never the program's data */
#define KERNEL_HALF 0xffff800000000000ull
/* a watched range's pages are protected one by one: keep that bounded */
#define EWATCH_MAX_LEN (1ull << 20)

#ifndef SEGV_ACCERR
#define SEGV_ACCERR 2
#endif
#ifndef PTRACE_GETSIGMASK
#define PTRACE_GETSIGMASK 0x420a
#define PTRACE_SETSIGMASK 0x420b
#endif

int gdb_debugregs_usable(struct gdb_session *s)
{
	return rrk_rp_dr_works(s->rp); /* probed once, for the engine too */
}

int gdb_ewatch_add(struct gdb_session *s, int type, uint64_t addr, uint64_t len)
{
	if (!len || addr + len < addr || addr + len > KERNEL_HALF || len > EWATCH_MAX_LEN)
		return -1;
	if (type == 1)
		gdb_bp_add(s, addr, 1); /* an int3 does what the register would */
	s->ewatch = rrk_xrealloc(s->ewatch, (s->newatch + 1) * sizeof *s->ewatch);
	s->ewatch[s->newatch++] = (struct gdb_ewatch){ type, addr, len };
	s->prot_planned = 0;
	return 0;
}

void gdb_ewatch_del(struct gdb_session *s, int type, uint64_t addr, uint64_t len)
{
	for (size_t i = 0; i < s->newatch; i++)
		if (s->ewatch[i].type == type && s->ewatch[i].addr == addr && s->ewatch[i].len == len) {
			if (type == 1)
				gdb_bp_del(s, addr, 1);
			s->ewatch[i] = s->ewatch[--s->newatch];
			s->prot_planned = 0;
			return;
		}
}

/* ---- protections ---- */

/* An address of "0f 05" in t's executable mappings, to run mprotect at;
 * the one found last time while it is still there. */
static uint64_t injection_insn(struct gdb_session *s, struct ptask *t)
{
	uint8_t b[2];
	if (s->prot_insn && s->prot_insn_tid == t->t.tid && tracee_read(&t->t, s->prot_insn, b, 2) == 0 &&
	    b[0] == 0x0f && b[1] == 0x05)
		return s->prot_insn;
	s->prot_insn = tracee_syscall_insn(&t->t);
	s->prot_insn_tid = t->t.tid;
	return s->prot_insn;
}

/* t was entering syscall r0->orig_rax when the injected ones ran: back
 * to its syscall instruction and into the same seccomp stop. */
static int reenter_syscall(struct tracee *t, const struct rrk_regs *r0)
{
	struct rrk_regs r = *r0;
	r.rip -= 2;
	r.rax = r0->orig_rax;
	if (tracee_setregs(t, &r) < 0 || tracee_cont(t, 0) < 0)
		return -1;
	struct stop st;
	while (tracee_wait(t, &st) < 0)
		if (errno != EINTR)
			return -1;
	if (st.kind != STOP_SECCOMP || tracee_getregs(t, &r) < 0)
		return -1;
	return r.rip == r0->rip && r.orig_rax == r0->orig_rax ? 0 : -1;
}

/* Where t stands when mprotect is to run in it. */
enum inject_from {
	FROM_SECCOMP,  /* a seccomp stop: that syscall becomes the mprotect */
	FROM_SIGNAL,   /* a signal stop: no syscall under way */
	FROM_OTHER,    /* a syscall's exit, or an event stop inside one */
};

/* mprotect(a, len, prot) in t, in as few stops as play's seccomp filter
 * (which stops every syscall) allows: one from a seccomp stop, two from
 * a signal stop, three from elsewhere (tracee_inject). */
static long inject_mprotect(struct tracee *t, enum inject_from from, uint64_t insn,
			    const struct rrk_regs *r0, uint64_t a, uint64_t len, int prot, int *done)
{
	if (from == FROM_OTHER)
		return tracee_inject(t, insn, SYS_mprotect, a, len, (uint64_t)prot, 0, 0, 0, done);
	if (from == FROM_SIGNAL)
		return tracee_inject_at_signal(t, insn, SYS_mprotect, a, len, (uint64_t)prot, 0, 0, 0, done);
	struct rrk_regs r = *r0;
	r.orig_rax = r.rax = SYS_mprotect;
	r.rdi = a;
	r.rsi = len;
	r.rdx = (uint64_t)prot;
	if (tracee_setregs(t, &r) < 0)
		return -1;
	return tracee_finish_syscall(t, r.rip, SYS_mprotect, done);
}

/* Gives every range in s->prot its own protection (own) or the watching
 * one, by mprotect run in t, which is left as it was: registers, signal
 * mask (all blocked meanwhile, so that a signal play sent waits), what
 * its stop reports (when keep_siginfo: someone asks after us), and a
 * syscall it was entering still to come. A range whose mprotect failed
 * gets len 0. Returns -1 when t did not cooperate. */
static int set_prots(struct gdb_session *s, struct ptask *t, int own, int keep_siginfo)
{
	struct rrk_regs r0;
	uint64_t insn = injection_insn(s, t);
	if (!insn || tracee_getregs(&t->t, &r0) < 0)
		return -1;
	struct stop st0;
	decode_stop(t->t.status, &st0);
	enum inject_from from = st0.kind == STOP_SIGNAL ? FROM_SIGNAL : FROM_OTHER;
	if (st0.kind == STOP_SECCOMP && tracee_syscall_op(&t->t) == SYSCALL_OP_SECCOMP)
		from = FROM_SECCOMP;
	int reenter = from == FROM_SECCOMP && r0.orig_rax != (uint64_t)-1;
	uint64_t mask = 0, all = ~0ull;
	int masked = ptrace(PTRACE_GETSIGMASK, t->t.tid, (void *)8, &mask) == 0 &&
		     ptrace(PTRACE_SETSIGMASK, t->t.tid, (void *)8, &all) == 0;
	siginfo_t si;
	int had_si = keep_siginfo && ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) == 0;
	int status = t->t.status, op = t->t.resume_op, ok = 1, ran = 0;
	for (size_t i = 0; i < s->nprot && ok; i++) {
		struct gdb_prot *p = &s->prot[i];
		if (!p->len)
			continue;
		int done = 0;
		long r = inject_mprotect(&t->t, from, insn, &r0, p->start, p->len,
					 own ? p->own : p->prot, &done);
		from = FROM_OTHER; /* now at that mprotect's exit */
		ran++;
		if (!done)
			ok = 0;
		else if (r != 0)
			p->len = 0;
	}
	if (ok && reenter && ran && reenter_syscall(&t->t, &r0) < 0)
		ok = 0;
	tracee_setregs(&t->t, &r0);
	if (had_si)
		ptrace(PTRACE_SETSIGINFO, t->t.tid, 0, &si);
	if (masked)
		ptrace(PTRACE_SETSIGMASK, t->t.tid, (void *)8, &mask);
	t->t.status = status;
	t->t.resume_op = op;
	return ok ? 0 : -1;
}

static int has_data_watch(const struct gdb_session *s)
{
	for (size_t i = 0; i < s->newatch; i++)
		if (s->ewatch[i].type != 1)
			return 1;
	return 0;
}

/* The protection a page keeps while watched: of keep_mask, what it has. */
static void plan_page(struct gdb_session *s, uint64_t page, int keep_mask, const struct mapping *m, long n)
{
	const struct mapping *in = NULL;
	for (long i = 0; i < n && !in; i++)
		if (page >= m[i].start && page < m[i].end)
			in = &m[i];
	if (!in || !strcmp(in->name, "[vvar]") || !strcmp(in->name, "[vsyscall]"))
		return; /* not mapped now: maybe at a later resume */
	for (size_t i = 0; i < s->nprot; i++) {
		struct gdb_prot *p = &s->prot[i];
		if (page >= p->start && page < p->start + p->len) {
			p->prot &= keep_mask;
			return;
		}
	}
	s->prot = rrk_xrealloc(s->prot, (s->nprot + 1) * sizeof *s->prot);
	s->prot[s->nprot++] = (struct gdb_prot){ page, RRK_PAGE, in->prot & keep_mask, in->prot };
}

static int by_start(const void *a, const void *b)
{
	const struct gdb_prot *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* s->prot: the pages to protect in t's process now, neighbours with the
 * same protections in one range; none where protecting changes nothing. */
static void plan(struct gdb_session *s, struct ptask *t)
{
	s->nprot = 0;
	struct mapping *m = NULL;
	long n = rrk_read_maps(t->t.tid, &m);
	if (n <= 0)
		return;
	for (size_t i = 0; i < s->newatch; i++) {
		const struct gdb_ewatch *w = &s->ewatch[i];
		if (w->type == 1)
			continue;
		int keep = w->type == 2 ? ~PROT_WRITE : 0;
		for (uint64_t pg = PAGE_OF(w->addr); pg < w->addr + w->len; pg += RRK_PAGE)
			plan_page(s, pg, keep, m, n);
	}
	free(m);
	qsort(s->prot, s->nprot, sizeof *s->prot, by_start);
	size_t k = 0;
	for (size_t i = 0; i < s->nprot; i++) {
		struct gdb_prot *p = &s->prot[i];
		if (p->prot == p->own)
			continue;
		if (k && s->prot[k - 1].start + s->prot[k - 1].len == p->start &&
		    s->prot[k - 1].prot == p->prot && s->prot[k - 1].own == p->own)
			s->prot[k - 1].len += p->len;
		else
			s->prot[k++] = *p;
	}
	s->nprot = k;
}

static int trap_code(struct ptask *t)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si);
	return si.si_code;
}

/* Whether st is the stop a single step from a syscall stop (here, the
 * last injected mprotect's exit) makes first: the syscall's end, no
 * instruction run. */
static int syscall_end_report(struct ptask *t, const struct stop *st)
{
	return st->kind == STOP_SIGNAL && st->sig == SIGTRAP && trap_code(t) != TRAP_TRACE;
}

/* One instruction of t, from the exit of an injected syscall. */
static struct stop step_insn(struct gdb_session *s, struct ptask *t)
{
	struct stop st;
	int again = 0;
	do {
		tracee_singlestep(&t->t, 0);
		t->running = 1;
		st = rrk_rp_wait(s->rp, t, 0);
	} while (!again++ && syscall_end_report(t, &st));
	return st;
}

int gdb_watch_arm(struct gdb_session *s, struct ptask *t, int stepping, struct stop *st)
{
	if (!has_data_watch(s))
		return 0;
	if (s->prot_on) {
		if (s->prot_tid == t->t.tid)
			return 0; /* still protected (kept at a fatal signal) */
		s->prot_on = 0; /* that process ended */
	}
	struct rrk_regs r;
	if (tracee_getregs(&t->t, &r) < 0)
		return 0;
	if (tracee_syscall_op(&t->t) == SYSCALL_OP_SECCOMP && r.orig_rax != (uint64_t)-1) {
		/* A syscall play lets run for real (rt_sigreturn, which reads
		 * the signal frame): first that, with the pages as they are.
		 * A single step runs only that syscall. */
		if (stepping)
			return 0;
		tracee_syscall(&t->t, 0);
		t->running = 1;
		*st = rrk_rp_wait(s->rp, t, 0);
		if (st->kind != STOP_SYSCALL)
			return 1;
	}
	/* after a fault that was no event, the mappings are as planned */
	if (!s->prot_planned || s->prot_tid != t->t.tid ||
	    s->prot_event != rrk_rp_cur(s->rp)->hdr.number)
		plan(s, t);
	s->prot_planned = 0;
	if (!s->nprot)
		return 0;
	s->prot_tid = t->t.tid;
	s->prot_step = stepping;
	s->prot_on = 1;
	if (set_prots(s, t, 0, 0) < 0) {
		/* (whatever changed is put back) */
		if (set_prots(s, t, 1, 0) < 0)
			rrk_die("cannot protect the pages of a watchpoint in the replayed program");
		s->prot_on = 0;
	}
	return 0;
}

/* ---- faults ---- */

static const struct gdb_prot *protected_at(const struct gdb_session *s, uint64_t a)
{
	for (size_t i = 0; i < s->nprot; i++)
		if (a >= s->prot[i].start && a < s->prot[i].start + s->prot[i].len)
			return &s->prot[i];
	return NULL;
}

/* Whether the stop is the current event's signal, of which the process
 * dies: resumed with it, it must stay this very stop. */
static int fatal_signal_stop(struct gdb_session *s, int sig)
{
	const struct rrk_ev *ev = rrk_rp_cur(s->rp);
	if (ev->hdr.kind != RRK_EV_SIGNAL)
		return 0;
	const struct rrk_ev_signal *b = (const void *)ev->body;
	return (int)b->signo == sig && b->disposition == RRK_SIG_FATAL;
}

/* How many bytes from its faulting address one memory access of the
 * instruction at b can span: exact for the common integer forms, the
 * vector width for SSE and AVX, a generous 64 (or more for the state
 * saving instructions) otherwise. A read watchpoint hit is an access
 * from si_addr this long that overlaps the watched bytes. */
static unsigned access_span(const uint8_t *b, size_t n)
{
	size_t i = 0;
	unsigned opsize = 4;
	for (; i < n; i++) {
		uint8_t c = b[i];
		if (c == 0x66)
			opsize = 2;
		else if (c != 0xf2 && c != 0xf3 && c != 0xf0 && c != 0x67 && c != 0x2e && c != 0x36 &&
			 c != 0x3e && c != 0x26 && c != 0x64 && c != 0x65)
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40) {
		if (b[i] & 8)
			opsize = 8;
		i++;
	}
	if (i >= n)
		return 64;
	uint8_t op = b[i], op2 = i + 1 < n ? b[i + 1] : 0;
	if (op == 0xc5)
		return (op2 & 4) ? 32 : 16;
	if (op == 0xc4)
		return i + 2 < n && (b[i + 2] & 4) ? 32 : 16;
	if (op == 0x0f) {
		if (op2 == 0xb6 || op2 == 0xbe || op2 == 0xb0 || op2 == 0xc0 || (op2 >= 0x90 && op2 <= 0x9f))
			return 1;
		if (op2 == 0xb7 || op2 == 0xbf)
			return 2;
		if ((op2 >= 0x40 && op2 <= 0x4f) || op2 == 0xaf || op2 == 0xb1 || op2 == 0xc1 ||
		    op2 == 0xbc || op2 == 0xbd || op2 == 0xb8 || op2 == 0xba)
			return opsize;
		if (op2 == 0xae || op2 == 0x01)
			return 4096; /* fxsave, xsave, descriptor tables */
		if (op2 == 0xc7 || (op2 >= 0x10 && op2 <= 0x17) || (op2 >= 0x28 && op2 <= 0x2f) ||
		    (op2 >= 0x50 && op2 <= 0x7f) || (op2 >= 0xc2 && op2 <= 0xc6) || op2 >= 0xd0 ||
		    op2 == 0x38 || op2 == 0x3a)
			return 16; /* SSE, cmpxchg16b */
		return 64;
	}
	if (op < 0x40 && (op & 7) < 6)
		return (op & 1) ? opsize : 1;
	switch (op) {
	case 0x80: case 0x82: case 0x84: case 0x86: case 0x88: case 0x8a: case 0xa0: case 0xa2:
	case 0xa4: case 0xa6: case 0xaa: case 0xac: case 0xae: case 0xc0: case 0xc6: case 0xd0:
	case 0xd2: case 0xf6: case 0xfe:
		return 1;
	case 0x63:
		return 4;
	case 0x81: case 0x83: case 0x85: case 0x87: case 0x89: case 0x8b: case 0x8c: case 0x8e:
	case 0xa1: case 0xa3: case 0xa5: case 0xa7: case 0xab: case 0xad: case 0xaf: case 0xc1:
	case 0xc7: case 0xd1: case 0xd3: case 0xf7:
		return opsize;
	case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
	case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
	case 0x68: case 0x6a: case 0x8f: case 0x9c: case 0x9d: case 0xc2: case 0xc3: case 0xc9:
	case 0xe8: case 0xff:
		return 8;
	default:
		return (op >= 0xd8 && op <= 0xdf) ? 512 : 64; /* x87 (fsave: 108) */
	}
}

static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The watched bytes near a fault, before the instruction runs again: an
 * instruction writes at most a few pages (xsave), from the fault on. */
struct near {
	uint64_t lo, hi;
	uint8_t *bytes;  /* of each watch in turn, its part in [lo, hi) */
	size_t len;
};

static void near_read(const struct gdb_session *s, struct ptask *t, struct near *nb, uint8_t *out)
{
	size_t k = 0;
	for (size_t i = 0; i < s->newatch; i++) {
		const struct gdb_ewatch *w = &s->ewatch[i];
		if (w->type == 1 || !overlaps(w->addr, w->len, nb->lo, nb->hi - nb->lo))
			continue;
		uint64_t a = w->addr > nb->lo ? w->addr : nb->lo;
		uint64_t e = w->addr + w->len < nb->hi ? w->addr + w->len : nb->hi;
		if (tracee_read(&t->t, a, out + k, e - a) < 0)
			memset(out + k, 0, e - a);
		k += e - a;
	}
	nb->len = k;
}

/* After the step: the first watchpoint the instruction touched, as the
 * stop reason a debug register trap gives. */
static void hit_reason(const struct gdb_session *s, struct ptask *t, const struct near *nb,
		       uint64_t fault, unsigned span, char *reason, size_t len)
{
	uint8_t *now = rrk_xmalloc(nb->len ? nb->len : 1);
	struct near after = *nb;
	near_read(s, t, &after, now);
	size_t k = 0;
	for (size_t i = 0; i < s->newatch && !reason[0]; i++) {
		const struct gdb_ewatch *w = &s->ewatch[i];
		if (w->type == 1)
			continue;
		size_t part = 0;
		if (overlaps(w->addr, w->len, nb->lo, nb->hi - nb->lo)) {
			uint64_t a = w->addr > nb->lo ? w->addr : nb->lo;
			uint64_t e = w->addr + w->len < nb->hi ? w->addr + w->len : nb->hi;
			part = e - a;
		}
		int wrote = part && memcmp(nb->bytes + k, now + k, part) != 0;
		int touched = overlaps(fault, span, w->addr, w->len);
		k += part;
		static const char *const kinds[] = { "", "hwbreak", "watch", "rwatch", "awatch" };
		/* a write of the same value: a debug register traps, and gdb
		 * goes on since nothing changed; so do we, sooner */
		if (w->type == 2 ? wrote : (touched || wrote))
			snprintf(reason, len, "%s:%llx;", kinds[w->type], (unsigned long long)w->addr);
	}
	free(now);
}

struct stop gdb_watch_disarm(struct gdb_session *s, struct ptask *t, struct stop st, char *reason,
			     size_t len)
{
	reason[0] = 0;
	if (!s->prot_on)
		return st;
	if (st.kind == STOP_EXITED || st.kind == STOP_EXEC || s->prot_tid != t->t.tid) {
		s->prot_on = 0; /* a new address space, or none */
		return st;
	}
	siginfo_t si;
	memset(&si, 0, sizeof si);
	if (s->prot_step && syscall_end_report(t, &st)) {
		/* the step the caller asked for, for real */
		tracee_singlestep(&t->t, 0);
		t->running = 1;
		st = rrk_rp_wait(s->rp, t, 0);
	}
	s->prot_step = 0;
	int fault = st.kind == STOP_SIGNAL && st.sig == SIGSEGV &&
		    ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si) == 0 && si.si_code == SEGV_ACCERR &&
		    protected_at(s, (uint64_t)si.si_addr);
	if (!fault && st.kind == STOP_SIGNAL && fatal_signal_stop(s, st.sig))
		return st; /* the process ends: the signal must stay */
	if (!fault && st.kind != STOP_SIGNAL && st.kind != STOP_SECCOMP && st.kind != STOP_SYSCALL)
		return st; /* restored at a later stop, where a syscall can run */
	if (set_prots(s, t, 1, !fault) < 0)
		rrk_die("cannot restore the protection of watched pages in the replayed program");
	s->prot_on = 0;
	if (!fault)
		return st;
	/* Ours (or the program's own, when the page's protection faults as
	 * well): the instruction again, one step, as the program has it. */
	uint64_t a = (uint64_t)si.si_addr;
	struct rrk_regs g;
	uint8_t insn[16];
	size_t ilen = 0;
	memset(&g, 0, sizeof g);
	if (tracee_getregs(&t->t, &g) == 0)
		for (ilen = 15; ilen && tracee_read(&t->t, g.rip, insn, ilen) < 0; ilen--)
			;
	if (t->proc)
		rrk_ps_unpatch(&t->proc->ps, g.rip, insn, ilen);
	unsigned span = access_span(insn, ilen);
	struct near nb = { PAGE_OF(a) - RRK_PAGE, PAGE_OF(a) + 2 * RRK_PAGE, NULL, 0 };
	nb.bytes = rrk_xmalloc(s->newatch * 3 * RRK_PAGE + 1);
	near_read(s, t, &nb, nb.bytes);
	st = step_insn(s, t);
	if (st.kind == STOP_SIGNAL && st.sig == SIGTRAP) {
		hit_reason(s, t, &nb, a, span, reason, len);
		s->prot_planned = 1;
		s->prot_event = rrk_rp_cur(s->rp)->hdr.number;
	}
	free(nb.bytes);
	return st;
}
