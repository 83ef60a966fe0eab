#include "probe.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>

#include "cpufeat.h"
#include "tracee.h"
#include "base/util.h"

/* Exit status of a probe child: DONE says it got to the end (any other
 * status, or a signal, and its results count for nothing). */
#define DONE 0x40
#define GOT_RDTSC 0x01
#define GOT_RDTSCP 0x02
#define GOT_CPUID 0x04
#define GOT_CTXSW 0x08
#define GOT_PMU 0x10

/* DR7: L0 enabled; RW0 and LEN0 in bits 16-19 (execute is 00/00, a write
 * of 8 bytes is 01/11). */
#define DR7_EXEC 0x1ul
#define DR7_WRITE8 (0x1ul | (1ul << 16) | (3ul << 18))

/* A stop that is a PTRACE_EVENT_* rather than a signal's. */
#define EVENT(e) (0x100 | (e))

/* ---- waiting ---- */

struct kid {
	pid_t pid;
	int st;    /* last wait status */
	int gone;  /* reaped (or reaped by the kernel: SIGCHLD ignored) */
	int stops; /* stops seen */
};

/* Waits for the child's next stop or end. Never for long: each child
 * dies or, traced, stops at its own SIGALRM within a second, and one
 * stopped from outside is reported too (WUNTRACED) and then killed.
 * Returns the signal of a signal-delivery stop, EVENT(e) for an event
 * stop, or -1 when it ended (or could not be waited for). */
static int kid_wait(struct kid *k)
{
	while (waitpid(k->pid, &k->st, __WALL | WUNTRACED) < 0) {
		if (errno != EINTR) {
			k->gone = 1;
			k->st = 0;
			return -1;
		}
	}
	if (WIFEXITED(k->st) || WIFSIGNALED(k->st)) {
		k->gone = 1;
		return -1;
	}
	k->stops++;
	return k->st >> 16 ? EVENT(k->st >> 16) : WSTOPSIG(k->st);
}

/* Ends a child that has not finished (it did something unexpected, or
 * this is the end of the probe) and reaps it. */
static void kid_end(struct kid *k)
{
	if (k->gone)
		return;
	kill(k->pid, SIGKILL);
	while (!k->gone)
		kid_wait(k);
}

/* The GOT_* bits of a child that exited at its end, else -1. */
static int kid_result(const struct kid *k)
{
	if (!k->gone || !WIFEXITED(k->st) || (WEXITSTATUS(k->st) & ~0x3f) != DONE)
		return -1;
	return WEXITSTATUS(k->st) & 0x3f;
}


/* ---- the untraced child: instruction traps ----
 *
 * play and rec run this at every start, so it is a clone sharing our
 * memory: no page tables to copy (fork took 5 ms here once the parent had
 * touched 100 MB). In it, no C library: that would set errno and other
 * state in our memory. It runs on a stack in the caller's frame. */

/* rt_sigreturn, the restorer the kernel wants for a handler on x86-64 */
void rrk_probe_restorer(void);
__asm__(".pushsection .text\n"
	".globl rrk_probe_restorer\n"
	".hidden rrk_probe_restorer\n"
	".type rrk_probe_restorer, @function\n"
	"rrk_probe_restorer:\n"
	"\tmov $15, %eax\n"
	"\tsyscall\n"
	".size rrk_probe_restorer, . - rrk_probe_restorer\n"
	".popsection\n");

static long sys4(long nr, long a, long b, long c, long d)
{
	long r;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return r;
}

struct ksigaction {
	void *handler;
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

#define SIGBIT(s) (1ull << ((s) - 1))

/* rdtsc (0f 31), rdtscp (0f 01 f9), cpuid (0f a2): the length of the one
 * at ip, else 0. */
static int trap_insn_len(const unsigned char *ip)
{
	if (ip[0] != 0x0f)
		return 0;
	if (ip[1] == 0x31 || ip[1] == 0xa2)
		return 2;
	return ip[1] == 0x01 && ip[2] == 0xf9 ? 3 : 0;
}

/* Steps over the probed instruction and says how it went in rsi, which
 * the asm statements below pass through: 1 when it faulted (SIGSEGV),
 * 2 when the CPU does not have it (SIGILL). Any other fault ends the
 * child without DONE, never by the signal: on kernels before 5.16 a core
 * dump would kill us too, who share its memory. */
static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	(void)si;
	greg_t *g = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	int len = trap_insn_len((const unsigned char *)g[REG_RIP]);
	if (!len)
		sys4(SYS_exit, 1, 0, 0, 0); /* does not return */
	g[REG_RIP] += len;
	g[REG_RSI] = sig == SIGSEGV ? 1 : 2;
}

