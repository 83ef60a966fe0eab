/* Positions, checkpoints and going backwards for play --gdb.
 *
 * A position is exact without a counter: after an event, at an event's
 * stop, or part way through a task's run toward an event, named by the
 * task's complete state (the execution points of doc/design.md). To go
 * back, restore the last checkpoint before the position and run forward
 * again: counting breakpoint stops up to the position (reverse-continue
 * then runs to the last of them), or counting single steps from the
 * start of the task's run (reverse-stepi then stops one step short). */
#include "gdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/util.h"

#define CP_INTERVAL_NS 100000000ull /* of replay work between checkpoints */
#define CP_MAX 128

uint64_t mark_time(const struct mark *m)
{
	return m->kind == MK_AFTER ? 2 * m->when + 1 : 2 * m->when;
}

static uint64_t cp_time(const struct checkpoint *cp) { return 2 * cp->when - 1; }

void gdb_free_mark(struct mark *m)
{
	free(m->rg);
	m->rg = NULL;
	m->nrg = 0;
}

static void copy_mark(struct mark *dst, const struct mark *src)
{
	gdb_free_mark(dst);
	*dst = *src;
	if (src->nrg) {
		dst->rg = rrk_xmalloc(src->nrg * sizeof *dst->rg);
		memcpy(dst->rg, src->rg, src->nrg * sizeof *dst->rg);
	}
}

void gdb_capture(struct gdb_session *s, struct ptask *t, enum mark_kind kind, struct mark *m)
{
	gdb_free_mark(m);
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->when = rrk_rp_cur(s->rp)->hdr.number;
	if (kind == MK_AFTER && s->at_boundary)
		m->when--; /* the next event is chosen already */
	m->tid = t->rec_tid;
	m->prev_ev = t->last_ev;
	m->prev_kind = t->last_kind;
	m->prev_stop = t->last_stop_ev;
	m->step = -1;
	m->anc = kind == MK_POINT && s->pass_when == m->when && s->pass_tid == m->tid ? s->pass_anc : 0;
	tracee_getregs(&t->t, &m->regs);
	if (kind != MK_EVSTOP && rrk_point_capture(&t->t, t->proc ? &t->proc->ps : NULL, NULL, 0, &m->pt, &m->rg, &m->nrg) < 0)
		m->nrg = 0;
}

/* ---- checkpoints ---- */

/* A snapshot of the replay into cp (cleared first); 0 or -1. */
static int cp_take(struct replayer *rp, struct checkpoint *cp, uint64_t when)
{
	struct rrk_snap *sn = rrk_snap_take(rp, when);
	if (!sn)
		return -1;
	memset(cp, 0, sizeof *cp);
	cp->step = -1;
	cp->when = when;
	cp->snap = sn;
	cp->pid = rrk_snap_pid(sn);
	return 0;
}

/* A checkpoint that builds keyframe kf again, named by key (< -1). */
static void cp_keyframe(struct checkpoint *cp, const struct rrk_ev *kf, uint64_t when, pid_t key)
{
	memset(cp, 0, sizeof *cp);
	cp->step = -1;
	cp->when = when;
	cp->snap = rrk_snap_keyframe(kf, when);
	cp->pid = key;
}

static void cp_drop(struct checkpoint *cp)
{
	rrk_snap_drop(cp->snap);
	cp->snap = NULL;
	cp->pid = -1;
	free(cp->at.rg);
	cp->at.rg = NULL;
}

static struct checkpoint *cp_add(struct gdb_session *s)
{
	s->cps = rrk_xrealloc(s->cps, (s->ncps + 1) * sizeof *s->cps);
	struct checkpoint *cp = &s->cps[s->ncps++];
	memset(cp, 0, sizeof *cp);
	cp->step = -1;
	return cp;
}

/* The checkpoint the running job started from (the array moves). */
static struct checkpoint *scan_checkpoint(struct gdb_session *s)
{
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].pid == s->scan_pid)
			return &s->cps[i];
	rrk_die("internal error: the checkpoint a backward search started from is gone");
}

