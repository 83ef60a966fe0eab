/* The recorder's state, private to its parts: the engine (record.c) and
 * its per-syscall code (record_sys.c). Code above it uses record.h. */
#ifndef RRK_RECORD_INT_H
#define RRK_RECORD_INT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "blobs.h"
#include "ptrace/patchset.h"
#include "record.h"
#include "ptrace/sites.h"
#include "sys/syshooks.h"
#include "sys/systable.h"
#include "format/trace.h"
#include "ptrace/tracee.h"
#include "base/util.h"

/* One pending attachment of the event being built. */
struct att {
	unsigned type;
	uint8_t head[sizeof(struct rrk_point)];
	size_t hlen;
	uint8_t *data; /* owned */
	size_t dlen;
};

/* What the program's fds point to: 0 other, 1 the recorded stdout, 2 the
 * recorded stderr. Shared by threads (CLONE_FILES), copied by fork. */
struct fdtab {
	int refs;
	uint8_t *origin;
	size_t n;
};

enum task_state {
	TS_NEW,     /* created by clone; its first stop has not come yet */
	TS_READY,   /* stopped by us, may be resumed */
	TS_RUNNING, /* the one task running (user code or a quick syscall) */
	TS_BLOCKED, /* inside a syscall that may block; ENTER is recorded */
	TS_DEAD,
};

struct rtask {
	struct tracee t;
	pid_t pid; /* thread group */
	enum task_state state;
	struct fdtab *fds;
	int in_syscall;      /* between seccomp and exit stops */
	int entered;         /* an ENTER event was written for this syscall */
	int interrupted;     /* PTRACE_INTERRUPT sent: a preemption */
	pid_t clone_task;    /* the child of its clone, as rec sees it */
	/* In a job-control stop (rec listens until a SIGCONT ends it), and
	 * the state it goes back to then. */
	int job_stopped;
	enum task_state job_prev;
	int resend_sig;      /* a signal re-sent after a string instruction */
	uint8_t resend_info[128];
	uint64_t run_start;  /* when it was last resumed */
	/* The syscall between its entry and exit stops. */
	struct rrk_regs entry;
	char *strs[6];
	/* Registers as the last syscall returned: a signal that finds the
	 * task in exactly this state was delivered at that boundary. */
	struct rrk_regs post;
	int post_valid;
	/* Its syscall buffer (0: none): the preload library's records since
	 * sb_flushed bytes go into the trace with its next event. */
	uint64_t sb;
	uint64_t sb_flushed;
	int sb_new_desched; /* a fork child: its desched event is still the parent's */
	int sb_borrowed;    /* a vfork child: the buffer is its parent's */
	struct rrk_sysbuf sb_stash; /* records taken at a syscall's entry */
	uint8_t *sb_stash_data;
	size_t sb_stash_len;
	int sb_stashed;
	int sb_desched;      /* rec's copy of its desched event, or -1 */
	int sb_deferred_sig; /* came during a redirected call: sent at its entry */
	uint64_t sb_deferred_more; /* other signals held with it (bit N-1: N) */
	uint64_t sb_lib_lo, sb_lib_hi; /* the library's code (from rrk_sbinit) */
	uint64_t sb_idle;              /* its instruction after clearing busy */
	int out_wait;        /* parked at the entry of a write to the output */
	uint64_t ready_seen; /* when maybe_preempt first saw it ready, or 0 */
	uint8_t sb_deferred_info[128];
	struct rtask *next;
};

