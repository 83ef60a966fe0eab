/* reverse-stepi deep in a long run: the instruction before a position,
 * found by its state instead of by single steps from the run's start.
 *
 * The instructions that can come just before a position P are few and
 * known from the code: the one that falls through to P, jumps to P, the
 * returns of the function a call before P called, the call that entered
 * P's function. Run before P, such an instruction leaves every general
 * register it does not write as P has it. So play runs forward from the
 * checkpoint before P's run with those instructions watched (an int3,
 * then the register check of lib/ptrace/pointfilter.c in the program,
 * comparing the registers the instruction does not write), single-steps
 * from each state that matches, and the one whose step arrives at P (its
 * whole state) is the instruction before P: its k-th match. A second run
 * stops at that k-th match (JOB_PREDN). doc/design.md, "Going back". */
#include "gdb.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "ptrace/funcs.h"
#include "ptrace/pointfilter.h"
#include "ptrace/sites.h"

/* Functions larger than this are not decoded. */
#define FUNC_MAX (1u << 20)
/* Matches whose step does not arrive at P before play gives up. */
#define MATCH_MAX 20000
/* Misses at a watched instruction before the check moves into the
 * program (as reach_point does). */
#define FILTER_AFTER 8

static void add(struct gdb_session *s, uint64_t addr, const struct rrk_regs *p, unsigned ignore)
{
	for (int i = 0; i < s->npred; i++)
		if (s->pred[i].addr == addr)
			return;
	if (s->npred == GDB_PRED_MAX)
		return;
	struct gdb_pred *c = &s->pred[s->npred++];
	memset(c, 0, sizeof *c);
	c->addr = addr;
	c->want = *p;
	c->ignore = ignore;
}

/* The function containing addr, read whole; its start in *start. */
static uint8_t *read_func(struct tracee *t, uint64_t addr, uint64_t *start, size_t *len)
{
	uint64_t end;
	if (rrk_func_bounds(t, addr, start, &end) < 0 || end - *start > FUNC_MAX)
		return NULL;
	*len = end - *start;
	uint8_t *code = rrk_xmalloc(*len + 16);
	memset(code + *len, 0, 16);
	if (tracee_read(t, *start, code, *len) < 0) {
		free(code);
		return NULL;
	}
	return code;
}

/* Where a jump through a PLT-like stub at addr (endbr64, then jmp
 * *disp(%rip)) goes: the pointer it jumps through; else addr. */
static uint64_t through_stub(struct tracee *t, uint64_t addr, uint64_t *jmp_at)
{
	uint8_t b[16];
	*jmp_at = 0;
	if (tracee_read(t, addr, b, sizeof b) < 0)
		return addr;
	size_t k = 0;
	if (!memcmp(b, "\xf3\x0f\x1e\xfa", 4))
		k = 4;
	if (b[k] == 0xf2) /* bnd */
		k++;
	if (b[k] != 0xff || b[k + 1] != 0x25)
		return addr;
	int32_t d;
	memcpy(&d, b + k + 2, 4);
	uint64_t slot = addr + k + 6 + (uint64_t)(int64_t)d, to;
	if (tracee_read(t, slot, &to, sizeof to) < 0)
		return addr;
	*jmp_at = addr + k;
	return to;
}

/* The returns of the function at fn (through a stub to the function it
 * jumps to). */
static void add_returns(struct gdb_session *s, struct tracee *t, uint64_t fn, const struct rrk_regs *p)
{
	uint64_t jmp_at, start;
	size_t len;
	fn = through_stub(t, fn, &jmp_at);
	uint8_t *code = read_func(t, fn, &start, &len);
	if (!code || start != fn) {
		free(code);
		return;
	}
	struct rrk_insn in;
	for (size_t off = 0; off < len && rrk_insn_info(code + off, len + 16 - off, &in); off += in.len)
		if (in.flow == RRK_FLOW_RET)
			add(s, start + off, p, 0);
	free(code);
}