static int rdtsc_faults(void)
{
	unsigned long f = 0;
	unsigned lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi), "+S"(f));
	return f == 1;
}

static int rdtscp_faults(void)
{
	unsigned long f = 0;
	unsigned lo, hi, aux;
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux), "+S"(f));
	return f == 1;
}

static int cpuid_faults(void)
{
	unsigned long f = 0;
	unsigned a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d), "+S"(f));
	return f == 1;
}

/* Returns its exit status: DONE and the GOT_* bits. */
static int trap_child(void *arg)
{
	(void)arg;
	/* Every other signal waits, and goes with the child: our handlers
	 * (a ^C's) must not run in it. SIGALRM ends it within a second. */
	uint64_t mask = ~(SIGBIT(SIGSEGV) | SIGBIT(SIGILL) | SIGBIT(SIGALRM));
	struct ksigaction dfl = { 0 }, sa = { 0 };
	sys4(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8);
	sys4(SYS_rt_sigaction, SIGALRM, (long)&dfl, 0, 8);
	sys4(SYS_alarm, 1, 0, 0, 0);
	sa.handler = (void *)on_fault;
	sa.flags = SA_SIGINFO | SA_RESTORER;
	sa.restorer = rrk_probe_restorer;
	sa.mask = ~0ull;
	if (sys4(SYS_rt_sigaction, SIGSEGV, (long)&sa, 0, 8) < 0 ||
	    sys4(SYS_rt_sigaction, SIGILL, (long)&sa, 0, 8) < 0)
		return 1;
	/* A trap counts when it was asked for and happened. */
	int got = 0;
	if (sys4(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0) == 0) {
		if (rdtsc_faults())
			got |= GOT_RDTSC;
		if (rdtscp_faults())
			got |= GOT_RDTSCP;
	}
	if (sys4(SYS_arch_prctl, RRK_ARCH_SET_CPUID, 0, 0, 0) == 0 && cpuid_faults())
		got |= GOT_CPUID;
	return DONE | got;
}

static int force_patch(void)
{
	return rrk_env_on("RRK_FORCE_PATCH");
}

int rrk_no_debugregs(void)
{
	return rrk_env_on("RRK_NO_DEBUGREGS");
}

static void probe_traps(struct rrk_caps *c)
{
	/* the child's stack: signal frames take up to a few KiB (xsave) */
	_Alignas(16) char stack[32768];
	/* No exit signal: the caller's SIGCHLD handling (or its ignoring
	 * SIGCHLD, which would reap the child for us) stays out of this. */
	struct kid k = { clone(trap_child, stack + sizeof stack, CLONE_VM, NULL), 0, 0, 0 };
	if (k.pid < 0) {
		rrk_warn("cannot probe the instruction traps: clone: %s", strerror(errno));
		return;
	}
	if (kid_wait(&k) >= 0)
		kid_end(&k); /* stopped from outside */
	int got = kid_result(&k);
	if (got < 0)
		return;
	int trap = force_patch() ? RRK_CAP_FORCED_OFF : RRK_CAP_WORKS;
	c->rdtsc_trap = got & GOT_RDTSC ? trap : RRK_CAP_MISSING;
	c->rdtscp_trap = got & GOT_RDTSCP ? trap : RRK_CAP_MISSING;
	c->cpuid_trap = got & GOT_CPUID ? trap : RRK_CAP_MISSING;
}

/* ---- the traced child: ptrace, debug registers, seccomp, perf ---- */

