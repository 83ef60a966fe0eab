/* Keyframes: the whole replayed state before an event, so that a replay
 * can start there (doc/trace-format.md 5.10, doc/design.md "Keyframes").
 * Captured from a replay stopped between events; rebuilt on top of the
 * replay stub the way exec is. Memory that equals the mapped file's bytes
 * or zero is not stored. */
#include "replay_int.h"

#include <elf.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ptrace/maps.h"
#include "base/util.h"

#define MEM_PIECE (4ull << 20)
#define MEM_CHUNK (1u << 20)
#define XSAVE_MAX 16384

/* rrk_kf_write's buffers, on the heap for each call. */
struct kf_scratch {
	struct ptask *tasks[65536];
	struct proc *procs[4096];
	uint8_t mem[MEM_CHUNK];  /* mem_diff's pages as read */
	uint8_t xs[XSAVE_MAX];
};

struct att {
	unsigned type;
	void *head;
	size_t head_len;
	void *data;
	size_t data_len;
};
struct atts {
	struct att *a;
	size_t n, cap;
};

static void att_push(struct atts *l, unsigned type, const void *head, size_t hl, void *data,
		     size_t dl)
{
	if (l->n == l->cap)
		l->a = rrk_xrealloc(l->a, (l->cap = l->cap * 2 + 16) * sizeof *l->a);
	struct att *a = &l->a[l->n++];
	a->type = type;
	a->head = rrk_xmalloc(hl);
	memcpy(a->head, head, hl);
	a->head_len = hl;
	a->data = data;
	a->data_len = dl;
}

/* MEM records for the pages of [start, end) that differ from what
 * rebuilding the mapping gives: the blob's bytes from boff (bl), then
 * zeros. */
static void mem_diff(struct ptask *t, uint64_t start, uint64_t end, const struct blob *bl,
		     uint64_t boff, struct atts *l, uint8_t *buf)
{
	uint64_t run = 0, run_len = 0;
	uint8_t *run_buf = NULL;
	for (uint64_t a = start; a < end; a += MEM_CHUNK) {
		uint64_t len = end - a < MEM_CHUNK ? end - a : MEM_CHUNK;
		int ok = tracee_read(&t->t, a, buf, len) == 0;
		if (ok) /* the rewritten instructions as the program has them */
			rrk_ps_unpatch(&t->proc->ps, a, buf, len);
		for (uint64_t p = 0; p < len; p += RRK_PAGE) {
			const uint8_t *page = buf + p;
			int same;
			if (!ok) {
				same = 1; /* unreadable: left as rebuilt */
			} else {
				uint64_t fo = boff + (a + p - start);
				uint64_t in_file = 0;
				if (bl && fo < bl->total)
					in_file = bl->total - fo < RRK_PAGE ? bl->total - fo : RRK_PAGE;
				same = (!in_file || !memcmp(page, bl->data + fo, in_file)) &&
				       rrk_is_zero(page + in_file, RRK_PAGE - in_file);
			}
			if (!same) {
				if (!run_len || run + run_len != a + p || run_len >= MEM_PIECE) {
					if (run_len) {
						struct rrk_mem m = { run };
						att_push(l, RRK_REC_MEM, &m, sizeof m, run_buf, run_len);
					}
					run = a + p;
					run_len = 0;
					run_buf = rrk_xmalloc(MEM_PIECE);
				}
				memcpy(run_buf + run_len, page, RRK_PAGE);
				run_len += RRK_PAGE;
			}
		}
	}
	if (run_len) {
		struct rrk_mem m = { run };
		att_push(l, RRK_REC_MEM, &m, sizeof m, run_buf, run_len);
	}
}

/* The file range a mapping lies in, whose blob this trace holds. */
static const struct file_range *file_of(struct replayer *rp, struct proc *p, uint64_t s, uint64_t e)
{
	for (size_t i = p->nfranges; i-- > 0;) { /* the latest mapping wins */
		const struct file_range *f = &p->franges[i];
		if (f->start <= s && e <= f->end && rrk_rp_blob(rp, f->digest))
			return f;
	}
	return NULL;
}

