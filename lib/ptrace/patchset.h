/* The instructions rec rewrote to trap in one address space (rdtsc,
 * rdtscp, cpuid on CPUs that do not fault them): rec and play keep the
 * same set, so that a trap is recognised, and a debugger, a keyframe or a
 * memory digest sees the original bytes. */
#ifndef RRK_PATCHSET_H
#define RRK_PATCHSET_H

#include <stddef.h>
#include <stdint.h>

#include "sites.h"
#include "format/trace.h"
#include "tracee.h"

struct rrk_patchset {
	struct rrk_patch_site *v; /* sorted by addr, not overlapping */
	size_t n, cap;
};

/* The bytes a site is rewritten to: int 0xf3, then nops up to its
 * length. A user-mode int to a vector without a user gate faults (#GP:
 * SIGSEGV at the instruction, as rdtsc under PR_SET_TSC does); in a KVM
 * guest it costs 3.2 us where ud2's #UD, which the hypervisor intercepts,
 * costs 12.4 us. */
void rrk_patch_bytes(uint8_t out[16]);
/* What faulted at rip, whose first bytes are b[0..2]: a site of ps
 * rewritten to trap (*rewritten set; kind 0 when int 0xf3 is there but
 * no site), or an unprefixed rdtsc, rdtscp or cpuid the CPU faulted.
 * Returns its kind (RRK_PATCH_*) or 0, and its length in *len. */
unsigned rrk_trap_at(const struct rrk_patchset *ps, uint64_t rip, const uint8_t b[3], unsigned *len,
		     int *rewritten);
/* Whether code holds the instruction kind ends with (prefixes aside). */
int rrk_patch_opcode_ok(unsigned kind, const uint8_t *code, unsigned len);
void rrk_ps_add(struct rrk_patchset *ps, const struct rrk_patch_site *s);
/* The site starting at addr, or NULL. */
const struct rrk_patch_site *rrk_ps_find(const struct rrk_patchset *ps, uint64_t addr);
/* Forgets the sites that overlap [lo, hi) (unmapped or mapped over). */
void rrk_ps_drop(struct rrk_patchset *ps, uint64_t lo, uint64_t hi);
/* mremap: sites in [from, from + len) now live at to (those past keep
 * the old length's end are dropped by the caller with rrk_ps_drop). */
void rrk_ps_move(struct rrk_patchset *ps, uint64_t from, uint64_t len, uint64_t to);
/* Rewrites to trap the sites (n of them, as found in a file) that lie
 * wholly in [start, end), where t's process maps the file from offset:
 * each that holds its instruction and is not rewritten yet is written
 * over and added to ps, and to added (when not NULL) for the caller.
 * Returns 0, or -1 with errno set when t's memory cannot be written. */
int rrk_ps_rewrite(struct rrk_patchset *ps, struct tracee *t, const struct rrk_site *sites, long n,
		   uint64_t start, uint64_t end, uint64_t offset,
		   void (*added)(void *ctx, const struct rrk_patch_site *s), void *ctx);
/* Follows what a syscall whose table row names hook (RRK_HK_*, arguments
 * a, result res) did to the address space: mmap and munmap forget the
 * sites they replaced, mremap moves them; other hooks change nothing. */
void rrk_ps_track(struct rrk_patchset *ps, unsigned hook, const uint64_t a[6], int64_t res);
void rrk_ps_copy(struct rrk_patchset *dst, const struct rrk_patchset *src);
void rrk_ps_clear(struct rrk_patchset *ps);
/* buf holds len bytes of memory read at addr: puts the original bytes
 * of every patched site back over them. */
void rrk_ps_unpatch(const struct rrk_patchset *ps, uint64_t addr, uint8_t *buf, size_t len);

#endif
