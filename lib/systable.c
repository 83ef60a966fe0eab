/* The x86-64 syscall table: one entry per syscall number that exists.
 *
 * out[]: which user memory the kernel writes on success (see
 * enum rrk_outkind); O_SPECIAL entries are decided in lib/sysout.c.
 * Numbers that never existed on x86-64 (335..423) stay zero: no name,
 * ACT_UNSUPPORTED. */
#include "systable.h"

#include <errno.h>
#include <sys/syscall.h>

/* Numbers newer than musl's headers. */
#ifndef SYS_quotactl_fd
#define SYS_quotactl_fd 443
#endif
#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif
#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_set_mempolicy_home_node
#define SYS_set_mempolicy_home_node 450
#endif
#ifndef SYS_cachestat
#define SYS_cachestat 451
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef SYS_map_shadow_stack
#define SYS_map_shadow_stack 453
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#endif
#ifndef SYS_futex_wait
#define SYS_futex_wait 455
#endif
#ifndef SYS_futex_requeue
#define SYS_futex_requeue 456
#endif
#ifndef SYS_statmount
#define SYS_statmount 457
#endif
#ifndef SYS_listmount
#define SYS_listmount 458
#endif
#ifndef SYS_lsm_get_self_attr
#define SYS_lsm_get_self_attr 459
#endif
#ifndef SYS_lsm_set_self_attr
#define SYS_lsm_set_self_attr 460
#endif
#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif

/* Table-writing shorthands. T(...) parenthesises a list so that it passes
 * through nested macro arguments; ENT turns it into a brace list. */
#define T(...) (__VA_ARGS__)
#define UNP(...) __VA_ARGS__
#define NOOUT ({ 0, 0, 0, 0 })
#define FX(a, n) { O_FIXED, a, 0, n }
#define RES(a) { O_RESULT, a, 0, 0 }
#define ASZ(a, s) { O_ARGSIZE, a, s, 0 }
#define AXS(a, c, n) { O_ARGxSIZE, a, c, n }
#define IOV(a, c) { O_IOV, a, c, 0 }
#define SLEN(a, l) { O_SOCKLEN, a, l, 0 }
#define MSGH(a) { O_MSGHDR, a, 0, 0 }
#define SPEC { O_SPECIAL, 0, 0, 0 }

#define ENT(nm, n, at, o, act, fl, fake)                                   \
	[SYS_##nm] = { .name = #nm, .nargs = n, .argtype = { UNP at }, .out = { UNP o },   \
		       .action = act, .flags = fl, .fake_result = fake }
/* emulated: run at record, results written back at replay */
#define E(nm, n, at, o, fl) ENT(nm, n, at, o, ACT_EMULATE, fl, 0)
/* run for real in both (address space) */
#define R(nm, n, at, o) ENT(nm, n, at, o, ACT_REAL, 0, 0)
/* cannot be recorded by emulating the result */
#define U(nm, n, at) ENT(nm, n, at, NOOUT, ACT_UNSUPPORTED, 0, 0)
/* not run; returns res in both */
#define F(nm, n, at, res) ENT(nm, n, at, NOOUT, ACT_FAKE, 0, res)

#define BLK SF_BLOCKING
#define NFD SF_NEWFD