/* Keeps the count bounded: drops every other automatic checkpoint. */
static void cp_thin(struct gdb_session *s)
{
	size_t k = 0;
	int odd = 0;
	for (size_t i = 0; i < s->ncps; i++) {
		struct checkpoint *cp = &s->cps[i];
		int keep = i == 0 || cp->id || cp->stretch || i == s->ncps - 1 || cp->pid == s->scan_pid ||
			   (odd ^= 1);
		if (keep)
			s->cps[k++] = *cp;
		else
			cp_drop(cp);
	}
	s->ncps = k;
}

void gdb_auto_checkpoint(struct gdb_session *s)
{
	uint64_t when = rrk_rp_cur(s->rp)->hdr.number, now = rrk_now_ns();
	if (s->no_cp_at == when)
		return;
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].when == when && !s->cps[i].mid) {
			s->cp_stamp = now;
			return;
		}
	if (now - s->cp_stamp < CP_INTERVAL_NS || !rrk_snap_possible(s->rp))
		return;
	struct checkpoint cp;
	if (cp_take(s->rp, &cp, when) < 0)
		return;
	/* in time order */
	struct checkpoint *slot = cp_add(s);
	size_t i = (size_t)(slot - s->cps);
	while (i > 0 && s->cps[i - 1].when > when) {
		s->cps[i] = s->cps[i - 1];
		i--;
	}
	s->cps[i] = cp;
	s->cp_stamp = now;
	if (s->ncps > CP_MAX)
		cp_thin(s);
}

/* The latest automatic checkpoint at or (strictly) before time. */
static struct checkpoint *cp_before(struct gdb_session *s, uint64_t time, int strict)
{
	struct checkpoint *best = NULL;
	for (size_t i = 0; i < s->ncps; i++) {
		struct checkpoint *cp = &s->cps[i];
		if (cp->mid || !cp->snap)
			continue;
		if (strict ? cp_time(cp) < time : cp_time(cp) <= time)
			if (!best || cp->when > best->when)
				best = cp;
	}
	return best;
}

static void restart_from(struct gdb_session *s, struct checkpoint *cp) __attribute__((noreturn));
static void restart_from(struct gdb_session *s, struct checkpoint *cp)
{
	rrk_snap_restore(s->rp, cp->snap);
	s->no_cp_at = cp->mid ? cp->when : 0;
	s->cp_stamp = rrk_now_ns();
	/* a checkpoint made while stepping resumes the count */
	s->off_tid = 0;
	s->exited = 0;
	s->at_boundary = 0;
	s->stretch_started = cp->step >= 0;
	s->count = cp->step >= 0 ? (uint64_t)cp->step : 0;
	s->scan_pid = cp->pid;
	/* stretch checkpoints made from here on lie after this one */
	s->pass_anc = cp->stretch ? cp->serial : 0;
	s->pass_when = cp->when;
	s->pass_tid = cp->stretch ? cp->step_tid : 0;
	longjmp(s->driver, 1);
}

/* ---- jobs ---- */

static void seek(struct gdb_session *s, const struct mark *m, const char *reason, int reply_ok)
	__attribute__((noreturn));
static void seek(struct gdb_session *s, const struct mark *m, const char *reason, int reply_ok)
{
	struct checkpoint *cp = cp_before(s, mark_time(m), 0);
	if (!cp)
		cp = &s->cps[0];
	copy_mark(&s->target, m);
	s->job = JOB_SEEK;
	snprintf(s->seek_reason, sizeof s->seek_reason, "%s", reason);
	s->seek_reply_ok = reply_ok;
	restart_from(s, cp);
}

static void seek_begin(struct gdb_session *s, int reply_ok) __attribute__((noreturn));
static void seek_begin(struct gdb_session *s, int reply_ok)
{
	struct mark m;
	memset(&m, 0, sizeof m);
	m.kind = MK_AFTER;
	m.when = s->first;
	seek(s, &m, "replaylog:begin;", reply_ok);
}

static void start_scan(struct gdb_session *s) __attribute__((noreturn));
static void start_scan(struct gdb_session *s)
{
	struct checkpoint *cp = cp_before(s, mark_time(&s->target), 1);
	if (!cp)
		seek_begin(s, 0);
	s->job = JOB_SCAN;
	s->n = 0;
	restart_from(s, cp);
}

