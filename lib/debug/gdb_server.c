/* play --gdb: a gdb remote-protocol server over the replay engine. The
 * engine calls the hooks below while it replays; a stop that gdb should
 * see runs the command loop right there, and gdb's next forward resume
 * returns into the engine. Going backwards restores a checkpoint and
 * runs forward again (gdb_reverse.c). doc/design.md, "Debugging". */
#include "gdb.h"
#include "gdb_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/systable.h"
#include "base/opts.h"
#include "base/util.h"

/* ---- breakpoints and watchpoints ---- */

static struct gdb_bp *bp_find(struct gdb_session *s, uint64_t addr, int user)
{
	for (size_t i = 0; i < s->nbps; i++)
		if (s->bps[i].addr == addr && s->bps[i].user == user)
			return &s->bps[i];
	return NULL;
}

static int bp_any(struct gdb_session *s, uint64_t addr)
{
	return bp_find(s, addr, 1) || bp_find(s, addr, 0);
}

void gdb_bp_add(struct gdb_session *s, uint64_t addr, int user)
{
	if (bp_find(s, addr, user))
		return;
	s->bps = rrk_xrealloc(s->bps, (s->nbps + 1) * sizeof *s->bps);
	s->bps[s->nbps++] = (struct gdb_bp){ addr, 0, 0, user };
}

void gdb_bp_del(struct gdb_session *s, uint64_t addr, int user)
{
	for (size_t i = 0; i < s->nbps; i++)
		if (s->bps[i].addr == addr && s->bps[i].user == user) {
			s->bps[i] = s->bps[--s->nbps];
			return;
		}
}

/* int3 into t's address space at every breakpoint (one byte per
 * address); gdb's own only when `user`. */
static void bps_insert(struct gdb_session *s, struct ptask *t, int user)
{
	for (size_t i = 0; i < s->nbps; i++) {
		struct gdb_bp *b = &s->bps[i];
		b->inserted = 0;
		if (b->user && !user)
			continue;
		int dup = 0;
		for (size_t k = 0; k < i; k++)
			if (s->bps[k].addr == b->addr && s->bps[k].inserted)
				dup = 1;
		if (dup)
			continue;
		static const uint8_t int3 = 0xcc;
		if (tracee_read(&t->t, b->addr, &b->saved, 1) == 0 &&
		    tracee_write(&t->t, b->addr, &int3, 1) == 0)
			b->inserted = 1;
	}
}

static void bps_remove(struct gdb_session *s, struct ptask *t)
{
	for (size_t i = s->nbps; i-- > 0;) {
		struct gdb_bp *b = &s->bps[i];
		if (b->inserted && !t->dead)
			tracee_write(&t->t, b->addr, &b->saved, 1);
		b->inserted = 0;
	}
}

static int watch_set(struct gdb_session *s, int type, uint64_t addr, uint64_t len)
{
	if (!len || addr + len < addr)
		return -1;
	/* aligned pieces of 1, 2, 4 or 8 bytes, one debug register each */
	struct gdb_watch pieces[3];
	int n = 0;
	uint64_t a = addr, end = addr + len;
	while (a < end) {
		uint64_t sz = 8;
		while (sz > 1 && ((a & (sz - 1)) || a + sz > end))
			sz /= 2;
		if (type == 1)
			sz = 1;
		if (n == 3)
			return -1;
		pieces[n++] = (struct gdb_watch){ 1, type, a, sz, addr };
		a += sz;
		if (type == 1)
			break;
	}
	int k = 0;
	for (int i = 0; i < 3; i++)
		k += !s->w[i].used;
	if (k < n)
		return -1;
	for (int i = 0, p = 0; i < 3 && p < n; i++)
		if (!s->w[i].used) {
			s->w[i] = pieces[p++];
			s->w[i].used = 1 + (int)(addr != s->w[i].addr); /* 2: a later piece */
		}
	return 0;
}

static void watch_del(struct gdb_session *s, int type, uint64_t addr, uint64_t len)
{
	for (int i = 0; i < 3; i++)
		if (s->w[i].used && s->w[i].type == type && s->w[i].addr >= addr &&
		    s->w[i].addr < addr + (len ? len : 1))
			s->w[i].used = 0;
}

/* In debug registers where they trap and there is room, else emulated
 * (gdb_watch.c): never an OK for a watchpoint that cannot fire. */
static int watch_insert(struct gdb_session *s, int type, uint64_t addr, uint64_t len)
{
	if (addr >= 0xffff800000000000ull)
		return -1; /* the kernel's */
	if (gdb_debugregs_usable(s) && watch_set(s, type, addr, len) == 0)
		return 0;
	return gdb_ewatch_add(s, type, addr, len);
}

/* Debug register values for the watchpoints. */
static void watch_apply(struct gdb_session *s)
{
	uint64_t dr7 = 0, dr[3];
	for (int i = 0; i < 3; i++) {
		dr[i] = s->w[i].addr;
		if (!s->w[i].used)
			continue;
		static const unsigned rw[] = { 0, 0, 1, 3, 3 };
		unsigned len = s->w[i].len == 8 ? 2 : s->w[i].len == 4 ? 3 : s->w[i].len == 2 ? 1 : 0;
		if (s->w[i].type == 1)
			len = 0;
		dr7 |= 1ull << (2 * i);
		dr7 |= (uint64_t)(rw[s->w[i].type] | (len << 2)) << (16 + 4 * i);
	}
	rrk_rp_set_user_debugregs(s->rp, dr, dr7);
}

/* The watchpoint a trap in slot i belongs to (not a neighbour's). */
static uint64_t watch_start(struct gdb_session *s, int i)
{
	return s->w[i].start;
}

/* ---- the engine's hooks ---- */

static int same_regs(struct ptask *t, const struct rrk_regs *want)
{
	struct rrk_regs g;
	tracee_getregs(&t->t, &g);
	g.orig_rax = want->orig_rax;
	g.eflags = (g.eflags & ~0x10100ull) | (want->eflags & 0x10100ull); /* RF, TF */
	return !rrk_regs_diff(want, &g, NULL, 0);
}

int gdb_mark_is(struct gdb_session *s, struct ptask *t, const struct mark *m)
{
	struct rrk_ev *ev = rrk_rp_cur(s->rp);
	if (m->kind != MK_POINT || ev->hdr.number != m->when || t->rec_tid != m->tid)
		return 0;
	if (!same_regs(t, &m->regs))
		return 0;
	uint8_t fp[512];
	if (ptrace(PTRACE_GETFPREGS, t->t.tid, 0, fp) < 0 || memcmp(fp, m->pt.fpregs, 416))
		return 0;
	return rrk_mem_digest(&t->t, t->proc ? &t->proc->ps : NULL, m->rg, m->nrg) == m->pt.digest;
}

static int job_targets(struct gdb_session *s, struct ptask *t)
{
	return s->job != JOB_NONE && s->target.kind == MK_POINT &&
	       rrk_rp_cur(s->rp)->hdr.number == s->target.when && t->rec_tid == s->target.tid;
}


/* A stop of t that concerns gdb or a job. Returns when the replay goes on. */
/* A data watchpoint traps after the instruction that touched the data:
 * going backwards, that instruction is undone first. */
static int data_watch(const char *reason)
{
	return !strncmp(reason, "watch:", 6) || !strncmp(reason, "rwatch:", 7) ||
	       !strncmp(reason, "awatch:", 7);
}

