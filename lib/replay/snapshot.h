/* Snapshots of a replay, for going back to where it was: a stopped fork
 * copy of its only task, or a keyframe of the trace built again
 * (snapshot.c). Part of the replay engine; gdb's checkpoints and
 * tracecut use them. */
#ifndef RRK_SNAPSHOT_H
#define RRK_SNAPSHOT_H

#include <stdint.h>
#include <sys/types.h>

#include "replay.h"

struct rrk_snap;
/* Whether the replay can be copied now (one task, nothing pending). */
int rrk_snap_possible(struct replayer *rp);
/* A copy of the replay's only task, about to replay event when; NULL
 * when it cannot be copied here. */
struct rrk_snap *rrk_snap_take(struct replayer *rp, uint64_t when);
/* A snapshot that builds keyframe kf (copied) again, event when next. */
struct rrk_snap *rrk_snap_keyframe(const struct rrk_ev *kf, uint64_t when);
/* Replaces the running replay with a fresh copy of sn (sn stays). */
void rrk_snap_restore(struct replayer *rp, const struct rrk_snap *sn);
/* Kills the copy and frees sn (NULL: nothing). */
void rrk_snap_drop(struct rrk_snap *sn);
/* The stopped copy's pid, or -1 for a keyframe. */
pid_t rrk_snap_pid(const struct rrk_snap *sn);

#endif