static int snapshot_proc(struct replayer *rp, struct proc *p, struct ptask *t, struct atts *l,
			 uint8_t *buf, char *why, size_t wl)
{
	struct mapping *m;
	long nm = rrk_read_maps(t->t.tid, &m);
	if (nm < 0) {
		snprintf(why, wl, "cannot read the memory map of task %u", t->rec_tid);
		return -1;
	}
	for (long i = 0; i < nm; i++) {
		if (!strncmp(m[i].name, "[v", 2)) /* vdso, vvar, vsyscall */
			continue;
		struct rrk_map mp;
		memset(&mp, 0, sizeof mp);
		mp.start = m[i].start;
		mp.end = m[i].end;
		mp.prot = (uint32_t)m[i].prot;
		if (!strcmp(m[i].name, "[stack]"))
			mp.flags |= RRK_MAP_STACK;
		const struct file_range *f = file_of(rp, p, mp.start, mp.end);
		const struct blob *bl = NULL;
		if (f) {
			bl = rrk_rp_blob(rp, f->digest);
			mp.flags |= RRK_MAP_FILE;
			mp.offset = f->offset + (mp.start - f->start);
			mp.file_size = bl->total;
			memcpy(mp.digest, f->digest, 32);
		}
		const char *name = f ? f->path : m[i].name;
		size_t nl = strlen(name);
		char *nd = NULL;
		if (nl) {
			nd = rrk_xmalloc(nl);
			memcpy(nd, name, nl);
		}
		att_push(l, RRK_REC_MAP, &mp, sizeof mp, nd, nl);
		mem_diff(t, mp.start, mp.end, bl, mp.offset, l, buf);
	}
	free(m);
	if (p->ps.n) { /* rewritten again once the pages are back */
		size_t n = p->ps.n * sizeof *p->ps.v;
		uint8_t *d = rrk_xmalloc(n), none = 0;
		memcpy(d, p->ps.v, n);
		att_push(l, RRK_REC_PATCH, &none, 0, d, n);
	}
	return 0;
}

/* The tasks and processes a keyframe lists, into x: -1 (why) when the
 * replay cannot be captured here. */
static int kf_collect(struct replayer *rp, struct kf_scratch *x, size_t *ntp, size_t *npp, char *why,
		      size_t wl)
{
	struct ptask **tasks = x->tasks;
	struct proc **procs = x->procs;
	const size_t maxt = sizeof x->tasks / sizeof x->tasks[0];
	const size_t maxp = sizeof x->procs / sizeof x->procs[0];
	size_t nt = 0, np = 0;
	for (struct ptask *t = rp->tasks; t; t = t->next) {
		if (t->dead || (t->t.tid <= 0 && !t->ghost))
			continue;
		if (nt == maxt) {
			snprintf(why, wl, "too many tasks");
			return -1;
		}
		if (t->exiting || t->ghost) {
			tasks[nt++] = t; /* listed, without a process */
			continue;
		}
		if (t->running || t->has_pending || t->initial || t->in_real || t->collect || t->resume_sig) {
			snprintf(why, wl, "task %u is %s", t->rec_tid,
				 t->in_real || t->collect ? "in the middle of a vfork" :
				 t->initial ? "just created" : t->resume_sig ? "receiving a signal" :
				 t->has_pending ? "stopped ahead of its turn" : "running");
			return -1;
		}
		if (nt == maxt) {
			snprintf(why, wl, "too many tasks");
			return -1;
		}
		tasks[nt++] = t;
		size_t k = 0;
		while (k < np && procs[k] != t->proc)
			k++;
		/* (exiting tasks were listed above without their process) */
		if (k == np) {
			if (np == maxp) {
				snprintf(why, wl, "too many processes");
				return -1;
			}
			procs[np++] = t->proc;
		}
	}
	if (!np) {
		snprintf(why, wl, "the program is only exiting from there; cut at an earlier event");
		return -1;
	}
	*ntp = nt;
	*npp = np;
	return 0;
}