static void on_trap(struct gdb_session *s, struct ptask *t, int user, int step, const char *reason)
{
	int stepjob = s->job == JOB_STEPSCAN || s->job == JOB_STEPN;
	if (stepjob && step && s->stretch_started)
		s->count++; /* steps since the start of the run */
	if (s->job == JOB_STEPSCAN && s->step_cap && s->count > s->step_cap)
		gdb_step_cap_reached(s);
	if (s->job == JOB_STEPSCAN && s->watch_back && s->count > WATCH_STEP_LIMIT) {
		gdb_watch_too_far(s);
		return;
	}
	/* the trap at the position itself: its write came before it */
	if (s->job == JOB_SCAN && user && data_watch(reason)) {
		s->n = ++s->count;
		s->scan_watch = 1;
		snprintf(s->final_reason, sizeof s->final_reason, "%s", reason);
	}
	/* (running to the nth stop ends by the count, even at the target) */
	if (s->job != JOB_NTH && job_targets(s, t) && gdb_mark_is(s, t, &s->target)) {
		gdb_target_reached(s, t);
		return;
	}
	switch (s->job) {
	case JOB_NONE:
		if (user || (step && s->stepping && t->rec_tid == s->step_tid)) {
			/* one step further into a run whose steps are counted */
			if (step && !user && s->pos.kind == MK_POINT && s->pos.step >= 0 &&
			    s->pos.tid == t->rec_tid && s->pos.when == rrk_rp_cur(s->rp)->hdr.number)
				s->report_step = s->pos.step + 1;
			gdb_report_stop(s, t, MK_POINT, user ? reason : "");
		}
		return;
	case JOB_SCAN:
		if (user && !data_watch(reason)) {
			s->n = ++s->count; /* the last stop before the target, so far */
			s->scan_watch = 0;
			s->final_reason[0] = 0;
		}
		return;
	case JOB_NTH:
		if (user && ++s->count == s->n) {
			if (s->scan_watch) {
				/* stop before the instruction that touched the data */
				gdb_before_watch(s, t);
				return;
			}
			s->job = JOB_NONE;
			gdb_report_stop(s, t, MK_POINT, reason);
		}
		return;
	case JOB_STEPSCAN:
	case JOB_STEPN:
		if (!step || !s->stretch_started)
			return;
		if (s->job == JOB_STEPN && s->count == s->n) {
			s->job = JOB_NONE;
			s->report_step = (int64_t)s->n;
			gdb_report_stop(s, t, MK_POINT, gdb_take_final_reason(s));
			return;
		}
		if (s->count % 512 == 0)
			gdb_step_checkpoint(s, t);
		return;
	case JOB_SEEK:
	case JOB_PRED: /* (its own runs: gdb_pred.c) */
	case JOB_PREDN:
		return;
	}
}

static struct stop gdb_obs_run(void *ctx, struct ptask *t, int sig, int expect_sig, uint64_t point)
{
	struct gdb_session *s = ctx;
	struct replayer *rp = s->rp;
	struct rrk_ev *ev = rrk_rp_cur(rp);
	for (;;) {
		if (s->detached) {
			/* gdb left: replay the rest as play would */
			rrk_rp_set_user_debugregs(rp, NULL, 0);
			if (rrk_rp_dr_works(rp))
				rrk_rp_debugregs(rp, t, point);
			return rrk_rp_run_bare(rp, t, sig, expect_sig, point);
		}
		if (s->job != JOB_NTH && job_targets(s, t) && gdb_mark_is(s, t, &s->target))
			gdb_target_reached(s, t);
		if ((s->job == JOB_PRED || s->job == JOB_PREDN) && job_targets(s, t)) {
			gdb_pred_run(s, t, sig, expect_sig, point);
			sig = 0;
			continue;
		}
		int stepjob = (s->job == JOB_STEPSCAN || s->job == JOB_STEPN) &&
			      t->rec_tid == s->target.tid && ev->hdr.number == s->target.when;
		if (stepjob && !s->stretch_started) {
			s->stretch_started = 1;
			s->count = 0;
			if (s->job == JOB_STEPSCAN && s->target.kind == MK_POINT && gdb_mark_is(s, t, &s->target))
				gdb_target_reached(s, t);
		}
		/* there already: at the start of the run, or at the checkpoint
		 * the steps resume from */
		if (stepjob && s->job == JOB_STEPN && s->count == s->n) {
			s->job = JOB_NONE;
			s->report_step = (int64_t)s->n;
			gdb_report_stop(s, t, MK_POINT, gdb_take_final_reason(s));
		}
		stepjob = stepjob && (s->job == JOB_STEPSCAN || s->job == JOB_STEPN);
		int stepping = stepjob || (s->job == JOB_NONE && s->stepping && t->rec_tid == s->step_tid);
		int use_bps = s->job == JOB_NONE || s->job == JOB_SCAN || s->job == JOB_NTH;
		struct rrk_regs g;
		tracee_getregs(&t->t, &g);
		uint64_t rip0 = g.rip;
		int aimed = job_targets(s, t);
		if (aimed)
			gdb_bp_add(s, s->target.regs.rip, 0);
		/* the execution point: debug register 3, or one of play's int3s */
		uint64_t sw_point = point && !rrk_rp_dr_works(rp) ? point : 0;
		int point_added = sw_point && !bp_find(s, sw_point, 0);
		if (point_added)
			gdb_bp_add(s, sw_point, 0);
		/* Off a breakpoint by one step, when resuming from a stop at it
		 * (a task that arrives at one by a syscall return or a signal
		 * has yet to hit it). */
		int over = !stepping && ((use_bps && bp_find(s, g.rip, 1) && t->rec_tid == s->off_tid &&
					  g.rip == s->off_rip) ||
					 (aimed && g.rip == s->target.regs.rip) || (sw_point && g.rip == sw_point));
		s->off_tid = 0;
		if (use_bps)
			watch_apply(s);
		else
			rrk_rp_set_user_debugregs(rp, NULL, 0);
		rrk_rp_debugregs(rp, t, sw_point ? 0 : point);
		struct stop early;
		if (use_bps && !sig && gdb_watch_arm(s, t, stepping || over, &early))
			return early;
		int timed = 0, interrupted = 0;
		if (stepping || over) {
			tracee_singlestep(&t->t, sig);
		} else {
			if (use_bps || aimed || sw_point)
				bps_insert(s, t, use_bps);
			tracee_cont(&t->t, sig);
			timed = s->job == JOB_NONE && gdb_stretch_wanted(s);
		}
		sig = 0;
		struct stop st = gdb_wait(s, t, expect_sig, timed, &interrupted);
		bps_remove(s, t);
		if (interrupted) {
			/* a long run: a copy here, and on */
			if (aimed)
				gdb_bp_del(s, s->target.regs.rip, 0);
			if (point_added)
				gdb_bp_del(s, sw_point, 0);
			gdb_stretch_checkpoint(s, t);
			continue;
		}
		char ewatch_reason[64];
		st = gdb_watch_disarm(s, t, st, ewatch_reason, sizeof ewatch_reason);
		int aimed_bp = aimed && bp_find(s, s->target.regs.rip, 0);
		if (aimed)
			gdb_bp_del(s, s->target.regs.rip, 0);
		if (point_added)
			gdb_bp_del(s, sw_point, 0);
		if (st.kind != STOP_SIGNAL || st.sig != SIGTRAP) {
			if (stepping && t->rec_tid == s->step_tid && s->job == JOB_NONE)
				s->step_done = 1; /* the instruction was an event */
			return st;
		}
		siginfo_t si;
		memset(&si, 0, sizeof si);
		ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si);
		size_t dr6off = offsetof(struct user, u_debugreg[6]);
		errno = 0;
		uint64_t dr6 = (uint64_t)ptrace(PTRACE_PEEKUSER, t->t.tid, (void *)dr6off, 0);
		if (errno)
			dr6 = 0;
		ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr6off, 0);
		tracee_getregs(&t->t, &g);
		/* A step from a syscall stop first reports the syscall's end,
		 * before any instruction ran. */
		if ((stepping || over) && si.si_code == 1 /* TRAP_BRKPT */ && g.rip == rip0 && !(dr6 & 15))
			continue;
		/* DR6's single-step bit stays set after a step until the next
		 * debug exception: trust it only when this resume was a step */
		int is_step = si.si_code == TRAP_TRACE || ((stepping || over) && (dr6 & 0x4000));
		int is_int3 = si.si_code == SI_KERNEL_ && !stepping && !over &&
			      (bp_any(s, g.rip - 1) || (aimed_bp && g.rip - 1 == s->target.regs.rip) ||
			       (sw_point && g.rip - 1 == sw_point));
		int is_point = sw_point ? is_int3 && g.rip - 1 == sw_point : point && (dr6 & 8);
		int user = 0;
		char reason[64] = "";
		if (is_int3) {
			g.rip--;
			tracee_setregs(&t->t, &g);
			if (use_bps && bp_find(s, g.rip, 1)) {
				user = 1;
				snprintf(reason, sizeof reason, "swbreak:;");
				s->off_tid = t->rec_tid; /* resuming steps off it */
				s->off_rip = g.rip;
			}
		}
		if (use_bps)
			for (int i = 0; i < 3; i++) {
				if (!(dr6 & (1u << i)) || !s->w[i].used)
					continue;
				static const char *const kinds[] = { "", "hwbreak", "watch", "rwatch", "awatch" };
				user = 1;
				if (s->w[i].type == 1)
					snprintf(reason, sizeof reason, "hwbreak:;");
				else
					snprintf(reason, sizeof reason, "%s:%llx;", kinds[s->w[i].type],
						 (unsigned long long)watch_start(s, i));
			}
		if (use_bps && ewatch_reason[0]) {
			user = 1;
			snprintf(reason, sizeof reason, "%s", ewatch_reason);
		}
		if (!is_step && !is_int3 && !is_point && !user)
			return st; /* a SIGTRAP of the program's own: an event */
		if (over && !user && !is_point && !(stepping && is_step))
			continue; /* off the breakpoint: now run (the loop's top
				   * checks whether that is the target) */
		on_trap(s, t, user, is_step && stepping, reason);
		if (is_point)
			return st;
	}
}

