/* The replay engine behind play. */
#ifndef RRK_REPLAY_H
#define RRK_REPLAY_H

#include <stdint.h>

#include "replay_task.h"

struct rrk_record;
struct rrk_reader;
struct rrk_writer;
/* A replay: its state is the engine's own (replay_int.h). */
struct replayer;

struct replay_options {
	int trace_fd;
	const char *trace_name;
	int quiet; /* do not re-emit the program's output */
	int output_fd; /* where the program's output goes (0: its own 1 and 2) */
	uint64_t goto_event;  /* start at this event (0: the beginning) */
	/* every record read, as it is read (rec --keyframe-interval) */
	void (*tap)(void *ctx, const struct rrk_record *rec);
	void *tap_ctx;
};

/* Replays the trace. Returns the recorded exit status (128+N for signal
 * N), or 125 after one message when the trace is bad or replay diverges. */
int rrk_replay(const struct replay_options *o);

/* ---- stepping: a replay driven event by event ---- */
struct replayer *rrk_rp_new(void);
/* Frees the struct of rp (after rrk_rp_kill or rrk_rp_reap; never begun
 * is fine). Its reader, blobs and task list are not freed: a process
 * replays a trace once or twice and then exits. */
void rrk_rp_free(struct replayer *rp);
/* Opens the trace of o (which must outlive rp) and starts the program at
 * its first instruction. */
void rrk_rp_begin(struct replayer *rp, const struct replay_options *o);
/* The two halves of rrk_rp_step: choose the next event (0, or 1 at the
 * end of the trace), then replay it (0, or 2 when the output closed). */
int rrk_rp_prepare(struct replayer *rp);
int rrk_rp_process(struct replayer *rp);
/* Replays the next event. Returns 0, or 1 when the trace ended (all
 * tasks gone); fails (exit 125) on a bad trace or a divergence. */
int rrk_rp_step(struct replayer *rp);
/* The current event: being replayed, or chosen by rrk_rp_prepare. */
struct rrk_ev *rrk_rp_cur(struct replayer *rp);
/* Kills every task (SIGKILL). */
void rrk_rp_kill(struct replayer *rp);
/* Kills every task and collects their ends (snapshot.c). */
void rrk_rp_reap(struct replayer *rp);
/* The program's status as the trace's end records it. */
int rrk_rp_end_status(struct replayer *rp);

/* ---- what is there ---- */
/* The number of the last event replayed. */
uint64_t rrk_rp_last(struct replayer *rp);
/* The trace's END record once read (NULL before), with its reason. */
const struct rrk_end *rrk_rp_end(struct replayer *rp, const char **reason);
/* The replay's tasks (then t->next), the current event's task, a task by
 * its recorded tid (NULL: none). */
struct ptask *rrk_rp_tasks(struct replayer *rp);
struct ptask *rrk_rp_cur_task(struct replayer *rp);
struct ptask *rrk_rp_task(struct replayer *rp, uint32_t rec_tid);
struct blob *rrk_rp_blob(struct replayer *rp, const uint8_t *digest);
/* The trace's reader (the keyframer reads on after a failed replay). */
struct rrk_reader *rrk_rp_reader(struct replayer *rp);
/* The digest of the file the program mapped or ran as path, whose bytes
 * the trace holds; NULL: none (needs an observer with RRK_OBS_FILES). */
const uint8_t *rrk_rp_file_digest(struct replayer *rp, const char *path);
/* keyframe.c: writes a KEYFRAME record for the replay stopped before
 * event `event` (all tasks stopped between events), with its
 * attachments, to w. Returns 0, or -1 with the reason in why. */
int rrk_kf_write(struct replayer *rp, struct rrk_writer *w, uint64_t event, char *why, size_t wl);

/* ---- for an observer that runs the tasks ---- */
/* Registers obs with ctx (before rrk_rp_begin; at most RRK_RP_MAX_OBS). */
void rrk_rp_observe(struct replayer *rp, const struct rrk_rp_observer *obs, void *ctx);
/* Resumes t toward point (0: none), whose debug register the caller set,
 * or with an int3 where they do not trap, and takes its next stop. */
struct stop rrk_rp_run_bare(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
			    uint64_t point);
struct stop rrk_rp_wait(struct replayer *rp, struct ptask *t, int expect_sig);
/* rrk_rp_wait, but once t has run ns without a stop play interrupts
 * it (PTRACE_INTERRUPT): when that is the stop returned, *interrupted
 * is 1 and t is stopped where it was, to be resumed as before. An
 * interrupt that meets another stop first is taken at t's next resume,
 * by every wait. */
struct stop rrk_rp_wait_timed(struct replayer *rp, struct ptask *t, int expect_sig, uint64_t ns, int *interrupted);
/* Whether execution points and watchpoints may use debug registers. */
int rrk_rp_dr_works(struct replayer *rp);
/* The debugger's debug registers 0-2 (NULL: as they are) and its DR7
 * bits, which rrk_rp_debugregs sets with the engine's own in slot 3. */
void rrk_rp_set_user_debugregs(struct replayer *rp, const uint64_t dr[3], uint64_t dr7);
/* Sets t's debug registers: the debugger's plus an execute breakpoint at
 * point (0: none) in slot 3. */
int rrk_rp_debugregs(struct replayer *rp, struct ptask *t, uint64_t point);

#endif