static int kf_write(struct replayer *rp, struct rrk_writer *w, uint64_t event, struct kf_scratch *x,
		    char *why, size_t wl)
{
	struct ptask **tasks = x->tasks;
	struct proc **procs = x->procs;
	size_t nt = 0, np = 0;
	if (kf_collect(rp, x, &nt, &np, why, wl) < 0)
		return -1;
	struct atts l = { NULL, 0, 0 };
	size_t body_len = sizeof(struct rrk_keyframe) + np * sizeof(struct rrk_kf_proc) +
			  nt * (sizeof(struct rrk_kf_thread) + XSAVE_MAX);
	uint8_t *body = rrk_xcalloc(1, body_len);
	struct rrk_keyframe *k = (void *)body;
	k->event = event;
	k->nprocs = (uint32_t)np;
	k->nthreads = (uint32_t)nt;
	size_t off = sizeof *k;
	int rc = 0;
	for (size_t i = 0; i < np && !rc; i++) {
		struct rrk_kf_proc pr;
		memset(&pr, 0, sizeof pr);
		struct ptask *any = NULL;
		for (size_t j = 0; j < nt && !any; j++)
			if (tasks[j]->proc == procs[i] && !tasks[j]->exiting && !tasks[j]->ghost)
				any = tasks[j];
		pr.pid = procs[i]->pid ? procs[i]->pid : any->rec_tid;
		pr.brk = procs[i]->cur_brk;
		pr.auxv = procs[i]->auxv;
		pr.auxv_len = procs[i]->auxv_len;
		size_t el = strlen(procs[i]->exe);
		memcpy(pr.exe, procs[i]->exe, el < sizeof pr.exe - 1 ? el : sizeof pr.exe - 1);
		size_t before = l.n;
		rc = snapshot_proc(rp, procs[i], any, &l, x->mem, why, wl);
		pr.nattach = (uint32_t)(l.n - before);
		memcpy(body + off, &pr, sizeof pr);
		off += sizeof pr;
	}
	for (size_t j = 0; j < nt && !rc; j++) {
		struct ptask *t = tasks[j];
		struct rrk_kf_thread th;
		memset(&th, 0, sizeof th);
		th.tid = t->rec_tid;
		if (t->exiting || t->ghost) {
			th.flags = RRK_KF_EXITING;
			memcpy(body + off, &th, sizeof th);
			off += sizeof th;
			continue;
		}
		th.pid = t->proc->pid ? t->proc->pid : t->rec_tid;
		th.flags = (t->at_entry ? RRK_KF_AT_ENTRY : 0) | (t->restart_pending ? RRK_KF_RESTART : 0);
		th.restart_nr = t->restart_nr;
		th.clear_tid = t->clear_tid;
		th.last_ev = t->last_ev;
		th.last_stop_ev = t->last_stop_ev;
		th.last_kind = t->last_kind;
		memcpy(th.name, t->name, sizeof th.name);
		tracee_getregs(&t->t, &th.regs);
		if (!t->at_entry && th.regs.orig_rax != (uint64_t)-1 &&
		    tracee_syscall_op(&t->t) == SYSCALL_OP_SECCOMP)
			th.flags |= RRK_KF_IN_SYSCALL;
		uint8_t *xs = x->xs;
		struct iovec iov = { xs, sizeof x->xs };
		if (ptrace(PTRACE_GETREGSET, t->t.tid, (void *)NT_X86_XSTATE, &iov) < 0) {
			iov.iov_len = 512;
			if (ptrace(PTRACE_GETFPREGS, t->t.tid, 0, xs) < 0)
				iov.iov_len = 0;
		}
		th.xsave_len = (uint32_t)iov.iov_len;
		memcpy(body + off, &th, sizeof th);
		off += sizeof th;
		memcpy(body + off, xs, iov.iov_len);
		off += (iov.iov_len + 7) & ~(size_t)7;
	}
	k->nattach = (uint32_t)l.n;
	if (!rc && rrk_write_record(w, RRK_REC_KEYFRAME, 0, body, off, NULL, 0) < 0)
		rc = -2;
	for (size_t i = 0; i < l.n; i++) {
		if (!rc && rrk_write_record(w, l.a[i].type, 0, l.a[i].head, l.a[i].head_len, l.a[i].data,
					    l.a[i].data_len) < 0)
			rc = -2;
		free(l.a[i].head);
		free(l.a[i].data);
	}
	free(l.a);
	free(body);
	if (rc == -2)
		snprintf(why, wl, "cannot write: %s", rrk_writer_error(w));
	return rc < 0 ? -1 : 0;
}