/* Whether ev ends the last process: after it nothing runs again. */
static int final_event(struct replayer *rp, struct ptask *t, const struct rrk_ev *ev)
{
	int others = 0, threads = 0;
	for (struct ptask *x = rrk_rp_tasks(rp); x; x = x->next) {
		if (x->dead)
			continue;
		if (x->proc != t->proc)
			others++;
		else
			threads++;
	}
	if (others)
		return 0;
	if (ev->hdr.kind == RRK_EV_SIGNAL) {
		const struct rrk_ev_signal *b = (const void *)ev->body;
		return b->disposition == RRK_SIG_FATAL;
	}
	if (ev->hdr.kind != RRK_EV_SYSCALL)
		return 0;
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	const struct rrk_sysent *e = rrk_sys_row(b->nr);
	return e->action == ACT_EXIT && ((e->flags & SF_EXIT_GROUP) || threads == 1);
}

static void gdb_obs_before(void *ctx, const struct rrk_ev *ev, struct ptask *t)
{
	struct gdb_session *s = ctx;
	(void)ev;
	if (s->detached)
		return;
	s->events++;
	gdb_auto_checkpoint(s);
	if (s->job == JOB_NONE && (s->events & 63) == 0 && gdb_poll_interrupt(&s->c)) {
		s->at_boundary = 1; /* after the previous event */
		gdb_report_stop(s, t, MK_AFTER, "signal:02");
		s->at_boundary = 0;
	}
}

static void gdb_obs_at_stop(void *ctx, const struct rrk_ev *ev, struct ptask *t)
{
	struct gdb_session *s = ctx;
	struct replayer *rp = s->rp;
	if (s->detached)
		return;
	if (s->job != JOB_NONE && s->target.kind == MK_EVSTOP && s->target.when == ev->hdr.number) {
		gdb_target_reached(s, t);
		return;
	}
	if (s->job == JOB_NONE && final_event(rp, t, ev)) {
		if (ev->hdr.kind == RRK_EV_SIGNAL) {
			char r[32];
			snprintf(r, sizeof r, "signal:%02x",
				 (unsigned)((const struct rrk_ev_signal *)(const void *)ev->body)->signo);
			gdb_report_stop(s, t, MK_EVSTOP, r);
		} else {
			gdb_report_stop(s, t, MK_EVSTOP, "replaylog:end;");
		}
	}
}

static void gdb_obs_after(void *ctx, const struct rrk_ev *ev)
{
	struct gdb_session *s = ctx;
	struct replayer *rp = s->rp;
	struct ptask *t = rrk_rp_task(rp, ev->hdr.tid);
	if (s->detached)
		return;
	if (s->job != JOB_NONE && s->target.kind == MK_AFTER && s->target.when == ev->hdr.number) {
		gdb_target_reached(s, t ? t : rrk_rp_cur_task(rp));
		return;
	}
	if ((s->job == JOB_STEPSCAN || s->job == JOB_STEPN) && s->target.when == ev->hdr.number &&
	    s->target.tid == ev->hdr.tid)
		rrk_die("cannot find the current position when going back (job %d, %llu steps into the run toward event %llu); please report this with the trace",
			s->job, (unsigned long long)s->count, (unsigned long long)s->target.when);
	if (s->job == JOB_NONE && s->step_done && ev->hdr.tid == s->step_tid && t) {
		s->step_done = 0;
		gdb_report_stop(s, t, MK_AFTER, "");
	}
}

/* ---- stop replies ---- */

void gdb_report_stop(struct gdb_session *s, struct ptask *t, enum mark_kind kind,
		     const char *reason)
{
	gdb_capture(s, t, kind, &s->pos);
	s->pos.step = kind == MK_POINT ? s->report_step : -1;
	s->off_tid = t->rec_tid;
	s->off_rip = s->pos.regs.rip;
	s->report_step = -1;
	int sig = 5;
	const char *r = reason;
	if (!strncmp(reason, "signal:", 7)) {
		sig = (int)strtol(reason + 7, NULL, 16);
		r = "";
	}
	snprintf(s->last_reply, sizeof s->last_reply, "T%02xthread:%x;%s", sig, t->rec_tid, r);
	s->g_tid = t->rec_tid;
	if (s->quiet_stop)
		s->quiet_stop = 0;
	else
		gdb_puts(&s->c, s->last_reply);
	/* time spent stopped is not replay work between checkpoints */
	uint64_t t0 = rrk_now_ns();
	gdb_command_loop(s);
	s->cp_stamp += rrk_now_ns() - t0;
}

/* ---- the command loop ---- */

