/* What the replay engine shows of its tasks to the code that watches it
 * (the gdb server, tracecut): read-only views of its replayed tasks,
 * their address spaces and the files they mapped. The engine's own state
 * stays in replay_int.h. */
#ifndef RRK_REPLAY_TASK_H
#define RRK_REPLAY_TASK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ptrace/patchset.h"
#include "format/trace.h"
#include "ptrace/tracee.h"

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
	/* its exit was recorded before the exec of another thread of its
	 * process that killed it: it must not run again, the exec ends it */
	int doomed;
	int reaped;          /* its end was collected already: no live pid */
	/* For stepping backwards: the task's last event, its kind, and its
	 * last event that stopped it (a syscall, trap or signal). */
	uint64_t last_ev, last_stop_ev;
	unsigned last_kind;
	struct ptask *next;
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

#endif