/* For the calling thread, on any CPU. */
static int perf_open(struct perf_event_attr *a)
{
	a->size = sizeof *a;
	return (int)syscall(SYS_perf_event_open, a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

/* The software context-switch event as the syscall buffer's desched
 * event asks for it (sbuf.c), but counting from the start. */
static int ctxsw_open(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a.sample_period = 1;
	a.wakeup_events = 1;
	return perf_open(&a);
}

/* Whether fd counted this thread's switches: the ptrace stops are
 * switches; without them, a sleep long enough to be one. */
static int ctxsw_counted(int fd)
{
	uint64_t n = 0;
	if (fd < 0 || read(fd, &n, sizeof n) != (ssize_t)sizeof n)
		return 0;
	if (!n) {
		struct timespec t = { 0, 100000 };
		nanosleep(&t, NULL);
		if (read(fd, &n, sizeof n) != (ssize_t)sizeof n)
			return 0;
	}
	return n > 0;
}

/* Instructions executed in user space: what an unprivileged user may
 * count where there are counters at all. */
static int pmu_opens(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_HARDWARE;
	a.config = PERF_COUNT_HW_INSTRUCTIONS;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	int fd = perf_open(&a);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The debug register breakpoint's target: noipa, so that every call
 * stays a call to this address. */
__attribute__((noipa)) static void dr_target(void)
{
	__asm__ volatile("");
}

/* Once traced (a byte on go), stops before each step, so that the tracer
 * can set the debug registers for it; a step whose breakpoint does not
 * fire just runs on to the next stop. var is the write watchpoint's
 * target. The perf events need no tracer: the exit status reports them
 * whether it came or not (the pipe closed). */
static void traced_child(int go, volatile uint64_t *var)
{
	/* Our handlers do not run in it (a ^C waits, and goes with it); the
	 * default SIGALRM stops it within a second whatever else happens,
	 * so that our waits end. */
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGALRM);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(1);
	int got = pmu_opens() ? GOT_PMU : 0, ctxsw = ctxsw_open();
	char g;
	if (read(go, &g, 1) == 1) {
		raise(SIGSTOP);
		dr_target();
		raise(SIGSTOP);
		*var = 1;
		raise(SIGSTOP);
		if (rrk_install_filter(0) == 0)
			syscall(SYS_getppid); /* stops the tracer */
	}
	if (ctxsw_counted(ctxsw))
		got |= GOT_CTXSW;
	_exit(DONE | got);
}

/* Sets DR0 = addr and DR7 = dr7 (0: off), DR6 cleared. Returns 0 or -1. */
static int set_dr0(pid_t pid, uint64_t addr, unsigned long dr7)
{
	size_t off0 = offsetof(struct user, u_debugreg[0]);
	size_t off6 = offsetof(struct user, u_debugreg[6]);
	size_t off7 = offsetof(struct user, u_debugreg[7]);
	if (ptrace(PTRACE_POKEUSER, pid, (void *)off7, (void *)0) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, (void *)off6, (void *)0) < 0)
		return -1;
	if (!dr7)
		return 0;
	if (ptrace(PTRACE_POKEUSER, pid, (void *)off0, (void *)(uintptr_t)addr) < 0 ||
	    ptrace(PTRACE_POKEUSER, pid, (void *)off7, (void *)dr7) < 0)
		return -1;
	return 0;
}

static int cont_wait(struct kid *k)
{
	if (ptrace(PTRACE_CONT, k->pid, 0, 0) < 0)
		return -1;
	return kid_wait(k);
}

/* One debug register step: the child is at a stop before it; DR0 is set
 * to addr with dr7, and the child resumed. Returns RRK_CAP_WORKS when it
 * stopped with SIGTRAP and DR6 bit 0 (B0) set, else RRK_CAP_MISSING; *sig
 * is the stop it is left at (SIGSTOP before the next step when all went
 * as it should). */
static int dr_step(struct kid *k, uint64_t addr, unsigned long dr7, int *sig)
{
	int armed = set_dr0(k->pid, addr, dr7) == 0, cap = RRK_CAP_MISSING;
	*sig = cont_wait(k);
	if (*sig == SIGTRAP) {
		errno = 0;
		long dr6 = ptrace(PTRACE_PEEKUSER, k->pid, (void *)offsetof(struct user, u_debugreg[6]), 0);
		if (armed && !errno && (dr6 & 1))
			cap = RRK_CAP_WORKS;
		if (set_dr0(k->pid, 0, 0) < 0) {
			*sig = -1;
			return cap;
		}
		*sig = cont_wait(k); /* the trap's SIGTRAP is not passed on */
	}
	if (*sig == SIGSTOP)
		set_dr0(k->pid, 0, 0);
	return cap;
}

static void probe_traced(struct rrk_caps *c)
{
	int go[2];
	/* The child's copy of var is at the same address: a fork child goes
	 * on in this same stack frame. */
	_Alignas(8) uint64_t var = 0;
	if (pipe2(go, O_CLOEXEC) < 0) {
		rrk_warn("cannot probe ptrace: pipe: %s", strerror(errno));
		return;
	}
	struct kid k = { fork(), 0, 0, 0 };
	if (k.pid < 0) {
		rrk_warn("cannot probe ptrace: fork: %s", strerror(errno));
		close(go[0]);
		close(go[1]);
		return;
	}
	if (k.pid == 0) {
		close(go[1]);
		traced_child(go[0], &var);
	}
	close(go[0]);
	/* It waits for go until it is traced. */
	int seized = ptrace(PTRACE_SEIZE, k.pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP) == 0;
	int sig = seized && write(go[1], "g", 1) == 1 ? kid_wait(&k) : -1;
	close(go[1]);
	if (!seized)
		kid_wait(&k); /* it goes on to its end, untraced */
	if (!seized || sig != SIGSTOP)
		goto out;
	c->dr_exec = dr_step(&k, (uintptr_t)dr_target, DR7_EXEC, &sig);
	if (sig != SIGSTOP)
		goto out;
	c->dr_write = dr_step(&k, (uintptr_t)&var, DR7_WRITE8, &sig);
	if (rrk_no_debugregs()) {
		c->dr_exec = c->dr_exec == RRK_CAP_WORKS ? RRK_CAP_FORCED_OFF : c->dr_exec;
		c->dr_write = c->dr_write == RRK_CAP_WORKS ? RRK_CAP_FORCED_OFF : c->dr_write;
	}
	if (sig != SIGSTOP)
		goto out;
	/* seccomp: the filter's SECCOMP_RET_TRACE stops us at each syscall */
	int events = 0;
	while ((sig = cont_wait(&k)) == EVENT(PTRACE_EVENT_SECCOMP))
		events++;
	if (events)
		c->seccomp = RRK_CAP_WORKS;
out:
	/* a stop, a resume and the next stop */
	if (k.stops >= 2)
		c->ptrace = RRK_CAP_WORKS;
	kid_end(&k);
	int got = kid_result(&k);
	c->ctxsw_event = got >= 0 && (got & GOT_CTXSW) ? RRK_CAP_WORKS : RRK_CAP_MISSING;
	c->pmu = got >= 0 && (got & GOT_PMU) ? RRK_CAP_WORKS : RRK_CAP_MISSING;
}

void rrk_probe_traps(struct rrk_caps *c)
{
	memset(c, 0, sizeof *c);
	probe_traps(c);
}

void rrk_probe_debugregs(struct rrk_caps *c)
{
	struct rrk_caps all;
	memset(&all, 0, sizeof all);
	if (rrk_no_debugregs())
		all.dr_exec = all.dr_write = RRK_CAP_FORCED_OFF; /* not worth a child */
	else
		probe_traced(&all);
	c->dr_exec = all.dr_exec;
	c->dr_write = all.dr_write;
}

void rrk_probe(struct rrk_caps *c)
{
	memset(c, 0, sizeof *c);
	probe_traps(c);
	probe_traced(c);
}

/* ---- rec --check ---- */

static void trap_line(const char *name, int cap)
{
	if (cap == RRK_CAP_WORKS)
		printf("%s trap: works\n", name);
	else
		printf("%s trap: %s: rec patches %s instructions to trap\n", name,
		       cap == RRK_CAP_FORCED_OFF ? "forced off (RRK_FORCE_PATCH)" : "missing", name);
}

static void line(const char *name, int cap, const char *instead)
{
	if (cap == RRK_CAP_WORKS)
		printf("%s: works\n", name);
	else
		printf("%s: missing: %s\n", name, instead);
}

static void dr_line(const char *what, int cap, const char *instead)
{
	if (cap == RRK_CAP_WORKS)
		printf("debug register %s: works\n", what);
	else
		printf("debug register %s: %s: %s\n", what,
		       cap == RRK_CAP_FORCED_OFF ? "forced off (RRK_NO_DEBUGREGS)" : "missing", instead);
}

int rrk_print_caps(const struct rrk_caps *c)
{
	line("ptrace", c->ptrace, "rec cannot record here");
	line("seccomp", c->seccomp, "rec cannot record here");
	trap_line("rdtsc", c->rdtsc_trap);
	trap_line("rdtscp", c->rdtscp_trap);
	trap_line("cpuid", c->cpuid_trap);
	line("context-switch event", c->ctxsw_event,
	     "a buffered syscall that blocks is noticed at rec's next 10 ms tick");
	dr_line("breakpoints", c->dr_exec,
		"execution points and gdb hardware breakpoints use int3 breakpoints");
	dr_line("watchpoints", c->dr_write,
		"rec and play single-step instead, gdb watchpoints are emulated");
	printf("hardware counters: %s\n", c->pmu == RRK_CAP_WORKS ? "works (not used)" : "missing (not needed)");
	fflush(stdout);
	return c->ptrace == RRK_CAP_WORKS && c->seccomp == RRK_CAP_WORKS ? 0 : 1;
}