static struct ptask *gtask(struct gdb_session *s, uint32_t tid)
{
	struct ptask *t = tid ? rrk_rp_task(s->rp, tid) : NULL;
	if (!t)
		t = rrk_rp_task(s->rp, s->g_tid);
	if (!t)
		t = rrk_rp_task(s->rp, s->pos.tid);
	if (!t)
		for (struct ptask *x = rrk_rp_tasks(s->rp); x && !t; x = x->next)
			if (!x->dead)
				t = x;
	return t;
}

void gdb_console(struct gdb_session *s, const char *msg)
{
	size_t n = strlen(msg);
	char *o = rrk_xmalloc(2 * n + 2);
	o[0] = 'O';
	gdb_hex(msg, n, o + 1);
	gdb_puts(&s->c, o);
	free(o);
}

static void xfer_reply(struct gdb_session *s, const char *data, size_t total, const char *args)
{
	char *reply = s->x.reply;
	unsigned long long off = 0, len = 0;
	const char *p = strrchr(args, ':');
	if (!p || sscanf(p + 1, "%llx,%llx", &off, &len) != 2) {
		gdb_puts(&s->c, "E00");
		return;
	}
	if (len > GDB_PKT_MAX - 16)
		len = GDB_PKT_MAX - 16;
	if (off >= total) {
		gdb_puts(&s->c, "l");
		return;
	}
	size_t n = total - off < len ? total - off : len;
	reply[0] = n < total - off ? 'm' : 'l';
	size_t k = gdb_escape((const uint8_t *)data + off, n, reply + 1);
	gdb_putpkt(&s->c, reply, k + 1);
}

/* ---- vFile: the trace's files first, this machine's otherwise ---- */

static const uint8_t *digest_for_path(struct gdb_session *s, const char *path)
{
	return rrk_rp_file_digest(s->rp, path);
}

static void vfile_open(struct gdb_session *s, char *args)
{
	char out[128];
	char *comma = strchr(args, ',');
	unsigned flags = 0;
	if (!comma) {
		gdb_puts(&s->c, "F-1,16");
		return;
	}
	*comma = 0;
	sscanf(comma + 1, "%x", &flags);
	size_t n = strlen(args) / 2;
	char *path = rrk_xmalloc(n + 1);
	if (gdb_unhex(args, path, n) < 0 || memchr(path, 0, n)) {
		free(path);
		gdb_puts(&s->c, "F-1,16"); /* EINVAL (gdb's numbers, in hex) */
		return;
	}
	path[n] = 0;
	int slot = -1;
	for (int i = 0; i < GDB_VFILES && slot < 0; i++)
		if (!s->vfiles[i].used)
			slot = i;
	const uint8_t *dg = digest_for_path(s, path);
	int fd = -1;
	if ((flags & 3) != 0) {
		snprintf(out, sizeof out, "F-1,%x", EACCES);
	} else if (slot < 0) {
		snprintf(out, sizeof out, "F-1,%x", EMFILE);
	} else if (dg || (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		s->vfiles[slot] = (struct gdb_vfile){ 1, dg != NULL, { 0 }, fd };
		if (dg)
			memcpy(s->vfiles[slot].digest, dg, 32);
		snprintf(out, sizeof out, "F%x", slot);
	} else {
		snprintf(out, sizeof out, "F-1,%x", errno == ENOENT ? ENOENT : EACCES);
	}
	free(path);
	gdb_puts(&s->c, out);
}

/* The open vFile fd names, or NULL. */
static struct gdb_vfile *vfile_get(struct gdb_session *s, unsigned fd)
{
	return fd < GDB_VFILES && s->vfiles[fd].used ? &s->vfiles[fd] : NULL;
}

static void vfile_pread(struct gdb_session *s, const char *args)
{
	unsigned fd = 0;
	unsigned long long count = 0, off = 0;
	struct gdb_vfile *f = NULL;
	if (sscanf(args, "%x,%llx,%llx", &fd, &count, &off) != 3 || !(f = vfile_get(s, fd))) {
		gdb_puts(&s->c, "F-1,9");
		return;
	}
	if (count > GDB_PKT_MAX / 2 - 32)
		count = GDB_PKT_MAX / 2 - 32;
	uint8_t *data = s->x.data;
	long n;
	if (f->from_trace) {
		const struct blob *b = rrk_rp_blob(s->rp, f->digest);
		n = !b || off >= b->total ? 0 : (long)(b->total - off < count ? b->total - off : count);
		if (n)
			memcpy(data, b->data + off, (size_t)n);
	} else {
		n = pread(f->fd, data, count, (off_t)off);
		if (n < 0) {
			gdb_puts(&s->c, "F-1,270f"); /* EUNKNOWN */
			return;
		}
	}
	int h = snprintf(s->x.reply, 32, "F%lx;", n);
	size_t k = gdb_escape(data, (size_t)n, s->x.reply + h);
	gdb_putpkt(&s->c, s->x.reply, (size_t)h + k);
}

static void vfile_fstat(struct gdb_session *s, const char *args)
{
	unsigned fd = 0;
	sscanf(args, "%x", &fd);
	struct gdb_vfile *f = vfile_get(s, fd);
	if (!f) {
		gdb_puts(&s->c, "F-1,9");
		return;
	}
	uint64_t size;
	uint32_t mode = 0100444;
	if (f->from_trace) {
		const struct blob *b = rrk_rp_blob(s->rp, f->digest);
		size = b ? b->total : 0;
	} else {
		struct stat sb;
		if (fstat(f->fd, &sb) < 0) {
			gdb_puts(&s->c, "F-1,9");
			return;
		}
		size = (uint64_t)sb.st_size;
		mode = sb.st_mode;
	}
	/* gdb's struct stat: big-endian, 64 bytes */
	uint8_t st[64];
	memset(st, 0, sizeof st);
	for (int i = 0; i < 4; i++)
		st[8 + i] = (uint8_t)(mode >> (24 - 8 * i));
	st[15] = 1; /* nlink */
	for (int i = 0; i < 8; i++) {
		st[28 + i] = (uint8_t)(size >> (56 - 8 * i));
		st[36 + i] = (uint8_t)(4096 >> (56 - 8 * i));
		st[44 + i] = (uint8_t)(((size + 511) / 512) >> (56 - 8 * i));
	}
	int h = snprintf(s->x.reply, 32, "F40;");
	size_t k = gdb_escape(st, 64, s->x.reply + h);
	gdb_putpkt(&s->c, s->x.reply, (size_t)h + k);
}

static void vfile(struct gdb_session *s, char *cmd)
{
	if (!strncmp(cmd, "setfs:", 6)) {
		gdb_puts(&s->c, "F0");
	} else if (!strncmp(cmd, "open:", 5)) {
		vfile_open(s, cmd + 5);
	} else if (!strncmp(cmd, "pread:", 6)) {
		vfile_pread(s, cmd + 6);
	} else if (!strncmp(cmd, "close:", 6)) {
		unsigned fd = 0;
		sscanf(cmd + 6, "%x", &fd);
		struct gdb_vfile *f = vfile_get(s, fd);
		if (f) {
			if (f->fd >= 0)
				close(f->fd);
			f->used = 0;
		}
		gdb_puts(&s->c, "F0");
	} else if (!strncmp(cmd, "fstat:", 6)) {
		vfile_fstat(s, cmd + 6);
	} else {
		gdb_puts(&s->c, ""); /* readlink, unlink, pwrite: not served */
	}
}

/* ---- registers and memory, with gdb's changes kept aside ---- */

static size_t read_regs(struct gdb_session *s, struct ptask *t, uint8_t *buf, size_t offs[GDB_NREGS + 1])
{
	size_t n = gdb_read_regs(&t->t, t->at_syscall, buf, offs);
	const struct gdb_overlay *ov = &s->ov;
	for (size_t i = 0; i < ov->nregs; i++)
		if (ov->regs[i].tid == t->rec_tid)
			memcpy(buf + offs[ov->regs[i].regno], ov->regs[i].val,
			       offs[ov->regs[i].regno + 1] - offs[ov->regs[i].regno]);
	return n;
}

/* Before running, gdb's changes are dropped: the replay goes on as
 * recorded. Changed registers mean gdb wants to run something else (a
 * function called from gdb): then nothing runs and gdb gets a stop right
 * where it was (returns -1). */
static int discard_changes(struct gdb_session *s)
{
	struct gdb_overlay *ov = &s->ov;
	int regs = ov->nregs != 0;
	if (ov->nregs)
		gdb_console(s, "play: a replay cannot run changed registers (a function called from gdb?): they are dropped and the program stays where it was\n");
	else if (ov->nmem)
		gdb_console(s, "play: changes to memory were made to a copy and are dropped; the replay goes on as recorded\n");
	ov->nregs = ov->nmem = 0;
	return regs ? -1 : 0;
}

static long read_mem(struct gdb_session *s, struct ptask *t, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len) {
		size_t k = len - n;
		uint64_t a = addr + n;
		size_t page = 4096 - (a & 4095);
		if (k > page)
			k = page;
		if (tracee_read(&t->t, a, buf + n, k) < 0)
			break;
		n += k;
	}
	/* the program's own instructions where rec made them trap (a task
	 * on its way out, from a keyframe, has no process) */
	if (t->proc)
		rrk_ps_unpatch(&t->proc->ps, addr, buf, n);
	const struct gdb_overlay *ov = &s->ov;
	for (size_t i = 0; i < ov->nmem; i++)
		if (ov->mem[i].addr >= addr && ov->mem[i].addr < addr + n)
			buf[ov->mem[i].addr - addr] = ov->mem[i].byte;
	return (long)n;
}

