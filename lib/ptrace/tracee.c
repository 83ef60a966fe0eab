#include "tracee.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "abi/sysbuf.h"

#ifndef PTRACE_EVENT_SECCOMP
#define PTRACE_EVENT_SECCOMP 7
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif

int tracee_open_mem(struct tracee *t)
{
	char path[64];
	if (t->memfd >= 0)
		close(t->memfd);
	snprintf(path, sizeof path, "/proc/%d/mem", (int)t->tid);
	t->memfd = open(path, O_RDWR | O_CLOEXEC);
	return t->memfd < 0 ? -1 : 0;
}

void decode_stop(int status, struct stop *st)
{
	memset(st, 0, sizeof *st);
	st->status = status;
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		st->kind = STOP_EXITED;
		return;
	}
	int sig = WSTOPSIG(status);
	int ev = (unsigned)status >> 16;
	if (sig == (SIGTRAP | 0x80)) {
		st->kind = STOP_SYSCALL;
	} else if (ev == PTRACE_EVENT_STOP) {
		/* seize: a new task's first stop, an interrupt, a group stop */
		st->kind = STOP_OTHER_EVENT;
		st->sig = sig;
	} else if (sig == SIGTRAP && ev) {
		switch (ev) {
		case PTRACE_EVENT_SECCOMP: st->kind = STOP_SECCOMP; break;
		case PTRACE_EVENT_EXEC: st->kind = STOP_EXEC; break;
		case PTRACE_EVENT_EXIT: st->kind = STOP_EXIT_EVENT; break;
		default: st->kind = STOP_OTHER_EVENT; break;
		}
	} else {
		st->kind = STOP_SIGNAL;
		st->sig = sig;
	}
}

int tracee_interrupt_stop(int status)
{
	return WIFSTOPPED(status) && ((unsigned)status >> 16) == PTRACE_EVENT_STOP && WSTOPSIG(status) == SIGTRAP;
}

int tracee_late_interrupt(struct tracee *t, int status)
{
	if (!t->interrupting || !tracee_interrupt_stop(status))
		return 0;
	t->interrupting = 0;
	tracee_resume_again(t);
	return 1;
}

int tracee_signal_pending(struct tracee *t)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", (int)t->tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 1; /* cannot tell: as if one did */
	int pending = 0;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "SigPnd:", 7) || !strncmp(line, "ShdPnd:", 7))
			pending |= strtoull(line + 7, NULL, 16) != 0;
	fclose(f);
	return pending;
}

int tracee_wait(struct tracee *t, struct stop *st)
{
	int status;
	pid_t r;
	while ((r = waitpid(t->tid, &status, __WALL)) == t->tid && tracee_late_interrupt(t, status))
		;
	if (r < 0)
		return -1;
	t->status = status;
	decode_stop(status, st);
	return 0;
}

static int resume(struct tracee *t, int op, int sig)
{
	t->resume_op = op;
	return (int)ptrace(op, t->tid, 0, (void *)(long)sig);
}

int tracee_cont(struct tracee *t, int sig) { return resume(t, PTRACE_CONT, sig); }
int tracee_syscall(struct tracee *t, int sig) { return resume(t, PTRACE_SYSCALL, sig); }
int tracee_singlestep(struct tracee *t, int sig) { return resume(t, PTRACE_SINGLESTEP, sig); }

int tracee_resume_again(struct tracee *t)
{
	return resume(t, t->resume_op ? t->resume_op : PTRACE_CONT, 0);
}

int tracee_getregs(struct tracee *t, struct rrk_regs *r)
{
	return (int)ptrace(PTRACE_GETREGS, t->tid, 0, r);
}

int tracee_setregs(struct tracee *t, const struct rrk_regs *r)
{
	return (int)ptrace(PTRACE_SETREGS, t->tid, 0, (void *)r);
}

