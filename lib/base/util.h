/* One error idiom for every tool: "tool: what failed: what to do". */
#ifndef RRK_UTIL_H
#define RRK_UTIL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* The x86-64 page size. */
#define RRK_PAGE 4096ull

extern const char *rrk_prog;       /* set by each main: "rec", "play", ... */
extern int rrk_fail_status;        /* exit status used by rrk_die */

/* With fn set, rrk_die and rrk_fail_with give fn(ctx, message) the
 * message instead of printing it and exiting; fn must not return (rec's
 * keyframer survives a failure of its replay by longjmp). NULL: none. */
void rrk_set_die_hook(void (*fn)(void *ctx, const char *msg), void *ctx);
/* Prints "prog: message" and exits with status, detail (may be NULL)
 * printed after the message (lines not given to a die hook). */
void rrk_fail_with(int status, const char *detail, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* The same with the tool's status for its own failures. */
#define rrk_die(...) rrk_fail_with(rrk_fail_status, NULL, __VA_ARGS__)
void rrk_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *rrk_xmalloc(size_t n);
void *rrk_xcalloc(size_t n, size_t m);
void *rrk_xrealloc(void *p, size_t n);
char *rrk_xstrdup(const char *s);
/* Writes all of buf; returns 0 or -errno. Retries on EINTR and short writes. */
int rrk_write_all(int fd, const void *buf, size_t len);
/* Reads up to len bytes, retrying on EINTR/short reads until EOF; returns
 * bytes read or -errno. */
long rrk_read_full(int fd, void *buf, size_t len);
uint64_t rrk_now_ns(void); /* CLOCK_MONOTONIC */
int rrk_is_zero(const void *p, size_t n); /* all n bytes are 0 */
/* Whether environment variable name is set to something other than
 * "" or "0" (the switches that force a fallback). */
int rrk_env_on(const char *name);
/* Pins the calling thread to one CPU (want when it may run there, else
 * the one it is on). Returns the CPU or -1. */
int rrk_pin_cpu(int want);
/* The CPUs the process was allowed before its first rrk_pin_cpu (or
 * now, if it never pinned itself), as sched_getaffinity fills a mask;
 * returns its size in bytes. */
size_t rrk_cpus_before_pin(void *mask, size_t max);
/* Lets th run on the CPUs the process was allowed before rrk_pin_cpu,
 * but not cpu (a helper thread of a tool pinned to cpu with its
 * program); leaves it alone when no other CPU is left. */
void rrk_thread_avoid_cpu(pthread_t th, int cpu);
/* fd, or, when it cannot seek (a pipe), a memory file holding all it
 * had: something to read again from the start (readagain.c). */
int rrk_seekable(int fd, const char *name);
/* The same file once more, with an offset of its own. */
int rrk_reopen(int fd, const char *name);

/* Buffers of 16 KiB or more kept for reuse (allocated at 1 MiB when
 * smaller): a fresh one is a new mapping, faulted in page by page and
 * unmapped again, with a TLB flush on every CPU the process's other
 * threads run on. One thread per pool. */
struct rrk_pool {
	void *spare[16];
};
void *rrk_pool_get(struct rrk_pool *p, size_t n); /* exits when out of memory */
void rrk_pool_put(struct rrk_pool *p, void *buf);  /* any malloc'd buf, or NULL */
void rrk_pool_free(struct rrk_pool *p);

#endif
