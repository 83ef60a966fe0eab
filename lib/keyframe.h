/* Keyframes: the whole replayed state before an event (keyframe.c). */
#ifndef RRK_KEYFRAME_H
#define RRK_KEYFRAME_H

#include "replay_int.h"
#include "trace.h"

/* Writes a KEYFRAME record for the replay stopped before event `event`
 * (all tasks stopped between events), with its attachments, to w.
 * Returns 0, or -1 with the reason in why. */
int rrk_kf_write(struct replayer *rp, struct rrk_writer *w, uint64_t event, char *why, size_t wl);
/* The pid of the keyframe's first process (the task play starts first). */
uint32_t rrk_kf_first_tid(const struct rrk_ev *ev);
/* Rebuilds the keyframe's processes and threads; rp->cur_t is the replay
 * stub, just started. */
void rrk_kf_build(struct replayer *rp, const struct rrk_ev *ev);

#endif