int rrk_kf_write(struct replayer *rp, struct rrk_writer *w, uint64_t event, char *why, size_t wl)
{
	rrk_rp_settle(rp);
	struct kf_scratch *x = rrk_xmalloc(sizeof *x);
	int rc = kf_write(rp, w, event, x, why, wl);
	free(x);
	return rc;
}

/* ---- rebuilding ---- */

static void bad(struct replayer *rp, const char *what) __attribute__((noreturn));
static void bad(struct replayer *rp, const char *what)
{
	rrk_rp_kill(rp);
	rrk_die("%s: corrupt keyframe (%s)", rp->o->trace_name, what);
}

struct kf_view {
	const struct rrk_keyframe *k;
	const struct rrk_kf_proc *procs;
	const struct rrk_kf_thread **threads;
	const uint8_t **xsave;
};

static void parse(struct replayer *rp, const struct rrk_ev *ev, struct kf_view *v)
{
	const uint8_t *b = ev->body;
	size_t len = ev->hdr.body_size;
	if (len < sizeof *v->k)
		bad(rp, "too short");
	v->k = (const void *)b;
	size_t off = sizeof *v->k;
	if (!v->k->nprocs || v->k->nthreads < v->k->nprocs ||
	    (uint64_t)v->k->nprocs * sizeof(struct rrk_kf_proc) > len - off)
		bad(rp, "counts");
	v->procs = (const void *)(b + off);
	off += v->k->nprocs * sizeof(struct rrk_kf_proc);
	v->threads = rrk_xcalloc(v->k->nthreads, sizeof *v->threads);
	v->xsave = rrk_xcalloc(v->k->nthreads, sizeof *v->xsave);
	for (uint32_t i = 0; i < v->k->nthreads; i++) {
		if (len - off < sizeof(struct rrk_kf_thread))
			bad(rp, "thread table");
		v->threads[i] = (const void *)(b + off);
		off += sizeof(struct rrk_kf_thread);
		uint32_t xl = v->threads[i]->xsave_len;
		if (xl > XSAVE_MAX || (xl && xl < 512) || ((xl + 7ull) & ~7ull) > len - off)
			bad(rp, "xsave area");
		const struct rrk_kf_thread *th = v->threads[i];
		if (!th->tid || ((th->flags & RRK_KF_EXITING) &&
				 (th->flags & (RRK_KF_AT_ENTRY | RRK_KF_IN_SYSCALL))) ||
		    (!(th->flags & RRK_KF_EXITING) && !th->pid))
			bad(rp, "thread flags");
		for (uint32_t j = 0; j < i; j++)
			if (v->threads[j]->tid == th->tid)
				bad(rp, "a thread listed twice");
		v->xsave[i] = b + off;
		off += (xl + 7) & ~7u;
	}
	uint64_t sum = 0;
	for (uint32_t i = 0; i < v->k->nprocs; i++) {
		sum += v->procs[i].nattach;
		for (uint32_t j = 0; j < i; j++)
			if (!v->procs[i].pid || v->procs[j].pid == v->procs[i].pid)
				bad(rp, "process ids");
		int has = 0;
		for (uint32_t j = 0; j < v->k->nthreads; j++)
			has |= v->threads[j]->pid == v->procs[i].pid &&
			       !(v->threads[j]->flags & RRK_KF_EXITING);
		if (!has)
			bad(rp, "a process without threads");
	}
	if (sum != ev->nattach)
		bad(rp, "attachment counts");
	for (uint32_t j = 0; j < v->k->nthreads; j++) {
		if (v->threads[j]->flags & RRK_KF_EXITING)
			continue;
		int found = 0;
		for (uint32_t i = 0; i < v->k->nprocs; i++)
			found |= v->threads[j]->pid == v->procs[i].pid;
		if (!found)
			bad(rp, "a thread without its process");
	}
}