/* P is its function's first instruction: the call before the return
 * address at the top of the stack, or the stub's jump it called. */
static void add_caller(struct gdb_session *s, struct tracee *t, const struct rrk_regs *p)
{
	uint64_t ret, start;
	size_t len;
	if (tracee_read(t, p->rsp, &ret, sizeof ret) < 0)
		return;
	uint8_t *code = read_func(t, ret - 1, &start, &len);
	if (!code)
		return;
	struct rrk_insn in;
	for (size_t off = 0; off < len && rrk_insn_info(code + off, len + 16 - off, &in); off += in.len) {
		if (start + off + in.len != ret)
			continue;
		uint64_t jmp_at = 0;
		if (in.flow == RRK_FLOW_ICALL ||
		    (in.flow == RRK_FLOW_CALL && start + off + in.len + (uint64_t)in.rel == p->rip))
			add(s, start + off, p, 0);
		else if (in.flow == RRK_FLOW_CALL &&
			 through_stub(t, ret + (uint64_t)in.rel, &jmp_at) == p->rip && jmp_at)
			add(s, jmp_at, p, 0);
		break;
	}
	free(code);
}

/* Bytes of whole instructions a 5-byte jump at addr covers, or 0. */
static size_t cover_at(struct tracee *t, uint64_t addr)
{
	uint8_t b[40];
	struct rrk_insn in;
	size_t n = 0;
	if (tracee_read(t, addr, b, sizeof b) < 0)
		return 0;
	while (n < 5 && rrk_insn_info(b + n, sizeof b - n, &in))
		n += in.len;
	return n < 5 ? 0 : n;
}

int gdb_pred_candidates(struct gdb_session *s, struct ptask *t, const struct mark *p)
{
	s->npred = 0;
	if (p->kind != MK_POINT || rrk_env_on("RRK_NO_PRED"))
		return 0;
	uint64_t rip = p->regs.rip, start;
	size_t len;
	uint8_t *code = read_func(&t->t, rip, &start, &len);
	if (!code)
		return 0;
	/* decode from the function's start: where instructions begin */
	struct rrk_insn in, before = { 0 };
	uint64_t before_at = 0, ijmp[GDB_PRED_MAX];
	int boundary = 0, nijmp = 0;
	for (size_t off = 0; off < len && rrk_insn_info(code + off, len + 16 - off, &in); off += in.len) {
		uint64_t at = start + off, end = at + in.len;
		if (at == rip)
			boundary = 1;
		if (end == rip) {
			before = in;
			before_at = at;
		}
		if ((in.flow == RRK_FLOW_JMP || in.flow == RRK_FLOW_JCC) && end + (uint64_t)in.rel == rip)
			add(s, at, &p->regs, 0);
		if (in.flow == RRK_FLOW_IJMP && nijmp < GDB_PRED_MAX)
			ijmp[nijmp++] = at; /* a jump table may lead to rip */
	}
	free(code);
	if (!boundary) {
		s->npred = 0; /* rip is not where decoding from the start goes */
		return 0;
	}
	if (before_at && (before.flow == RRK_FLOW_NEXT || before.flow == RRK_FLOW_JCC))
		add(s, before_at, &p->regs, before.writes);
	if (before_at && before.flow == RRK_FLOW_CALL)
		add_returns(s, &t->t, rip + (uint64_t)before.rel, &p->regs);
	if (rip == start)
		add_caller(s, &t->t, &p->regs);
	/* last, as there is room: indirect jumps, whose targets the code
	 * does not tell */
	for (int i = 0; i < nijmp; i++)
		add(s, ijmp[i], &p->regs, 0);
	/* how many bytes the program's jump at each would cover */
	for (int i = 0; i < s->npred; i++)
		s->pred[i].cover = cover_at(&t->t, s->pred[i].addr);
	return s->npred;
}

/* ---- the runs ---- */

/* play's int3s in this run: at the candidates, at P (reaching it means
 * none matched) and at the event's execution point (likewise). After a
 * few misses each of the first two becomes a check in the program; P's
 * (slot AIM) compares all of P's registers. */
