/* Ids of the per-syscall code of the engines, named by a syscall's row
 * (systable.h's hook). Only ids: the table stays below the engines, and
 * each engine keeps a handler table indexed by them (lib/record/record_sys.c,
 * lib/replay/replay_sys.c). */
#ifndef RRK_SYSHOOKS_H
#define RRK_SYSHOOKS_H

enum rrk_hook {
	RRK_HK_NONE = 0,
	RRK_HK_MMAP,
	RRK_HK_MUNMAP,
	RRK_HK_MREMAP,
	RRK_HK_MPROTECT,
	RRK_HK_BRK,
	RRK_HK_SET_TID_ADDRESS,
	RRK_HK_PRCTL,
	RRK_HK_ARCH_PRCTL,
	RRK_HK_SECCOMP,
	RRK_HK_IOCTL,
	RRK_HK_OUT_SPLICE, /* output that bypasses the program's memory; hook_arg: the output fd */
	RRK_HK_PIPE,       /* a new pair of fds; hook_arg: where they are written */
	RRK_HK_DUP,
	RRK_HK_DUP2,
	RRK_HK_FCNTL,
	RRK_HK_CLOSE_RANGE,
	RRK_HK_CLONE,
	RRK_HK_WRITE,
	RRK_HK_GETAFFINITY,
	RRK_HK_KILL,       /* a signal to processes named by args[0] (kill, rt_sigqueueinfo) */
	RRK_HK_COUNT
};

#endif