static void set_xsave(struct ptask *t, const uint8_t *x, uint32_t len)
{
	if (!len)
		return;
	struct iovec iov = { (void *)x, len };
	if (len > 512 && ptrace(PTRACE_SETREGSET, t->t.tid, (void *)NT_X86_XSTATE, &iov) == 0)
		return;
	ptrace(PTRACE_SETFPREGS, t->t.tid, 0, (void *)x); /* another CPU: x87/SSE only */
}

/* The leader, or the first thread of process i. */
static uint32_t main_thread(const struct kf_view *v, uint32_t i)
{
	uint32_t first = UINT32_MAX;
	for (uint32_t j = 0; j < v->k->nthreads; j++)
		if (v->threads[j]->pid == v->procs[i].pid && !(v->threads[j]->flags & RRK_KF_EXITING)) {
			if (v->threads[j]->tid == v->procs[i].pid)
				return j;
			if (first == UINT32_MAX)
				first = j;
		}
	return first;
}

static void task_state(struct ptask *t, const struct rrk_kf_thread *th)
{
	t->restart_pending = (th->flags & RRK_KF_RESTART) != 0;
	t->restart_nr = th->restart_nr;
	t->clear_tid = th->clear_tid;
	t->last_ev = th->last_ev;
	t->last_stop_ev = th->last_stop_ev;
	t->last_kind = th->last_kind;
	memcpy(t->name, th->name, sizeof t->name);
	t->name[sizeof t->name - 1] = 0;
}

/* A task of the rebuilt replay (tid -1: a ghost, which only exits). */
static struct ptask *new_task(struct replayer *rp, pid_t tid, uint32_t rec_tid)
{
	struct ptask *t = rrk_xcalloc(1, sizeof *t);
	t->t.tid = tid;
	t->t.memfd = -1;
	if (tid > 0)
		tracee_open_mem(&t->t);
	t->rec_tid = rec_tid;
	t->next = rp->tasks;
	rp->tasks = t;
	return t;
}

uint32_t rrk_kf_first_tid(const struct rrk_ev *ev)
{
	const struct rrk_keyframe *k = (const void *)ev->body;
	if (ev->hdr.body_size < sizeof *k + sizeof(struct rrk_kf_proc))
		return 0;
	const struct rrk_kf_proc *p = (const void *)(ev->body + sizeof *k);
	return p->pid;
}