/* Steps p's task n steps into its run toward p->when and stops there,
 * from the closest checkpoint made while stepping that run, or from the
 * last checkpoint before the run. */
static void stepn(struct gdb_session *s, const struct mark *p, uint64_t n) __attribute__((noreturn));
static void stepn(struct gdb_session *s, const struct mark *p, uint64_t n)
{
	struct checkpoint *cp = NULL;
	for (size_t i = 0; i < s->ncps; i++) {
		struct checkpoint *c = &s->cps[i];
		if (c->step >= 0 && c->when == p->when && c->step_tid == p->tid &&
		    (uint64_t)c->step <= n && (!cp || c->step > cp->step) && c->pid > 0)
			cp = c;
	}
	if (!cp)
		cp = cp_before(s, 2 * p->when, 1);
	if (!cp)
		seek_begin(s, 0);
	struct mark q;
	memset(&q, 0, sizeof q);
	copy_mark(&q, p);
	copy_mark(&s->target, &q);
	gdb_free_mark(&q);
	s->job = JOB_STEPN;
	s->n = n;
	restart_from(s, cp);
}

void gdb_step_checkpoint(struct gdb_session *s, struct ptask *t)
{
	uint64_t when = rrk_rp_cur(s->rp)->hdr.number;
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].step == (int64_t)s->count && s->cps[i].when == when &&
		    s->cps[i].step_tid == t->rec_tid)
			return;
	struct checkpoint cp;
	if (cp_take(s->rp, &cp, when) < 0)
		return;
	cp.mid = 1;
	cp.step = (int64_t)s->count;
	cp.step_tid = t->rec_tid;
	cp.serial = ++s->cp_serial;
	/* at most 64 of them: the oldest goes */
	size_t nstep = 0, oldest = 0;
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].step >= 0 && !s->cps[i].id) {
			if (!nstep || s->cps[i].serial < s->cps[oldest].serial)
				oldest = i;
			nstep++;
		}
	if (nstep >= 64 && s->cps[oldest].pid != s->scan_pid) {
		cp_drop(&s->cps[oldest]);
		s->cps[oldest] = cp;
		return;
	}
	*cp_add(s) = cp;
}

int gdb_stretch_wanted(struct gdb_session *s)
{
	return !s->detached && !s->newatch && !rrk_env_on("RRK_NO_STRETCH") && rrk_snap_possible(s->rp);
}

#define STRETCH_MAX 64

struct stop gdb_wait(struct gdb_session *s, struct ptask *t, int expect_sig, int timed, int *interrupted)
{
	*interrupted = 0;
	t->running = 1;
	return timed ? rrk_rp_wait_timed(s->rp, t, expect_sig, GDB_STRETCH_NS, interrupted)
		     : rrk_rp_wait(s->rp, t, expect_sig);
}

void gdb_stretch_checkpoint(struct gdb_session *s, struct ptask *t)
{
	struct rrk_regs g;
	/* the resume flag (back from a fault, part way through a rep
	 * string...): a copy would not go on as the task does; nor with a
	 * signal pending (an interrupt stop comes before a trap the task
	 * took just before it, and the copy would lose the trap) */
	if (tracee_getregs(&t->t, &g) < 0 || (g.eflags & 0x10000) || tracee_signal_pending(&t->t))
		return;
	uint64_t when = rrk_rp_cur(s->rp)->hdr.number;
	struct checkpoint cp;
	if (cp_take(s->rp, &cp, when) < 0)
		return;
	cp.mid = 1;
	cp.stretch = 1;
	cp.step_tid = t->rec_tid;
	cp.serial = ++s->cp_serial;
	gdb_capture(s, t, MK_POINT, &cp.at);
	cp.parent = cp.at.anc;
	s->pass_anc = cp.serial;
	s->pass_when = when;
	s->pass_tid = t->rec_tid;
	/* at most STRETCH_MAX of them: the oldest goes (not the one a job
	 * started from) */
	size_t n = 0, oldest = 0;
	int have = 0;
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].stretch) {
			n++;
			if (s->cps[i].pid != s->scan_pid && (!have || s->cps[i].serial < s->cps[oldest].serial)) {
				oldest = i;
				have = 1;
			}
		}
	if (n >= STRETCH_MAX && have) {
		cp_drop(&s->cps[oldest]);
		s->cps[oldest] = cp;
		return;
	}
	*cp_add(s) = cp;
}

