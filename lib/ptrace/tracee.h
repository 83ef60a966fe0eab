/* Tracee control: ptrace stops, registers, memory, injected syscalls. */
#ifndef RRK_TRACEE_H
#define RRK_TRACEE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "format/trace.h"

struct tracee {
	pid_t tid;
	int memfd;  /* /proc/tid/mem, reopened after exec */
	int status; /* last wait status */
	int resume_op; /* how it was last resumed (PTRACE_CONT, ...) */
	/* PTRACE_INTERRUPT sent and its stop not taken yet: the task may
	 * have stopped by itself first, and the interrupt then stops it
	 * at its next resume; every wait takes that stop and resumes it
	 * again (tracee_late_interrupt). */
	int interrupting;
};

/* What a wait returned, decoded. */
enum stop_kind {
	STOP_NONE = 0,
	STOP_SECCOMP,   /* PTRACE_EVENT_SECCOMP: syscall entry */
	STOP_SYSCALL,   /* syscall-exit (or entry) stop from PTRACE_SYSCALL */
	STOP_EXEC,      /* PTRACE_EVENT_EXEC */
	STOP_EXIT_EVENT,/* PTRACE_EVENT_EXIT */
	STOP_SIGNAL,    /* signal-delivery-stop; sig holds the signal */
	STOP_OTHER_EVENT,
	STOP_EXITED,    /* the process is gone: status holds the wait status */
};
struct stop {
	enum stop_kind kind;
	int sig;
	int status;
};

int tracee_open_mem(struct tracee *t);
/* Decodes a wait status. */
void decode_stop(int status, struct stop *st);
/* Blocks until t stops or ends. Returns -1 with errno EINTR when a signal
 * interrupted the wait (so callers can do periodic work). */
int tracee_wait(struct tracee *t, struct stop *st);
/* Whether status is the stop of an interrupt (PTRACE_INTERRUPT). */
int tracee_interrupt_stop(int status);
/* Whether status is t's interrupt stop, which came after another stop
 * of t: then it is resumed as before (returns 1). */
int tracee_late_interrupt(struct tracee *t, int status);
/* Whether a signal waits for t (/proc: its own or its process's): an
 * interrupt stop may come before a trap the task already took. */
int tracee_signal_pending(struct tracee *t);
int tracee_cont(struct tracee *t, int sig);
int tracee_syscall(struct tracee *t, int sig);
int tracee_singlestep(struct tracee *t, int sig);
/* Resumes t as it was last resumed, without a signal: after a stop that
 * was not for the tracer (a stray signal), a single step or a syscall
 * stop that was asked for is still to come. */
int tracee_resume_again(struct tracee *t);
int tracee_getregs(struct tracee *t, struct rrk_regs *r);
int tracee_setregs(struct tracee *t, const struct rrk_regs *r);
/* Memory through /proc/PID/mem: works on read-only and PROT_NONE pages. */
int tracee_read(struct tracee *t, uint64_t addr, void *buf, size_t len);
int tracee_write(struct tracee *t, uint64_t addr, const void *buf, size_t len);
/* Copies a NUL-terminated string (at most max-1 bytes); returns its length
 * or -1. */
long tracee_read_str(struct tracee *t, uint64_t addr, char *buf, size_t max);
/* Runs syscall nr in t with the syscall instruction at insn (an address of
 * "0f 05" in t). Registers are left as the syscall left them; callers that
 * need the old ones save them first. Returns the raw result or, if t did
 * not cooperate, sets *ok = 0. */
long tracee_inject(struct tracee *t, uint64_t insn, long nr, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5, int *ok);
/* The same from a signal stop of t (no syscall under way), where a
 * seccomp filter stops every syscall (play's): a seccomp stop, then the
 * exit. */
long tracee_inject_at_signal(struct tracee *t, uint64_t insn, long nr, uint64_t a0, uint64_t a1,
			     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int *ok);
/* From a seccomp stop (or a syscall entry stop) of t: resumes it with
 * PTRACE_SYSCALL until the exit of syscall nr returning to next_rip (an
 * entry stop may come first: newer kernels report one after the seccomp
 * stop). Returns its raw result, or sets *ok = 0. */
long tracee_finish_syscall(struct tracee *t, uint64_t next_rip, long nr, int *ok);
/* Which syscall stop t is in: SYSCALL_OP_ENTRY, _EXIT or _SECCOMP. */
enum { SYSCALL_OP_ENTRY = 1, SYSCALL_OP_EXIT = 2, SYSCALL_OP_SECCOMP = 3 };
int tracee_syscall_op(struct tracee *t);
/* The AUDIT_ARCH_* of the syscall t is stopped in. */
uint32_t tracee_syscall_arch(struct tracee *t);
/* Installs the seccomp filter in the calling process: every syscall stops
 * the tracer (SECCOMP_RET_TRACE), except, when untraced is not 0, those
 * made from [untraced, untraced + RRK_SB_UNTRACED_LEN). Returns 0 or -errno. */
int rrk_install_filter(uint64_t untraced);
/* Snapshot of the host's cpuid leaves; returns count (<= max). */
size_t rrk_cpuid_snapshot(struct rrk_cpuid_leaf *out, size_t max);
void rrk_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* Compare registers the way replay checks them. Returns 0 when equal,
 * else the number of differences, described in buf (which may be NULL
 * when len is 0). */
int rrk_regs_diff(const struct rrk_regs *want, const struct rrk_regs *got,
		  char *buf, size_t len);

/* inject.c: an address of "0f 05" in t's executable mappings, or 0. */
uint64_t tracee_syscall_insn(struct tracee *t);
/* Makes t run clone(flags, 0, 0, ctid, 0) at a syscall instruction of
 * its executable mappings; the new task, stopped before it runs, gets
 * regs; t keeps its own. Returns the new tid or -1. */
pid_t tracee_inject_clone(struct tracee *t, uint64_t flags, uint64_t ctid, const struct rrk_regs *regs);

#endif