struct recorder {
	const struct rec_options *o;
	struct rrk_writer *w;
	struct rtask *tasks;
	struct rtask *cur;    /* the task whose stop is being handled */
	struct rtask *active; /* the task allowed to run, or NULL */
	struct rtask *rr_last; /* round-robin position */
	pid_t root;           /* the first process */
	int root_status;
	struct blobs blobs;
	uint64_t nevents;
	uint64_t point_ns;    /* what naming the last execution point cost */
	/* How rdtsc/rdtscp and cpuid stop the program (RRK_MECH_*), from the
	 * probe; the site kinds rec rewrites (RRK_SITE_BIT bits, 0: none). */
	struct rrk_hdr_traps mech;
	unsigned patch_kinds;
	/* debug registers: 0 not probed yet, 1 they trap, -1 they do not
	 * (or RRK_NO_DEBUGREGS): int3 breakpoints instead */
	int dr_state;
	/* cpuid on the CPU rec and the program run on, taken for the header:
	 * the program's cpuid is answered from it (cpuid is slow in a VM) */
	struct rrk_cpuid_leaf leaves[256];
	size_t nleaves;
	struct rrk_scans scans; /* each file's sites, found once */
	/* The sites rewritten in each address space (by the pid of a process
	 * using it), and those of the event being built. */
	struct pspace {
		pid_t pid;
		pid_t same_as; /* a CLONE_VM child: its parent's memory */
		struct rrk_patchset ps;
		/* where files may be mapped: an mprotect elsewhere is of
		 * anonymous memory, which needs no look at /proc/PID/maps
		 * (a JIT flips its pages between writable and executable) */
		struct span {
			uint64_t start, end;
		} *files;
		size_t nfiles;
	} *pspaces;
	size_t npspaces;
	struct rrk_patch_site *newsites;
	size_t nnew, cnew;
	int warned_unscanned;
	uint64_t last_flush;
	struct att *att;
	size_t natt, catt;
	struct rrk_pool pool; /* for attachments */
	uint32_t warned_ioctls[64];
	size_t nwarned;
	/* a signal the program is sending to rec's own process group (or
	 * to every process): rec ignores it until the call returns */
	int shield_sig;
	struct sigaction shield_old;
	/* system calls note_feature spoke of (the last bit: unknown numbers) */
	uint8_t noted_sys[RRK_NSYSCALLS / 8 + 1];
	const char *abort_reason;
	char abort_buf[512];
	/* MAP_SHARED file mappings: the process's writes to the file show
	 * through them, so their pages are recorded after such writes. */
	struct shmap {
		pid_t pid;
		uint64_t start, len;
		dev_t dev;
		ino_t ino;
	} *shmaps;
	size_t nshmaps;
	int shared_noted; /* the one note about memory shared with outsiders */
	pid_t emit_tid; /* when set, the tid the next event is listed under */
	uint32_t exec_new_tid;
	struct stat out_id[2]; /* the program's stdout and stderr at start */
	int out_valid[2];
	/* Every syscall buffer mapped in each address space (by the pid of
	 * a process using it), also those of threads that have exited:
	 * execution points leave them out. */
	struct sbmap {
		pid_t pid;
		uint64_t addr;
	} *sbmaps;
	size_t nsbmaps;
	struct rtask *out_busy; /* its write to the output is in the kernel */
	int outfds_dirty; /* an fd's origin changed: the buffers' bitmaps too */
	int fds_changed;  /* a traced syscall changed the fd table */
	int preload_fd;   /* the syscall buffer library, or -1 */
	struct sigaction saved_acts[6]; /* of saved_sigs, as rec was started */
};

/* ---- per-syscall code (record_sys.c), by the row's hook id ---- */

/* The syscall a hook is called for, in the current task (r->cur). */
struct rec_call {
	struct recorder *r;
	uint64_t nr;
	const uint64_t *a; /* its six arguments */
	int64_t res;       /* its result (not known yet at entry) */
	const struct rrk_sysent *e;
};
struct rec_hooks {
	/* At entry, after the table's ACT_FAKE: 1 = the program must not
	 * make it, and *fake is the result it gets instead. */
	int (*entry)(struct rec_call *c, int64_t *fake);
	/* At exit, before the outparams are read: may change what the
	 * program gets (memory, *res) from what the kernel gave it. */
	void (*result)(struct rec_call *c, int64_t *res);
	/* At exit, after the outparams are attached and before the shared
	 * maps, fd and output steps: 1 = recording stopped, go no further. */
	int (*exit)(struct rec_call *c);
	/* At a successful exit, and for each buffered record, in place of
	 * track_fds' naming of a new fd (rec_fd_opened). */
	void (*fds)(struct rec_call *c);
};
extern const struct rec_hooks rrk_rec_hooks[RRK_HK_COUNT];

/* ---- record.c's parts the hooks use ---- */

void rec_note(struct recorder *r, const char *text);
void rec_stop_recording(struct recorder *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct att *rec_att_add(struct recorder *r, unsigned type, const void *head, size_t hlen, uint8_t *data,
			size_t dlen);
void rec_att_mem(struct recorder *r, uint64_t addr, uint64_t len, int skip_zero);
int rec_blob_from_fd(struct recorder *r, int fd, uint8_t digest[32], uint64_t *size);
/* pid's address space: its rewritten sites and file ranges. */
struct pspace *rec_space_of(struct recorder *r, pid_t pid);
void rec_files_push(struct pspace *s, uint64_t start, uint64_t end);
void rec_files_drop(struct pspace *s, uint64_t lo, uint64_t hi);
int rec_files_any(const struct pspace *s, uint64_t lo, uint64_t hi);
void rec_unscanned(struct recorder *r, uint64_t addr, const char *what);
void rec_patch_file(struct recorder *r, const char *name, int fd, const uint8_t digest[32], uint64_t size,
		    uint64_t start, uint64_t end, uint64_t offset, int shared);
void rec_patch_maps(struct recorder *r, uint64_t lo, uint64_t hi);
int rec_in_library(const struct rtask *t, uint64_t rip);
void rec_widen_full_pipe(struct rtask *t, int fd);
/* The origin of the current task's fd: 0 other, 1 stdout, 2 stderr. */
/* What an fd is to rec: 1 the recorded stdout, 2 its stderr (else 0),
 * with ORIGIN_SHARED for a file the process maps MAP_SHARED, whose
 * writes stay traced (the library does not buffer writes to any of
 * them: out_fds). rec_origin_of gives the whole byte, rec_stream_of the
 * stream alone. */
#define ORIGIN_SHARED 0x80
uint8_t rec_origin_of(struct recorder *r, int64_t fd);
uint8_t rec_stream_of(struct recorder *r, int64_t fd);
void rec_set_origin(struct recorder *r, int64_t fd, uint8_t origin);
/* Names the origin of the new fd c->res (the step for SF_NEWFD rows). */
void rec_fd_opened(struct rec_call *c);

#endif
