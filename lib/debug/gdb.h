/* The gdb remote serial protocol server behind play --gdb: packets
 * (gdb_packet.c), registers (gdb_regs.c), the session and its commands
 * (gdb_server.c), positions and reverse execution (gdb_reverse.c),
 * checkpoints over the engine's snapshots (snapshot.h). doc/design.md, "Debugging a replay". */
#ifndef RRK_GDB_H
#define RRK_GDB_H

#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ptrace/point.h"
#include "replay/replay.h"
#include "replay/snapshot.h"

#ifndef TRAP_TRACE
#define TRAP_TRACE 2  /* si_code of a single step's SIGTRAP */
#endif
#define SI_KERNEL_ 0x80 /* si_code of a signal the kernel raised (int3's SIGTRAP) */

/* ---- packets ---- */
#define GDB_PKT_MAX 16384
struct gdb_conn {
	int in, out;
	int noack;
	uint8_t buf[65536];
	size_t pos, len;
	int interrupted;  /* a ^C arrived while the program ran */
	char frame[2 * GDB_PKT_MAX + 8]; /* gdb_putpkt's packet as sent */
};
/* Reads one packet into pkt (NUL-terminated, binary escapes undone);
 * returns its length, or -1 at end of input. */
long gdb_getpkt(struct gdb_conn *c, char *pkt, size_t max);
void gdb_putpkt(struct gdb_conn *c, const char *data, size_t len);
void gdb_puts(struct gdb_conn *c, const char *s);
/* Whether a ^C is waiting (without blocking). */
int gdb_poll_interrupt(struct gdb_conn *c);
/* Escapes binary data for a reply; returns the bytes written to out
 * (which needs 2*len bytes). */
size_t gdb_escape(const uint8_t *in, size_t len, char *out);
void gdb_hex(const void *data, size_t len, char *out);
int gdb_unhex(const char *s, void *out, size_t len);

/* ---- registers ---- */
#define GDB_TDESC_MAX 16384
/* Writes the target description (XML) into out (GDB_TDESC_MAX bytes,
 * NUL-terminated); returns its length. The same on every call. */
size_t gdb_target_description(char *out);
#define GDB_NREGS 76
#define GDB_REGBYTES 1024
/* Fills out with all registers of t as gdb's g packet orders them;
 * returns the number of bytes. at_syscall: t sits at a syscall entry
 * stop and is shown at its syscall instruction. */
size_t gdb_read_regs(struct tracee *t, int at_syscall, uint8_t *out, size_t offs[GDB_NREGS + 1]);

/* ---- positions ---- */
/* A point in the replay's timeline, exact without a counter. */
enum mark_kind {
	MK_AFTER,   /* right after event `when` was replayed */
	MK_POINT,   /* task tid part way to its event `when`, in state pt */
	MK_EVSTOP,  /* task tid stopped at its event `when`, not yet replayed */
};
struct mark {
	enum mark_kind kind;
	uint64_t when;
	uint32_t tid;
	struct rrk_regs regs;
	struct rrk_point pt;
	struct point_range *rg;
	size_t nrg;
	/* the task's previous event, its kind, its previous stopping event */
	uint64_t prev_ev, prev_stop;
	unsigned prev_kind;
	/* MK_POINT: single steps since the start of the task's run toward
	 * `when`, when known (else -1) */
	int64_t step;
	/* MK_POINT: the latest stretch checkpoint (its serial) known to lie
	 * before it in the same run, or 0 */
	uint64_t anc;
};
/* Order: AFTER(E-1) < POINT(E) < EVSTOP(E) < AFTER(E). */
uint64_t mark_time(const struct mark *m);

/* ---- checkpoints ---- */
struct checkpoint {
	int id;           /* the number monitor checkpoint showed; 0 automatic */
	uint64_t when;    /* event about to be replayed */
	struct rrk_snap *snap; /* the replay there (snapshot.h); NULL: none */
	pid_t pid;        /* names it: its copy's pid, or for a keyframe a
			   * negative number no other one has */
	struct mark at;   /* for a checkpoint in the middle of a stretch */
	int mid;
	/* made while stepping task step_tid toward event `when`: step single
	 * steps into its run (else -1) */
	int64_t step;
	uint32_t step_tid;
	uint64_t serial;
	/* made where play interrupted a long run of task step_tid (`at` is
	 * its state); parent: the stretch checkpoint before it in that run
	 * (serial), or 0 */
	int stretch;
	uint64_t parent;
};

