/* cpuid as a recorded program sees it, and whether a replay host can run
 * a recording made on another CPU. */
#ifndef RRK_CPUFEAT_H
#define RRK_CPUFEAT_H

#include <stddef.h>
#include <stdint.h>

#include "format/trace.h"

/* arch_prctl codes: whether cpuid faults (GET), make it fault (SET, 0). */
#define RRK_ARCH_GET_CPUID 0x1011
#define RRK_ARCH_SET_CPUID 0x1012

/* r holds the CPU's answer to cpuid(leaf, sub): reduces it to what the
 * program is shown at level (RRK_CPU_*). Every level hides rdrand,
 * rdseed and transactional memory, whose results cannot be recorded. */
void rrk_cpuid_level(uint32_t level, uint32_t leaf, uint32_t sub, uint32_t r[4]);
/* The answer to cpuid(leaf, sub) in a snapshot of n leaves taken on the
 * same CPU (rrk_cpuid_snapshot): the leaf's own entry for leaves that
 * ignore the subleaf, the exact entry otherwise. Returns 1, or 0 when the
 * snapshot does not have it. */
int rrk_cpuid_lookup(const struct rrk_cpuid_leaf *l, size_t n, uint32_t leaf, uint32_t sub,
		     uint32_t r[4]);
/* Parses a --cpu-features value ("host", "baseline", "x86-64-v2");
 * returns the level or -1. */
int rrk_cpu_level_parse(const char *name);
/* Whether this CPU has every feature that the recording's cpuid (leaves
 * taken from the recording host, n of them, shown at level) offered the
 * program. Returns 0, or -1 with what is missing described in why. */
int rrk_cpu_check(const struct rrk_cpuid_leaf *leaves, size_t n, uint32_t level, char *why,
		  size_t len);

#endif