/* ---- monitor commands ---- */

/* The event the replay goes to next: where the stop is, part way toward
 * it or at its stop; just after an event, the one after that. */
uint64_t gdb_when(struct gdb_session *s)
{
	return s->pos.kind == MK_AFTER ? s->pos.when + 1 : s->pos.when;
}

static void monitor(struct gdb_session *s, const char *cmd)
{
	char msg[512];
	if (!strcmp(cmd, "when")) {
		snprintf(msg, sizeof msg, "Current event: %llu\n", (unsigned long long)gdb_when(s));
		gdb_console(s, msg);
		gdb_puts(&s->c, "OK");
	} else if (!strncmp(cmd, "goto ", 5)) {
		char *end;
		unsigned long long n = strtoull(cmd + 5, &end, 10);
		if (end == cmd + 5 || *end || n < 1) {
			gdb_console(s, "usage: monitor goto N (an event number, see monitor when and tracecat)\n");
			gdb_puts(&s->c, "OK");
			return;
		}
		if (n > s->last_goto) {
			snprintf(msg, sizeof msg, "play: cannot go to event %llu: the last event to go to is %llu (the program's exit)\n",
				 n, (unsigned long long)s->last_goto);
			gdb_console(s, msg);
			gdb_puts(&s->c, "OK");
			return;
		}
		discard_changes(s);
		gdb_goto_event(s, n, 1);
	} else if (!strcmp(cmd, "checkpoint")) {
		int id = gdb_user_checkpoint(s);
		if (id > 0)
			snprintf(msg, sizeof msg, "Checkpoint %d at event %llu\n", id,
				 (unsigned long long)gdb_when(s));
		else
			snprintf(msg, sizeof msg, "play: cannot make a checkpoint here: only a replay with a single thread can be copied, and not while it enters a system call (stepi first)\n");
		gdb_console(s, msg);
		gdb_puts(&s->c, "OK");
	} else if (!strncmp(cmd, "restart ", 8) || !strcmp(cmd, "restart")) {
		int id = cmd[7] ? atoi(cmd + 8) : 0;
		discard_changes(s);
		if (gdb_user_restart(s, id) < 0) {
			snprintf(msg, sizeof msg, "play: no checkpoint %d; monitor checkpoint makes one\n", id);
			gdb_console(s, msg);
			gdb_puts(&s->c, "OK");
		}
	} else if (!strcmp(cmd, "help")) {
		gdb_console(s, "play monitor commands:\n"
			   "  when            the number of the event the replay is at\n"
			   "  goto N          go to just before event N (forward or back)\n"
			   "  checkpoint      remember this position; prints its number\n"
			   "  restart [K]     go back to checkpoint K (0: the program's start)\n");
		gdb_puts(&s->c, "OK");
	} else {
		snprintf(msg, sizeof msg, "play: unknown monitor command \"%s\"; try monitor help\n", cmd);
		gdb_console(s, msg);
		gdb_puts(&s->c, "OK");
	}
}

/* ---- resuming ---- */

static uint32_t parse_tid(const char *p)
{
	if (*p == 'p') {
		p = strchr(p, '.');
		if (!p)
			return 0;
		p++;
	}
	if (!strcmp(p, "-1"))
		return 0;
	return (uint32_t)strtoul(p, NULL, 16);
}

/* vCont;s:TID;c, vCont;c, s, c: sets how to run; returns 0 to run
 * forward, 1 to stay (bad packet answered). */
static int parse_resume(struct gdb_session *s, const char *p)
{
	s->stepping = 0;
	s->step_done = 0;
	if (p[0] == 's' || p[0] == 'c') {
		if (p[0] == 's') {
			s->stepping = 1;
			s->step_tid = gtask(s, 0) ? gtask(s, 0)->rec_tid : s->pos.tid;
		}
		return 0;
	}
	/* vCont;ACTION[:TID];... */
	p += 5;
	while (*p == ';') {
		p++;
		char act = *p;
		const char *colon = strchr(p, ':'), *semi = strchr(p, ';');
		uint32_t tid = colon && (!semi || colon < semi) ? parse_tid(colon + 1) : 0;
		if (act == 's' || act == 'S') {
			s->stepping = 1;
			s->step_tid = tid ? tid : gtask(s, 0) ? gtask(s, 0)->rec_tid : s->pos.tid;
		}
		p = semi ? semi : p + strlen(p);
	}
	return 0;
}

static void resume_checks(struct gdb_session *s)
{
	struct ptask *t = rrk_rp_task(s->rp, s->step_tid);
	/* Stepping from a syscall instruction the replay stands at. */
	if (s->stepping && s->pos.kind == MK_EVSTOP && t && t->rec_tid == s->pos.tid)
		s->step_done = 1;
}

/* What serving a packet leaves the loop to do. */
enum { PKT_NEXT, PKT_RESUME };

/* gdb went away or killed the program: end quietly. */
static void end_session(struct gdb_session *s) __attribute__((noreturn));
static void end_session(struct gdb_session *s)
{
	rrk_rp_kill(s->rp);
	exit(s->exited ? rrk_rp_end_status(s->rp) : 0);
}