/* Stretch checkpoint serial of p's run, or NULL. */
static struct checkpoint *stretch_cp(struct gdb_session *s, uint64_t serial, const struct mark *p)
{
	for (size_t i = 0; i < s->ncps && serial; i++) {
		struct checkpoint *c = &s->cps[i];
		if (c->stretch && c->serial == serial && c->pid > 0 && c->when == p->when && c->step_tid == p->tid)
			return c;
	}
	return NULL;
}

/* Counts the single steps p's task takes from the start of its run
 * toward p->when up to p, then stops one step before p, or at p itself
 * when `at` (p an event's stop: the state just before the instruction
 * that made the event, which the stop itself shows only in part: a
 * syscall instruction has already changed rcx and r11). */
static void stepscan_cap(struct gdb_session *s, const struct mark *p, int at, uint64_t cap)
	__attribute__((noreturn));
static void stepscan_cap(struct gdb_session *s, const struct mark *p, int at, uint64_t cap)
{
	struct checkpoint *cp = cp_before(s, 2 * p->when, 1);
	if (!cp)
		seek_begin(s, 0);
	copy_mark(&s->target, p);
	s->job = JOB_STEPSCAN;
	s->scan_at = at;
	s->step_cap = cap;
	restart_from(s, cp);
}

static void stepscan(struct gdb_session *s, const struct mark *p, int at) __attribute__((noreturn));
static void stepscan(struct gdb_session *s, const struct mark *p, int at)
{
	stepscan_cap(s, p, at, 0);
}

/* Finds the instruction before p among s->pred by the state it leaves
 * (gdb_pred.c), from cp, which lies before p. */
static void pred_from(struct gdb_session *s, const struct mark *p, struct checkpoint *cp) __attribute__((noreturn));
static void pred_from(struct gdb_session *s, const struct mark *p, struct checkpoint *cp)
{
	if (!cp)
		cp = cp_before(s, 2 * p->when, 1);
	if (!cp)
		seek_begin(s, 0);
	copy_mark(&s->target, p);
	s->job = JOB_PRED;
	s->step_cap = 0;
	restart_from(s, cp);
}

/* From the latest stretch checkpoint before p (not p itself), else from
 * the checkpoint before p's run. */
static void pred_start(struct gdb_session *s, const struct mark *p) __attribute__((noreturn));
static void pred_start(struct gdb_session *s, const struct mark *p)
{
	struct checkpoint *cp = stretch_cp(s, p->anc, p);
	if (cp && !memcmp(&cp->at.regs, &p->regs, sizeof p->regs))
		cp = stretch_cp(s, cp->parent, p);
	pred_from(s, p, cp);
}

void gdb_pred_restart(struct gdb_session *s)
{
	restart_from(s, scan_checkpoint(s));
}

void gdb_pred_failed(struct gdb_session *s)
{
	struct mark p;
	memset(&p, 0, sizeof p);
	copy_mark(&p, &s->target);
	/* (the instruction before p lies after any checkpoint before p:
	 * a search from an earlier one would fail alike) */
	s->npred = 0;
	stepscan(s, &p, 0);
}

void gdb_step_cap_reached(struct gdb_session *s)
{
	struct mark p;
	memset(&p, 0, sizeof p);
	copy_mark(&p, &s->target);
	s->long_when = p.when;
	s->long_tid = p.tid;
	pred_start(s, &p);
}

/* The state just before p, where p is the first of its task's run. */
static void before_run(struct gdb_session *s, const struct mark *p) __attribute__((noreturn));
static void before_run(struct gdb_session *s, const struct mark *p)
{
	if (p->prev_kind == RRK_EV_SCHED && p->prev_ev) {
		/* preempted at this very state: it is the end of the run
		 * toward the switch */
		struct mark q;
		memset(&q, 0, sizeof q);
		copy_mark(&q, p);
		q.kind = MK_POINT;
		q.when = p->prev_ev;
		q.prev_ev = q.prev_kind = 0;
		stepscan(s, &q, 0);
	}
	if (p->prev_stop && p->prev_stop > s->first) {
		/* just before the instruction of its last event */
		struct mark q;
		memset(&q, 0, sizeof q);
		q.kind = MK_EVSTOP;
		q.when = p->prev_stop;
		q.tid = p->tid;
		stepscan(s, &q, 1);
	}
	seek_begin(s, 0);
}

