/* The replay engine's state, shared by its parts: the engine (replay.c),
 * snapshots (snapshot.c), keyframes (keyframe.c), and for now the gdb
 * server (gdb_*.c). */
#ifndef RRK_REPLAY_INT_H
#define RRK_REPLAY_INT_H

#include <stdint.h>
#include <sys/types.h>

#include "patchset.h"
#include "replay.h"
#include "trace.h"
#include "tracee.h"

struct blob {
	uint8_t digest[32];
	uint64_t total, filled;
	uint8_t *data;
	int memfd; /* a memory file with data, for mapping: -1 none yet, -2 none possible */
};

/* A file the program mapped or executed, by the path it had. */
struct named_file {
	char *path;
	uint8_t digest[32];
};

/* A range of a process mapped from a file (a blob) at offset. */
struct file_range {
	uint64_t start, end, offset;
	uint8_t digest[32];
	char path[256];   /* the file's name, for a debugger */
};

/* Per address space. */
struct proc {
	int refs;
	uint64_t cur_brk;  /* the program break play maintains */
	uint64_t auxv;     /* the recorded auxiliary vector on the stack */
	uint64_t auxv_len;
	uint32_t pid;      /* recorded pid (the leader's tid) */
	char exe[512];     /* path of the executable */
	struct file_range *franges; /* where file bytes were mapped */
	size_t nfranges;
	struct rrk_patchset ps; /* instructions rec rewrote to trap */
};

/* dst becomes a copy of src with arrays of its own (a fork, a checkpoint). */
void rrk_proc_copy(struct proc *dst, const struct proc *src);
/* Frees src's arrays. */
void rrk_proc_clear(struct proc *p);

/* One replayed task, known by its recorded tid. */
struct ptask {
	uint32_t rec_tid;
	struct tracee t;     /* the live task */
	struct proc *proc;
	int running;         /* resumed by us, its next stop not yet taken */
	int has_pending;     /* a stop taken while waiting for another task */
	struct stop pending;
	int initial;         /* its first (seize) stop is still to come */
	int at_entry;        /* parked at the entry of an ENTERed syscall */
	int in_real;         /* blocked for real in the kernel (vfork) */
	int dead;
	int resume_sig;      /* a signal to deliver when resumed */
	/* vfork: the parent's recorded return, applied once the live parent
	 * is let go (after the child's exec or exit, which the recording may
	 * list after the return). */
	int collect;
	/* An emulated syscall returned a kernel restart code: unless the
	 * task's next event is a signal at that boundary, the kernel would
	 * have restarted the call (restart_nr) on the way out. */
	int restart_pending;
	uint64_t restart_nr;
	struct rrk_regs collect_entry;
	int64_t collect_result;
	/* Stopped at the syscall entry of its next event, which is not
	 * replayed yet: a debugger sees it at the syscall instruction. */
	int at_syscall;
	char name[16];       /* what the program called the thread */
	uint64_t clear_tid;  /* CLONE_CHILD_CLEARTID / set_tid_address */
	int exiting;         /* its next events are its (and its group's) exit */
	int out_slot;        /* its blocking write to stdout/stderr: 1 waits
			      * in the output queue, 2 was shown already */
	int ghost;           /* started from a keyframe while exiting: no task */
	int reaped;          /* its end was collected already: no live pid */
	/* For stepping backwards: the task's last event, its kind, and its
	 * last event that stopped it (a syscall, trap or signal). */
	uint64_t last_ev, last_stop_ev;
	unsigned last_kind;
	struct ptask *next;
};

/* Output of a write, waiting for the writes entered before it. */
struct outslot {
	uint32_t tid;
	int fd;
	uint8_t *data;
	size_t len;
	int64_t result;  /* the write's result once known */
	int done;
};

/* An observer of the replay: code above the engine (the gdb server) that
 * the engine calls at fixed places, so that the engine never names it.
 * Callbacks may leave by longjmp after rrk_snap_restore (gdb's reverse
 * execution does): the engine keeps no state across a callback. */
#define RRK_OBS_FILES 0x1 /* keep the names of mapped files (rp->files) */
#define RRK_OBS_EXACT 0x2 /* stop at every hit of an execution point: no
			   * register check in the program, no watch of the
			   * syscall buffer's count */
struct rrk_rp_observer {
	unsigned flags;
	/* Resumes t toward its next stop the engine must handle, as
	 * rrk_rp_run_bare would (at most one observer has it). */
	struct stop (*run)(void *ctx, struct ptask *t, int sig, int expect_sig, uint64_t point);
	/* The current event is chosen, its buffer filled, nothing run yet. */
	void (*before_event)(void *ctx, const struct rrk_ev *ev, struct ptask *t);
	/* t stopped at the event's own stop (t->at_syscall set for a
	 * system call's), before it is replayed. */
	void (*at_stop)(void *ctx, const struct rrk_ev *ev, struct ptask *t);
	/* The event is replayed. */
	void (*after_event)(void *ctx, const struct rrk_ev *ev);
};
#define RRK_RP_MAX_OBS 4