int tracee_read(struct tracee *t, uint64_t addr, void *buf, size_t len)
{
	char *p = buf;
	if (len >= 4096) {
		/* one copy, where /proc/PID/mem copies through a page of its
		 * own; it cannot force its way into unreadable pages, which
		 * the loop below then reads */
		struct iovec mine = { p, len }, theirs = { (void *)(uintptr_t)addr, len };
		ssize_t n = process_vm_readv(t->tid, &mine, 1, &theirs, 1, 0);
		if (n > 0) {
			p += n;
			addr += (uint64_t)n;
			len -= (size_t)n;
		}
	}
	while (len) {
		ssize_t n = pread(t->memfd, p, len, (off_t)addr);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int tracee_write(struct tracee *t, uint64_t addr, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = pwrite(t->memfd, p, len, (off_t)addr);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		addr += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

long tracee_read_str(struct tracee *t, uint64_t addr, char *buf, size_t max)
{
	size_t got = 0;
	if (!max)
		return -1;
	while (got + 1 < max) {
		/* Read up to the end of the page so we never cross into an
		 * unmapped one needlessly. */
		size_t chunk = 4096 - ((addr + got) & 4095);
		if (chunk > max - 1 - got)
			chunk = max - 1 - got;
		ssize_t n = pread(t->memfd, buf + got, chunk, (off_t)(addr + got));
		if (n <= 0)
			break;
		char *nul = memchr(buf + got, 0, (size_t)n);
		if (nul)
			return (long)(nul - buf);
		got += (size_t)n;
	}
	buf[got] = 0;
	return got ? (long)got : -1;
}

/* t's registers, made to run syscall nr(a0..a5) at insn. */
static int call_regs(struct tracee *t, struct rrk_regs *r, uint64_t insn, long nr, uint64_t a0,
		     uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (tracee_getregs(t, r) < 0)
		return -1;
	r->rip = insn;
	r->rax = (uint64_t)nr;
	/* If t sits at a syscall entry, the kernel must skip that syscall. */
	r->orig_rax = (uint64_t)-1;
	r->rdi = a0;
	r->rsi = a1;
	r->rdx = a2;
	r->r10 = a3;
	r->r8 = a4;
	r->r9 = a5;
	return 0;
}

long tracee_inject_at_signal(struct tracee *t, uint64_t insn, long nr, uint64_t a0, uint64_t a1,
			     uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int *ok)
{
	struct rrk_regs r;
	struct stop st;
	*ok = 0;
	if (call_regs(t, &r, insn, nr, a0, a1, a2, a3, a4, a5) < 0 || tracee_setregs(t, &r) < 0 ||
	    tracee_cont(t, 0) < 0)
		return -1;
	while (tracee_wait(t, &st) < 0)
		if (errno != EINTR)
			return -1;
	if (st.kind != STOP_SECCOMP)
		return -1;
	return tracee_finish_syscall(t, insn + 2, nr, ok);
}

long tracee_finish_syscall(struct tracee *t, uint64_t next_rip, long nr, int *ok)
{
	*ok = 0;
	for (int guard = 0; guard < 4; guard++) {
		struct stop st;
		struct rrk_regs r;
		if (tracee_syscall(t, 0) < 0)
			return -1;
		while (tracee_wait(t, &st) < 0)
			if (errno != EINTR)
				return -1;
		if (st.kind != STOP_SYSCALL || tracee_getregs(t, &r) < 0)
			return -1;
		/* (newer kernels report an entry stop after the seccomp one) */
		if (tracee_syscall_op(t) == SYSCALL_OP_EXIT && r.rip == next_rip &&
		    r.orig_rax == (uint64_t)nr) {
			*ok = 1;
			return (long)r.rax;
		}
	}
	return -1;
}

long tracee_inject(struct tracee *t, uint64_t insn, long nr, uint64_t a0,
		   uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
		   uint64_t a5, int *ok)
{
	struct rrk_regs r;
	*ok = 0;
	if (call_regs(t, &r, insn, nr, a0, a1, a2, a3, a4, a5) < 0)
		return -1;
	struct rrk_regs want = r;
	/* From a syscall's seccomp or exit stop, whose result is settled,
	 * and where the filter traps insn, the first stop can be the
	 * seccomp stop: no entry stop before it. (An event stop inside a
	 * syscall, exec or clone, still gets its result written after it.) */
	int op = insn < RRK_SB_PAGE || insn >= RRK_SB_PAGE + RRK_SB_UNTRACED_LEN ? tracee_syscall_op(t) : -1;
	int first_cont = op == SYSCALL_OP_SECCOMP || op == SYSCALL_OP_EXIT;
	if (tracee_setregs(t, &r) < 0)
		return -1;
	for (int guard = 0; guard < 16; guard++) {
		struct stop st;
		if ((first_cont && !guard ? tracee_cont(t, 0) : tracee_syscall(t, 0)) < 0)
			return -1;
		while (tracee_wait(t, &st) < 0)
			if (errno != EINTR)
				return -1;
		if (st.kind == STOP_SECCOMP)
			continue;
		if (st.kind != STOP_SYSCALL)
			return -1;
		/* Entry and exit stops look alike; only the exit stop of our
		 * syscall (just past insn) ends the injection. */
		if (tracee_syscall_op(t) != SYSCALL_OP_EXIT)
			continue;
		if (tracee_getregs(t, &r) < 0)
			return -1;
		if (r.rip == insn + 2 && r.orig_rax == (uint64_t)nr) {
			*ok = 1;
			return (long)r.rax;
		}
		/* The exit of the syscall t was in (an exec stop comes before
		 * execve stores its result): set our registers again. */
		if (tracee_setregs(t, &want) < 0)
			return -1;
	}
	return -1;
}

/* struct ptrace_syscall_info: u8 op, 3 bytes padding, u32 arch, ... */
static int syscall_info(struct tracee *t, uint8_t info[96])
{
	memset(info, 0, 96);
	return ptrace(0x420e /* PTRACE_GET_SYSCALL_INFO */, t->tid, (void *)96, info) > 0 ? 0 : -1;
}

uint32_t tracee_syscall_arch(struct tracee *t)
{
	uint8_t info[96];
	uint32_t arch;
	if (syscall_info(t, info) < 0)
		return AUDIT_ARCH_X86_64; /* an older kernel: assume the common case */
	memcpy(&arch, info + 4, 4);
	return arch;
}

int tracee_syscall_op(struct tracee *t)
{
	uint8_t info[96];
	return syscall_info(t, info) < 0 ? -1 : info[0];
}

int rrk_install_filter(uint64_t untraced)
{
	uint32_t lo = (uint32_t)untraced, hi = (uint32_t)(untraced >> 32);
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		/* Other ABIs (int 0x80) also stop; rec refuses them there. */
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		/* the syscall buffer's entry page: [untraced, +RRK_SB_UNTRACED_LEN) */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo + RRK_SB_UNTRACED_LEN, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
	};
	struct sock_fprog fprog = { .len = sizeof prog / sizeof prog[0], .filter = prog };
	if (!untraced) {
		fprog.len = 1; /* every syscall stops */
		prog[0] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0)
		return -errno;
	return 0;
}

void rrk_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

size_t rrk_cpuid_snapshot(struct rrk_cpuid_leaf *out, size_t max)
{
	size_t n = 0;
	uint32_t r[4];
	static const uint32_t bases[] = { 0, 0x80000000u };
	for (size_t b = 0; b < 2; b++) {
		rrk_cpuid(bases[b], 0, r);
		uint32_t top = r[0];
		if (top < bases[b] || top > bases[b] + 0x40)
			top = bases[b];
		for (uint32_t leaf = bases[b]; leaf <= top && n < max; leaf++) {
			uint32_t subs = (leaf == 4 || leaf == 7 || leaf == 0xb ||
					 leaf == 0xd || leaf == 0xf || leaf == 0x10 ||
					 leaf == 0x12 || leaf == 0x14 || leaf == 0x1f ||
					 leaf == 0x8000001d) ? 4 : 1;
			for (uint32_t s = 0; s < subs && n < max; s++) {
				rrk_cpuid(leaf, s, r);
				out[n++] = (struct rrk_cpuid_leaf){ leaf, s, r[0], r[1], r[2], r[3] };
			}
		}
	}
	return n;
}

int rrk_regs_diff(const struct rrk_regs *want, const struct rrk_regs *got,
		  char *buf, size_t len)
{
	static const char *names[] = {
		"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
		"r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
		"eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs",
	};
	const uint64_t *w = (const uint64_t *)want, *g = (const uint64_t *)got;
	size_t off = 0;
	int ndiff = 0;
	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		uint64_t a = w[i], b = g[i];
		if (i == 18 || i == 6) {
			/* eflags (and r11, which holds eflags after a syscall):
			 * the trap and resume flags are the tracer's. */
			a &= ~(uint64_t)0x10100;
			b &= ~(uint64_t)0x10100;
		}
		if (a == b)
			continue;
		ndiff++;
		if (off < len) {
			int n = snprintf(buf + off, len - off, "%s%s expected 0x%llx got 0x%llx",
					 off ? ", " : "", names[i],
					 (unsigned long long)a, (unsigned long long)b);
			if (n > 0)
				off += (size_t)n;
		}
	}
	return ndiff;
}
