/* rrkit trace format v1: the wire layout, every record as it is on disk.
 * doc/trace-format.md is the normative description; keep the two in step.
 * Everything on disk is little-endian. Structs here are the exact wire
 * layout (x86-64 only, so host order == wire order). Each struct is
 * followed by _Static_asserts on its size and on the offset of every
 * field, with the numbers of the spec's tables (its section in a comment),
 * so a change to either side that the other does not follow stops the
 * build. The reader/writer API and in-memory types are in trace.h. */
#ifndef RRK_WIRE_H
#define RRK_WIRE_H

#include <stddef.h>
#include <stdint.h>

/* The spec puts field f of struct s at byte off; a struct is n bytes. */
#define RRK_WIRE_AT(s, f, off) \
	_Static_assert(offsetof(struct s, f) == (off), #s "." #f " at " #off)
#define RRK_WIRE_SIZE(s, n) \
	_Static_assert(sizeof(struct s) == (n), "sizeof " #s " == " #n)

#define RRK_FORMAT_VERSION 1

/* File preamble: 16 bytes. */
#define RRK_MAGIC "\x89RRKIT\r\n"
#define RRK_MAGIC_LEN 8
struct rrk_preamble {
	char magic[8];
	uint32_t version;  /* RRK_FORMAT_VERSION */
	uint32_t crc;      /* crc32c of the 12 bytes before it */
};
/* spec 3 */
RRK_WIRE_SIZE(rrk_preamble, 16);
RRK_WIRE_AT(rrk_preamble, magic, 0);
RRK_WIRE_AT(rrk_preamble, version, 8);
RRK_WIRE_AT(rrk_preamble, crc, 12);

/* Frame header: 32 bytes, then comp_size bytes of one zstd frame that
 * decompresses to raw_size bytes holding nrecords whole records. */
#define RRK_FRAME_MAGIC 0x52464b52u /* "RKFR" */
#define RRK_FRAME_MAX_RAW (64u << 20)
#define RRK_FRAME_MAX_COMP (RRK_FRAME_MAX_RAW + (1u << 20))
struct rrk_frame_hdr {
	uint32_t magic;
	uint32_t raw_size;
	uint32_t comp_size;
	uint32_t nrecords;
	uint64_t seq;         /* frame number, 0 for the first */
	uint32_t payload_crc; /* crc32c of the compressed payload */
	uint32_t hdr_crc;     /* crc32c of the 28 bytes before it */
};
/* spec 4 */
RRK_WIRE_SIZE(rrk_frame_hdr, 32);
RRK_WIRE_AT(rrk_frame_hdr, magic, 0);
RRK_WIRE_AT(rrk_frame_hdr, raw_size, 4);
RRK_WIRE_AT(rrk_frame_hdr, comp_size, 8);
RRK_WIRE_AT(rrk_frame_hdr, nrecords, 12);
RRK_WIRE_AT(rrk_frame_hdr, seq, 16);
RRK_WIRE_AT(rrk_frame_hdr, payload_crc, 24);
RRK_WIRE_AT(rrk_frame_hdr, hdr_crc, 28);

/* Record header: 8 bytes, then size bytes of payload. */
#define RRK_REC_MAX (16u << 20)
struct rrk_rec_hdr {
	uint16_t type;
	uint16_t flags; /* RRK_RF_* */
	uint32_t size;
};
/* spec 5 */
RRK_WIRE_SIZE(rrk_rec_hdr, 8);
RRK_WIRE_AT(rrk_rec_hdr, type, 0);
RRK_WIRE_AT(rrk_rec_hdr, flags, 2);
RRK_WIRE_AT(rrk_rec_hdr, size, 4);
#define RRK_RF_SKIPPABLE 0x1 /* a reader that does not know the type skips it */

enum rrk_rec_type {
	RRK_REC_HEADER = 1, /* first record of a trace: TLV fields */
	RRK_REC_BLOB = 2,   /* a piece of a file stored by content digest */
	RRK_REC_EVENT = 3,  /* one event, followed by its nattach attachments */
	RRK_REC_MEM = 4,    /* attachment: bytes the event writes at addr */
	RRK_REC_MAP = 5,    /* attachment: a mapping the event creates */
	RRK_REC_STR = 6,    /* attachment: a string argument, for display */
	RRK_REC_END = 7,    /* last record */
	RRK_REC_NOTE = 8,   /* skippable: a warning the recorder printed */
	RRK_REC_POINT = 9,  /* attachment: the execution point of the event */
	RRK_REC_KEYFRAME = 10, /* the whole replayed state before an event,
				* followed by its nattach MAP, MEM and PATCH records */
	RRK_REC_SYSBUF = 11, /* attachment: syscalls the task made through its
			      * syscall buffer since its previous event */
	RRK_REC_PATCH = 12,  /* attachment: instructions rec made trap by
			      * rewriting them (an array of rrk_patch_site) */
};

/* PATCH payload: one or more of these. rec replaced the instruction of
 * len bytes at addr (its original bytes in orig) by int 0xf3 (cd f3),
 * which faults with SIGSEGV, followed by nops,
 * in the event's process, right after the event's own effect on memory. */
enum rrk_patch_kind {
	RRK_PATCH_RDTSC = 1,
	RRK_PATCH_RDTSCP = 2,
	RRK_PATCH_CPUID = 3,
};
struct rrk_patch_site {
	uint64_t addr;
	uint8_t kind;   /* RRK_PATCH_* */
	uint8_t len;    /* 2..15 */
	uint8_t reserved[6];
	uint8_t orig[16];
};
/* spec 5.12 */
RRK_WIRE_SIZE(rrk_patch_site, 32);
RRK_WIRE_AT(rrk_patch_site, addr, 0);
RRK_WIRE_AT(rrk_patch_site, kind, 8);
RRK_WIRE_AT(rrk_patch_site, len, 9);
RRK_WIRE_AT(rrk_patch_site, reserved, 10);
RRK_WIRE_AT(rrk_patch_site, orig, 16);

/* SYSBUF payload: this header, then the buffer's count records, filling
 * the rest of the payload, as the preload library wrote them
 * (lib/abi/sysbuf.h). */
struct rrk_sysbuf {
	uint64_t addr;    /* the buffer's header in the task */
	uint64_t offset;  /* where the records start, after the header */
	uint32_t count;   /* records */
	uint16_t version; /* RRK_SB_VERSION */
	uint16_t flags;   /* RRK_SYSBUF_* */
};
/* spec 5.11 */
RRK_WIRE_SIZE(rrk_sysbuf, 24);
RRK_WIRE_AT(rrk_sysbuf, addr, 0);
RRK_WIRE_AT(rrk_sysbuf, offset, 8);
RRK_WIRE_AT(rrk_sysbuf, count, 16);
RRK_WIRE_AT(rrk_sysbuf, version, 20);
RRK_WIRE_AT(rrk_sysbuf, flags, 22);
#define RRK_SYSBUF_EMPTIED 0x1 /* rec emptied the buffer at this event */

/* HEADER payload: a sequence of fields, each {u16 tag, u16 0, u32 len, bytes}. */
enum rrk_hdr_tag {
	RRK_H_ARCH = 1,      /* "x86_64" */
	RRK_H_RECORDER = 2,  /* "rrkit 0.1.0" */
	RRK_H_OPTIONS = 3,   /* rec's options, as text */
	RRK_H_CPUID = 4,     /* array of struct rrk_cpuid_leaf */
	RRK_H_ARGV = 5,      /* NUL-terminated strings */
	RRK_H_ENV = 6,       /* NUL-terminated strings */
	RRK_H_CWD = 7,       /* string */
	RRK_H_COUNTERS = 8,  /* "none" or the counter event used */
	RRK_H_CPU = 9,       /* u32: CPU the recording was pinned to */
	RRK_H_FLAGS = 10,    /* u32: RRK_HF_* */
	RRK_H_START = 11,    /* u64: wall-clock start, ns since the epoch */
	RRK_H_HOST = 12,     /* string: kernel release of the recording host */
	RRK_H_SYSBUF = 13,   /* u32: syscall buffer protocol version (0: off) */
	RRK_H_TRAPS = 14,    /* struct rrk_hdr_traps: how rdtsc and cpuid were recorded */
	RRK_H_CPU_LEVEL = 15, /* u32: RRK_CPU_* the program's cpuid was reduced to */
};
/* How an instruction kind was made to stop the program. A trace without
 * RRK_H_TRAPS: rdtsc FAULT, cpuid FAULT with RRK_HF_CPUID_TRAPPED, else NONE. */
enum rrk_mech {
	RRK_MECH_NONE = 0,  /* not recorded: it ran on the CPU */
	RRK_MECH_FAULT = 1, /* the CPU faulted (PR_SET_TSC, ARCH_SET_CPUID) */
	RRK_MECH_PATCH = 2, /* rec rewrote each instruction (PATCH attachments) */
};
struct rrk_hdr_traps {
	uint32_t rdtsc; /* rdtsc and rdtscp: RRK_MECH_* */
	uint32_t cpuid;
};
/* spec 5.1, tag 14 */
RRK_WIRE_SIZE(rrk_hdr_traps, 8);
RRK_WIRE_AT(rrk_hdr_traps, rdtsc, 0);
RRK_WIRE_AT(rrk_hdr_traps, cpuid, 4);
enum rrk_cpu_level {
	RRK_CPU_HOST = 0,     /* the recording CPU's features, less rdrand/rdseed/TSX */
	RRK_CPU_BASELINE = 1, /* x86-64-v2: no AVX, no AVX-512, no XSAVE */
};
#define RRK_HF_CPUID_TRAPPED 0x1 /* cpuid faulted and was recorded */
#define RRK_HF_TSC_TRAPPED 0x2   /* rdtsc faulted and was recorded */

struct rrk_cpuid_leaf {
	uint32_t leaf, subleaf, eax, ebx, ecx, edx;
};
/* spec 5.1, tag 4 */
RRK_WIRE_SIZE(rrk_cpuid_leaf, 24);
RRK_WIRE_AT(rrk_cpuid_leaf, leaf, 0);
RRK_WIRE_AT(rrk_cpuid_leaf, subleaf, 4);
RRK_WIRE_AT(rrk_cpuid_leaf, eax, 8);
RRK_WIRE_AT(rrk_cpuid_leaf, ebx, 12);
RRK_WIRE_AT(rrk_cpuid_leaf, ecx, 16);
RRK_WIRE_AT(rrk_cpuid_leaf, edx, 20);

/* BLOB payload: 48-byte header then data. A blob may be split into
 * several records; offsets ascend and cover [0, total) exactly. */
struct rrk_blob {
	uint8_t digest[32]; /* SHA-256 of the whole file */
	uint64_t total;
	uint64_t offset;
};
/* spec 5.2 */
RRK_WIRE_SIZE(rrk_blob, 48);
RRK_WIRE_AT(rrk_blob, digest, 0);
RRK_WIRE_AT(rrk_blob, total, 32);
RRK_WIRE_AT(rrk_blob, offset, 40);

/* Registers: the layout of struct user_regs_struct on x86-64. */
struct rrk_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
	uint64_t rax, rcx, rdx, rsi, rdi, orig_rax, rip, cs, eflags, rsp, ss;
	uint64_t fs_base, gs_base, ds, es, fs, gs;
};
/* spec 6 */
RRK_WIRE_SIZE(rrk_regs, 216);
RRK_WIRE_AT(rrk_regs, r15, 0);
RRK_WIRE_AT(rrk_regs, r14, 8);
RRK_WIRE_AT(rrk_regs, r13, 16);
RRK_WIRE_AT(rrk_regs, r12, 24);
RRK_WIRE_AT(rrk_regs, rbp, 32);
RRK_WIRE_AT(rrk_regs, rbx, 40);
RRK_WIRE_AT(rrk_regs, r11, 48);
RRK_WIRE_AT(rrk_regs, r10, 56);
RRK_WIRE_AT(rrk_regs, r9, 64);
RRK_WIRE_AT(rrk_regs, r8, 72);
RRK_WIRE_AT(rrk_regs, rax, 80);
RRK_WIRE_AT(rrk_regs, rcx, 88);
RRK_WIRE_AT(rrk_regs, rdx, 96);
RRK_WIRE_AT(rrk_regs, rsi, 104);
RRK_WIRE_AT(rrk_regs, rdi, 112);
RRK_WIRE_AT(rrk_regs, orig_rax, 120);
RRK_WIRE_AT(rrk_regs, rip, 128);
RRK_WIRE_AT(rrk_regs, cs, 136);
RRK_WIRE_AT(rrk_regs, eflags, 144);
RRK_WIRE_AT(rrk_regs, rsp, 152);
RRK_WIRE_AT(rrk_regs, ss, 160);
RRK_WIRE_AT(rrk_regs, fs_base, 168);
RRK_WIRE_AT(rrk_regs, gs_base, 176);
RRK_WIRE_AT(rrk_regs, ds, 184);
RRK_WIRE_AT(rrk_regs, es, 192);
RRK_WIRE_AT(rrk_regs, fs, 200);
RRK_WIRE_AT(rrk_regs, gs, 208);

/* The event kinds, each once: X(NAME, number, name in messages and
 * tracecat). SCHED: the recorder preempted the task here. */
#define RRK_EVENT_KINDS(X)            \
	X(SYSCALL, 1, "syscall")      \
	X(RDTSC, 2, "rdtsc")          \
	X(CPUID, 3, "cpuid")          \
	X(SIGNAL, 4, "signal")        \
	X(EXEC, 5, "exec")            \
	X(EXIT, 6, "exit")            \
	X(SCHED, 7, "sched")
#define RRK_EV_ENUM_(name, num, text) RRK_EV_##name = num,
enum rrk_event_kind {
	RRK_EVENT_KINDS(RRK_EV_ENUM_)
	/* Not on disk as an event: rrk_read_event returns a KEYFRAME record
	 * as an rrk_ev of this kind (number: the event it precedes). */
	RRK_EV_KEYFRAME = 100,
};
#undef RRK_EV_ENUM_
/* One more than the highest kind on disk: kinds index [0, RRK_EV_NKINDS). */
#define RRK_EV_NKINDS 8

/* EVENT payload: this common part, then the kind's body. */
struct rrk_event {
	uint64_t number;      /* 1, 2, 3, ... across the whole trace */
	uint32_t tid;         /* thread id at record time */
	uint16_t kind;        /* RRK_EV_* */
	uint16_t flags;       /* RRK_EVF_* */
	uint32_t nattach;     /* attachment records that follow */
	uint32_t body_size;   /* bytes of kind body after this struct */
	struct rrk_regs regs; /* registers when the event happened */
};
/* spec 5.3 */
RRK_WIRE_SIZE(rrk_event, 240);
RRK_WIRE_AT(rrk_event, number, 0);
RRK_WIRE_AT(rrk_event, tid, 8);
RRK_WIRE_AT(rrk_event, kind, 12);
RRK_WIRE_AT(rrk_event, flags, 14);
RRK_WIRE_AT(rrk_event, nattach, 16);
RRK_WIRE_AT(rrk_event, body_size, 20);
RRK_WIRE_AT(rrk_event, regs, 24);
#define RRK_EVF_STDOUT 0x1   /* a write to the recorded stdout */
#define RRK_EVF_STDERR 0x2   /* a write to the recorded stderr */
#define RRK_EVF_INITIAL 0x4  /* EXEC: the first exec, no recorded syscall entry */
#define RRK_EVF_FAKED 0x8    /* SYSCALL: not executed at record; result invented */
#define RRK_EVF_AT_SYSCALL 0x10 /* SIGNAL, SCHED: at the previous syscall's
				 * return, before any user instruction */
#define RRK_EVF_ENTER 0x20   /* SYSCALL: the task entered a syscall that may
			      * block; its result comes in a later event
			      * (for vfork and clone, result is the child) */
#define RRK_EVF_ENTERED 0x40 /* SYSCALL: the result of the task's ENTER */
#define RRK_EVF_EXECPOINT 0x80 /* SIGNAL, SCHED: happened in user code at the
				* execution point named by regs and the POINT
				* attachment */
#define RRK_EVF_RUNS_ON 0x100  /* SCHED: stopped in user code, but no other
				* task shares its memory: replay lets it run
				* on to its next event (no point here) */

struct rrk_ev_syscall {
	uint64_t nr;
	uint64_t args[6];
	int64_t result;
};
/* spec 5.3, SYSCALL */
RRK_WIRE_SIZE(rrk_ev_syscall, 64);
RRK_WIRE_AT(rrk_ev_syscall, nr, 0);
RRK_WIRE_AT(rrk_ev_syscall, args, 8);
RRK_WIRE_AT(rrk_ev_syscall, result, 56);
/* A clone, fork or vfork whose child is in another PID namespace than
 * the recorder sees it in: `result` is the tid the caller got, `task` the
 * tid the trace's events name the child by (spec 5.3, SYSCALL). */
struct rrk_ev_syscall_task {
	struct rrk_ev_syscall call;
	uint64_t task;
};
RRK_WIRE_SIZE(rrk_ev_syscall_task, 72);
RRK_WIRE_AT(rrk_ev_syscall_task, task, 64);
struct rrk_ev_rdtsc {
	uint64_t tsc;
	uint32_t aux;        /* rdtscp's ecx */
	uint32_t is_rdtscp;
};
/* spec 5.3, RDTSC */
RRK_WIRE_SIZE(rrk_ev_rdtsc, 16);
RRK_WIRE_AT(rrk_ev_rdtsc, tsc, 0);
RRK_WIRE_AT(rrk_ev_rdtsc, aux, 8);
RRK_WIRE_AT(rrk_ev_rdtsc, is_rdtscp, 12);
struct rrk_ev_cpuid {
	uint32_t leaf, subleaf, eax, ebx, ecx, edx;
};
/* spec 5.3, CPUID */
RRK_WIRE_SIZE(rrk_ev_cpuid, 24);
RRK_WIRE_AT(rrk_ev_cpuid, leaf, 0);
RRK_WIRE_AT(rrk_ev_cpuid, subleaf, 4);
RRK_WIRE_AT(rrk_ev_cpuid, eax, 8);
RRK_WIRE_AT(rrk_ev_cpuid, ebx, 12);
RRK_WIRE_AT(rrk_ev_cpuid, ecx, 16);
RRK_WIRE_AT(rrk_ev_cpuid, edx, 20);
enum rrk_sig_disp {
	RRK_SIG_HANDLED = 1, /* a handler ran: regs_after + MEM frame */
	RRK_SIG_IGNORED = 2, /* nothing happened */
	RRK_SIG_FATAL = 3,   /* the process died of it (EXIT follows) */
	RRK_SIG_STOPPED = 4, /* a job-control stop: the process stopped until a SIGCONT */
};
struct rrk_ev_signal {
	uint32_t signo;
	uint32_t disposition; /* RRK_SIG_* */
	uint32_t synchronous; /* raised by the faulting instruction itself */
	uint32_t reserved;
	uint8_t siginfo[128];
	struct rrk_regs regs_after; /* at the handler's first instruction */
};
/* spec 5.3, SIGNAL */
RRK_WIRE_SIZE(rrk_ev_signal, 360);
RRK_WIRE_AT(rrk_ev_signal, signo, 0);
RRK_WIRE_AT(rrk_ev_signal, disposition, 4);
RRK_WIRE_AT(rrk_ev_signal, synchronous, 8);
RRK_WIRE_AT(rrk_ev_signal, reserved, 12);
RRK_WIRE_AT(rrk_ev_signal, siginfo, 16);
RRK_WIRE_AT(rrk_ev_signal, regs_after, 144);
struct rrk_ev_exec {
	uint64_t nr;          /* execve or execveat; 0 for the initial exec */
	uint64_t args[6];
	struct rrk_regs regs_after; /* at the new program's first instruction */
	uint64_t brk;         /* program break after exec */
	uint64_t stack_limit; /* RLIMIT_STACK soft limit at exec */
	uint32_t new_tid;     /* the task's tid after exec: a thread that is
			       * not the leader takes the leader's (else 0) */
	uint32_t reserved;
};
/* spec 5.3, EXEC */
RRK_WIRE_SIZE(rrk_ev_exec, 296);
RRK_WIRE_AT(rrk_ev_exec, nr, 0);
RRK_WIRE_AT(rrk_ev_exec, args, 8);
RRK_WIRE_AT(rrk_ev_exec, regs_after, 56);
RRK_WIRE_AT(rrk_ev_exec, brk, 272);
RRK_WIRE_AT(rrk_ev_exec, stack_limit, 280);
RRK_WIRE_AT(rrk_ev_exec, new_tid, 288);
RRK_WIRE_AT(rrk_ev_exec, reserved, 292);
struct rrk_ev_sched {
	uint32_t reserved[2];
};
/* spec 5.3, SCHED */
RRK_WIRE_SIZE(rrk_ev_sched, 8);
RRK_WIRE_AT(rrk_ev_sched, reserved, 0);

/* POINT payload: an execution point without a branch counter is the
 * task's complete state: registers (the event's regs), the FPU/SSE state
 * and a digest of its writable private memory, over the ranges that
 * follow this struct (nranges pairs of u64 start, end). */
struct rrk_point {
	uint64_t digest; /* rrk_mem_digest over the ranges */
	uint32_t nranges;
	uint32_t reserved;
	uint8_t fpregs[512]; /* FXSAVE layout (PTRACE_GETFPREGS) */
};
/* spec 5.9 */
RRK_WIRE_SIZE(rrk_point, 528);
RRK_WIRE_AT(rrk_point, digest, 0);
RRK_WIRE_AT(rrk_point, nranges, 8);
RRK_WIRE_AT(rrk_point, reserved, 12);
RRK_WIRE_AT(rrk_point, fpregs, 16);

struct rrk_ev_exit {
	int32_t status; /* wait status (as from waitpid) */
	uint32_t reserved;
};
/* spec 5.3, EXIT */
RRK_WIRE_SIZE(rrk_ev_exit, 8);
RRK_WIRE_AT(rrk_ev_exit, status, 0);
RRK_WIRE_AT(rrk_ev_exit, reserved, 4);

/* MEM payload: where the bytes go, then the bytes. */
struct rrk_mem {
	uint64_t addr;
};
/* spec 5.4 */
RRK_WIRE_SIZE(rrk_mem, 8);
RRK_WIRE_AT(rrk_mem, addr, 0);

/* KEYFRAME payload: this struct, nprocs rrk_kf_proc, then nthreads
 * rrk_kf_thread each followed by its xsave_len bytes of XSAVE area
 * (padded to 8). The attachments are, process by process, each mapping's
 * MAP record followed by MEM records for its bytes that are neither zero
 * nor the mapped file's. */
struct rrk_keyframe {
	uint64_t event;    /* the event replayed next */
	uint32_t nattach;  /* MAP, MEM and PATCH records that follow */
	uint32_t nprocs;
	uint32_t nthreads;
	uint32_t reserved;
};
/* spec 5.10, fixed part */
RRK_WIRE_SIZE(rrk_keyframe, 24);
RRK_WIRE_AT(rrk_keyframe, event, 0);
RRK_WIRE_AT(rrk_keyframe, nattach, 8);
RRK_WIRE_AT(rrk_keyframe, nprocs, 12);
RRK_WIRE_AT(rrk_keyframe, nthreads, 16);
RRK_WIRE_AT(rrk_keyframe, reserved, 20);
struct rrk_kf_proc {
	uint32_t pid;      /* recorded pid */
	uint32_t nattach;  /* its share of the attachments, in order */
	uint64_t brk;      /* program break */
	uint64_t auxv;     /* address and size of its auxiliary vector */
	uint64_t auxv_len;
	char exe[256];     /* its executable's path (NUL-padded) */
};
/* spec 5.10, process entry */
RRK_WIRE_SIZE(rrk_kf_proc, 288);
RRK_WIRE_AT(rrk_kf_proc, pid, 0);
RRK_WIRE_AT(rrk_kf_proc, nattach, 4);
RRK_WIRE_AT(rrk_kf_proc, brk, 8);
RRK_WIRE_AT(rrk_kf_proc, auxv, 16);
RRK_WIRE_AT(rrk_kf_proc, auxv_len, 24);
RRK_WIRE_AT(rrk_kf_proc, exe, 32);
#define RRK_KF_AT_ENTRY 0x1 /* parked at the entry of an ENTERed syscall */
#define RRK_KF_RESTART 0x2  /* a syscall restart is pending (restart_nr) */
#define RRK_KF_IN_SYSCALL 0x8 /* stopped at the entry of a syscall the kernel
			       * runs when it resumes (rt_sigreturn) */
#define RRK_KF_EXITING 0x4  /* on its way out: only its exit event follows;
			     * no registers, not part of a listed process */
struct rrk_kf_thread {
	uint32_t tid;      /* recorded tid */
	uint32_t pid;      /* its process */
	uint32_t flags;    /* RRK_KF_* */
	uint32_t xsave_len;
	uint64_t restart_nr;
	uint64_t clear_tid;     /* where the kernel clears the tid at exit */
	uint64_t last_ev, last_stop_ev;
	uint32_t last_kind;
	char name[16];
	uint32_t reserved;
	struct rrk_regs regs;   /* at a syscall entry: as the stop shows them */
};
/* spec 5.10, thread entry (fixed part) */
RRK_WIRE_SIZE(rrk_kf_thread, 288);
RRK_WIRE_AT(rrk_kf_thread, tid, 0);
RRK_WIRE_AT(rrk_kf_thread, pid, 4);
RRK_WIRE_AT(rrk_kf_thread, flags, 8);
RRK_WIRE_AT(rrk_kf_thread, xsave_len, 12);
RRK_WIRE_AT(rrk_kf_thread, restart_nr, 16);
RRK_WIRE_AT(rrk_kf_thread, clear_tid, 24);
RRK_WIRE_AT(rrk_kf_thread, last_ev, 32);
RRK_WIRE_AT(rrk_kf_thread, last_stop_ev, 40);
RRK_WIRE_AT(rrk_kf_thread, last_kind, 48);
RRK_WIRE_AT(rrk_kf_thread, name, 52);
RRK_WIRE_AT(rrk_kf_thread, reserved, 68);
RRK_WIRE_AT(rrk_kf_thread, regs, 72);

/* MAP payload: this, then the mapping's name (no NUL). */
#define RRK_MAP_FILE 0x1   /* contents come from blob digest at offset */
#define RRK_MAP_STACK 0x2  /* the main stack: grows down */
#define RRK_MAP_SHARED 0x4 /* was MAP_SHARED at record time */
struct rrk_map {
	uint64_t start, end;
	uint32_t prot;  /* PROT_* */
	uint32_t flags; /* RRK_MAP_* */
	uint64_t offset;    /* file offset of start */
	uint64_t file_size; /* size of the blob */
	uint8_t digest[32];
};
/* spec 5.5 */
RRK_WIRE_SIZE(rrk_map, 72);
RRK_WIRE_AT(rrk_map, start, 0);
RRK_WIRE_AT(rrk_map, end, 8);
RRK_WIRE_AT(rrk_map, prot, 16);
RRK_WIRE_AT(rrk_map, flags, 20);
RRK_WIRE_AT(rrk_map, offset, 24);
RRK_WIRE_AT(rrk_map, file_size, 32);
RRK_WIRE_AT(rrk_map, digest, 40);

/* STR payload: argument index, then the string (no NUL). */
struct rrk_str {
	uint32_t argno;
	uint32_t reserved;
};
/* spec 5.6 */
RRK_WIRE_SIZE(rrk_str, 8);
RRK_WIRE_AT(rrk_str, argno, 0);
RRK_WIRE_AT(rrk_str, reserved, 4);

/* END payload. */
enum rrk_end_how {
	RRK_END_EXITED = 1,   /* code is the exit status */
	RRK_END_SIGNALED = 2, /* code is the signal number */
	RRK_END_ABORTED = 3,  /* rec stopped recording; reason follows */
	RRK_END_CUT = 4,      /* tracecut kept the events up to here; reason follows */
};
struct rrk_end {
	uint64_t nevents;
	uint32_t how;
	int32_t code;
	uint8_t digest[32]; /* SHA-256 of every decoded record before END */
	/* then, for ABORTED and CUT, the reason text (no NUL) */
};
/* spec 5.7 */
RRK_WIRE_SIZE(rrk_end, 48);
RRK_WIRE_AT(rrk_end, nevents, 0);
RRK_WIRE_AT(rrk_end, how, 8);
RRK_WIRE_AT(rrk_end, code, 12);
RRK_WIRE_AT(rrk_end, digest, 16);

#undef RRK_WIRE_AT
#undef RRK_WIRE_SIZE

#endif
