#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <malloc.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *rrk_prog = "rrkit";
int rrk_fail_status = 125;

static void vmsg(const char *fmt, va_list ap)
{
	char buf[2048];
	int n = snprintf(buf, sizeof buf, "%s: ", rrk_prog);
	if (n < 0)
		n = 0;
	vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	size_t len = strlen(buf);
	if (len + 1 < sizeof buf)
		buf[len++] = '\n';
	(void)rrk_write_all(2, buf, len);
}

/* Process-wide, like the exit it stands in for. */
static void (*die_hook)(void *ctx, const char *msg);
static void *die_ctx;

void rrk_set_die_hook(void (*fn)(void *ctx, const char *msg), void *ctx)
{
	die_hook = fn;
	die_ctx = ctx;
}

static void fail_msg(int status, const char *detail, const char *msg) __attribute__((noreturn));
static void fail_msg(int status, const char *detail, const char *msg)
{
	if (die_hook) {
		die_hook(die_ctx, msg); /* does not return */
		exit(status);
	}
	rrk_warn("%s", msg);
	if (detail)
		(void)rrk_write_all(2, detail, strlen(detail));
	exit(status);
}

void rrk_fail_with(int status, const char *detail, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	fail_msg(status, detail, buf);
}

void rrk_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void *rrk_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		rrk_die("out of memory allocating %zu bytes", n);
	return p;
}

void *rrk_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		rrk_die("out of memory allocating %zu x %zu bytes", n, m);
	return p;
}

void *rrk_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		rrk_die("out of memory allocating %zu bytes", n);
	return p;
}

char *rrk_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(rrk_xmalloc(n), s, n);
}

int rrk_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

long rrk_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (long)got;
}

uint64_t rrk_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#define POOL_MIN (16u << 10)
#define POOL_SIZE (1u << 20)

void *rrk_pool_get(struct rrk_pool *p, size_t n)
{
	if (n >= POOL_MIN)
		for (size_t i = 0; i < sizeof p->spare / sizeof p->spare[0]; i++)
			if (p->spare[i] && malloc_usable_size(p->spare[i]) >= n) {
				void *b = p->spare[i];
				p->spare[i] = NULL;
				return b;
			}
	return rrk_xmalloc(n < POOL_MIN || n > POOL_SIZE ? (n ? n : 1) : POOL_SIZE);
}

void rrk_pool_put(struct rrk_pool *p, void *buf)
{
	if (buf && malloc_usable_size(buf) >= POOL_MIN)
		for (size_t i = 0; i < sizeof p->spare / sizeof p->spare[0]; i++)
			if (!p->spare[i]) {
				p->spare[i] = buf;
				return;
			}
	free(buf);
}

void rrk_pool_free(struct rrk_pool *p)
{
	for (size_t i = 0; i < sizeof p->spare / sizeof p->spare[0]; i++) {
		free(p->spare[i]);
		p->spare[i] = NULL;
	}
}

int rrk_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t acc = 0, w;
	for (; n >= 32; b += 32, n -= 32) { /* eight bytes at a time */
		for (int k = 0; k < 4; k++) {
			memcpy(&w, b + 8 * k, 8);
			acc |= w;
		}
		if (acc)
			return 0;
	}
	for (; n; b++, n--)
		acc |= *b;
	return !acc;
}

/* The CPUs the process had before rrk_pin_cpu (taskset's choice, a
 * cpuset's): helper threads stay within them. */
static cpu_set_t allowed;
static int have_allowed;

int rrk_pin_cpu(int want)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) < 0)
		return -1;
	if (!have_allowed) {
		allowed = set;
		have_allowed = 1;
	}
	int cpu = -1;
	if (want >= 0 && want < CPU_SETSIZE && CPU_ISSET(want, &set))
		cpu = want;
	if (cpu < 0) {
		int cur = sched_getcpu();
		if (cur >= 0 && CPU_ISSET(cur, &set))
			cpu = cur;
	}
	for (int i = 0; cpu < 0 && i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			cpu = i;
	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) < 0)
		return -1;
	return cpu;
}

size_t rrk_cpus_before_pin(void *mask, size_t max)
{
	cpu_set_t set;
	if (have_allowed)
		set = allowed;
	else if (sched_getaffinity(0, sizeof set, &set) < 0)
		CPU_ZERO(&set);
	size_t n = max < sizeof set ? max : sizeof set;
	memcpy(mask, &set, n);
	return n;
}

void rrk_thread_avoid_cpu(pthread_t th, int cpu)
{
	cpu_set_t set;
	if (have_allowed)
		set = allowed;
	else if (pthread_getaffinity_np(th, sizeof set, &set))
		return;
	if (cpu >= 0 && cpu < CPU_SETSIZE)
		CPU_CLR(cpu, &set);
	if (CPU_COUNT(&set) > 0)
		pthread_setaffinity_np(th, sizeof set, &set);
}

int rrk_env_on(const char *name)
{
	const char *v = getenv(name);
	return v && *v && strcmp(v, "0");
}