#define AIM GDB_PRED_MAX
struct gdb_pred_run {
	uint64_t at[GDB_PRED_MAX + 2];
	uint8_t saved[GDB_PRED_MAX + 2];
	int n;
	uint64_t point;
	struct rrk_pfilter pf[GDB_PRED_MAX + 1];
	uint64_t misses[GDB_PRED_MAX + 1], matches[GDB_PRED_MAX];
	int live[GDB_PRED_MAX], tried[GDB_PRED_MAX + 1];
	size_t aim_cover;
	uint64_t insn;
};

static void bps_in(struct ptask *t, struct gdb_pred_run *r)
{
	for (int i = 0; i < r->n; i++)
		rrk_sw_break(&t->t, r->at[i], &r->saved[i]);
}

static void bps_out(struct ptask *t, struct gdb_pred_run *r)
{
	for (int i = r->n - 1; i >= 0; i--)
		rrk_sw_unbreak(&t->t, r->at[i], r->saved[i]);
}

static void bp_add(struct gdb_pred_run *r, uint64_t addr)
{
	for (int i = 0; i < r->n; i++)
		if (r->at[i] == addr)
			return;
	r->at[r->n++] = addr;
}

/* Whether a jump at addr covering cover bytes (slot self) would cover
 * another int3 (P's, the event's point, another candidate's) or
 * overlap a jump armed already. */
static int cover_clash(struct gdb_session *s, const struct gdb_pred_run *r, uint64_t addr, size_t cover, int self)
{
	if (!cover)
		return 1;
	for (int k = 0; k < r->n; k++)
		if (r->at[k] != addr && r->at[k] >= addr && r->at[k] < addr + cover)
			return 1;
	if (r->point && r->point >= addr && r->point < addr + cover)
		return 1;
	for (int k = 0; k <= AIM; k++) {
		if (k == self || (k < AIM && k >= s->npred) || !r->pf[k].page)
			continue;
		uint64_t o = k == AIM ? s->target.regs.rip : s->pred[k].addr;
		size_t oc = k == AIM ? r->aim_cover : s->pred[k].cover;
		if (o < addr + cover && addr < o + oc)
			return 1;
	}
	return 0;
}

/* Arms the check of slot k at addr, where t stands (a signal stop);
 * its int3 goes. Returns 1, or 0 when it cannot. */
static int arm_check(struct gdb_session *s, struct ptask *t, struct gdb_pred_run *r, int k, uint64_t addr,
		     size_t cover, const struct rrk_regs *want, unsigned ignore)
{
	if (++r->misses[k] < FILTER_AFTER || r->tried[k]++ || r->pf[k].page || !r->insn || rrk_no_pfilter() ||
	    cover_clash(s, r, addr, cover, k))
		return 0;
	if (rrk_pfilter_arm(&t->t, r->insn, addr, want, 0, ignore, &r->pf[k]) < 0) {
		if (getenv("RRK_DEBUG"))
			rrk_warn("gdb: no register check at %#llx: %s", (unsigned long long)addr,
				 r->pf[k].why ? r->pf[k].why : "?");
		return 0;
	}
	for (int j = 0; j < r->n; j++)
		if (r->at[j] == addr)
			r->at[j] = r->at[--r->n];
	return 1;
}

static void fallback(struct gdb_session *s, const char *why) __attribute__((noreturn));
static void fallback(struct gdb_session *s, const char *why)
{
	if (getenv("RRK_DEBUG"))
		rrk_warn("gdb: no instruction before the position found by state (%s): single steps instead", why);
	gdb_pred_failed(s);
}

static int regs_match(const struct rrk_regs *now, const struct gdb_pred *c)
{
	return !(rrk_pfilter_differ(now, &c->want) & ~c->ignore);
}

