/* Per-syscall knowledge, in one table (lib/sys/systable.c), indexed by the
 * x86-64 syscall number: the name, how to print each argument, which user
 * memory the kernel writes, and what record and replay do with it. */
#ifndef RRK_SYSTABLE_H
#define RRK_SYSTABLE_H

#include <stdint.h>

/* How an argument is shown by tracecat (and which ones are strings that
 * rec copies into the trace as STR attachments: A_PATH and A_STR). */
enum rrk_argtype {
	A_NONE = 0,
	A_INT,       /* signed decimal */
	A_UINT,      /* unsigned decimal */
	A_HEX,       /* 0x... */
	A_PTR,       /* address: 0x... or NULL */
	A_FD,        /* file descriptor (decimal) */
	A_DIRFD,     /* AT_FDCWD or fd */
	A_PATH,      /* NUL-terminated path, copied at entry */
	A_STR,       /* other NUL-terminated string, copied at entry */
	A_SIZE,      /* size_t, decimal */
	A_OFF,       /* off_t, decimal */
	A_OPENFLAGS, /* O_RDONLY|O_CLOEXEC... */
	A_MODE,      /* octal */
	A_PROT,      /* PROT_READ|... */
	A_MMAPFLAGS, /* MAP_PRIVATE|... */
	A_SIGNUM,    /* SIGSEGV */
	A_ATFLAGS,   /* AT_SYMLINK_NOFOLLOW|... */
	A_CLOCKID,   /* CLOCK_MONOTONIC */
	A_IOCTL,     /* ioctl request: name or 0x... */
	A_FCNTL,     /* fcntl command */
	A_WHENCE,    /* SEEK_SET */
	A_SIGHOW,    /* SIG_BLOCK */
	A_ARCHPRCTL, /* ARCH_SET_FS */
	A_PRCTL,     /* PR_SET_NAME */
	A_FUTEXOP,   /* FUTEX_WAIT */
	A_MADVISE,   /* MADV_DONTNEED */
	A_RLIMIT,    /* RLIMIT_STACK */
	A_STRARRAY,  /* argv/envp of exec: shown as a pointer */
	A_ACCESS,    /* access mode: F_OK or R_OK|W_OK|X_OK */
};

/* Which user memory the kernel writes, and how big it is. */
enum rrk_outkind {
	O_NONE = 0,
	O_FIXED,      /* size bytes at args[arg] */
	O_ARGSIZE,    /* args[sizearg] bytes at args[arg] */
	O_RESULT,     /* result bytes (when result > 0) at args[arg] */
	O_ARGxSIZE,   /* args[sizearg] * size bytes at args[arg] */
	O_IOV,        /* iovec array at args[arg], count args[sizearg]; result bytes */
	O_SOCKLEN,    /* socklen_t at args[sizearg] gives the size (before
		       * and after: the smaller), plus the socklen_t itself */
	O_MSGHDR,     /* struct msghdr at args[arg] (recvmsg) */
	O_FDSET,      /* fd_set of args[0] bits at args[arg] */
	O_SPECIAL,    /* decided by code in lib/sys/sysout.c (ioctl, fcntl, ...) */
};
struct rrk_outparam {
	uint8_t kind; /* O_* */
	uint8_t arg;  /* which argument holds the pointer */
	uint8_t sizearg;
	uint32_t size;
};

/* What rec and play do. */
enum rrk_action {
	ACT_UNSUPPORTED = 0, /* rec stops with a clear error naming it */
	ACT_EMULATE,   /* rec runs it and records result and outparams; play
			* writes them back without running it */
	ACT_REAL,      /* address space: rec records it; play runs it for real
			* at the recorded address (mmap, munmap, brk, ...) */
	ACT_FAKE,      /* rec does not run it; it returns fake_result in both */
	ACT_EXEC,      /* execve, execveat */
	ACT_EXIT,      /* exit, exit_group: run for real in both */
	ACT_SIGRETURN, /* rt_sigreturn: run for real in both */
	ACT_CLONE,     /* clone, fork, vfork: a new task, for real in both */
};