/* qXfer:OBJECT:read:ANNEX:OFF,LEN */
static void pkt_xfer(struct gdb_session *s, const char *p)
{
	char *x = s->x.xml;
	size_t max = sizeof s->x.xml;
	if (!strncmp(p, "qXfer:features:read:target.xml:", 31)) {
		if (!s->tdesc_len)
			s->tdesc_len = gdb_target_description(s->tdesc);
		xfer_reply(s, s->tdesc, s->tdesc_len, p);
	} else if (!strncmp(p, "qXfer:exec-file:read:", 21)) {
		struct ptask *t = gtask(s, 0);
		const char *exe = t && t->proc ? t->proc->exe : "";
		xfer_reply(s, exe, strlen(exe), p);
	} else if (!strncmp(p, "qXfer:auxv:read:", 16)) {
		struct ptask *t = gtask(s, 0);
		uint8_t *auxv = s->x.auxv;
		size_t len = 0;
		if (t && t->proc && t->proc->auxv_len <= sizeof s->x.auxv &&
		    tracee_read(&t->t, t->proc->auxv, auxv, t->proc->auxv_len) == 0)
			len = t->proc->auxv_len;
		xfer_reply(s, (const char *)auxv, len, p);
	} else if (!strncmp(p, "qXfer:threads:read:", 19)) {
		size_t k = (size_t)snprintf(x, max, "<threads>");
		for (struct ptask *t = rrk_rp_tasks(s->rp); t; t = t->next)
			if (!t->dead && k < max - 256) {
				k += (size_t)snprintf(x + k, max - k, "<thread id=\"%x\" name=\"", t->rec_tid);
				k = gdb_xml_attr(x, max - 32, k, t->name);
				k += (size_t)snprintf(x + k, max - k, "\"/>");
			}
		k += (size_t)snprintf(x + k, max - k, "</threads>");
		xfer_reply(s, x, k, p);
	} else if (!strncmp(p, "qXfer:libraries-svr4:read:", 26)) {
		size_t len = gdb_svr4_list(s, gtask(s, 0), x, max);
		if (!len)
			gdb_puts(&s->c, "E01");
		else
			xfer_reply(s, x, len, p);
	} else {
		gdb_puts(&s->c, "");
	}
}

/* qRcmd,HEX: monitor commands */
static void pkt_monitor(struct gdb_session *s, const char *p)
{
	size_t len = strlen(p + 6) / 2;
	char *cmd = rrk_xmalloc(len + 1);
	if (gdb_unhex(p + 6, cmd, len) < 0) {
		free(cmd);
		gdb_puts(&s->c, "E01");
		return;
	}
	cmd[len] = 0;
	monitor(s, cmd);
	free(cmd);
}

/* The thread list: qfThreadInfo */
static void pkt_threads(struct gdb_session *s)
{
	char *reply = s->x.reply;
	size_t k = 0;
	reply[k++] = 'm';
	for (struct ptask *t = rrk_rp_tasks(s->rp); t; t = t->next)
		if (!t->dead && k < GDB_PKT_MAX - 32)
			k += (size_t)snprintf(reply + k, 32, "%x,", t->rec_tid);
	if (k == 1)
		gdb_puts(&s->c, "l"); /* no thread left */
	else
		gdb_putpkt(&s->c, reply, k - 1);
}

/* q and Q packets, H and T (threads) */
static void pkt_query(struct gdb_session *s, const char *p)
{
	char *reply = s->x.reply;
	if (!strncmp(p, "qSupported", 10)) {
		snprintf(reply, GDB_PKT_MAX,
			 "PacketSize=%x;QStartNoAckMode+;qXfer:features:read+;qXfer:auxv:read+;"
			 "qXfer:exec-file:read+;qXfer:threads:read+;qXfer:libraries-svr4:read+;"
			 "swbreak+;hwbreak+;vContSupported+;ReverseContinue+;ReverseStep+",
			 GDB_PKT_MAX - 64);
		gdb_puts(&s->c, reply);
	} else if (!strcmp(p, "QStartNoAckMode")) {
		gdb_puts(&s->c, "OK");
		s->c.noack = 1;
	} else if (p[0] == 'H') {
		if (!p[1] || !p[2]) {
			gdb_puts(&s->c, "E01");
			return;
		}
		uint32_t tid = parse_tid(p + 2);
		if (p[1] == 'g' && tid)
			s->g_tid = tid;
		gdb_puts(&s->c, "OK");
	} else if (!strcmp(p, "qfThreadInfo")) {
		pkt_threads(s);
	} else if (!strcmp(p, "qsThreadInfo")) {
		gdb_puts(&s->c, "l");
	} else if (!strcmp(p, "qC")) {
		snprintf(reply, 64, "QC%x", s->pos.tid);
		gdb_puts(&s->c, reply);
	} else if (!strncmp(p, "qAttached", 9)) {
		gdb_puts(&s->c, "1");
	} else if (p[0] == 'T') {
		gdb_puts(&s->c, rrk_rp_task(s->rp, parse_tid(p + 1)) ? "OK" : "E01");
	} else if (!strncmp(p, "qThreadExtraInfo,", 17)) {
		struct ptask *t = rrk_rp_task(s->rp, parse_tid(p + 17));
		gdb_hex(t ? t->name : "", t ? strlen(t->name) : 0, reply);
		gdb_puts(&s->c, reply);
	} else if (!strncmp(p, "qXfer:", 6)) {
		pkt_xfer(s, p);
	} else if (!strncmp(p, "qRcmd,", 6)) {
		pkt_monitor(s, p);
	} else {
		gdb_puts(&s->c, !strncmp(p, "qSymbol", 7) ? "OK" : "");
	}
}

/* g, p: reading registers */
static void pkt_read_regs(struct gdb_session *s, const char *p)
{
	struct ptask *t = gtask(s, 0);
	uint8_t *regs = s->x.regs;
	size_t offs[GDB_NREGS + 1];
	if (p[0] == 'g') {
		size_t len = t ? read_regs(s, t, regs, offs) : 0;
		gdb_hex(regs, len, s->x.reply);
		gdb_putpkt(&s->c, s->x.reply, 2 * len);
		return;
	}
	int r = (int)strtol(p + 1, NULL, 16);
	if (!t || r < 0 || r >= GDB_NREGS) {
		gdb_puts(&s->c, "E01");
		return;
	}
	read_regs(s, t, regs, offs);
	gdb_hex(regs + offs[r], offs[r + 1] - offs[r], s->x.reply);
	gdb_puts(&s->c, s->x.reply);
}

/* G, P: writing registers, into the overlay (what the replay has
 * itself is not kept there) */
