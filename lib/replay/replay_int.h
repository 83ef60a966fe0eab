/* The replay engine's state, private to its parts: the engine
 * (replay.c), its per-syscall code (replay_sys.c), snapshots (snapshot.c)
 * and keyframes (keyframe.c). Code above the engine uses replay.h and the
 * views of replay_task.h. */
#ifndef RRK_REPLAY_INT_H
#define RRK_REPLAY_INT_H

#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "ptrace/patchset.h"
#include "replay.h"
#include "replay_task.h"
#include "sys/syshooks.h"
#include "format/trace.h"
#include "ptrace/tracee.h"

/* Output of a write, waiting for the writes entered before it. */
struct outslot {
	uint32_t tid;
	int fd;
	uint8_t *data;
	size_t len;
	int64_t result;  /* the write's result once known */
	int done;
};

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
	/* The files the recording mapped MAP_SHARED, each one memory file
	 * that every replayed mapping of it shares (rrk_rp_map_shared). */
	struct shared_file {
		char id[48]; /* the file's dev:ino when recorded */
		int memfd;
		uint64_t size;
	} *shared;
	size_t nshared;
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
	const struct rrk_rp_observer *runner; /* the one whose run resumes tasks */
	void *runner_ctx;
	/* A debugger's hardware watchpoints and breakpoints use debug
	 * registers 0-2; play's execution-point search uses 3. */
	uint64_t user_dr[3];
	uint64_t user_dr7;
	/* Whether debug registers trap here: 0 not probed yet (the probe
	 * forks, so only the first replay that needs them pays), 1 they
	 * do, -1 they do not (or RRK_NO_DEBUGREGS): int3 and single steps
	 * instead. */
	int dr_state;
	/* The current event's task may have run toward it (after the
	 * observers' before): a snapshot taken now is part way through the
	 * run, its syscall buffer partly consumed. */
	int in_run;
	/* Restored part way through a run: the buffer is the copy's, not
	 * to be filled again. */
	int keep_sysbuf;
	/* rrk_rp_wait_timed's timer (made on first use) */
	timer_t wake;
	int have_wake;
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

/* A failure: the program's tasks die first, never left behind. */
void rrk_rp_fail(struct replayer *rp, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/* The replay does not match the recording at the current event: what,
 * and the registers expected and found when both are given. */
void rrk_rp_diverge(struct replayer *rp, const char *what, const struct rrk_regs *want,
		    const struct rrk_regs *got) __attribute__((noreturn));
/* Runs the syscall the current task is entering (registers entry) as nr
 * with arguments a, then restores the arguments the program passed.
 * Returns the result. */
int64_t rrk_rp_run_real(struct replayer *rp, const struct rrk_regs *entry, uint64_t nr, const uint64_t a[6]);
/* bl's bytes from offset on, at addr (an anonymous mapping of at least
 * len bytes with prot, just made), by a syscall at insn; ob: NULL, or
 * the blob's file the tracee keeps open for the next segment. */
struct open_blob;
void rrk_rp_put_blob(struct replayer *rp, uint64_t insn, uint64_t addr, uint64_t len, int prot,
		     struct blob *bl, uint64_t offset, struct open_blob *ob);
/* Maps the recorded file `id` (dev:ino) MAP_SHARED at [addr, addr+len),
 * its bytes from offset as bl holds them, through the one memory file
 * play keeps for it. */
void rrk_rp_map_shared(struct replayer *rp, uint64_t insn, uint64_t addr, uint64_t len, int prot,
		       const struct blob *bl, uint64_t offset, const char *id);
/* The file identity a MAP record names after its path (a shared mapping),
 * or NULL. */
const char *rrk_rp_map_id(const struct rrk_attach *map);
/* p has the blob's bytes from offset at [start, end); map: its MAP record. */
void rrk_rp_note_file(struct proc *p, uint64_t start, uint64_t end, const uint8_t *digest,
		      uint64_t offset, const struct rrk_attach *map);
/* Rewrites the kinds of rp->self_patch in the file-backed code of [lo, hi). */
void rrk_rp_self_patch(struct replayer *rp, uint64_t lo, uint64_t hi);

/* ---- per-syscall code (replay_sys.c), by the row's hook id ---- */

/* The syscall being replayed in the current task. */
struct rp_call {
	struct replayer *rp;
	struct ptask *t;
	const struct rrk_ev *ev;
	const struct rrk_ev_syscall *b;
	struct rrk_regs *g; /* its registers at entry */
	uint64_t a[6];      /* the arguments it runs with (ACT_REAL): args may rewrite them */
	int64_t got;        /* what it returned in replay */
};
struct rp_hooks {
	/* Before the action, for any event but an ENTER. */
	void (*pre)(struct rp_call *c);
	/* ACT_REAL, before anything: 1 = it did it all (brk). */
	int (*args)(struct rp_call *c);
	/* ACT_REAL, ran; before got is checked against the recorded result. */
	void (*result)(struct rp_call *c);
	/* ACT_REAL, checked; before the MEM attachments are written. */
	void (*mapped)(struct rp_call *c);
	/* ACT_REAL, after the MEM and PATCH attachments. */
	void (*after)(struct rp_call *c);
};
extern const struct rp_hooks rrk_rp_hooks[RRK_HK_COUNT];

/* Starts the replay over from keyframe kf (a new stub, rebuilt). */
void rrk_rp_begin_keyframe(struct replayer *rp, const struct rrk_ev *kf);
/* Reads the trace again from its start up to event when, made current. */
void rrk_rp_rewind(struct replayer *rp, uint64_t when);
/* Forgets output still waiting for earlier writes (a restore). */
void rrk_rp_drop_output(struct replayer *rp);
/* Takes the first stop of tasks just created (they stay stopped there). */
void rrk_rp_settle(struct replayer *rp);
/* Resumes t and takes its next stop that play must handle; through the
 * observer that resumes tasks, if any (under gdb, breakpoints,
 * watchpoints and single steps stop in the debugger first). */
struct stop rrk_rp_run(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
		       uint64_t point);

/* keyframe.c: the pid of the keyframe's first process (the task play
 * starts first). */
uint32_t rrk_kf_first_tid(const struct rrk_ev *ev);
/* Rebuilds the keyframe's processes and threads; rp->cur_t is the replay
 * stub, just started. */
void rrk_kf_build(struct replayer *rp, const struct rrk_ev *ev);

#endif
