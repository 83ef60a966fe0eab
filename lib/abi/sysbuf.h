/* The syscall buffer protocol, version 1: what the preload library, rec
 * and play agree on (doc/design.md "The syscall buffer", and
 * doc/trace-format.md for the part stored in traces). Freestanding: the
 * library includes it too. */
#ifndef RRK_SYSBUF_H
#define RRK_SYSBUF_H

#include <stdint.h>

#include "sysnr.h" /* RRK_SYS_SBINIT: the call that registers a buffer */

#define RRK_SB_VERSION 1

/* The page of entry points, mapped by the library at this fixed address
 * in every process. rec lets syscalls made from its first
 * RRK_SB_UNTRACED_LEN bytes through its seccomp filter; rec writes the
 * record variant of the page and play (through a MEM attachment) the
 * replay variant, so the library's own code is the same in both. */
#define RRK_SB_PAGE 0x6ffe0000ull
#define RRK_SB_UNTRACED_LEN 256
#define RRK_SB_ENTRY 0    /* the buffered call: rax = nr, args as for syscall, r11 = header */
#define RRK_SB_ARM 96     /* r11 = header: enable the desched event (record) */
#define RRK_SB_DISARM 160 /* r11 = header: disable it again */
#define RRK_SB_SYNC 208   /* rdi = the program's memory, rsi = a record's data, rcx =
			   * bytes: rec copies the program's to the record, play the
			   * record's to the program (what a call wrote in place) */
#define RRK_SB_TRACED 256 /* an ordinary (traced) syscall instruction */

/* A thread's buffer: this header, then records. */
#define RRK_SB_HDR_SIZE 1024
#define RRK_SB_SIZE (1u << 20) /* header and records */
struct rrk_sb_hdr {
	uint32_t version;
	uint32_t size;       /* bytes for records after the header */
	uint64_t used;       /* bytes of records since the buffer was last emptied */
	uint64_t left;       /* play: records filled in and not yet used */
	uint32_t busy;       /* the library is inside a buffered call */
	uint32_t redirected; /* the current call became an ordinary (traced) syscall */
	int32_t desched_fd;  /* rec: the context-switch event, or -1 */
	uint32_t attempt;    /* the call is a no-wait attempt: play answers
			      * -EAGAIN when the recording has no record for it */
	uint8_t out_fds[128]; /* bit per fd below 1024: the recorded stdout or
			       * stderr (writes to them are not buffered) */
	uint8_t scratch[256]; /* rec: room for its injected syscalls' arguments */
	/* What the library learned of an fd below 1024 (its own fstat):
	 * known, a regular file (whose reads and writes never wait), a pipe
	 * (whose writes it makes PIPE_BUF bytes at a time). rec forgets
	 * them all when an fd changes under a traced syscall. */
	uint8_t fd_known[128];
	uint8_t fd_regular[128];
	uint8_t fd_pipe[128];
};

/* One buffered syscall. data: what the kernel wrote for it, in the order
 * of its outputs (see the library's table), 8-byte aligned. */
struct rrk_sb_rec {
	uint32_t size; /* the whole record, a multiple of 8 */
	uint16_t nr;
	uint16_t flags; /* RRK_SBR_* */
	int64_t ret;
	uint64_t args[6];
};

/* The call became an ordinary syscall (rec traced it; the trace has it
 * as an event). Its record keeps what the kernel wrote where the library
 * copies it from, so that play, filling in the records that follow,
 * writes the same bytes there. */
#define RRK_SBR_TRACED 0x1
/* A no-wait attempt came before the call and failed (EAGAIN): play's
 * page answers the attempt with EAGAIN too. */
#define RRK_SBR_RETRIED 0x2
#define RRK_SB_OFF_FLAGS 6 /* in a record */
#define RRK_SB_OFF_USED 8
#define RRK_SB_OFF_BUSY 24
#define RRK_SB_OFF_ATTEMPT 36
#define RRK_SB_OFF_LEFT 16
#define RRK_SB_OFF_REDIRECTED 28
#define RRK_SB_OFF_DESCHED 32
#define RRK_SB_OFF_RET 8 /* in a record */

/* The desched signal: the context-switch event's overflow, delivered to
 * the thread while it waits inside a buffered syscall. */
#define RRK_SB_DESCHED_SIG 16 /* SIGSTKFLT */

#endif