static void pkt_write_regs(struct gdb_session *s, const char *p)
{
	struct ptask *t = gtask(s, 0);
	uint8_t *regs = s->x.regs, *real = s->x.real;
	size_t offs[GDB_NREGS + 1];
	if (!t) {
		gdb_puts(&s->c, "E01");
		return;
	}
	read_regs(s, t, regs, offs);
	gdb_read_regs(&t->t, t->at_syscall, real, offs);
	int first = 0, last = GDB_NREGS - 1;
	const char *v = p + 1;
	if (p[0] == 'P') {
		first = last = (int)strtol(p + 1, (char **)&v, 16);
		if (*v++ != '=' || first < 0 || first >= GDB_NREGS) {
			gdb_puts(&s->c, "E01");
			return;
		}
	}
	struct gdb_overlay *ov = &s->ov;
	for (int r = first; r <= last; r++) {
		size_t sz = offs[r + 1] - offs[r];
		uint8_t val[16];
		if (strlen(v) < 2 * sz || gdb_unhex(v, val, sz) < 0)
			break;
		v += 2 * sz;
		for (size_t i = 0; i < ov->nregs; i++)
			if (ov->regs[i].tid == t->rec_tid && ov->regs[i].regno == r)
				ov->regs[i--] = ov->regs[--ov->nregs];
		if (!memcmp(val, real + offs[r], sz))
			continue; /* as the replay has it */
		ov->regs = rrk_xrealloc(ov->regs, (ov->nregs + 1) * sizeof *ov->regs);
		ov->regs[ov->nregs].tid = t->rec_tid;
		ov->regs[ov->nregs].regno = r;
		memcpy(ov->regs[ov->nregs].val, val, sz);
		ov->nregs++;
	}
	gdb_puts(&s->c, "OK");
}

/* m: hex; x (gdb 16): "b" and binary */
static void pkt_read_mem(struct gdb_session *s, const char *p)
{
	unsigned long long addr, len;
	struct ptask *t = gtask(s, 0);
	if (sscanf(p + 1, "%llx,%llx", &addr, &len) != 2 || !t) {
		gdb_puts(&s->c, "E01");
		return;
	}
	if (len > GDB_PKT_MAX / 2 - 16)
		len = GDB_PKT_MAX / 2 - 16;
	uint8_t *data = s->x.data;
	char *reply = s->x.reply;
	long got = read_mem(s, t, addr, data, len);
	if (got <= 0 && len) {
		gdb_puts(&s->c, "E01");
		return;
	}
	if (p[0] == 'x') {
		reply[0] = 'b';
		gdb_putpkt(&s->c, reply, 1 + gdb_escape(data, (size_t)got, reply + 1));
		return;
	}
	gdb_hex(data, (size_t)got, reply);
	gdb_putpkt(&s->c, reply, 2 * (size_t)got);
}

/* M: hex; X: binary (the packet is n bytes long): into the overlay */
static void pkt_write_mem(struct gdb_session *s, const char *p, long n)
{
	unsigned long long addr, len;
	const char *colon = strchr(p, ':');
	if (sscanf(p + 1, "%llx,%llx", &addr, &len) != 2 || !colon) {
		gdb_puts(&s->c, "E01");
		return;
	}
	struct gdb_overlay *ov = &s->ov;
	const uint8_t *src = (const uint8_t *)colon + 1;
	uint8_t b;
	for (unsigned long long i = 0; i < len; i++) {
		if (p[0] == 'M') {
			if (gdb_unhex((const char *)src + 2 * i, &b, 1) < 0)
				break;
		} else {
			if ((long)(src + i - (const uint8_t *)p) >= n)
				break;
			b = src[i];
		}
		ov->mem = rrk_xrealloc(ov->mem, (ov->nmem + 1) * sizeof *ov->mem);
		ov->mem[ov->nmem++] = (struct gdb_overlay_mem){ addr + i, b };
	}
	gdb_puts(&s->c, "OK");
}

/* Z0-Z4, z0-z4: breakpoints and watchpoints */
static void pkt_break(struct gdb_session *s, const char *p)
{
	unsigned long long addr, kind;
	if (p[1] < '0' || p[1] > '4') {
		gdb_puts(&s->c, "");
		return;
	}
	if (p[2] != ',' || sscanf(p + 3, "%llx,%llx", &addr, &kind) != 2) {
		gdb_puts(&s->c, "E01");
		return;
	}
	int type = p[1] - '0', ok = 1;
	if (type == 0) {
		if (p[0] == 'Z')
			gdb_bp_add(s, addr, 1);
		else
			gdb_bp_del(s, addr, 1);
	} else if (p[0] == 'Z') {
		ok = watch_insert(s, type, addr, type == 1 ? 1 : kind) == 0;
	} else {
		watch_del(s, type, addr, type == 1 ? 1 : kind);
		gdb_ewatch_del(s, type, addr, type == 1 ? 1 : kind);
	}
	gdb_puts(&s->c, ok ? "OK" : "E01");
}

/* c, s, vCont...: forward (PKT_RESUME); bc, bs: backward (never
 * returns); D: detach */
static int pkt_resume(struct gdb_session *s, const char *p)
{
	if (p[0] == 'D') {
		gdb_puts(&s->c, "OK");
		s->detached = 1;
		return PKT_RESUME;
	}
	int back = p[0] == 'b';
	if (back && strcmp(p, "bc") && strcmp(p, "bs")) {
		gdb_puts(&s->c, "");
		return PKT_NEXT;
	}
	if ((p[0] == 'c' || p[0] == 's') && p[1]) {
		gdb_puts(&s->c, "");
		return PKT_NEXT;
	}
	if (!back)
		parse_resume(s, p);
	if (s->exited) {
		gdb_puts(&s->c, back ? "E01" : s->last_reply);
		return PKT_NEXT;
	}
	if (discard_changes(s) < 0) {
		gdb_puts(&s->c, s->last_reply);
		return PKT_NEXT;
	}
	if (back) {
		if (p[1] == 'c')
			gdb_reverse_continue(s);
		gdb_reverse_step(s);
	}
	resume_checks(s);
	return PKT_RESUME;
}

/* v packets */
static int pkt_v(struct gdb_session *s, char *p)
{
	if (!strcmp(p, "vCont?")) {
		gdb_puts(&s->c, "vCont;c;C;s;S");
	} else if (!strncmp(p, "vCont", 5)) {
		return pkt_resume(s, p);
	} else if (!strncmp(p, "vFile:", 6)) {
		vfile(s, p + 6);
	} else if (!strncmp(p, "vKill", 5)) {
		gdb_puts(&s->c, "OK");
		end_session(s);
	} else {
		gdb_puts(&s->c, ""); /* vMustReplyEmpty and the rest */
	}
	return PKT_NEXT;
}

/* The packet families, by their first byte. */
enum pkt_family { PF_NONE, PF_STATUS, PF_QUERY, PF_READ_REGS, PF_WRITE_REGS, PF_READ_MEM,
		  PF_WRITE_MEM, PF_BREAK, PF_RESUME, PF_V, PF_KILL };
static const struct {
	const char *first;
	enum pkt_family family;
} pkt_families[] = {
	{ "?", PF_STATUS }, { "qQHT", PF_QUERY }, { "gp", PF_READ_REGS }, { "GP", PF_WRITE_REGS },
	{ "mx", PF_READ_MEM }, { "MX", PF_WRITE_MEM }, { "Zz", PF_BREAK }, { "csbD", PF_RESUME },
	{ "v", PF_V }, { "k", PF_KILL },
};

/* Serves packet p (n bytes): PKT_RESUME when the replay goes on. */
static int serve(struct gdb_session *s, char *p, long n)
{
	enum pkt_family f = PF_NONE;
	for (size_t i = 0; i < sizeof pkt_families / sizeof pkt_families[0] && p[0]; i++)
		if (strchr(pkt_families[i].first, p[0]))
			f = pkt_families[i].family;
	switch (f) {
	case PF_STATUS: gdb_puts(&s->c, s->last_reply); break;
	case PF_QUERY: pkt_query(s, p); break;
	case PF_READ_REGS: pkt_read_regs(s, p); break;
	case PF_WRITE_REGS: pkt_write_regs(s, p); break;
	case PF_READ_MEM: pkt_read_mem(s, p); break;
	case PF_WRITE_MEM: pkt_write_mem(s, p, n); break;
	case PF_BREAK: pkt_break(s, p); break;
	case PF_RESUME: return pkt_resume(s, p);
	case PF_V: return pkt_v(s, p);
	case PF_KILL: end_session(s);
	case PF_NONE: gdb_puts(&s->c, ""); break;
	}
	return PKT_NEXT;
}

