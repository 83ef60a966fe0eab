/* rec --keyframe-interval: keyframes written while recording (keyframer.c). */
#ifndef RRK_KEYFRAMER_H
#define RRK_KEYFRAMER_H

#include <stdint.h>

/* Copies the trace arriving on in_fd to out_fd (called name in messages),
 * adding a keyframe before every `every`-th event, made by replaying the
 * trace as it arrives. Returns 0, or exits with one message when out_fd
 * cannot be written. */
int rrk_keyframer(int in_fd, int out_fd, const char *name, uint64_t every, int level);

#endif
