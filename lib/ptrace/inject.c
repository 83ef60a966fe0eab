/* Making a stopped tracee run a system call that rrkit chooses: finding
 * a syscall instruction in it, and cloning it (checkpoints, keyframes). */
#include "tracee.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "maps.h"
#include "base/util.h"

/* An address of "0f 05" in an executable mapping of t. */
uint64_t tracee_syscall_insn(struct tracee *t)
{
	struct mapping *m;
	long n = rrk_read_maps(t->tid, &m);
	uint64_t found = 0;
	enum { CHUNK = 65536 };
	uint8_t *buf = n > 0 ? rrk_xmalloc(CHUNK) : NULL;
	for (long i = 0; i < n && !found; i++) {
		if (!(m[i].prot & PROT_EXEC) || !strcmp(m[i].name, "[vsyscall]"))
			continue;
		for (uint64_t a = m[i].start; a < m[i].end && !found; a += CHUNK - 1) {
			uint64_t len = m[i].end - a < CHUNK ? m[i].end - a : CHUNK;
			if (tracee_read(t, a, buf, len) < 0)
				break;
			for (uint64_t k = 0; k + 1 < len; k++)
				if (buf[k] == 0x0f && buf[k + 1] == 0x05) {
					found = a + k;
					break;
				}
		}
	}
	free(buf);
	if (n > 0)
		free(m);
	return found;
}

pid_t tracee_inject_clone(struct tracee *t, uint64_t flags, uint64_t ctid, const struct rrk_regs *regs)
{
	struct rrk_regs saved, r;
	if (tracee_getregs(t, &saved) < 0)
		return -1;
	uint64_t insn = tracee_syscall_insn(t);
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
		if (t->interrupting && tracee_interrupt_stop(status)) {
			t->interrupting = 0; /* a late interrupt: on */
			continue;
		}
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
	struct tracee c = { .tid = child, .memfd = -1, .status = status };
	tracee_setregs(&c, regs);
	return child;
}