static void gdb_connect(struct gdb_session *s);

int gdb_command_loop(struct gdb_session *s)
{
	gdb_connect(s);
	for (;;) {
		long n = gdb_getpkt(&s->c, s->x.pkt, GDB_PKT_MAX);
		if (n < 0)
			end_session(s); /* gdb went away */
		if (getenv("RRK_DEBUG"))
			fprintf(stderr, "gdb> %.200s\n", s->x.pkt);
		if (serve(s, s->x.pkt, n) == PKT_RESUME)
			return 0;
	}
}

/* ---- starting ---- */

static int listen_tcp(int port, int *got)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		rrk_die("cannot serve gdb: socket: %s", strerror(errno));
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
		rrk_die("cannot serve gdb on port %d: %s; choose another with --gdb=:PORT", port, strerror(errno));
	if (listen(fd, 1) < 0)
		rrk_die("cannot serve gdb: listen: %s", strerror(errno));
	socklen_t len = sizeof a;
	getsockname(fd, (struct sockaddr *)&a, &len);
	*got = ntohs(a.sin_port);
	return fd;
}

/* Open while the launched gdb runs: play waits for it before exiting, so
 * gdb's last lines come before the shell's prompt. Process-wide by
 * nature, not the session's: the atexit handler that waits for it takes
 * no argument, and there is one launched gdb (one terminal) per process. */
static int gdb_alive = -1;

static void wait_for_gdb(void)
{
	if (gdb_alive < 0)
		return;
	struct pollfd p = { gdb_alive, POLLIN, 0 };
	poll(&p, 1, 10000);
}

static void launch_gdb(int port, char **extra)
{
	int n = 0;
	while (extra && extra[n])
		n++;
	char **argv = rrk_xcalloc((size_t)n + 12, sizeof *argv) /* 8 of play's, the NULL */;
	char target[64];
	snprintf(target, sizeof target, "target remote 127.0.0.1:%d", port);
	int k = 0;
	argv[k++] = "gdb";
	argv[k++] = "-q";
	/* After monitor goto/restart the position changed under gdb. */
	int init = memfd_create("rrkit-gdbinit", 0);
	static const char hook[] = "define hookpost-monitor\nmaintenance flush register-cache\n"
				   "maintenance flush dcache\nsharedlibrary\nend\n";
	char initpath[64];
	if (init >= 0 && rrk_write_all(init, hook, sizeof hook - 1) == 0) {
		snprintf(initpath, sizeof initpath, "/proc/self/fd/%d", init);
		argv[k++] = "-iex";
		argv[k++] = "set pagination off";
		argv[k++] = "-ix";
		argv[k++] = initpath;
	}
	argv[k++] = "-ex";
	argv[k++] = target;
	for (int i = 0; i < n; i++)
		argv[k++] = extra[i];
	int alive[2], failed[2];
	if (pipe2(alive, O_CLOEXEC) < 0 || pipe2(failed, O_CLOEXEC) < 0)
		rrk_die("cannot start gdb: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		rrk_die("cannot start gdb: fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(alive[1], 100); /* kept across exec, closed when gdb ends */
		/* A grandchild: the replay's waits must never see gdb. */
		if (fork() != 0)
			_exit(0);
		execvp("gdb", argv);
		/* (failed[1] closes by itself when the exec works) */
		if (write(failed[1], "x", 1) < 0) {
		}
		_exit(127);
	}
	int st;
	close(alive[1]);
	close(failed[1]);
	waitpid(pid, &st, 0);
	char x;
	long got;
	while ((got = read(failed[0], &x, 1)) < 0 && errno == EINTR)
		;
	close(failed[0]);
	if (got == 1)
		rrk_die("cannot run gdb: install it (Debian: apt-get install gdb), or use play --gdb=:PORT and connect one yourself");
	free(argv);
	if (init >= 0)
		close(init);
	gdb_alive = alive[0];
	atexit(wait_for_gdb);
}

/* The server watches the engine from above: it resumes the tasks (for
 * breakpoints, watchpoints and steps), and needs every execution point's
 * hit stopped at and the names of mapped files (for vFile). */
static const struct rrk_rp_observer gdb_observer = {
	.flags = RRK_OBS_FILES | RRK_OBS_EXACT,
	.run = gdb_obs_run,
	.before_event = gdb_obs_before,
	.at_stop = gdb_obs_at_stop,
	.after_event = gdb_obs_after,
};

/* Starts gdb (plain --gdb) or waits for it (--gdb=:PORT) and takes its
 * connection, the first time play waits for a command. */
static void gdb_connect(struct gdb_session *s)
{
	if (s->c.in >= 0)
		return;
	int got;
	int lfd = listen_tcp(s->port, &got);
	if (!s->spec[0]) {
		signal(SIGINT, SIG_IGN); /* ^C is gdb's: it arrives as a packet */
		launch_gdb(got, s->gdb_args);
		/* a gdb that cannot start or quits first never connects */
		struct pollfd p[2] = { { lfd, POLLIN, 0 }, { gdb_alive, POLLIN, 0 } };
		while (poll(p, 2, -1) < 0 && errno == EINTR)
			;
		if (!(p[0].revents & POLLIN))
			rrk_die("gdb ended without connecting to the replay");
	} else {
		fprintf(stderr, "play: waiting for gdb; connect with: gdb -ex 'target remote 127.0.0.1:%d'\n", got);
	}
	int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		rrk_die("cannot accept gdb's connection: %s", strerror(errno));
	close(lfd);
	s->c.in = s->c.out = c;
}

int rrk_replay_gdb(const struct replay_options *o, const char *spec, char **gdb_args)
{
	struct replayer *rp = rrk_rp_new();
	/* (lives until the process exits: gdb_session_start does not return) */
	struct gdb_session *s = rrk_xcalloc(1, sizeof *s);
	s->rp = rp;
	s->spec = spec;
	rrk_rp_observe(rp, &gdb_observer, s);
	if (!strcmp(spec, "-") && o->trace_fd == 0)
		rrk_die("--gdb=- speaks to gdb on standard input: give the trace as a file");
	if (spec[0] && spec[0] != ':' && strcmp(spec, "-"))
		rrk_die("bad --gdb=%s: use --gdb, --gdb=:PORT or --gdb=-", spec);
	uint64_t port = 0;
	if (spec[0] == ':' && rrk_opt_number(spec + 1, 0, 65535, &port) < 0)
		rrk_die("bad --gdb=%s: PORT is a number from 0 (any free port) to 65535", spec);
	gdb_session_prepare(s, o);
	s->port = (int)port;
	s->gdb_args = gdb_args;
	/* over TCP gdb is started or awaited only once the replay stands
	 * where gdb will see it first (--goto N): gdb would time out */
	s->c.in = s->c.out = strcmp(spec, "-") ? -1 : 0;
	if (!strcmp(spec, "-"))
		s->c.out = 1;
	gdb_session_start(s, o);
	return 0;
}
