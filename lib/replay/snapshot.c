/* Snapshots of a replay: a stopped copy of the replayed process, made by
 * making it fork. Restoring one kills the running replay and forks the
 * copy again, so a snapshot can be restored any number of times. Only a
 * replay with a single task can be copied (fork copies the calling
 * thread). A snapshot may also be a keyframe of the trace, built again. */
#include "snapshot.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "replay_int.h"
#include "base/util.h"

struct rrk_snap {
	uint64_t when;    /* the event about to be replayed */
	pid_t pid;        /* the stopped copy, never run (-1: a keyframe) */
	struct rrk_regs regs;
	struct ptask task;
	struct proc proc;
	struct rrk_ev *kf;
	int in_run;       /* part way through the run toward `when` */
};

/* clone(CLONE_PARENT | SIGCHLD): a fork whose child is play's child too,
 * so play reaps the copies it kills (their parent, a stopped copy, never
 * would). */
static pid_t fork_task(struct tracee *t, const struct rrk_regs *regs)
{
	return tracee_inject_clone(t, CLONE_PARENT | SIGCHLD, 0, regs);
}


int rrk_snap_possible(struct replayer *rp)
{
	int n = 0;
	for (struct ptask *t = rp->tasks; t; t = t->next) {
		if (t->dead)
			continue;
		n++;
		if (t->running || t->has_pending || t->initial || t->at_entry || t->in_real ||
		    t->collect || t->resume_sig || t->restart_pending)
			return 0;
	}
	return n == 1;
}

static struct ptask *only_task(struct replayer *rp)
{
	for (struct ptask *t = rp->tasks; t; t = t->next)
		if (!t->dead)
			return t;
	return NULL;
}

struct rrk_snap *rrk_snap_take(struct replayer *rp, uint64_t when)
{
	struct ptask *t = only_task(rp);
	if (!t || !rrk_snap_possible(rp))
		return NULL;
	/* At a syscall entry the kernel still has to run the call (a
	 * sigreturn play lets run for real): a copy would not. */
	struct rrk_regs r;
	tracee_getregs(&t->t, &r);
	if (r.orig_rax != (uint64_t)-1 && tracee_syscall_op(&t->t) == SYSCALL_OP_SECCOMP)
		return NULL;
	pid_t pid = fork_task(&t->t, &r);
	if (pid < 0)
		return NULL;
	struct rrk_snap *sn = rrk_xcalloc(1, sizeof *sn);
	sn->when = when;
	sn->pid = pid;
	sn->regs = r;
	sn->in_run = rp->in_run;
	sn->task = *t;
	rrk_proc_copy(&sn->proc, t->proc);
	return sn;
}

struct rrk_snap *rrk_snap_keyframe(const struct rrk_ev *kf, uint64_t when)
{
	struct rrk_snap *sn = rrk_xcalloc(1, sizeof *sn);
	sn->when = when;
	sn->pid = -1;
	sn->kf = rrk_xcalloc(1, sizeof *sn->kf);
	rrk_ev_copy(sn->kf, kf);
	return sn;
}

pid_t rrk_snap_pid(const struct rrk_snap *sn) { return sn->pid; }

static void reap(pid_t pid)
{
	int status;
	kill(pid, SIGKILL);
	for (;;) {
		pid_t w = waitpid(pid, &status, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || WIFEXITED(status) || WIFSIGNALED(status))
			return;
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
}

/* Kills every task of the replay and collects their ends. A process's
 * leader is reported only after its other threads: wait for all at once. */
void rrk_rp_reap(struct replayer *rp)
{
	size_t left = 0;
	for (struct ptask *t = rp->tasks; t; t = t->next)
		if (!t->dead && !t->reaped && t->t.tid > 0) {
			kill(t->t.tid, SIGKILL);
			left++;
		}
	while (left) {
		int progress = 0;
		for (struct ptask *t = rp->tasks; t; t = t->next) {
			int status;
			if (t->dead || t->reaped || t->t.tid <= 0)
				continue;
			pid_t w = waitpid(t->t.tid, &status, __WALL | WNOHANG);
			if (w == 0)
				continue;
			progress = 1;
			if (w < 0 || WIFEXITED(status) || WIFSIGNALED(status)) {
				t->dead = 1;
				left--;
			} else {
				ptrace(PTRACE_CONT, t->t.tid, 0, 0);
			}
		}
		if (!progress)
			usleep(1000);
	}
}

void rrk_snap_drop(struct rrk_snap *sn)
{
	if (!sn)
		return;
	if (sn->pid > 0)
		reap(sn->pid);
	rrk_proc_clear(&sn->proc);
	if (sn->kf) {
		rrk_ev_free(sn->kf);
		free(sn->kf);
	}
	free(sn);
}

void rrk_snap_restore(struct replayer *rp, const struct rrk_snap *sn)
{
	rrk_rp_reap(rp);
	rrk_rp_drop_output(rp);
	struct ptask *next;
	for (struct ptask *t = rp->tasks; t; t = next) {
		next = t->next;
		if (t->t.memfd >= 0)
			close(t->t.memfd);
		free(t);
	}
	rp->tasks = NULL;
	if (sn->kf) {
		/* read up to it first: its blobs come before it */
		rrk_rp_rewind(rp, sn->when);
		rrk_rp_begin_keyframe(rp, sn->kf);
		rp->cur_t = rrk_rp_task(rp, rrk_rp_cur(rp)->hdr.tid);
		if (!rp->cur_t)
			rrk_die("%s: event %llu belongs to a task the keyframe does not have",
				rp->o->trace_name, (unsigned long long)sn->when);
		return;
	}
	struct tracee parked = { .tid = sn->pid, .memfd = -1 };
	tracee_open_mem(&parked);
	pid_t pid = fork_task(&parked, &sn->regs);
	if (parked.memfd >= 0)
		close(parked.memfd);
	if (pid < 0)
		rrk_die("cannot restore a checkpoint: the copy of the program does not fork");
	struct ptask *t = rrk_xmalloc(sizeof *t);
	*t = sn->task;
	t->t.tid = pid;
	t->t.memfd = -1;
	t->t.interrupting = 0; /* a new process: nothing of play's pending */
	tracee_open_mem(&t->t);
	t->proc = rrk_xmalloc(sizeof *t->proc);
	rrk_proc_copy(t->proc, &sn->proc);
	t->proc->refs = 1;
	t->next = NULL;
	t->running = t->has_pending = t->dead = 0;
	rp->tasks = t;
	rrk_rp_rewind(rp, sn->when);
	rp->cur_t = t;
	rp->keep_sysbuf = sn->in_run;
}