const struct rrk_sysent rrk_systable[RRK_NSYSCALLS] = {
	E(read, 3, T(A_FD, A_PTR, A_SIZE), T(RES(1)), BLK),
	E(write, 3, T(A_FD, A_PTR, A_SIZE), NOOUT, SF_WRITE | BLK),
	E(open, 3, T(A_PATH, A_OPENFLAGS, A_MODE), NOOUT, NFD | BLK),
	E(close, 1, T(A_FD), NOOUT, SF_CLOSE),
	E(stat, 2, T(A_PATH, A_PTR), T(FX(1, 144)), 0),
	E(fstat, 2, T(A_FD, A_PTR), T(FX(1, 144)), 0),
	E(lstat, 2, T(A_PATH, A_PTR), T(FX(1, 144)), 0),
	E(poll, 3, T(A_PTR, A_UINT, A_INT), T(AXS(0, 1, 8)), BLK | SF_OUTERR),
	E(lseek, 3, T(A_FD, A_OFF, A_WHENCE), NOOUT, 0),
	R(mmap, 6, T(A_PTR, A_SIZE, A_PROT, A_MMAPFLAGS, A_FD, A_OFF), NOOUT),
	R(mprotect, 3, T(A_PTR, A_SIZE, A_PROT), NOOUT),
	R(munmap, 2, T(A_PTR, A_SIZE), NOOUT),
	R(brk, 1, T(A_PTR), NOOUT),
	/* oldact: handler, flags, restorer, mask (sigsetsize 8) */
	E(rt_sigaction, 4, T(A_SIGNUM, A_PTR, A_PTR, A_SIZE), T(FX(2, 32)), 0),
	E(rt_sigprocmask, 4, T(A_SIGHOW, A_PTR, A_PTR, A_SIZE), T(ASZ(2, 3)), 0),
	ENT(rt_sigreturn, 0, T(0), NOOUT, ACT_SIGRETURN, 0, 0),
	E(ioctl, 3, T(A_FD, A_IOCTL, A_HEX), T(SPEC), BLK),
	E(pread64, 4, T(A_FD, A_PTR, A_SIZE, A_OFF), T(RES(1)), BLK),
	E(pwrite64, 4, T(A_FD, A_PTR, A_SIZE, A_OFF), NOOUT, SF_WRITE | BLK),
	E(readv, 3, T(A_FD, A_PTR, A_INT), T(IOV(1, 2)), BLK),
	E(writev, 3, T(A_FD, A_PTR, A_INT), NOOUT, SF_WRITE | BLK),
	E(access, 2, T(A_PATH, A_ACCESS), NOOUT, 0),
	E(pipe, 1, T(A_PTR), T(FX(0, 8)), NFD),
	/* fd sets and timeout: lib/sysout.c */
	E(select, 5, T(A_INT, A_PTR, A_PTR, A_PTR, A_PTR), T(SPEC), BLK | SF_OUTERR),
	E(sched_yield, 0, T(0), NOOUT, 0),
	R(mremap, 5, T(A_PTR, A_SIZE, A_SIZE, A_HEX, A_PTR), NOOUT),
	E(msync, 3, T(A_PTR, A_SIZE, A_HEX), NOOUT, BLK),
	E(mincore, 3, T(A_PTR, A_SIZE, A_PTR), T(SPEC), 0),
	R(madvise, 3, T(A_PTR, A_SIZE, A_MADVISE), NOOUT),
	E(shmget, 3, T(A_HEX, A_SIZE, A_HEX), NOOUT, 0),
	U(shmat, 3, T(A_INT, A_PTR, A_HEX)),
	E(shmctl, 3, T(A_INT, A_INT, A_PTR), T(SPEC), 0),
	E(dup, 1, T(A_FD), NOOUT, NFD | SF_DUP),
	E(dup2, 2, T(A_FD, A_FD), NOOUT, NFD | SF_DUP),
	E(pause, 0, T(0), NOOUT, BLK),
	E(nanosleep, 2, T(A_PTR, A_PTR), T(FX(1, 16)), BLK | SF_OUTERR),
	E(getitimer, 2, T(A_INT, A_PTR), T(FX(1, 32)), 0),
	E(alarm, 1, T(A_UINT), NOOUT, 0),
	E(setitimer, 3, T(A_INT, A_PTR, A_PTR), T(FX(2, 32)), 0),
	E(getpid, 0, T(0), NOOUT, 0),
	E(sendfile, 4, T(A_FD, A_FD, A_PTR, A_SIZE), T(FX(2, 8)), BLK),
	E(socket, 3, T(A_INT, A_INT, A_INT), NOOUT, NFD),
	E(connect, 3, T(A_FD, A_PTR, A_INT), NOOUT, BLK),
	E(accept, 3, T(A_FD, A_PTR, A_PTR), T(SLEN(1, 2)), NFD | BLK),
	E(sendto, 6, T(A_FD, A_PTR, A_SIZE, A_HEX, A_PTR, A_INT), NOOUT, BLK),
	E(recvfrom, 6, T(A_FD, A_PTR, A_SIZE, A_HEX, A_PTR, A_PTR),
	  T(RES(1), SLEN(4, 5)), BLK),
	E(sendmsg, 3, T(A_FD, A_PTR, A_HEX), NOOUT, BLK),
	E(recvmsg, 3, T(A_FD, A_PTR, A_HEX), T(MSGH(1)), BLK),
	E(shutdown, 2, T(A_FD, A_INT), NOOUT, 0),
	E(bind, 3, T(A_FD, A_PTR, A_INT), NOOUT, 0),
	E(listen, 2, T(A_FD, A_INT), NOOUT, 0),
	E(getsockname, 3, T(A_FD, A_PTR, A_PTR), T(SLEN(1, 2)), 0),
	E(getpeername, 3, T(A_FD, A_PTR, A_PTR), T(SLEN(1, 2)), 0),
	E(socketpair, 4, T(A_INT, A_INT, A_INT, A_PTR), T(FX(3, 8)), NFD),
	E(setsockopt, 5, T(A_FD, A_INT, A_INT, A_PTR, A_INT), NOOUT, 0),
	E(getsockopt, 5, T(A_FD, A_INT, A_INT, A_PTR, A_PTR), T(SLEN(3, 4)), 0),
	ENT(clone, 5, T(A_HEX, A_PTR, A_PTR, A_PTR, A_HEX), NOOUT, ACT_CLONE, 0, 0),
	ENT(fork, 0, T(0), NOOUT, ACT_CLONE, 0, 0),
	ENT(vfork, 0, T(0), NOOUT, ACT_CLONE, SF_BLOCKING, 0),
	ENT(execve, 3, T(A_PATH, A_STRARRAY, A_STRARRAY), NOOUT, ACT_EXEC, 0, 0),
	ENT(exit, 1, T(A_INT), NOOUT, ACT_EXIT, 0, 0),
	E(wait4, 4, T(A_INT, A_PTR, A_HEX, A_PTR), T(FX(1, 4), FX(3, 144)), BLK),
	E(kill, 2, T(A_INT, A_SIGNUM), NOOUT, 0),
	E(uname, 1, T(A_PTR), T(FX(0, 390)), 0),
	E(semget, 3, T(A_HEX, A_INT, A_HEX), NOOUT, 0),
	E(semop, 3, T(A_INT, A_PTR, A_SIZE), NOOUT, BLK),
	E(semctl, 4, T(A_INT, A_INT, A_INT, A_HEX), T(SPEC), 0),
	U(shmdt, 1, T(A_PTR)),
	E(msgget, 2, T(A_HEX, A_HEX), NOOUT, 0),
	E(msgsnd, 4, T(A_INT, A_PTR, A_SIZE, A_HEX), NOOUT, BLK),
	E(msgrcv, 5, T(A_INT, A_PTR, A_SIZE, A_INT, A_HEX), T(SPEC), BLK),
	E(msgctl, 3, T(A_INT, A_INT, A_PTR), T(SPEC), 0),
	E(fcntl, 3, T(A_FD, A_FCNTL, A_HEX), T(SPEC), BLK),
	E(flock, 2, T(A_FD, A_INT), NOOUT, BLK),
	E(fsync, 1, T(A_FD), NOOUT, BLK),
	E(fdatasync, 1, T(A_FD), NOOUT, BLK),
	E(truncate, 2, T(A_PATH, A_OFF), NOOUT, 0),
	E(ftruncate, 2, T(A_FD, A_OFF), NOOUT, 0),
	E(getdents, 3, T(A_FD, A_PTR, A_UINT), T(RES(1)), 0),
	/* the result is the length including the NUL */
	E(getcwd, 2, T(A_PTR, A_SIZE), T(RES(0)), 0),
	E(chdir, 1, T(A_PATH), NOOUT, 0),
	E(fchdir, 1, T(A_FD), NOOUT, 0),
	E(rename, 2, T(A_PATH, A_PATH), NOOUT, 0),
	E(mkdir, 2, T(A_PATH, A_MODE), NOOUT, 0),
	E(rmdir, 1, T(A_PATH), NOOUT, 0),
	E(creat, 2, T(A_PATH, A_MODE), NOOUT, NFD | BLK),
	E(link, 2, T(A_PATH, A_PATH), NOOUT, 0),
	E(unlink, 1, T(A_PATH), NOOUT, 0),
	E(symlink, 2, T(A_PATH, A_PATH), NOOUT, 0),
	E(readlink, 3, T(A_PATH, A_PTR, A_SIZE), T(RES(1)), 0),
	E(chmod, 2, T(A_PATH, A_MODE), NOOUT, 0),
	E(fchmod, 2, T(A_FD, A_MODE), NOOUT, 0),
	E(chown, 3, T(A_PATH, A_INT, A_INT), NOOUT, 0),
	E(fchown, 3, T(A_FD, A_INT, A_INT), NOOUT, 0),
	E(lchown, 3, T(A_PATH, A_INT, A_INT), NOOUT, 0),
	E(umask, 1, T(A_MODE), NOOUT, 0),
	E(gettimeofday, 2, T(A_PTR, A_PTR), T(FX(0, 16), FX(1, 8)), 0),
	E(getrlimit, 2, T(A_RLIMIT, A_PTR), T(FX(1, 16)), 0),
	E(getrusage, 2, T(A_INT, A_PTR), T(FX(1, 144)), 0),
	E(sysinfo, 1, T(A_PTR), T(FX(0, 112)), 0),
	/* struct tms; the result (clock ticks) is recorded as the result */
	E(times, 1, T(A_PTR), T(FX(0, 32)), 0),
	F(ptrace, 4, T(A_INT, A_INT, A_PTR, A_PTR), -EPERM),
	E(getuid, 0, T(0), NOOUT, 0),
	E(syslog, 3, T(A_INT, A_PTR, A_INT), T(RES(1)), BLK),
	E(getgid, 0, T(0), NOOUT, 0),
	E(setuid, 1, T(A_INT), NOOUT, 0),
	E(setgid, 1, T(A_INT), NOOUT, 0),
	E(geteuid, 0, T(0), NOOUT, 0),
	E(getegid, 0, T(0), NOOUT, 0),
	E(setpgid, 2, T(A_INT, A_INT), NOOUT, 0),
	E(getppid, 0, T(0), NOOUT, 0),
	E(getpgrp, 0, T(0), NOOUT, 0),
	E(setsid, 0, T(0), NOOUT, 0),
	E(setreuid, 2, T(A_INT, A_INT), NOOUT, 0),
	E(setregid, 2, T(A_INT, A_INT), NOOUT, 0),
	E(getgroups, 2, T(A_INT, A_PTR), T(SPEC), 0),
	E(setgroups, 2, T(A_INT, A_PTR), NOOUT, 0),
	E(setresuid, 3, T(A_INT, A_INT, A_INT), NOOUT, 0),
	E(getresuid, 3, T(A_PTR, A_PTR, A_PTR), T(FX(0, 4), FX(1, 4), FX(2, 4)), 0),
	E(setresgid, 3, T(A_INT, A_INT, A_INT), NOOUT, 0),
	E(getresgid, 3, T(A_PTR, A_PTR, A_PTR), T(FX(0, 4), FX(1, 4), FX(2, 4)), 0),
	E(getpgid, 1, T(A_INT), NOOUT, 0),
	E(setfsuid, 1, T(A_INT), NOOUT, 0),
	E(setfsgid, 1, T(A_INT), NOOUT, 0),
	E(getsid, 1, T(A_INT), NOOUT, 0),
	E(capget, 2, T(A_PTR, A_PTR), T(SPEC), 0),
	E(capset, 2, T(A_PTR, A_PTR), NOOUT, 0),
	E(rt_sigpending, 2, T(A_PTR, A_SIZE), T(ASZ(0, 1)), 0),
	E(rt_sigtimedwait, 4, T(A_PTR, A_PTR, A_PTR, A_SIZE), T(FX(1, 128)), BLK),
	E(rt_sigqueueinfo, 3, T(A_INT, A_SIGNUM, A_PTR), NOOUT, 0),
	E(rt_sigsuspend, 2, T(A_PTR, A_SIZE), NOOUT, BLK),
	E(sigaltstack, 2, T(A_PTR, A_PTR), T(FX(1, 24)), 0),
	E(utime, 2, T(A_PATH, A_PTR), NOOUT, 0),
	E(mknod, 3, T(A_PATH, A_MODE, A_HEX), NOOUT, 0),
	U(uselib, 1, T(A_PATH)),
	E(personality, 1, T(A_HEX), NOOUT, 0),
	E(ustat, 2, T(A_HEX, A_PTR), T(FX(1, 32)), 0),
	E(statfs, 2, T(A_PATH, A_PTR), T(FX(1, 120)), 0),
	E(fstatfs, 2, T(A_FD, A_PTR), T(FX(1, 120)), 0),
	E(sysfs, 3, T(A_INT, A_HEX, A_PTR), T(SPEC), 0),
	E(getpriority, 2, T(A_INT, A_INT), NOOUT, 0),
	E(setpriority, 3, T(A_INT, A_INT, A_INT), NOOUT, 0),
	E(sched_setparam, 2, T(A_INT, A_PTR), NOOUT, 0),
	E(sched_getparam, 2, T(A_INT, A_PTR), T(FX(1, 4)), 0),
	E(sched_setscheduler, 3, T(A_INT, A_INT, A_PTR), NOOUT, 0),
	E(sched_getscheduler, 1, T(A_INT), NOOUT, 0),
	E(sched_get_priority_max, 1, T(A_INT), NOOUT, 0),
	E(sched_get_priority_min, 1, T(A_INT), NOOUT, 0),
	E(sched_rr_get_interval, 2, T(A_INT, A_PTR), T(FX(1, 16)), 0),
	E(mlock, 2, T(A_PTR, A_SIZE), NOOUT, 0),
	E(munlock, 2, T(A_PTR, A_SIZE), NOOUT, 0),
	E(mlockall, 1, T(A_HEX), NOOUT, 0),
	E(munlockall, 0, T(0), NOOUT, 0),
	E(vhangup, 0, T(0), NOOUT, 0),
	U(modify_ldt, 3, T(A_INT, A_PTR, A_SIZE)),
	E(pivot_root, 2, T(A_PATH, A_PATH), NOOUT, 0),
	/* removed from the kernel: fails with ENOSYS */
	E(_sysctl, 1, T(A_PTR), NOOUT, 0),
	E(prctl, 5, T(A_PRCTL, A_HEX, A_HEX, A_HEX, A_HEX), T(SPEC), 0),
	ENT(arch_prctl, 2, T(A_ARCHPRCTL, A_HEX), T(SPEC), ACT_REAL, 0, 0),
	E(adjtimex, 1, T(A_PTR), T(FX(0, 208)), 0),
	E(setrlimit, 2, T(A_RLIMIT, A_PTR), NOOUT, 0),
	E(chroot, 1, T(A_PATH), NOOUT, 0),
	E(sync, 0, T(0), NOOUT, BLK),
	E(acct, 1, T(A_PATH), NOOUT, 0),
	E(settimeofday, 2, T(A_PTR, A_PTR), NOOUT, 0),
	E(mount, 5, T(A_PATH, A_PATH, A_STR, A_HEX, A_PTR), NOOUT, 0),
	E(umount2, 2, T(A_PATH, A_HEX), NOOUT, 0),
	E(swapon, 2, T(A_PATH, A_HEX), NOOUT, 0),
	E(swapoff, 1, T(A_PATH), NOOUT, 0),
	E(reboot, 4, T(A_HEX, A_HEX, A_HEX, A_PTR), NOOUT, 0),
	E(sethostname, 2, T(A_PTR, A_SIZE), NOOUT, 0),
	E(setdomainname, 2, T(A_PTR, A_SIZE), NOOUT, 0),
	U(iopl, 1, T(A_INT)),
	U(ioperm, 3, T(A_HEX, A_HEX, A_INT)),
	F(create_module, 2, T(A_STR, A_SIZE), -ENOSYS),
	U(init_module, 3, T(A_PTR, A_SIZE, A_STR)),
	E(delete_module, 2, T(A_STR, A_HEX), NOOUT, 0),
	F(get_kernel_syms, 1, T(A_PTR), -ENOSYS),
	F(query_module, 5, T(A_STR, A_INT, A_PTR, A_SIZE, A_PTR), -ENOSYS),
	E(quotactl, 4, T(A_HEX, A_PATH, A_INT, A_PTR), T(SPEC), 0),
	F(nfsservctl, 3, T(A_INT, A_PTR, A_PTR), -ENOSYS),
	F(getpmsg, 5, T(A_HEX, A_HEX, A_HEX, A_HEX, A_HEX), -ENOSYS),
	F(putpmsg, 5, T(A_HEX, A_HEX, A_HEX, A_HEX, A_HEX), -ENOSYS),
	F(afs_syscall, 5, T(A_HEX, A_HEX, A_HEX, A_HEX, A_HEX), -ENOSYS),
	F(tuxcall, 3, T(A_HEX, A_HEX, A_HEX), -ENOSYS),
	F(security, 3, T(A_HEX, A_HEX, A_HEX), -ENOSYS),
	E(gettid, 0, T(0), NOOUT, 0),
	E(readahead, 3, T(A_FD, A_OFF, A_SIZE), NOOUT, 0),
	E(setxattr, 5, T(A_PATH, A_STR, A_PTR, A_SIZE, A_HEX), NOOUT, 0),
	E(lsetxattr, 5, T(A_PATH, A_STR, A_PTR, A_SIZE, A_HEX), NOOUT, 0),
	E(fsetxattr, 5, T(A_FD, A_STR, A_PTR, A_SIZE, A_HEX), NOOUT, 0),
	E(getxattr, 4, T(A_PATH, A_STR, A_PTR, A_SIZE), T(SPEC), 0),
	E(lgetxattr, 4, T(A_PATH, A_STR, A_PTR, A_SIZE), T(SPEC), 0),
	E(fgetxattr, 4, T(A_FD, A_STR, A_PTR, A_SIZE), T(SPEC), 0),
	E(listxattr, 3, T(A_PATH, A_PTR, A_SIZE), T(SPEC), 0),
	E(llistxattr, 3, T(A_PATH, A_PTR, A_SIZE), T(SPEC), 0),
	E(flistxattr, 3, T(A_FD, A_PTR, A_SIZE), T(SPEC), 0),
	E(removexattr, 2, T(A_PATH, A_STR), NOOUT, 0),
	E(lremovexattr, 2, T(A_PATH, A_STR), NOOUT, 0),
	E(fremovexattr, 2, T(A_FD, A_STR), NOOUT, 0),
	E(tkill, 2, T(A_INT, A_SIGNUM), NOOUT, 0),
	E(time, 1, T(A_PTR), T(FX(0, 8)), 0),
	/* FUTEX_WAIT and friends write nothing; the futex word itself is
	 * written by other threads, not by the kernel for us */
	E(futex, 6, T(A_PTR, A_FUTEXOP, A_INT, A_PTR, A_PTR, A_INT), NOOUT, BLK),
	F(sched_setaffinity, 3, T(A_INT, A_SIZE, A_PTR), 0),
	E(sched_getaffinity, 3, T(A_INT, A_SIZE, A_PTR), T(RES(2)), 0),
	/* 32-bit TLS descriptors change segment state: not reproducible */
	U(set_thread_area, 1, T(A_PTR)),
	/* AIO: the kernel writes user memory asynchronously */
	U(io_setup, 2, T(A_UINT, A_PTR)),
	U(io_destroy, 1, T(A_HEX)),
	U(io_getevents, 5, T(A_HEX, A_INT, A_INT, A_PTR, A_PTR)),
	U(io_submit, 3, T(A_HEX, A_INT, A_PTR)),
	U(io_cancel, 3, T(A_HEX, A_PTR, A_PTR)),
	E(get_thread_area, 1, T(A_PTR), T(FX(0, 16)), 0),
	E(lookup_dcookie, 3, T(A_HEX, A_PTR, A_SIZE), T(RES(1)), 0),
	E(epoll_create, 1, T(A_INT), NOOUT, NFD),
	F(epoll_ctl_old, 4, T(A_FD, A_INT, A_FD, A_PTR), -ENOSYS),
	F(epoll_wait_old, 4, T(A_FD, A_PTR, A_INT, A_INT), -ENOSYS),
	U(remap_file_pages, 5, T(A_PTR, A_SIZE, A_PROT, A_SIZE, A_HEX)),
	E(getdents64, 3, T(A_FD, A_PTR, A_UINT), T(RES(1)), 0),
	/* real: the kernel clears that word when the thread exits */
	R(set_tid_address, 1, T(A_PTR), NOOUT),
	E(restart_syscall, 0, T(0), NOOUT, BLK),
	E(semtimedop, 4, T(A_INT, A_PTR, A_SIZE, A_PTR), NOOUT, BLK),
	E(fadvise64, 4, T(A_FD, A_OFF, A_SIZE, A_INT), NOOUT, 0),
	E(timer_create, 3, T(A_CLOCKID, A_PTR, A_PTR), T(FX(2, 4)), 0),
	E(timer_settime, 4, T(A_INT, A_HEX, A_PTR, A_PTR), T(FX(3, 32)), 0),
	E(timer_gettime, 2, T(A_INT, A_PTR), T(FX(1, 32)), 0),
	E(timer_getoverrun, 1, T(A_INT), NOOUT, 0),
	E(timer_delete, 1, T(A_INT), NOOUT, 0),
	E(clock_settime, 2, T(A_CLOCKID, A_PTR), NOOUT, 0),
	E(clock_gettime, 2, T(A_CLOCKID, A_PTR), T(FX(1, 16)), 0),
	E(clock_getres, 2, T(A_CLOCKID, A_PTR), T(FX(1, 16)), 0),
	E(clock_nanosleep, 4, T(A_CLOCKID, A_HEX, A_PTR, A_PTR), T(FX(3, 16)),
	  BLK | SF_OUTERR),
	ENT(exit_group, 1, T(A_INT), NOOUT, ACT_EXIT, 0, 0),
	E(epoll_wait, 4, T(A_FD, A_PTR, A_INT, A_INT), T(SPEC), BLK),
	E(epoll_ctl, 4, T(A_FD, A_INT, A_FD, A_PTR), NOOUT, 0),
	E(tgkill, 3, T(A_INT, A_INT, A_SIGNUM), NOOUT, 0),
	E(utimes, 2, T(A_PATH, A_PTR), NOOUT, 0),
	F(vserver, 5, T(A_HEX, A_HEX, A_HEX, A_HEX, A_HEX), -ENOSYS),
	E(mbind, 6, T(A_PTR, A_SIZE, A_INT, A_PTR, A_HEX, A_HEX), NOOUT, 0),
	E(set_mempolicy, 3, T(A_INT, A_PTR, A_HEX), NOOUT, 0),
	E(get_mempolicy, 5, T(A_PTR, A_PTR, A_HEX, A_PTR, A_HEX), T(SPEC), 0),
	E(mq_open, 4, T(A_STR, A_OPENFLAGS, A_MODE, A_PTR), NOOUT, NFD),
	E(mq_unlink, 1, T(A_STR), NOOUT, 0),
	E(mq_timedsend, 5, T(A_FD, A_PTR, A_SIZE, A_UINT, A_PTR), NOOUT, BLK),
	E(mq_timedreceive, 5, T(A_FD, A_PTR, A_SIZE, A_PTR, A_PTR),
	  T(RES(1), FX(3, 4)), BLK),
	E(mq_notify, 2, T(A_FD, A_PTR), NOOUT, 0),
	E(mq_getsetattr, 3, T(A_FD, A_PTR, A_PTR), T(FX(2, 64)), 0),
	U(kexec_load, 4, T(A_HEX, A_HEX, A_PTR, A_HEX)),
	E(waitid, 5, T(A_INT, A_INT, A_PTR, A_HEX, A_PTR), T(FX(2, 128), FX(4, 144)),
	  BLK),
	E(add_key, 5, T(A_STR, A_STR, A_PTR, A_SIZE, A_INT), NOOUT, 0),
	E(request_key, 4, T(A_STR, A_STR, A_STR, A_INT), NOOUT, 0),
	E(keyctl, 5, T(A_INT, A_HEX, A_HEX, A_HEX, A_HEX), T(SPEC), 0),
	E(ioprio_set, 3, T(A_INT, A_INT, A_INT), NOOUT, 0),
	E(ioprio_get, 2, T(A_INT, A_INT), NOOUT, 0),
	E(inotify_init, 0, T(0), NOOUT, NFD),
	E(inotify_add_watch, 3, T(A_FD, A_PATH, A_HEX), NOOUT, 0),
	E(inotify_rm_watch, 2, T(A_FD, A_INT), NOOUT, 0),
	E(migrate_pages, 4, T(A_INT, A_HEX, A_PTR, A_PTR), NOOUT, 0),
	E(openat, 4, T(A_DIRFD, A_PATH, A_OPENFLAGS, A_MODE), NOOUT, NFD | BLK),
	E(mkdirat, 3, T(A_DIRFD, A_PATH, A_MODE), NOOUT, 0),
	E(mknodat, 4, T(A_DIRFD, A_PATH, A_MODE, A_HEX), NOOUT, 0),
	E(fchownat, 5, T(A_DIRFD, A_PATH, A_INT, A_INT, A_ATFLAGS), NOOUT, 0),
	E(futimesat, 3, T(A_DIRFD, A_PATH, A_PTR), NOOUT, 0),
	E(newfstatat, 4, T(A_DIRFD, A_PATH, A_PTR, A_ATFLAGS), T(FX(2, 144)), 0),
	E(unlinkat, 3, T(A_DIRFD, A_PATH, A_ATFLAGS), NOOUT, 0),
	E(renameat, 4, T(A_DIRFD, A_PATH, A_DIRFD, A_PATH), NOOUT, 0),
	E(linkat, 5, T(A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_ATFLAGS), NOOUT, 0),
	E(symlinkat, 3, T(A_PATH, A_DIRFD, A_PATH), NOOUT, 0),
	E(readlinkat, 4, T(A_DIRFD, A_PATH, A_PTR, A_SIZE), T(RES(2)), 0),
	E(fchmodat, 3, T(A_DIRFD, A_PATH, A_MODE), NOOUT, 0),
	E(faccessat, 3, T(A_DIRFD, A_PATH, A_ACCESS), NOOUT, 0),
	/* fd sets and timeout: lib/sysout.c */
	E(pselect6, 6, T(A_INT, A_PTR, A_PTR, A_PTR, A_PTR, A_PTR), T(SPEC),
	  BLK | SF_OUTERR),
	E(ppoll, 5, T(A_PTR, A_UINT, A_PTR, A_PTR, A_SIZE),
	  T(AXS(0, 1, 8), FX(2, 16)), BLK | SF_OUTERR),
	E(unshare, 1, T(A_HEX), NOOUT, 0),
	E(set_robust_list, 2, T(A_PTR, A_SIZE), NOOUT, 0),
	E(get_robust_list, 3, T(A_INT, A_PTR, A_PTR), T(FX(1, 8), FX(2, 8)), 0),
	E(splice, 6, T(A_FD, A_PTR, A_FD, A_PTR, A_SIZE, A_HEX),
	  T(FX(1, 8), FX(3, 8)), BLK),
	E(tee, 4, T(A_FD, A_FD, A_SIZE, A_HEX), NOOUT, BLK),
	E(sync_file_range, 4, T(A_FD, A_OFF, A_OFF, A_HEX), NOOUT, BLK),
	/* from a pipe's read end it fills the iovecs */
	E(vmsplice, 4, T(A_FD, A_PTR, A_SIZE, A_HEX), T(IOV(1, 2)), BLK),
	E(move_pages, 6, T(A_INT, A_SIZE, A_PTR, A_PTR, A_PTR, A_HEX),
	  T(AXS(4, 1, 4)), 0),
	E(utimensat, 4, T(A_DIRFD, A_PATH, A_PTR, A_ATFLAGS), NOOUT, 0),
	E(epoll_pwait, 6, T(A_FD, A_PTR, A_INT, A_INT, A_PTR, A_SIZE), T(SPEC), BLK),
	E(signalfd, 3, T(A_FD, A_PTR, A_SIZE), NOOUT, NFD),
	E(timerfd_create, 2, T(A_CLOCKID, A_HEX), NOOUT, NFD),
	E(eventfd, 1, T(A_UINT), NOOUT, NFD),
	E(fallocate, 4, T(A_FD, A_INT, A_OFF, A_OFF), NOOUT, 0),
	E(timerfd_settime, 4, T(A_FD, A_HEX, A_PTR, A_PTR), T(FX(3, 32)), 0),
	E(timerfd_gettime, 2, T(A_FD, A_PTR), T(FX(1, 32)), 0),
	E(accept4, 4, T(A_FD, A_PTR, A_PTR, A_HEX), T(SLEN(1, 2)), NFD | BLK),
	E(signalfd4, 4, T(A_FD, A_PTR, A_SIZE, A_HEX), NOOUT, NFD),
	E(eventfd2, 2, T(A_UINT, A_HEX), NOOUT, NFD),
	E(epoll_create1, 1, T(A_HEX), NOOUT, NFD),
	E(dup3, 3, T(A_FD, A_FD, A_OPENFLAGS), NOOUT, NFD | SF_DUP),
	E(pipe2, 2, T(A_PTR, A_OPENFLAGS), T(FX(0, 8)), NFD),
	E(inotify_init1, 1, T(A_HEX), NOOUT, NFD),
	E(preadv, 5, T(A_FD, A_PTR, A_INT, A_OFF, A_OFF), T(IOV(1, 2)), BLK),
	E(pwritev, 5, T(A_FD, A_PTR, A_INT, A_OFF, A_OFF), NOOUT, SF_WRITE | BLK),
	E(rt_tgsigqueueinfo, 4, T(A_INT, A_INT, A_SIGNUM, A_PTR), NOOUT, 0),
	U(perf_event_open, 5, T(A_PTR, A_INT, A_INT, A_FD, A_HEX)),
	E(recvmmsg, 5, T(A_FD, A_PTR, A_UINT, A_HEX, A_PTR), T(SPEC), BLK),
	E(fanotify_init, 2, T(A_HEX, A_HEX), NOOUT, NFD),
	E(fanotify_mark, 5, T(A_FD, A_HEX, A_HEX, A_DIRFD, A_PATH), NOOUT, 0),
	E(prlimit64, 4, T(A_INT, A_RLIMIT, A_PTR, A_PTR), T(FX(3, 16)), 0),
	E(name_to_handle_at, 5, T(A_DIRFD, A_PATH, A_PTR, A_PTR, A_ATFLAGS),
	  T(SPEC), 0),
	E(open_by_handle_at, 3, T(A_FD, A_PTR, A_OPENFLAGS), NOOUT, NFD),
	E(clock_adjtime, 2, T(A_CLOCKID, A_PTR), T(FX(1, 208)), 0),
	E(syncfs, 1, T(A_FD), NOOUT, BLK),
	/* writes msg_len of each sent mmsghdr */
	E(sendmmsg, 4, T(A_FD, A_PTR, A_UINT, A_HEX), T(SPEC), BLK),
	E(setns, 2, T(A_FD, A_HEX), NOOUT, 0),
	E(getcpu, 3, T(A_PTR, A_PTR, A_PTR), T(FX(0, 4), FX(1, 4)), 0),
	E(process_vm_readv, 6, T(A_INT, A_PTR, A_UINT, A_PTR, A_UINT, A_HEX),
	  T(IOV(1, 2)), 0),
	U(process_vm_writev, 6, T(A_INT, A_PTR, A_UINT, A_PTR, A_UINT, A_HEX)),
	E(kcmp, 5, T(A_INT, A_INT, A_INT, A_HEX, A_HEX), NOOUT, 0),
	U(finit_module, 3, T(A_FD, A_STR, A_HEX)),
	E(sched_setattr, 3, T(A_INT, A_PTR, A_HEX), NOOUT, 0),
	E(sched_getattr, 4, T(A_INT, A_PTR, A_UINT, A_HEX), T(ASZ(1, 2)), 0),
	E(renameat2, 5, T(A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_HEX), NOOUT, 0),
	E(seccomp, 3, T(A_INT, A_HEX, A_PTR), NOOUT, 0),
	E(getrandom, 3, T(A_PTR, A_SIZE, A_HEX), T(RES(0)), BLK),
	E(memfd_create, 2, T(A_STR, A_HEX), NOOUT, NFD),
	U(kexec_file_load, 5, T(A_FD, A_FD, A_SIZE, A_STR, A_HEX)),
	U(bpf, 3, T(A_INT, A_PTR, A_UINT)),
	ENT(execveat, 5, T(A_DIRFD, A_PATH, A_STRARRAY, A_STRARRAY, A_ATFLAGS),
	    NOOUT, ACT_EXEC, 0, 0),
	U(userfaultfd, 1, T(A_HEX)),
	E(membarrier, 3, T(A_INT, A_HEX, A_INT), NOOUT, 0),
	E(mlock2, 3, T(A_PTR, A_SIZE, A_HEX), NOOUT, 0),
	E(copy_file_range, 6, T(A_FD, A_PTR, A_FD, A_PTR, A_SIZE, A_HEX),
	  T(FX(1, 8), FX(3, 8)), BLK),
	E(preadv2, 6, T(A_FD, A_PTR, A_INT, A_OFF, A_OFF, A_HEX), T(IOV(1, 2)), BLK),
	E(pwritev2, 6, T(A_FD, A_PTR, A_INT, A_OFF, A_OFF, A_HEX), NOOUT,
	  SF_WRITE | BLK),
	U(pkey_mprotect, 4, T(A_PTR, A_SIZE, A_PROT, A_INT)),
	U(pkey_alloc, 2, T(A_HEX, A_HEX)),
	U(pkey_free, 1, T(A_INT)),
	E(statx, 5, T(A_DIRFD, A_PATH, A_ATFLAGS, A_HEX, A_PTR), T(FX(4, 256)), 0),
	U(io_pgetevents, 6, T(A_HEX, A_INT, A_INT, A_PTR, A_PTR, A_PTR)),
	F(rseq, 4, T(A_PTR, A_UINT, A_HEX, A_HEX), -ENOSYS),
	E(pidfd_send_signal, 4, T(A_FD, A_SIGNUM, A_PTR, A_HEX), NOOUT, 0),
	U(io_uring_setup, 2, T(A_UINT, A_PTR)),
	U(io_uring_enter, 6, T(A_FD, A_UINT, A_UINT, A_HEX, A_PTR, A_SIZE)),
	U(io_uring_register, 4, T(A_FD, A_UINT, A_PTR, A_UINT)),
	E(open_tree, 3, T(A_DIRFD, A_PATH, A_HEX), NOOUT, NFD),
	E(move_mount, 5, T(A_DIRFD, A_PATH, A_DIRFD, A_PATH, A_HEX), NOOUT, 0),
	E(fsopen, 2, T(A_STR, A_HEX), NOOUT, NFD),
	E(fsconfig, 5, T(A_FD, A_INT, A_STR, A_PTR, A_INT), NOOUT, 0),
	E(fsmount, 3, T(A_FD, A_HEX, A_HEX), NOOUT, NFD),
	E(fspick, 3, T(A_DIRFD, A_PATH, A_HEX), NOOUT, NFD),
	E(pidfd_open, 2, T(A_INT, A_HEX), NOOUT, NFD),
	/* glibc falls back to clone, whose flags are in registers */
	F(clone3, 2, T(A_PTR, A_SIZE), -ENOSYS),
	/* closes a range of fds; not flagged SF_CLOSE (that is args[0] only) */
	E(close_range, 3, T(A_FD, A_FD, A_HEX), NOOUT, 0),
	E(openat2, 4, T(A_DIRFD, A_PATH, A_PTR, A_SIZE), NOOUT, NFD | BLK),
	E(pidfd_getfd, 3, T(A_FD, A_INT, A_HEX), NOOUT, NFD),
	E(faccessat2, 4, T(A_DIRFD, A_PATH, A_ACCESS, A_ATFLAGS), NOOUT, 0),
	E(process_madvise, 5, T(A_FD, A_PTR, A_SIZE, A_MADVISE, A_HEX), NOOUT, 0),
	E(epoll_pwait2, 6, T(A_FD, A_PTR, A_INT, A_PTR, A_PTR, A_SIZE), T(SPEC),
	  BLK),
	E(mount_setattr, 5, T(A_DIRFD, A_PATH, A_HEX, A_PTR, A_SIZE), NOOUT, 0),
	E(quotactl_fd, 4, T(A_FD, A_HEX, A_INT, A_PTR), T(SPEC), 0),
	E(landlock_create_ruleset, 3, T(A_PTR, A_SIZE, A_HEX), NOOUT, NFD),
	E(landlock_add_rule, 4, T(A_FD, A_INT, A_PTR, A_HEX), NOOUT, 0),
	E(landlock_restrict_self, 2, T(A_FD, A_HEX), NOOUT, 0),
	U(memfd_secret, 1, T(A_HEX)),
	E(process_mrelease, 2, T(A_FD, A_HEX), NOOUT, 0),
	E(futex_waitv, 5, T(A_PTR, A_UINT, A_HEX, A_PTR, A_CLOCKID), NOOUT, BLK),
	E(set_mempolicy_home_node, 4, T(A_PTR, A_SIZE, A_INT, A_HEX), NOOUT, 0),
	/* struct cachestat: five u64 */
	E(cachestat, 4, T(A_FD, A_PTR, A_PTR, A_HEX), T(FX(2, 40)), 0),
	E(fchmodat2, 4, T(A_DIRFD, A_PATH, A_MODE, A_ATFLAGS), NOOUT, 0),
	U(map_shadow_stack, 3, T(A_PTR, A_SIZE, A_HEX)),
	E(futex_wake, 4, T(A_PTR, A_HEX, A_INT, A_HEX), NOOUT, 0),
	E(futex_wait, 6, T(A_PTR, A_HEX, A_HEX, A_HEX, A_PTR, A_CLOCKID), NOOUT,
	  BLK),
	E(futex_requeue, 4, T(A_PTR, A_HEX, A_INT, A_INT), NOOUT, 0),
	E(statmount, 4, T(A_PTR, A_PTR, A_SIZE, A_HEX), T(ASZ(1, 2)), 0),
	/* up to nr_mnt_ids u64 ids */
	E(listmount, 4, T(A_PTR, A_PTR, A_SIZE, A_HEX), T(AXS(1, 2, 8)), 0),
	/* u32 *size before and after, like a socklen_t */
	E(lsm_get_self_attr, 4, T(A_INT, A_PTR, A_PTR, A_HEX), T(SLEN(1, 2)), 0),
	E(lsm_set_self_attr, 4, T(A_INT, A_PTR, A_SIZE, A_HEX), NOOUT, 0),
	E(lsm_list_modules, 3, T(A_PTR, A_PTR, A_HEX), T(SLEN(0, 1)), 0),
};