/* ---- the session ---- */
struct gdb_bp {
	uint64_t addr;
	uint8_t saved;
	int inserted;
	int user;      /* from gdb (else play's own, for reaching a position) */
};
struct gdb_watch {
	int used;
	int type;      /* 1 execute, 2 write, 3 read, 4 access */
	uint64_t addr, len;
	uint64_t start;/* the watchpoint gdb set, of which this is a piece */
};
/* A watchpoint as gdb gave it, emulated without debug registers. */
struct gdb_ewatch {
	int type;      /* as above; 1 is an int3 in bps */
	uint64_t addr, len;
};
/* Pages protected for emulated watchpoints, and their own protection. */
struct gdb_prot {
	uint64_t start, len;
	int prot, own;
};
enum job_kind {
	JOB_NONE,
	JOB_SEEK,      /* run to target, no breakpoints; report there */
	JOB_SCAN,      /* run to target counting breakpoint stops */
	JOB_NTH,       /* run to the nth breakpoint stop; report there */
	JOB_STEPSCAN,  /* step the target's task from its stretch start */
	JOB_STEPN,     /* step it n times from its stretch start; report */
	JOB_PRED,      /* find which candidate instruction comes just before
			* the target, and its how-many-th matching state */
	JOB_PREDN,     /* run to that state; report */
};
/* An instruction that may come just before a position (gdb_pred.c):
 * run there, the general registers but those in ignore are want's. */
#define GDB_PRED_MAX 8
struct gdb_pred {
	uint64_t addr;
	struct rrk_regs want;
	unsigned ignore;   /* rrk_pfilter_differ's bits */
	size_t cover;      /* bytes of whole instructions a jump there covers */
};
struct gdb_pred_run;
/* gdb's changes to registers and memory, kept aside (a replay runs as
 * recorded): what gdb reads shows them, resuming drops them. */
struct gdb_overlay_reg {
	uint32_t tid;
	int regno;
	uint8_t val[16];
};
struct gdb_overlay_mem {
	uint64_t addr;
	uint8_t byte;
};
struct gdb_overlay {
	struct gdb_overlay_reg *regs;
	size_t nregs;
	struct gdb_overlay_mem *mem;
	size_t nmem;
};
/* A file gdb opened with vFile: the trace's files first, this machine's
 * otherwise. */