void rrk_kf_build(struct replayer *rp, const struct rrk_ev *ev)
{
	struct kf_view v;
	parse(rp, ev, &v);
	struct ptask *stub = rp->cur_t; /* the replay stub, just started */
	struct rrk_regs stub_regs;
	tracee_getregs(&stub->t, &stub_regs);
	uint32_t np = v.k->nprocs;
	struct ptask **mains = rrk_xcalloc(np, sizeof *mains);
	mains[0] = stub;
	/* More processes: copies of the stub, made before it is stripped. */
	tracee_open_mem(&stub->t);
	for (uint32_t i = 1; i < np; i++) {
		pid_t pid = tracee_inject_clone(&stub->t, CLONE_PARENT | SIGCHLD, 0, &stub_regs);
		if (pid < 0)
			bad(rp, "cannot make its processes");
		struct ptask *t = new_task(rp, pid, 0);
		t->proc = rrk_xcalloc(1, sizeof *t->proc);
		mains[i] = t;
	}
	size_t att_off = 0;
	for (uint32_t i = 0; i < np; i++) {
		const struct rrk_kf_proc *pr = &v.procs[i];
		uint32_t mj = main_thread(&v, i);
		struct ptask *m = mains[i];
		m->rec_tid = v.threads[mj]->tid;
		rp->cur_t = m;
		struct proc *p = m->proc;
		p->refs = 1;
		p->pid = pr->pid;
		p->cur_brk = pr->brk;
		p->auxv = pr->auxv;
		p->auxv_len = pr->auxv_len;
		memcpy(p->exe, pr->exe, sizeof pr->exe < sizeof p->exe ? sizeof pr->exe : sizeof p->exe);
		p->exe[sizeof p->exe - 1] = 0;
		p->nfranges = 0;
		rrk_ps_clear(&p->ps);
		uint64_t lo, hi;
		uint64_t insn = rrk_rp_strip_stub(rp, &lo, &hi);
		rrk_rp_map_image(rp, ev->attach + att_off, pr->nattach, 8u << 20, insn, lo, hi,
				 ev->hdr.number);
		att_off += pr->nattach;
		/* its other threads, cloned from the main one while the
		 * stub's syscall instruction is still there */
		for (uint32_t j = 0; j < v.k->nthreads; j++) {
			const struct rrk_kf_thread *th = v.threads[j];
			if (th->pid != pr->pid || j == mj || (th->flags & RRK_KF_EXITING))
				continue;
			uint64_t fl = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
				      CLONE_SYSVSEM | (th->clear_tid ? CLONE_CHILD_CLEARTID : 0);
			pid_t tid = tracee_inject_clone(&m->t, fl, th->clear_tid, &th->regs);
			if (tid < 0)
				bad(rp, "cannot make its threads");
			struct ptask *t = new_task(rp, tid, th->tid);
			t->proc = p;
			p->refs++;
			task_state(t, th);
			set_xsave(t, v.xsave[j], th->xsave_len);
		}
		if (v.threads[mj]->clear_tid)
			rrk_rp_inject(rp, insn, SYS_set_tid_address, v.threads[mj]->clear_tid, 0, 0, 0, 0, 0);
		rrk_rp_inject(rp, insn, SYS_munmap, lo, hi - lo, 0, 0, 0, 0);
		tracee_setregs(&m->t, &v.threads[mj]->regs);
		set_xsave(m, v.xsave[mj], v.threads[mj]->xsave_len);
		task_state(m, v.threads[mj]);
	}
	/* Tasks that were on their way out: only their exits follow. */
	for (uint32_t j = 0; j < v.k->nthreads; j++) {
		if (!(v.threads[j]->flags & RRK_KF_EXITING))
			continue;
		new_task(rp, -1, v.threads[j]->tid)->ghost = 1;
	}
	/* Tasks parked at a syscall's entry enter it again. */
	for (uint32_t j = 0; j < v.k->nthreads; j++) {
		const struct rrk_kf_thread *th = v.threads[j];
		if (!(th->flags & (RRK_KF_AT_ENTRY | RRK_KF_IN_SYSCALL)))
			continue;
		struct ptask *t = rrk_rp_task(rp, th->tid);
		struct rrk_regs r = th->regs;
		r.rip -= 2;
		r.rax = r.orig_rax;
		tracee_setregs(&t->t, &r);
		tracee_cont(&t->t, 0);
		t->running = 1;
		if (getenv("RRK_DEBUG"))
			fprintf(stderr, "keyframe: task %u (live %d) enters syscall %llu again\n", t->rec_tid,
				(int)t->t.tid, (unsigned long long)r.orig_rax);
		struct stop st = rrk_rp_wait(rp, t, 0);
		if (st.kind != STOP_SECCOMP)
			bad(rp, "a task did not enter its syscall again");
		t->at_entry = (th->flags & RRK_KF_AT_ENTRY) != 0;
	}
	free(mains);
	free(v.threads);
	free(v.xsave);
	rp->cur_t = stub;
	rp->last = ev->hdr.number - 1;
}
