/* What this machine lets rrkit do, found by trying each mechanism in a
 * child process (never inferred from a call that returned 0). */
#ifndef RRK_PROBE_H
#define RRK_PROBE_H

enum rrk_cap_state {
	RRK_CAP_MISSING = 0,
	RRK_CAP_WORKS = 1,
	RRK_CAP_FORCED_OFF = 2, /* works, but an environment switch says not to use it */
};

struct rrk_caps {
	int ptrace;       /* PTRACE_SEIZE of a child, a stop, a resume */
	int seccomp;      /* SECCOMP_RET_TRACE stops the tracer at a syscall */
	int rdtsc_trap;   /* after PR_SET_TSC(PR_TSC_SIGSEGV), rdtsc faults */
	int rdtscp_trap;  /* ... and rdtscp faults */
	int cpuid_trap;   /* after ARCH_SET_CPUID(0), cpuid faults */
	int ctxsw_event;  /* a software context-switch perf event opens and counts */
	int dr_exec;      /* a DR0 execute breakpoint set with PTRACE_POKEUSER traps */
	int dr_write;     /* a DR0 write watchpoint traps */
	int pmu;          /* a hardware perf event (instructions) opens */
};

/* Tries every mechanism once (each in a child, a few ms in all; the
 * traced child's stops and exit send the caller SIGCHLD).
 * RRK_FORCE_PATCH=1 in the environment reports rdtsc_trap, rdtscp_trap
 * and cpuid_trap as RRK_CAP_FORCED_OFF where they work, so that rec
 * patches the instructions instead. */
void rrk_probe(struct rrk_caps *c);
/* Only the instruction traps (rdtsc, rdtscp, cpuid): what play needs.
 * One child that shares the caller's memory (about 0.1 ms, whatever the
 * caller's size) and sends it no SIGCHLD; the other fields are 0. */
void rrk_probe_traps(struct rrk_caps *c);
/* Only the debug registers (dr_exec, dr_write; the other fields are
 * left alone): a traced child, a few ms, so rec and play call it the
 * first time they would use them. RRK_NO_DEBUGREGS=1 reports them
 * RRK_CAP_FORCED_OFF without trying (rrk_probe tries, then says so), so
 * that the int3 and single-step fallbacks run on any machine. */
void rrk_probe_debugregs(struct rrk_caps *c);
/* Whether RRK_NO_DEBUGREGS asks for the fallbacks. */
int rrk_no_debugregs(void);
/* rec --check: one line per capability on stdout ("NAME: works" or
 * "NAME: missing: what rec does instead"); returns 0 when recording is
 * possible here (ptrace and seccomp work), else 1. */
int rrk_print_caps(const struct rrk_caps *c);

#endif