#define GDB_VFILES 64
struct gdb_vfile {
	int used;
	int from_trace;     /* the blob with this digest (looked up on each
			     * use: the blob table grows as the replay runs) */
	uint8_t digest[32];
	int fd;             /* else a file of this machine */
};
/* The command loop's buffers: no state between packets. */
struct gdb_scratch {
	char pkt[GDB_PKT_MAX + 1];          /* the packet being served */
	char reply[2 * GDB_PKT_MAX + 64];
	char xml[65536];                    /* qXfer threads, libraries */
	uint8_t data[GDB_PKT_MAX];          /* memory read, vFile pread */
	uint8_t auxv[4096];
	uint8_t regs[GDB_REGBYTES], real[GDB_REGBYTES];
};
struct gdb_session {
	struct gdb_conn c;
	struct gdb_scratch x;
	struct gdb_overlay ov;
	struct gdb_vfile vfiles[GDB_VFILES];
	char tdesc[GDB_TDESC_MAX];  /* the target description, once built */
	size_t tdesc_len;
	/* the replay's options: the replayer keeps their address */
	struct replay_options opts;
	struct replayer *rp;
	const char *spec;     /* play --gdb's: "", ":PORT" or "-" */
	int port;             /* :PORT's (0: any) */
	char **gdb_args;      /* for the gdb plain --gdb starts */
	struct gdb_bp *bps;
	size_t nbps;
	struct gdb_watch w[3];
	/* how gdb resumed */
	int stepping;
	uint32_t step_tid;
	int step_done;        /* the step ran an instruction that was an event */
	uint32_t g_tid;       /* Hg */
	/* where we stopped */
	struct mark pos;
	char last_reply[128];
	int exited;
	/* reverse execution and seeking */
	enum job_kind job;
	struct mark target;
	uint64_t count, n;
	int stretch_started;  /* STEPSCAN/STEPN: the task's stretch began */
	jmp_buf driver;
	struct checkpoint *cps;
	size_t ncps;
	int next_cp_id;
	uint64_t cp_stamp;    /* when the last checkpoint was made, moved on
			       * by the time gdb kept the replay stopped */
	uint64_t events;      /* events replayed, for ^C polling */
	int quiet_stop;       /* the next stop is not sent (gdb did not ask yet) */
	int detached;
	uint64_t first;       /* the program's start event */
	uint64_t last_goto;   /* its last event before the tasks' exits */
	uint64_t no_cp_at;    /* restored part way through this event: no
			       * automatic checkpoint there */
	pid_t scan_pid;       /* the checkpoint a job started from (its copy) */
	char seek_reason[64];
	int seek_reply_ok;    /* a monitor command waits for "OK" */
	int restored_mid;
	int at_boundary;      /* stopped where the next event is chosen */
	int64_t report_step;  /* the step index of the stop being reported */
	int scan_at;          /* JOB_STEPSCAN: stop at the target, not before */
	uint32_t off_tid;     /* this task resumes from a stop at off_rip */
	uint64_t off_rip;
	int scan_watch;       /* the last stop counted was a data watchpoint's */
	int watch_back;       /* stepping back before a data watchpoint's trap */
	char final_reason[64];/* the stop reason when stepping back ends */
	char taken_reason[64];/* gdb_take_final_reason's answer */
	struct mark watch_hit;
	uint64_t cp_serial;
	/* watchpoints without debug registers (gdb_watch.c) */
	struct gdb_ewatch *ewatch;
	size_t newatch;
	struct gdb_prot *prot;/* the pages to protect in prot_tid's process */
	size_t nprot;
	pid_t prot_tid;
	int prot_on;          /* they are protected now */
	int prot_planned;     /* planned already, toward event prot_event */
	uint64_t prot_event;
	int prot_step;        /* protected for a single step */
	uint64_t prot_insn;   /* a syscall instruction of prot_insn_tid's */
	pid_t prot_insn_tid;
	/* the instruction before a position (gdb_pred.c) */
	struct gdb_pred pred[GDB_PRED_MAX];
	int npred, pred_pick;
	uint64_t pred_n;
	struct rrk_regs pred_regs; /* the state of that match */
	struct gdb_pred_run *pred_run;
	uint64_t step_cap;    /* JOB_STEPSCAN gives up after this many steps */
	uint64_t long_when;   /* a run known to be longer than that */
	uint32_t long_tid;
	/* the latest stretch checkpoint of the replay since the last
	 * restore, in the run of task pass_tid toward event pass_when */
	uint64_t pass_anc, pass_when;
	uint32_t pass_tid;
};

/* gdb_server.c */
void gdb_report_stop(struct gdb_session *s, struct ptask *t, enum mark_kind kind,
		     const char *reason);
int gdb_command_loop(struct gdb_session *s);
void gdb_console(struct gdb_session *s, const char *msg);
uint64_t gdb_when(struct gdb_session *s);
void gdb_bp_add(struct gdb_session *s, uint64_t addr, int user);
void gdb_bp_del(struct gdb_session *s, uint64_t addr, int user);
/* gdb_watch.c: watchpoints and hardware breakpoints without debug
 * registers. Whether debug registers trap here (probed once). */
int gdb_debugregs_usable(struct gdb_session *s);
/* Z1-Z4 and z1-z4 for what debug registers do not take: 0 or -1. */
int gdb_ewatch_add(struct gdb_session *s, int type, uint64_t addr, uint64_t len);
void gdb_ewatch_del(struct gdb_session *s, int type, uint64_t addr, uint64_t len);
/* Before t resumes (not with a signal): protects the watched pages. A
 * real syscall t is entering runs first; when it stops elsewhere, returns
 * 1 with that stop in *st (then t is not to be resumed). */
int gdb_watch_arm(struct gdb_session *s, struct ptask *t, int stepping, struct stop *st);
/* After t stopped: the pages' own protection back. A fault of ours
 * becomes the trap of a single step past its instruction, with reason
 * set ("watch:ADDR;" ...) when that touched a watched range. */
