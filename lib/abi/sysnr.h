/* x86-64 syscall numbers, SYS_*, for rrkit's tools (musl's headers) and
 * the preload library (the host's, without a C library): <sys/syscall.h>
 * only defines macros, and glibc's and musl's agree. Then the numbers
 * those headers may lack (musl's lack 443 and 447 on, Linux 6.1's 451
 * on), and rrkit's own. Freestanding. */
#ifndef RRK_SYSNR_H
#define RRK_SYSNR_H

#include <sys/syscall.h>

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

/* The special syscall a thread's preload library makes once to register
 * its buffer: rrk_sbinit(header, total size, version, idle), where idle
 * is the library's instruction just after it clears busy (sysbuf.h). rec
 * answers it (0 or -errno) without running it; play returns what rec
 * answered. */
#define RRK_SYS_SBINIT 1000

#endif
