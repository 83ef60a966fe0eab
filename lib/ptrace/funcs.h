/* Function bounds in a tracee's code from the unwind tables every
 * compiler emits (.eh_frame_hdr), read from the tracee's memory: enough
 * to decode a function from its start and know where instructions
 * begin. */
#ifndef RRK_FUNCS_H
#define RRK_FUNCS_H

#include <stdint.h>

#include "tracee.h"

/* [*start, *end) of the function containing addr in t; 0, or -1 when
 * addr's object has no such table or no entry covers addr. */
int rrk_func_bounds(struct tracee *t, uint64_t addr, uint64_t *start, uint64_t *end);

#endif