struct replayer {
	const struct replay_options *o;
	struct rrk_reader *rd;
	struct ptask *tasks;
	struct ptask *cur_t; /* the task of the event being replayed */
	/* Lookahead: cur is being replayed, next is peeked. */
	struct rrk_ev slot[2];
	int cur, st_next;
	/* From the header. */
	int have_header;
	uint32_t cpu, hflags;
	struct rrk_hdr_traps mech; /* how rdtsc and cpuid were recorded */
	uint32_t cpu_level;        /* RRK_CPU_* */
	/* Kinds the recording CPU faulted and this one does not: play
	 * rewrites them itself, as rec would have (RRK_SITE_BIT bits). */
	unsigned self_patch;
	struct rrk_scans scans;
	struct rrk_cpuid_leaf *leaves;
	size_t nleaves;
	/* From END. */
	int have_end;
	struct rrk_end end;
	char end_reason[256];
	struct blob *blobs;
	size_t nblobs, cblobs;
	struct named_file *files;
	size_t nfiles;
	char stub_path[64];
	int stub_fd;
	int out_closed;
	uint64_t last;       /* number of the last event replayed */
	uint64_t emitted;    /* output re-emitted up to this event (once) */
	int pending_cur;     /* the current event is not replayed yet */
	struct outslot *outq;
	size_t noutq;
	/* Who watches the replay (rrk_rp_observe): the gdb server. */
	const struct rrk_rp_observer *obs[RRK_RP_MAX_OBS];
	void *obs_ctx[RRK_RP_MAX_OBS];
	size_t nobs;
	unsigned obs_flags;   /* RRK_OBS_*, of all of them */
	int run_obs;          /* the one whose run resumes tasks, or -1 */
	/* A debugger's hardware watchpoints and breakpoints use debug
	 * registers 0-2; play's execution-point search uses 3. */
	uint64_t user_dr[3];
	uint64_t user_dr7;
	/* Whether debug registers trap here: 0 not probed yet (the probe
	 * forks, so only the first replay that needs them pays), 1 they
	 * do, -1 they do not (or RRK_NO_DEBUGREGS): int3 and single steps
	 * instead. */
	int dr_state;
};

/* Unmaps everything of the current task's stub process but the stub's
 * text, [*text_lo, *text_hi); returns the syscall instruction to run
 * syscalls at. */
uint64_t rrk_rp_strip_stub(struct replayer *rp, uint64_t *text_lo, uint64_t *text_hi);
/* Runs syscall nr in the current task at insn; fails the replay if it
 * does not cooperate. Returns the raw result. */
long rrk_rp_inject(struct replayer *rp, uint64_t insn, long nr, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
/* Maps the recorded image in attachments att (MAP, then MEM records) into
 * the current task's stripped stub process, running syscalls at insn;
 * the stub's text lies at [text_lo, text_hi). */
void rrk_rp_map_image(struct replayer *rp, const struct rrk_attach *att, size_t n,
		      uint64_t stack_limit, uint64_t insn, uint64_t text_lo, uint64_t text_hi,
		      uint64_t evno);

/* The engine's parts the debugger drives. */
struct rrk_ev *rrk_rp_cur(struct replayer *rp);
/* Replays the next event. Returns 0, or 1 when the trace ended (all
 * tasks gone); fails (exit 125) on a bad trace or a divergence. */
int rrk_rp_step(struct replayer *rp);
/* Starts the replay over from keyframe kf (a new stub, rebuilt). */
void rrk_rp_begin_keyframe(struct replayer *rp, const struct rrk_ev *kf);
/* Opens the trace and starts the program at its first instruction. */
void rrk_rp_begin(struct replayer *rp, const struct replay_options *o);
struct stop rrk_rp_wait(struct replayer *rp, struct ptask *t, int expect_sig);
struct ptask *rrk_rp_task(struct replayer *rp, uint32_t rec_tid);
struct blob *rrk_rp_blob(struct replayer *rp, const uint8_t *digest);
int rrk_rp_end_status(struct replayer *rp);
/* Reads the trace again from its start up to event when, made current. */
void rrk_rp_rewind(struct replayer *rp, uint64_t when);
/* The two halves of rrk_rp_step: choose the next event, then replay it. */
int rrk_rp_prepare(struct replayer *rp);
int rrk_rp_process(struct replayer *rp);
void rrk_rp_kill(struct replayer *rp);
/* Kills every task and collects their ends (snapshot.c). */
void rrk_rp_reap(struct replayer *rp);
/* Forgets output still waiting for earlier writes (a restore). */
void rrk_rp_drop_output(struct replayer *rp);
/* Takes the first stop of tasks just created (they stay stopped there). */
void rrk_rp_settle(struct replayer *rp);
/* Whether execution points and watchpoints may use debug registers. */
int rrk_rp_dr_works(struct replayer *rp);
/* Sets t's debug registers: the debugger's plus an execute breakpoint at
 * point (0: none) in slot 3. */
int rrk_rp_debugregs(struct replayer *rp, struct ptask *t, uint64_t point);
/* Resumes t and takes its next stop that play must handle; through the
 * observer that resumes tasks, if any (under gdb, breakpoints,
 * watchpoints and single steps stop in the debugger first). */
struct stop rrk_rp_run(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
		       uint64_t point);
/* The same without the debugger: toward point (0: none), whose debug
 * register the caller set, or with an int3 where they do not trap. */
struct stop rrk_rp_run_bare(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
			    uint64_t point);

/* Registers obs with ctx (before rrk_rp_begin; at most RRK_RP_MAX_OBS). */
void rrk_rp_observe(struct replayer *rp, const struct rrk_rp_observer *obs, void *ctx);

#endif