#define SF_BLOCKING 0x1  /* may block for a long time */
#define SF_NEWFD 0x2     /* result is a new file descriptor */
#define SF_WRITE 0x4     /* writes args[0]'s fd from user memory (output) */
#define SF_CLOSE 0x8     /* closes args[0] */
#define SF_DUP 0x10      /* result duplicates args[0] (dup, dup2, dup3) */
/* (SF_OUTERR 0x20 is below) */
#define SF_OUTFAIL 0x40    /* outparams are looked for even when it fails (wait4) */
#define SF_FILEDATA 0x80   /* changes a file's bytes (ftruncate, fallocate): shared maps re-read */
#define SF_EXIT_GROUP 0x100 /* ends every thread of the process (exit_group) */
/* ACT_FAKE for a feature programs are written to do without (pkeys,
 * bpf, io_uring...): answered as a kernel without it answers, and rec
 * says so once */
#define SF_FEATURE 0x200

/* The user memory an output syscall (SF_WRITE) hands the kernel: play
 * re-emits these bytes. */
enum rrk_inkind {
	I_NONE = 0,
	I_BUF, /* args[arg], args[sizearg] bytes */
	I_IOV, /* iovec array at args[arg], count args[sizearg] */
};
struct rrk_inparam {
	uint8_t kind; /* I_* */
	uint8_t arg;
	uint8_t sizearg;
};

struct rrk_sysent {
	const char *name;
	uint8_t nargs;
	uint8_t argtype[6];
	struct rrk_outparam out[3];
	uint8_t action;
	uint16_t flags;    /* SF_* */
	int16_t fake_result; /* for ACT_FAKE: e.g. -ENOSYS */
	/* Code of this syscall in the engines (syshooks.h: an id, the
	 * handlers are lib/record/record_sys.c's and lib/replay/replay_sys.c's), and the
	 * argument it looks at (the output fd of sendfile, splice, ...). */
	uint8_t hook;
	uint8_t hook_arg;
	struct rrk_inparam in;
};

#define RRK_NSYSCALLS 462
extern const struct rrk_sysent rrk_systable[RRK_NSYSCALLS];
/* nr's row; outside the table, a row of zeros (no name, ACT_UNSUPPORTED,
 * no hook), so that a number read from a trace needs no check first. */
const struct rrk_sysent *rrk_sys_row(uint64_t nr);
/* The CLONE_* flags a task-creating syscall acts with: clone's args[0],
 * vfork's CLONE_VFORK|CLONE_VM, 0 for fork and anything else. */
uint64_t rrk_sys_clone_flags(uint64_t nr, const uint64_t a[6]);

/* Name for nr, or NULL when nr is outside the table or unnamed. */
const char *rrk_syscall_name(uint64_t nr);
/* nr for a name, or -1. */
long rrk_syscall_number(const char *name);
/* "ENOENT" for 2, or NULL. */
const char *rrk_errno_name(int e);
/* "SIGSEGV" for 11, or NULL. */
const char *rrk_signal_name(int s);
/* How an instruction kind was recorded (RRK_MECH_*), as tracecat and
 * tracesum say it; NULL for an unknown value. */
const char *rrk_mech_text(uint32_t mech);
/* The same as one word ("none", "fault", "patch"), for tracecat --json;
 * NULL for an unknown value. */
const char *rrk_mech_name(uint32_t mech);

/* ioctl knowledge (lib/sys/ioctltable.c). */
struct rrk_ioctlent {
	uint32_t request;
	const char *name;
	uint32_t out_size; /* bytes the kernel writes at the argument, 0 none */
};
/* Entry for request, or NULL. */
const struct rrk_ioctlent *rrk_ioctl_lookup(uint32_t request);

/* ---- additions (lib/sys/systable.c, lib/sys/sysout.c, lib/sys/fmtargs.c) ---- */
#include <stddef.h>

/* Outparams are computed also when the result is -EINTR or one of the
 * kernel's restart codes: nanosleep's remaining time, select's timeout. */
#define SF_OUTERR 0x20

