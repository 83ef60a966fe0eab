/* Waits with a deadline: a one-shot timer whose signal interrupts the
 * blocking system call (waitpid) of the thread that made it with EINTR,
 * and does nothing else. */
#ifndef RRK_WAKE_H
#define RRK_WAKE_H

#include <stdint.h>
#include <time.h>

/* A timer for the calling thread; 0, or -1. */
int rrk_wake_make(timer_t *tm);
/* Fires once after ns (0: off). */
void rrk_wake_set(timer_t tm, uint64_t ns);

#endif