void gdb_target_reached(struct gdb_session *s, struct ptask *t)
{
	switch (s->job) {
	case JOB_SEEK:
	case JOB_NTH:
		s->job = JOB_NONE;
		if (s->seek_reply_ok) {
			char msg[128];
			s->seek_reply_ok = 0;
			s->quiet_stop = 1;
			s->quiet_stop = 1;
			gdb_capture(s, t, s->target.kind, &s->pos);
			snprintf(msg, sizeof msg, "At event %llu\n", (unsigned long long)gdb_when(s));
			gdb_console(s, msg);
			gdb_puts(&s->c, "OK");
		}
		gdb_report_stop(s, t, s->target.kind, s->seek_reason);
		return;
	case JOB_SCAN:
		if (s->n) {
			s->job = JOB_NTH;
			restart_from(s, scan_checkpoint(s));
		} else {
			/* nothing between the checkpoint and the target: look
			 * before the checkpoint */
			struct mark m;
			memset(&m, 0, sizeof m);
			m.kind = MK_AFTER;
			m.when = scan_checkpoint(s)->when - 1;
			copy_mark(&s->target, &m);
			start_scan(s);
		}
	case JOB_STEPSCAN:
		if (s->scan_at) {
			struct mark p;
			memset(&p, 0, sizeof p);
			copy_mark(&p, &s->target);
			stepn(s, &p, s->count);
		}
		if (s->count == 0) {
			struct mark p;
			memset(&p, 0, sizeof p);
			copy_mark(&p, &s->target);
			before_run(s, &p);
		}
		{
			struct mark p;
			memset(&p, 0, sizeof p);
			copy_mark(&p, &s->target);
			stepn(s, &p, s->count - 1);
		}
	case JOB_PRED:
	case JOB_PREDN:
		/* the first state of the run: what came before is an event */
		gdb_pred_failed(s);
	case JOB_STEPN:
	case JOB_NONE:
		return;
	}
}

void gdb_reverse_continue(struct gdb_session *s)
{
	copy_mark(&s->target, &s->pos);
	s->scan_watch = 0;
	s->final_reason[0] = 0;
	start_scan(s);
}

void gdb_before_watch(struct gdb_session *s, struct ptask *t)
{
	gdb_capture(s, t, MK_POINT, &s->watch_hit);
	s->watch_back = 1;
	struct mark h;
	memset(&h, 0, sizeof h);
	copy_mark(&h, &s->watch_hit);
	stepscan(s, &h, 0);
}

void gdb_watch_too_far(struct gdb_session *s)
{
	s->watch_back = 0;
	struct mark h;
	memset(&h, 0, sizeof h);
	copy_mark(&h, &s->watch_hit);
	char reason[64];
	snprintf(reason, sizeof reason, "%s", s->final_reason);
	s->final_reason[0] = 0;
	gdb_console(s, "play: stopped just after the instruction that touched the watched data: the run before it is too long to step through\n");
	seek(s, &h, reason, 0);
}

const char *gdb_take_final_reason(struct gdb_session *s)
{
	snprintf(s->taken_reason, sizeof s->taken_reason, "%s", s->final_reason);
	s->final_reason[0] = 0;
	s->watch_back = 0;
	return s->taken_reason;
}

