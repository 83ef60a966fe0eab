/* The recorder engine behind rec. */
#ifndef RRK_RECORD_H
#define RRK_RECORD_H

struct rec_options {
	int trace_fd;           /* where the trace goes */
	const char *trace_name; /* for messages: "stdout" or the -o path */
	const char *path;       /* resolved program path */
	char **argv;            /* program argv */
	int program_stdout;     /* fd the program gets as stdout (1 or 2) */
	int level;              /* zstd level */
	const char *options_text; /* rec's options, for the header */
	int no_syscallbuf;      /* no preload library: every syscall stops */
	int via_keyframer;      /* trace_fd is a pipe to the keyframer, which
				   reports its own write errors */
	unsigned timeslice_ms;  /* a thread's turn before a sibling's; 0: 10 */
	unsigned cpu_level;     /* RRK_CPU_*: the cpuid the program is shown */
	unsigned cpus;          /* CPUs sched_getaffinity shows (0: those rec
				 * was allowed) */
};

/* Records the program. Returns rec's exit status: the program's status,
 * 128+N for signal N, or 125 when recording failed (after one message). */
int rrk_record(const struct rec_options *o);

#endif
