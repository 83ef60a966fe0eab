/* rec's and play's side of the syscall buffer (sbuf.c; the protocol is
 * lib/abi/sysbuf.h). */
#ifndef RRK_SBUF_H
#define RRK_SBUF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "abi/sysbuf.h"
#include "tracee.h"

/* The entry page's first RRK_SB_IMAGE_LEN bytes, for rec (replay 0) or
 * play (replay 1). */
#define RRK_SB_IMAGE_LEN (RRK_SB_TRACED + 8)
void rrk_sb_page_image(int replay, uint8_t out[RRK_SB_IMAGE_LEN]);

/* Calls fn for each record of data[0..len); stops when fn returns
 * non-zero. Returns the number of records, or -1 when they do not tile
 * len exactly (a corrupt buffer). */
long rrk_sb_walk(const uint8_t *data, size_t len,
		 int (*fn)(void *ctx, const struct rrk_sb_rec *r, const uint8_t *d, size_t dl),
		 void *ctx);

/* Gives t (stopped at a syscall stop, in a process whose entry page is
 * filled in) its desched event: a context-switch counter that signals
 * RRK_SB_DESCHED_SIG to t when t is switched out while it is armed.
 * The descriptor is placed at old_fd when old_fd >= 0 (a fork child's
 * inherited one), else above 900. Returns it, or -errno. t's registers
 * are kept. */
int rrk_sb_desched_setup(struct tracee *t, uint64_t hdr, int old_fd);

/* rec, at its start: opens an event like the desched one for the calling
 * thread, on a second thread (kept off avoid_cpu, the program's), and
 * keeps it open. The kernel's first such event in a while switches its
 * software-event hooks on, which took 0.1 to 20 ms here; this way that
 * happens while the program starts, not while it waits for its first
 * desched event. */
void rrk_sb_warm_desched(int avoid_cpu);

#endif