void gdb_reverse_step(struct gdb_session *s)
{
	s->final_reason[0] = 0;
	s->watch_back = 0;
	struct mark p;
	memset(&p, 0, sizeof p);
	copy_mark(&p, &s->pos);
	if (p.kind == MK_AFTER || (p.kind == MK_POINT && p.step == 0))
		before_run(s, &p);
	if (p.kind == MK_POINT && p.step > 0)
		stepn(s, &p, (uint64_t)p.step - 1);
	/* Single steps from the start of the run when it is short, else
	 * the instructions that may come before p, found by state */
	struct ptask *t = p.kind == MK_POINT ? rrk_rp_task(s->rp, p.tid) : NULL;
	s->npred = t ? gdb_pred_candidates(s, t, &p) : 0;
	if (getenv("RRK_DEBUG"))
		fprintf(stderr, "gdb: %d instructions may come before %#llx\n", s->npred,
			(unsigned long long)p.regs.rip);
	if (s->npred && (p.anc || (s->long_when == p.when && s->long_tid == p.tid) || rrk_env_on("RRK_PRED_ALWAYS")))
		pred_start(s, &p);
	stepscan_cap(s, &p, 0, s->npred ? GDB_STEP_CAP : 0);
}

void gdb_goto_event(struct gdb_session *s, uint64_t n, int reply_ok)
{
	if (n <= s->first + 1)
		seek_begin(s, reply_ok);
	struct mark m;
	memset(&m, 0, sizeof m);
	m.kind = MK_AFTER;
	m.when = n - 1;
	seek(s, &m, "", reply_ok);
}

int gdb_user_checkpoint(struct gdb_session *s)
{
	struct checkpoint cp;
	struct replayer *rp = s->rp;
	int mid = s->pos.kind != MK_AFTER;
	uint64_t when = s->pos.when + (mid ? 0 : 1);
	if (cp_take(rp, &cp, when) < 0)
		return -1;
	cp.mid = mid;
	cp.id = ++s->next_cp_id;
	copy_mark(&cp.at, &s->pos);
	*cp_add(s) = cp;
	return cp.id;
}

int gdb_user_restart(struct gdb_session *s, int id)
{
	if (id == 0)
		seek_begin(s, 1);
	for (size_t i = 0; i < s->ncps; i++)
		if (s->cps[i].id == id && s->cps[i].pid > 0) {
			struct checkpoint *cp = &s->cps[i];
			if (!cp->mid)
				seek(s, &cp->at, "", 1);
			/* part way through a run: the copy is the position */
			copy_mark(&s->target, &cp->at);
			s->job = JOB_SEEK;
			s->seek_reason[0] = 0;
			s->seek_reply_ok = 1;
			s->restored_mid = 1;
			restart_from(s, cp);
		}
	return -1;
}

/* ---- the driver ---- */

void gdb_session_prepare(struct gdb_session *s, const struct replay_options *o)
{
	struct replay_options *opts = &s->opts; /* the replayer keeps its address */
	struct replayer *rp = s->rp;
	*opts = *o;
	opts->trace_fd = rrk_seekable(o->trace_fd, o->trace_name);
	/* One pass over the trace: how far monitor goto and --goto may
	 * go, and the trace's keyframes, which become checkpoints (going to
	 * a position starts from the closest one before it). */
	int fd = rrk_reopen(opts->trace_fd, o->trace_name);
	struct rrk_reader *rd = rrk_reader_open(fd, o->trace_name);
	if (!rd)
		rrk_die("cannot read %s: %s", o->trace_name, strerror(errno));
	struct rrk_ev ev, *kfs = NULL;
	size_t nkfs = 0;
	memset(&ev, 0, sizeof ev);
	while (rrk_read_event(rd, &ev, NULL, NULL) == RRK_OK) {
		if (ev.hdr.kind == RRK_EV_KEYFRAME) {
			kfs = rrk_xrealloc(kfs, (nkfs + 1) * sizeof *kfs);
			memset(&kfs[nkfs], 0, sizeof *kfs);
			rrk_ev_copy(&kfs[nkfs++], &ev);
		} else if (ev.hdr.kind != RRK_EV_EXIT) {
			/* the last position a debugger can go to: the program's
			 * last event before its tasks' exits */
			s->last_goto = ev.hdr.number;
		}
	}
	rrk_ev_free(&ev);
	rrk_reader_close(rd);
	close(fd);
	if (o->goto_event > s->last_goto)
		rrk_die("--goto %llu: the last event to go to is %llu (the program's exit); see tracecat",
			(unsigned long long)o->goto_event, (unsigned long long)s->last_goto);
	if (!strcmp(s->spec, "-"))
		opts->output_fd = 2; /* standard output speaks to gdb */
	opts->goto_event = 0; /* the session goes there itself (gdb_session_start) */
	rrk_rp_begin(rp, opts);
	s->first = rrk_rp_last(rp); /* the position gdb starts at: after this event */
	s->report_step = -1;
	struct checkpoint *cp0 = cp_add(s);
	if (cp_take(rp, cp0, s->first + 1) < 0) {
		/* a trace starting at a keyframe with several tasks: going
		 * back to its start builds the keyframe again */
		if (rrk_rp_cur(rp)->hdr.kind != RRK_EV_KEYFRAME)
			rrk_die("cannot copy the replayed program for going backwards");
		cp_keyframe(cp0, rrk_rp_cur(rp), s->first + 1, -1);
	}
	for (size_t i = 0; i < nkfs; i++) {
		if (kfs[i].hdr.number > s->first + 1) {
			/* (the trace starts with it: cp0) */
			struct checkpoint *cp = cp_add(s);
			cp_keyframe(cp, &kfs[i], kfs[i].hdr.number, -2 - (pid_t)s->ncps);
		}
		rrk_ev_free(&kfs[i]);
	}
	free(kfs);
}

