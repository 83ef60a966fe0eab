/* /proc/PID/maps, parsed. */
#ifndef RRK_MAPS_H
#define RRK_MAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

struct mapping {
	uint64_t start, end, offset, inode;
	int prot;       /* PROT_* */
	int shared;     /* 's' in the perms */
	char name[512]; /* path, [stack], [vdso], ... or "" */
};
/* Returns the number of mappings (allocated in *out), or -1. */
long rrk_read_maps(pid_t pid, struct mapping **out);

#endif