/* One single step of t, no int3s in; whether it was one. */
static int step1(struct gdb_session *s, struct ptask *t, int expect_sig)
{
	tracee_singlestep(&t->t, 0);
	t->running = 1;
	struct stop st = rrk_rp_wait(s->rp, t, expect_sig);
	if (st.kind != STOP_SIGNAL || st.sig != SIGTRAP)
		return 0;
	return 1;
}

/* After a step from candidate i's address with its jump in the
 * program: rip inside the jump's bytes goes on from the copy there. */
static uint64_t off_jump(struct ptask *t, const struct rrk_pfilter *f)
{
	struct rrk_regs g;
	if (!f->page || tracee_getregs(&t->t, &g) < 0 || g.rip <= f->point || g.rip >= f->point + 5)
		return 0;
	return f->copy[g.rip - f->point];
}

/* t is at candidate i in a matching state (the jump out of the code).
 * Both runs walk alike, so that the k-th match of the second is the
 * k-th of the first: each match not the last is stepped over (a rep
 * string instruction matches at each of its steps). Returns 1 when play
 * is done with the run (reported the stop). */
static int on_match(struct gdb_session *s, struct ptask *t, struct gdb_pred_run *r, int i, int expect_sig)
{
	r->matches[i]++;
	struct rrk_regs g;
	tracee_getregs(&t->t, &g);
	if (s->job == JOB_PREDN && r->matches[i] == s->pred_n) {
		/* the state the search found, or the runs did not walk alike */
		g.eflags = (g.eflags & ~0x10100ull) | (s->pred_regs.eflags & 0x10100ull);
		if (rrk_regs_diff(&s->pred_regs, &g, NULL, 0))
			fallback(s, "the second run came to another state");
		if (r->pf[i].page && rrk_pfilter_disarm(&t->t, r->insn, &r->pf[i]) < 0)
			fallback(s, "the task did not cooperate");
		s->job = JOB_NONE;
		gdb_report_stop(s, t, MK_POINT, gdb_take_final_reason(s));
		return 1;
	}
	if (r->matches[i] > MATCH_MAX)
		fallback(s, "too many states alike");
	if (!step1(s, t, expect_sig))
		fallback(s, "the instruction was an event");
	if (s->job == JOB_PRED && gdb_mark_is(s, t, &s->target)) {
		s->job = JOB_PREDN;
		s->pred_pick = i;
		s->pred_n = r->matches[i];
		s->pred_regs = g;
		gdb_pred_restart(s);
	}
	return 0;
}

/* Runs t, in the target's run, toward the instruction before the
 * target (JOB_PRED, JOB_PREDN). Returns when it reported the stop there
 * and gdb resumed; otherwise starts over (longjmp). */