void gdb_session_start(struct gdb_session *s, const struct replay_options *o)
{
	struct replayer *rp = s->rp;
	s->cp_stamp = rrk_now_ns();
	int st;
	if (setjmp(s->driver))
		goto restored;
	if (o->goto_event > s->first + 1) {
		s->quiet_stop = 1;
		gdb_goto_event(s, o->goto_event, 0);
	}
	s->quiet_stop = 1;
	/* (a trace cut with a keyframe starts after the event before it) */
	s->at_boundary = rrk_rp_cur(rp)->hdr.kind == RRK_EV_KEYFRAME;
	gdb_report_stop(s, rrk_rp_cur_task(rp), MK_AFTER, "");
	s->at_boundary = 0;
	for (;;) {
		st = rrk_rp_prepare(rp);
		if (st)
			break;
		if (0) {
		restored:
			if (s->job != JOB_NONE && s->restored_mid) {
				s->restored_mid = 0;
				gdb_target_reached(s, rrk_rp_cur_task(rp));
			} else if (s->job != JOB_NONE && s->target.kind == MK_AFTER &&
				   s->target.when + 1 == rrk_rp_cur(rp)->hdr.number) {
				s->at_boundary = 1;
				gdb_target_reached(s, rrk_rp_cur_task(rp));
				s->at_boundary = 0;
			}
		}
		st = rrk_rp_process(rp);
		if (st)
			break;
	}
	if (st == 2) {
		rrk_rp_kill(rp);
		exit(141);
	}
	const struct rrk_end *end = rrk_rp_end(rp, NULL);
	if (end && end->how == RRK_END_CUT) {
		/* a cut trace: the program is still there, but the recording
		 * ends; stay at its last position */
		struct ptask *t = rrk_rp_cur_task(rp) && !rrk_rp_cur_task(rp)->dead ? rrk_rp_cur_task(rp) : NULL;
		for (struct ptask *x = rrk_rp_tasks(rp); x && !t; x = x->next)
			if (!x->dead)
				t = x;
		while (t && s->job == JOB_NONE)
			gdb_report_stop(s, t, MK_AFTER, "replaylog:end;");
	}
	/* the program has ended */
	s->exited = 1;
	int status = rrk_rp_end_status(rp);
	if (s->detached)
		exit(status);
	if (s->job != JOB_NONE)
		rrk_die("internal error: the replay ended before reaching the position gdb asked for (job %d, event %llu); please report this with the trace",
			s->job, (unsigned long long)s->target.when);
	s->job = JOB_NONE;
	if (end && end->how == RRK_END_SIGNALED)
		snprintf(s->last_reply, sizeof s->last_reply, "X%02x", (unsigned)end->code & 0x7f);
	else
		snprintf(s->last_reply, sizeof s->last_reply, "W%02x", (unsigned)status & 0xff);
	gdb_puts(&s->c, s->last_reply);
	gdb_command_loop(s);
	exit(status);
}
