/* The replay engine behind play. */
#ifndef RRK_REPLAY_H
#define RRK_REPLAY_H

struct replay_options {
	int trace_fd;
	const char *trace_name;
	int quiet; /* do not re-emit the program's output */
};

/* Replays the trace. Returns the recorded exit status (128+N for signal
 * N), or 125 after one message when the trace is bad or replay diverges. */
int rrk_replay(const struct replay_options *o);

#endif
