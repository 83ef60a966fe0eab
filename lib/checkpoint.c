/* Checkpoints: a stopped copy of the replayed process, made by making it
 * fork. Restoring one kills the running replay and forks the copy again,
 * so a checkpoint can be restored any number of times. Only a replay
 * with a single task can be copied (fork copies the calling thread). */
#include "gdb.h"

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

#include "maps.h"
#include "util.h"

/* An address of "0f 05" in an executable mapping of t. */
uint64_t gdb_syscall_insn(struct tracee *t)
{
	struct mapping *m;
	long n = rrk_read_maps(t->tid, &m);
	uint64_t found = 0;
	for (long i = 0; i < n && !found; i++) {
		if (!(m[i].prot & PROT_EXEC) || !strcmp(m[i].name, "[vsyscall]"))
			continue;
		static uint8_t buf[65536];
		for (uint64_t a = m[i].start; a < m[i].end && !found; a += sizeof buf - 1) {
			uint64_t len = m[i].end - a < sizeof buf ? m[i].end - a : sizeof buf;
			if (tracee_read(t, a, buf, len) < 0)
				break;
			for (uint64_t k = 0; k + 1 < len; k++)
				if (buf[k] == 0x0f && buf[k + 1] == 0x05) {
					found = a + k;
					break;
				}
		}
	}
	if (n > 0)
		free(m);
	return found;
}

pid_t rrk_inject_clone(struct tracee *t, uint64_t flags, uint64_t ctid, const struct rrk_regs *regs)
{
	struct rrk_regs saved, r;
	if (tracee_getregs(t, &saved) < 0)
		return -1;
	uint64_t insn = gdb_syscall_insn(t);
	if (!insn)
		return -1;
	r = saved;
	r.rip = insn;
	r.rax = SYS_clone;
	r.rdi = flags;
	r.rsi = r.rdx = r.r8 = 0;
	r.r10 = ctid;
	r.orig_rax = (uint64_t)-1; /* skip a syscall t may be entering */
	tracee_setregs(t, &r);
	pid_t child = -1;
	int done = 0;
	for (int guard = 0; guard < 16 && !done; guard++) {
		int status;
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			break;
		if (waitpid(t->tid, &status, __WALL) != t->tid)
			break;
		struct stop st;
		decode_stop(status, &st);
		/* SIGCHLD from an earlier copy's death: the copy never saw it */
		if (st.kind == STOP_SECCOMP || st.kind == STOP_SIGNAL)
			continue;
		if (st.kind == STOP_OTHER_EVENT && (((unsigned)status >> 16) == PTRACE_EVENT_FORK ||
						    ((unsigned)status >> 16) == PTRACE_EVENT_CLONE)) {
			unsigned long msg = 0;
			ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg);
			child = (pid_t)msg;
			continue;
		}
		if (st.kind != STOP_SYSCALL)
			break;
		struct rrk_regs now;
		tracee_getregs(t, &now);
		if (tracee_syscall_op(t) == SYSCALL_OP_EXIT && now.rip == insn + 2 &&
		    now.orig_rax == SYS_clone)
			done = 1;
		else if (tracee_syscall_op(t) == SYSCALL_OP_EXIT)
			tracee_setregs(t, &r); /* the exit of the call t was in */
	}
	tracee_setregs(t, &saved);
	if (!done || child <= 0) {
		if (child > 0)
			kill(child, SIGKILL);
		return -1;
	}
	int status;
	while (waitpid(child, &status, __WALL) < 0 && errno == EINTR)
		;
	struct tracee c = { child, -1, status, 0 };
	tracee_setregs(&c, regs);
	return child;
}

/* clone(CLONE_PARENT | SIGCHLD): a fork whose child is play's child too,
 * so play reaps the copies it kills (their parent, a stopped copy, never
 * would). */
static pid_t fork_task(struct tracee *t, const struct rrk_regs *regs)
{
	return rrk_inject_clone(t, CLONE_PARENT | SIGCHLD, 0, regs);
}


int cp_possible(struct replayer *rp)
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

int cp_take(struct replayer *rp, struct checkpoint *cp, uint64_t when)
{
	struct ptask *t = only_task(rp);
	if (!t || !cp_possible(rp))
		return -1;
	/* At a syscall entry the kernel still has to run the call (a
	 * sigreturn play lets run for real): a copy would not. */
	struct rrk_regs r;
	tracee_getregs(&t->t, &r);
	if (r.orig_rax != (uint64_t)-1 && tracee_syscall_op(&t->t) == SYSCALL_OP_SECCOMP)
		return -1;
	pid_t pid = fork_task(&t->t, &r);
	if (pid < 0)
		return -1;
	memset(cp, 0, sizeof *cp);
	cp->step = -1;
	cp->when = when;
	cp->pid = pid;
	cp->regs = r;
	cp->task = *t;
	rrk_proc_copy(&cp->proc, t->proc);
	return 0;
}

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

void cp_drop(struct checkpoint *cp)
{
	if (cp->pid > 0)
		reap(cp->pid);
	cp->pid = -1;
	free(cp->at.rg);
	cp->at.rg = NULL;
	rrk_proc_clear(&cp->proc);
}

void cp_restore(struct replayer *rp, const struct checkpoint *cp)
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
	if (cp->kf) {
		/* read up to it first: its blobs come before it */
		rrk_rp_rewind(rp, cp->when);
		rrk_rp_begin_keyframe(rp, cp->kf);
		rp->cur_t = rrk_rp_task(rp, rrk_rp_cur(rp)->hdr.tid);
		if (!rp->cur_t)
			rrk_die("%s: event %llu belongs to a task the keyframe does not have",
				rp->o->trace_name, (unsigned long long)cp->when);
		return;
	}
	struct tracee parked = { cp->pid, -1, 0, 0 };
	tracee_open_mem(&parked);
	pid_t pid = fork_task(&parked, &cp->regs);
	if (parked.memfd >= 0)
		close(parked.memfd);
	if (pid < 0)
		rrk_die("cannot restore a checkpoint: the copy of the program does not fork");
	struct ptask *t = rrk_xmalloc(sizeof *t);
	*t = cp->task;
	t->t.tid = pid;
	t->t.memfd = -1;
	tracee_open_mem(&t->t);
	t->proc = rrk_xmalloc(sizeof *t->proc);
	rrk_proc_copy(t->proc, &cp->proc);
	t->proc->refs = 1;
	t->next = NULL;
	t->running = t->has_pending = t->dead = 0;
	rp->tasks = t;
	rrk_rp_rewind(rp, cp->when);
	rp->cur_t = t;
}