/* Errno values the tracee never sees but a tracer does. */
#define RRK_ERESTARTSYS 512
#define RRK_ERESTARTNOINTR 513
#define RRK_ERESTARTNOHAND 514
#define RRK_ENOIOCTLCMD 515
#define RRK_ERESTART_RESTARTBLOCK 516
/* Whether a syscall's result is one of the kernel's internal codes
 * 512..516 (the restart codes and ENOIOCTLCMD), which record and replay
 * take for a syscall interrupted by a signal that the kernel may restart. */
static inline int rrk_is_restart(int64_t result)
{
	return result <= -RRK_ERESTARTSYS && result >= -RRK_ERESTART_RESTARTBLOCK;
}

/* A piece of tracee memory the kernel wrote. */
struct rrk_memrange {
	uint64_t addr, len;
};
/* Reads len bytes of tracee memory at addr into buf: 0 or -1. */
typedef int (*rrk_peekfn)(void *ctx, uint64_t addr, void *buf, size_t len);

/* Negative returns of the outparam functions. */
#define RRK_OUT_TOOMANY (-1)   /* more ranges than max */
#define RRK_OUT_UNKNOWN (-2)   /* ioctl request without direction/size
				* encoding and not in the table: the
				* written memory cannot be known */
#define RRK_OUT_CANNOT (-3)    /* a known subcommand whose output cannot
				* be described (semctl GETALL, ...) */
#define RRK_OUT_PEEK (-4)      /* peek failed on memory needed to decide */

/* Ranges for an O_SPECIAL syscall (and 0 for anything else). Appends at
 * most max ranges to out, returns their number or RRK_OUT_*. Ranges with
 * addr 0 or len 0 are never returned. peek may be NULL: then the cases
 * that need it fail with RRK_OUT_PEEK. */
int rrk_special_outparams(uint64_t nr, const uint64_t args[6], int64_t result,
			  struct rrk_memrange *out, int max, rrk_peekfn peek,
			  void *ctx);
/* Every range the kernel wrote for this syscall: the table's out[]
 * entries plus O_SPECIAL. Nothing for a failed result (except SF_OUTERR
 * syscalls interrupted by a signal). Same returns as above. */
int rrk_syscall_outparams(uint64_t nr, const uint64_t args[6], int64_t result,
			  struct rrk_memrange *out, int max, rrk_peekfn peek,
			  void *ctx);
/* Bytes the kernel writes at an ioctl's argument: the table's size, else
 * the size in an _IOR/_IOWR encoding, 0 for _IOW and _IO encodings, and -1
 * when it cannot be known (no encoding and not in the table: numbers of
 * the pre-encoding families 0x54xx terminal, 0x89xx socket, 0x12xx block,
 * ...). rec uses this before running an ioctl. */
long rrk_ioctl_out_size(uint32_t request);
/* Short text for an RRK_OUT_* code. */
const char *rrk_outparams_error(int code);

/* strace-like rendering of one syscall, e.g.
 *   openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3
 * and errors as "= -1 ENOENT". strs[i], when strs and strs[i] are not NULL,
 * is the recorded string for argument i (else strings show as addresses).
 * With json != 0 the output is instead the inside of a JSON object (no
 * braces): "name":"openat","args":[...],"result":3,"errno":null
 * Always NUL-terminates (truncating) when len > 0. */
void rrk_format_syscall(char *buf, size_t len, uint64_t nr,
			const uint64_t args[6], int64_t result,
			const char *strs[6], int json);
/* One argument alone, as text (no result). */
void rrk_format_arg(char *buf, size_t len, unsigned argtype, uint64_t v,
		    const char *str);
/* Appends s as a C-style escaped, quoted string (max chars shown, then
 * "..."; max 0 = no limit), or JSON-escaped when json. */
void rrk_quote(char *buf, size_t len, const char *s, size_t max, int json);

/* Signal number for "SIGSEGV" / "SEGV", or -1. */
int rrk_signal_number(const char *name);
/* Errno for "ENOENT", or -1. */
int rrk_errno_number(const char *name);

#endif