struct stop gdb_watch_disarm(struct gdb_session *s, struct ptask *t, struct stop st, char *reason,
			     size_t len);
/* gdb_svr4.c: the dynamic linker's list of loaded objects, as XML */
/* Appends s to out[k..max) escaped for an XML attribute; returns the new k. */
size_t gdb_xml_attr(char *out, size_t max, size_t k, const char *s);
size_t gdb_svr4_list(struct gdb_session *s, struct ptask *t, char *out, size_t max);
/* gdb_reverse.c */
/* Starts the replay (before gdb connects, so a bad trace fails first). */
void gdb_session_prepare(struct gdb_session *s, const struct replay_options *o);
void gdb_session_start(struct gdb_session *s, const struct replay_options *o)
	__attribute__((noreturn));
void gdb_capture(struct gdb_session *s, struct ptask *t, enum mark_kind kind, struct mark *m);
void gdb_free_mark(struct mark *m);
int gdb_mark_is(struct gdb_session *s, struct ptask *t, const struct mark *m);
void gdb_target_reached(struct gdb_session *s, struct ptask *t);
void gdb_reverse_continue(struct gdb_session *s) __attribute__((noreturn));
void gdb_reverse_step(struct gdb_session *s) __attribute__((noreturn));
void gdb_goto_event(struct gdb_session *s, uint64_t n, int reply_ok) __attribute__((noreturn));
void gdb_auto_checkpoint(struct gdb_session *s);
int gdb_user_checkpoint(struct gdb_session *s);
/* Going back onto a data watchpoint: t is at its trap, just after the
 * instruction that touched the data; stop one instruction earlier. */
void gdb_before_watch(struct gdb_session *s, struct ptask *t) __attribute__((noreturn));
/* The run before the trap is too long to step through: stop at the trap. */
void gdb_watch_too_far(struct gdb_session *s) __attribute__((noreturn));
#define WATCH_STEP_LIMIT 2000000
/* The reason to report at the end of a backward step ("" normally). */
const char *gdb_take_final_reason(struct gdb_session *s);
/* While stepping from the start of a run: a checkpoint now and then, so
 * that stepping there again starts close by. */
void gdb_step_checkpoint(struct gdb_session *s, struct ptask *t);
int gdb_user_restart(struct gdb_session *s, int id);
/* gdb_pred.c: the instructions that may come just before p (t stopped
 * there) into s->pred; how many. */
int gdb_pred_candidates(struct gdb_session *s, struct ptask *t, const struct mark *p);
/* Runs t through the target's run for JOB_PRED or JOB_PREDN; returns
 * after it reported the stop before the target and gdb resumed. */
void gdb_pred_run(struct gdb_session *s, struct ptask *t, int sig, int expect_sig, uint64_t point);
/* gdb_reverse.c: JOB_PREDN from the job's checkpoint; single steps from
 * the run's start instead (none of the candidates came before). */
void gdb_pred_restart(struct gdb_session *s) __attribute__((noreturn));
void gdb_pred_failed(struct gdb_session *s) __attribute__((noreturn));
/* Stretch checkpoints: while a task runs long without a stop, play
 * interrupts it every GDB_STRETCH_NS and copies the replay there, so that
 * going back from a position deep in the run starts close to it.
 * Whether to time this resume of t; the copy at t's interrupt stop. */
#define GDB_STRETCH_NS 100000000ull
int gdb_stretch_wanted(struct gdb_session *s);
void gdb_stretch_checkpoint(struct gdb_session *s, struct ptask *t);
/* Waits for the stop of t, just resumed; when timed, interrupts it
 * after GDB_STRETCH_NS (*interrupted: that was the stop). */
struct stop gdb_wait(struct gdb_session *s, struct ptask *t, int expect_sig, int timed, int *interrupted);
/* JOB_STEPSCAN took more than s->step_cap steps: the run is long. */
void gdb_step_cap_reached(struct gdb_session *s) __attribute__((noreturn));
/* Single steps from a run's start before play looks for the
 * instruction before a position by state (about 0.5 s of steps). */
#define GDB_STEP_CAP 10000

#endif
