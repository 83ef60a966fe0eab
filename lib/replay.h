/* The replay engine behind play. */
#ifndef RRK_REPLAY_H
#define RRK_REPLAY_H

#include <stdint.h>

struct rrk_record;

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

#endif