void gdb_pred_run(struct gdb_session *s, struct ptask *t, int sig, int expect_sig, uint64_t point)
{
	struct replayer *rp = s->rp;
	const struct rrk_ev *ev = rrk_rp_cur(rp);
	struct gdb_pred_run *r = s->pred_run;
	if (!r)
		r = s->pred_run = rrk_xmalloc(sizeof *r);
	memset(r, 0, sizeof *r);
	r->insn = tracee_syscall_insn(&t->t);
	r->point = point;
	for (int i = 0; i < s->npred; i++) {
		r->live[i] = s->job == JOB_PRED || i == s->pred_pick;
		if (r->live[i])
			bp_add(r, s->pred[i].addr);
	}
	if (point)
		bp_add(r, point);
	/* at P too, unless a jump at a candidate would cover it: reaching
	 * P then shows only as the run's end */
	int aim = s->job == JOB_PRED;
	for (int i = 0; i < s->npred && aim; i++)
		if (r->live[i] && s->pred[i].cover && s->target.regs.rip > s->pred[i].addr &&
		    s->target.regs.rip < s->pred[i].addr + s->pred[i].cover)
			aim = 0;
	if (aim) {
		bp_add(r, s->target.regs.rip);
		r->aim_cover = cover_at(&t->t, s->target.regs.rip);
	}
	rrk_rp_set_user_debugregs(rp, NULL, 0);
	rrk_rp_debugregs(rp, t, 0);
	uint64_t go = 0;
	for (;;) {
		struct rrk_regs g;
		if (go) {
			tracee_getregs(&t->t, &g);
			g.rip = go;
			tracee_setregs(&t->t, &g);
			go = 0;
		}
		/* stretch checkpoints on the way to the stop it reports (none
		 * while the program has a jump into the check: a copy would
		 * keep it) */
		int armed = 0, interrupted = 0;
		for (int k = 0; k <= AIM; k++)
			armed |= r->pf[k].page != 0;
		int timed = s->job == JOB_PREDN && !armed && gdb_stretch_wanted(s);
		bps_in(t, r);
		tracee_cont(&t->t, sig);
		sig = 0;
		struct stop st = gdb_wait(s, t, expect_sig, timed, &interrupted);
		bps_out(t, r);
		if (interrupted) {
			gdb_stretch_checkpoint(s, t);
			continue;
		}
		if (st.kind != STOP_SIGNAL || st.sig != SIGTRAP || tracee_getregs(&t->t, &g) < 0)
			fallback(s, "the run went on to its event");
		int i, handled = 0;
		for (i = 0; i <= AIM; i++) {
			struct rrk_pfilter *f = &r->pf[i];
			if (!f->page)
				continue;
			if (i == AIM && g.rip == f->trap) {
				/* P's registers: its whole state? */
				g.rip = s->target.regs.rip;
				tracee_setregs(&t->t, &g);
				rrk_pfilter_jump(&t->t, f, 0);
				if (gdb_mark_is(s, t, &s->target))
					fallback(s, "none matched before the position");
				rrk_pfilter_jump(&t->t, f, 1);
				go = f->resume;
				handled = 1;
				break;
			}
			if (g.rip == f->trap) {
				g.rip = s->pred[i].addr;
				tracee_setregs(&t->t, &g);
				rrk_pfilter_jump(&t->t, f, 0);
				if (on_match(s, t, r, i, expect_sig))
					return;
				rrk_pfilter_jump(&t->t, f, 1);
				go = off_jump(t, f);
				handled = 1;
				break;
			}
			uint64_t copy = rrk_pfilter_stray(f, g.rip);
			if (copy) {
				go = copy;
				handled = 1;
				break;
			}
			if (g.rip >= f->page && g.rip < f->page + 4096)
				fallback(s, "a fault in a copied instruction");
		}
		if (handled)
			continue;
		uint64_t a = g.rip - 1;
		int ours = 0;
		for (int k = 0; k < r->n; k++)
			ours |= r->at[k] == a;
		if (!ours)
			fallback(s, "a trap of the program's own");
		g.rip = a;
		tracee_setregs(&t->t, &g);
		if (a == r->point && !rrk_pfilter_differ(&g, &ev->hdr.regs))
			fallback(s, "the run reached its event");
		int moved = 0;
		if (aim && a == s->target.regs.rip) {
			if (gdb_mark_is(s, t, &s->target))
				fallback(s, "none matched before the position");
			/* P's instruction in a loop: the check in the program */
			if (arm_check(s, t, r, AIM, a, r->aim_cover, &s->target.regs, 0)) {
				go = r->pf[AIM].resume;
				moved = 1;
			}
		}
		for (i = 0; i < s->npred && !moved; i++) {
			struct gdb_pred *c = &s->pred[i];
			if (!r->live[i] || c->addr != a)
				continue;
			if (regs_match(&g, c)) {
				if (on_match(s, t, r, i, expect_sig))
					return;
				moved = 1; /* stepped past it */
				break;
			}
			/* the check into the program after a few misses, where
			 * its jump covers no other int3 */
			if (arm_check(s, t, r, i, a, c->cover, &c->want, c->ignore)) {
				go = r->pf[i].resume;
				moved = 1;
			}
		}
		if (!moved && !step1(s, t, expect_sig))
			fallback(s, "the instruction was an event");
	}
}
