/* The syscall buffer library (doc/design.md "The syscall buffer"). rec
 * preloads it into dynamically linked programs. At start it patches the
 * syscall instructions of the C library to jump to rrk_sb_hook, which
 * makes common syscalls through an entry point rec's seccomp filter lets
 * through, and logs their results and the memory the kernel wrote into a
 * per-thread buffer. rec copies the buffer into the trace at the
 * thread's next traced event; play fills it in before the thread runs
 * again, and the same code then takes its results from there.
 *
 * Freestanding: raw syscalls only, no C library. The code is the same in
 * record and replay; only the entry page differs (sysbuf.h). */
#include <stddef.h>
#include <stdint.h>

/* The kernel's own headers: usable without a C library (sysbuf.h brings
 * the SYS_* numbers, sysnr.h). */
#include <asm/ioctls.h>
#include <asm/stat.h>
#include <asm/termbits.h>
#include <asm/termios.h>
#include <linux/errno.h>
#include <linux/eventpoll.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/limits.h>
#include <linux/mman.h>
#include <linux/poll.h>
#include <linux/stat.h>
#include <linux/time.h>
#include <linux/time_types.h>
#include <linux/uio.h>

#include "abi/sysbuf.h"

#define HIDDEN __attribute__((visibility("hidden")))

/* ---- raw syscalls, made from here: rec traces them ---- */

static long sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ---- the entry page ---- */

/* The call at entry (RRK_SB_ENTRY: buffered; RRK_SB_TRACED: an ordinary
 * syscall, which stops in rec). */
static long page_call_at(unsigned long entry, struct rrk_sb_hdr *h, long nr, const long *a)
{
	register long r10 __asm__("r10") = a[3];
	register long r8 __asm__("r8") = a[4];
	register long r9 __asm__("r9") = a[5];
	register long r11 __asm__("r11") = (long)h;
	long ret;
	__asm__ volatile("call *%[entry]"
			 : "=a"(ret), "+r"(r11)
			 : [entry] "r"(RRK_SB_PAGE + entry), "a"(nr), "D"(a[0]), "S"(a[1]),
			   "d"(a[2]), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "memory", "cc");
	return ret;
}

static long page_call(struct rrk_sb_hdr *h, long nr, const long *a)
{
	return page_call_at(RRK_SB_ENTRY, h, nr, a);
}

/* ARM or DISARM: they use rdi, rsi, rdx, rax and leave them 0. */
static void page_desched(struct rrk_sb_hdr *h, unsigned long off)
{
	register long r11 __asm__("r11") = (long)h;
	long rax;
	__asm__ volatile("call *%[entry]"
			 : "=a"(rax), "+r"(r11)
			 : [entry] "a"(RRK_SB_PAGE + off)
			 : "rcx", "rdi", "rsi", "rdx", "memory", "cc");
	(void)rax;
}

/* SYNC: what a call wrote in the program's memory, between it and the
 * record (rec: to the record; play: from it). */
static void page_sync(struct rrk_sb_hdr *h, void *prog, void *rec, uint64_t n)
{
	register long r11 __asm__("r11") = (long)h;
	void *d = prog, *s = rec;
	__asm__ volatile("call *%[entry]"
			 : "+D"(d), "+S"(s), "+c"(n), "+r"(r11)
			 : [entry] "r"(RRK_SB_PAGE + RRK_SB_SYNC)
			 : "memory", "cc");
}

/* ---- small helpers (no C library) ---- */

HIDDEN void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;
	while (n >= 8) {
		uint64_t w;
		__builtin_memcpy(&w, sp, 8);
		__builtin_memcpy(dp, &w, 8);
		dp += 8;
		sp += 8;
		n -= 8;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

HIDDEN void *memset(void *d, int c, size_t n)
{
	uint8_t *dp = d;
	while (n--)
		*dp++ = (uint8_t)c;
	return d;
}

static int prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static int contains(const char *s, const char *p)
{
	for (; *s; s++)
		if (prefix(s, p))
			return 1;
	return 0;
}

/* ---- the per-thread buffer ---- */

static __thread struct rrk_sb_hdr *tls_sb __attribute__((tls_model("initial-exec")));
static __thread int tls_state __attribute__((tls_model("initial-exec"))); /* 0 untried, 1 ok, 2 none */
static int page_ok;

/* Just after the busy flag is cleared in rrk_sb_hook (a label there). */
extern const char rrk_sb_idle[] HIDDEN;

static struct rrk_sb_hdr *thread_buffer(void)
{
	if (tls_state == 1)
		return tls_sb;
	if (tls_state == 2 || !page_ok)
		return NULL;
	tls_state = 2;
	long p = sys6(SYS_mmap, 0, RRK_SB_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p < 0 && p > -4096)
		return NULL;
	struct rrk_sb_hdr *h = (void *)p;
	h->version = RRK_SB_VERSION;
	h->size = RRK_SB_SIZE - RRK_SB_HDR_SIZE;
	h->desched_fd = -1;
	if (sys6(RRK_SYS_SBINIT, p, RRK_SB_SIZE, RRK_SB_VERSION, (long)rrk_sb_idle, 0, 0) != 0) {
		sys6(SYS_munmap, p, RRK_SB_SIZE, 0, 0, 0, 0);
		return NULL;
	}
	tls_sb = h;
	tls_state = 1;
	return h;
}

/* ---- what each buffered syscall writes ---- */

enum kind {
	K_NO = 0,   /* not buffered */
	K_RET,      /* writes no memory */
	K_BUF,      /* writes args[buf], up to args[len] bytes, as many as it returns */
	K_READ,     /* read: a one-entry iovec, then the bytes read */
	K_FIX,      /* writes args[buf], size bytes, when it returns 0 or more */
	K_WRITE,    /* writes no memory; not buffered on the recorded stdout/stderr */
	K_EPOLL,    /* epoll_wait: args[1], 12 bytes per returned event */
	K_READV,    /* readv: scattered into args[1][0..args[2]] */
	K_RECVFROM, /* recvfrom without the sender's address */
	K_IOCTL,    /* ioctl: the requests below */
	K_FUTEX,    /* futex: wait and wake */
	K_GTOD,     /* gettimeofday: tv, tz */
	K_TIME,     /* time: the result, and *args[0] */
	K_OPENAT,   /* openat: not of devices or /proc/../fd/.. (they may be stdout) */
	K_FCNTL,    /* fcntl: flags and duplicates (not of stdout/stderr), no locks */
	K_POLL,     /* poll: the kernel writes revents in place; the record keeps the array */
	K_RECVMSG,  /* recvmsg: in place too; the record keeps the msghdr, the
		     * address, the control data and the bytes received */
};
/* block: 0 never waits; 1 may wait for another task; 2 may, unless args[0]
 * is a regular file. */
struct sbent {
	uint8_t kind, buf, len, block;
	uint16_t size;
};
/* Past the highest number buffered, statx, with one entry to spare. */
#define NSB (SYS_statx + 2)
static const struct sbent sbtab[NSB] = {
	[SYS_read] = { K_READ, 1, 2, 2, 0 },
	[SYS_write] = { K_WRITE, 0, 0, 2, 0 },
	[SYS_close] = { K_RET, 0, 0, 0, 0 },
	[SYS_stat] = { K_FIX, 1, 0, 0, sizeof(struct stat) },
	[SYS_fstat] = { K_FIX, 1, 0, 0, sizeof(struct stat) },
	[SYS_lstat] = { K_FIX, 1, 0, 0, sizeof(struct stat) },
	[SYS_poll] = { K_POLL, 0, 0, 1, 0 },
	[SYS_lseek] = { K_RET, 0, 0, 0, 0 },
	[SYS_ioctl] = { K_IOCTL, 2, 0, 0, 0 },
	[SYS_fcntl] = { K_FCNTL, 0, 0, 0, 0 },
	[SYS_pread64] = { K_BUF, 1, 2, 2, 0 },
	[SYS_pwrite64] = { K_WRITE, 0, 0, 2, 0 },
	[SYS_readv] = { K_READV, 1, 2, 2, 0 },
	[SYS_writev] = { K_WRITE, 0, 0, 2, 0 },
	[SYS_access] = { K_RET, 0, 0, 0, 0 },
	[SYS_getpid] = { K_RET, 0, 0, 0, 0 },
	[SYS_sendto] = { K_WRITE, 0, 0, 1, 0 },
	[SYS_recvfrom] = { K_RECVFROM, 1, 2, 1, 0 },
	[SYS_sendmsg] = { K_WRITE, 0, 0, 1, 0 },
	[SYS_recvmsg] = { K_RECVMSG, 0, 0, 1, 0 },
	[SYS_readlink] = { K_BUF, 1, 2, 0, 0 },
	[SYS_gettimeofday] = { K_GTOD, 0, 0, 0, 0 },
	[SYS_getppid] = { K_RET, 0, 0, 0, 0 },
	[SYS_gettid] = { K_RET, 0, 0, 0, 0 },
	[SYS_time] = { K_TIME, 0, 0, 0, 0 },
	[SYS_futex] = { K_FUTEX, 0, 0, 1, 0 },
	[SYS_getdents64] = { K_BUF, 1, 2, 0, 0 },
	[SYS_clock_gettime] = { K_FIX, 1, 0, 0, sizeof(struct __kernel_timespec) },
	[SYS_epoll_wait] = { K_EPOLL, 1, 2, 1, 0 },
	[SYS_openat] = { K_OPENAT, 0, 0, 0, 0 }, /* (a FIFO would wait: rec's timer) */
	[SYS_newfstatat] = { K_FIX, 2, 0, 0, sizeof(struct stat) },
	[SYS_readlinkat] = { K_BUF, 2, 3, 0, 0 },
	[SYS_faccessat] = { K_RET, 0, 0, 0, 0 },
	[SYS_getrandom] = { K_BUF, 0, 1, 0, 0 },
	[SYS_statx] = { K_FIX, 4, 0, 0, sizeof(struct statx) },
};

#define NOT_BUFFERED (-5000L)
/* A futex call's operation: its bits below FUTEX_PRIVATE_FLAG (the
 * kernel's FUTEX_CMD_MASK clears only that flag and FUTEX_CLOCK_REALTIME). */
#define FUTEX_CMD(op) ((int)(op) & (FUTEX_PRIVATE_FLAG - 1))
#define ALIGN8(n) (((n) + 7) & ~(uint64_t)7)

struct iov {
	uint64_t base, len;
};

struct msg {
	uint64_t name;
	uint32_t namelen, pad;
	uint64_t iov, iovlen, control, controllen;
	int32_t flags, pad2;
};

static int bit(const uint8_t *map, long fd)
{
	return fd >= 0 && fd < 1024 && (map[fd >> 3] >> (fd & 7)) & 1;
}

static void set_bit(uint8_t *map, long fd, int on)
{
	if (fd < 0 || fd >= 1024)
		return;
	if (on)
		map[fd >> 3] |= (uint8_t)(1u << (fd & 7));
	else
		map[fd >> 3] &= (uint8_t)~(1u << (fd & 7));
}

static long buffered(struct rrk_sb_hdr *h, long nr, const long *user, const struct sbent *e);

/* Learns, once, with a buffered fstat of the library's own, whether fd
 * is a regular file or a pipe. Returns 0 when it cannot tell. */
static int learn_fd(struct rrk_sb_hdr *h, long fd)
{
	if (fd < 0 || fd >= 1024)
		return 0;
	if (!bit(h->fd_known, fd)) {
		uint8_t st[sizeof(struct stat)];
		long a[6] = { fd, (long)st, 0, 0, 0, 0 };
		if (buffered(h, SYS_fstat, a, &sbtab[SYS_fstat]) != 0)
			return 0;
		uint32_t mode;
		memcpy(&mode, st + offsetof(struct stat, st_mode), sizeof mode);
		set_bit(h->fd_regular, fd, (mode & S_IFMT) == S_IFREG);
		set_bit(h->fd_pipe, fd, (mode & S_IFMT) == S_IFIFO);
		set_bit(h->fd_known, fd, 1);
	}
	return 1;
}

/* Whether fd is a regular file (whose reads and writes never wait). */
static int regular_fd(struct rrk_sb_hdr *h, long fd)
{
	return learn_fd(h, fd) && bit(h->fd_regular, fd);
}

/* A write of more than PIPE_BUF bytes to a pipe, as writes of at most
 * PIPE_BUF bytes: each is all or nothing without waiting, and one that
 * would wait becomes an ordinary syscall at once, rather than a call the
 * desched event interrupts. The kernel does not keep such a write in
 * one piece either; it returns what was written when a part fails (a
 * signal, a closed pipe), as the kernel does. */
static long pipe_write(struct rrk_sb_hdr *h, const long *user, const struct sbent *e)
{
	const char *p = (const char *)user[1];
	unsigned long len = (unsigned long)user[2], done = 0;
	while (done < len) {
		unsigned long n = len - done < PIPE_BUF ? len - done : PIPE_BUF;
		long a[6] = { user[0], (long)(p + done), (long)n, 0, 0, 0 };
		long r = buffered(h, SYS_write, a, e);
		if (r == NOT_BUFFERED) /* no room left: an ordinary syscall */
			r = sys6(SYS_write, a[0], a[1], a[2], 0, 0, 0);
		if (r < 0)
			return done ? (long)done : r;
		done += (unsigned long)r;
		if ((unsigned long)r < n)
			break;
	}
	return (long)done;
}

/* Where one buffered call's outputs go: the record's data. */
struct call {
	uint8_t *data;  /* the record's data */
	uint64_t space; /* bytes of data the record has room for */
	uint64_t want;  /* bytes of data the kernel may write */
};

/* A one-entry iovec at the start of the record's data, for n bytes that
 * follow it. Returns it, or NULL when they do not fit. */
static struct iov *data_iov(struct call *c, uint64_t n)
{
	if (n + 16 > c->space)
		return NULL;
	struct iov *one = (void *)c->data;
	one->base = (uint64_t)(c->data + 16);
	one->len = n;
	return one;
}

/* The bytes an iovec array of n entries points to. */
static uint64_t iov_total(const struct iov *v, uint64_t n)
{
	uint64_t total = 0;
	for (uint64_t i = 0; i < n; i++)
		total += v[i].len;
	return total;
}

/* ioctl: the size of what the kernel writes for the requests buffered,
 * or 0. */
static uint64_t ioctl_size(unsigned long req)
{
	return req == TCGETS ? sizeof(struct termios) /* the kernel's */ :
	       req == TIOCGWINSZ ? sizeof(struct winsize) : req == FIONREAD ? sizeof(int) : 0;
}

/* openat: not of devices or /proc/../fd/.. (they may be stdout). */
static int openat_buffered(const char *path)
{
	return path && !prefix(path, "/dev/") && !contains(path, "/fd/");
}

/* futex: wait and wake. */
static int futex_buffered(long op_arg)
{
	int op = FUTEX_CMD(op_arg);
	return op == FUTEX_WAIT || op == FUTEX_WAKE || op == FUTEX_WAIT_BITSET || op == FUTEX_WAKE_BITSET;
}

/* fcntl: flags and duplicates (not of stdout/stderr), no locks. */
static int fcntl_buffered(struct rrk_sb_hdr *h, const long *a)
{
	long cmd = a[1];
	if (cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL && cmd != F_SETFL && cmd != F_DUPFD &&
	    cmd != F_DUPFD_CLOEXEC)
		return 0;
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && bit(h->out_fds, a[0]))
		return 0; /* a new stdout: rec must know at once */
	return 1;
}

/* Per kind: points the output buffers among a, the arguments the call
 * is made with, into the record's data and sets c->want. Returns 0, or
 * NOT_BUFFERED for a call the buffer does not take. */
static long prepare(struct rrk_sb_hdr *h, long nr, const struct sbent *e, long *a, struct call *c)
{
	uint8_t *data = c->data;
	uint64_t want = 0;
	switch (e->kind) {
	case K_RET:
		break;
	case K_WRITE:
		if (nr == SYS_write) {
			/* a one-entry iovec, for the no-wait attempt */
			struct iov *one = (void *)data;
			one->base = (uint64_t)a[1];
			one->len = (uint64_t)a[2];
			want = 16;
		}
		break;
	case K_READ:
		if (!data_iov(c, (uint64_t)a[2]))
			return NOT_BUFFERED;
		a[1] = (long)(data + 16);
		want = (uint64_t)a[2] + 16;
		break;
	case K_OPENAT:
		if (!openat_buffered((const char *)a[1]))
			return NOT_BUFFERED;
		break;
	case K_BUF:
		want = (uint64_t)a[e->len];
		a[e->buf] = (long)data;
		break;
	case K_FIX:
		want = e->size;
		a[e->buf] = (long)data;
		break;
	case K_IOCTL:
		want = ioctl_size((unsigned long)a[1]);
		if (!want || !a[2])
			return NOT_BUFFERED;
		a[2] = (long)data;
		break;
	case K_GTOD:
		want = sizeof(struct __kernel_old_timeval) + sizeof(struct timezone);
		if (a[0])
			a[0] = (long)data;
		if (a[1])
			a[1] = (long)(data + sizeof(struct __kernel_old_timeval));
		break;
	case K_TIME:
		a[0] = 0;
		break;
	case K_FCNTL:
		if (!fcntl_buffered(h, a))
			return NOT_BUFFERED;
		break;
	case K_FUTEX:
		if (!futex_buffered(a[1]))
			return NOT_BUFFERED;
		break;
	case K_EPOLL:
		want = (uint64_t)a[2] * sizeof(struct epoll_event);
		if (a[2] <= 0 || (uint64_t)a[2] > 65536)
			return NOT_BUFFERED;
		a[1] = (long)data;
		break;
	case K_READV: {
		/* one contiguous buffer after a one-entry iovec, both inside
		 * the record: play fills them in before the call */
		if (a[2] <= 0 || a[2] > UIO_MAXIOV)
			return NOT_BUFFERED;
		want = iov_total((const struct iov *)a[1], (uint64_t)a[2]);
		struct iov *one = data_iov(c, want);
		if (!one)
			return NOT_BUFFERED;
		a[1] = (long)one;
		a[2] = 1;
		break;
	}
	case K_POLL:
		if ((uint64_t)a[1] > 4096)
			return NOT_BUFFERED;
		want = (uint64_t)a[1] * sizeof(struct pollfd);
		break;
	case K_RECVMSG: {
		const struct msg *m = (const void *)a[1];
		if (!m || m->iovlen > UIO_MAXIOV)
			return NOT_BUFFERED;
		want = sizeof *m + m->namelen + m->controllen +
		       iov_total((const struct iov *)m->iov, m->iovlen);
		break;
	}
	case K_RECVFROM:
		/* (the sender's address is written in place over its length:
		 * play could not fill that in ahead of the call) */
		if (a[4] || a[5])
			return NOT_BUFFERED;
		want = (uint64_t)a[2];
		a[1] = (long)data;
		break;
	default:
		return NOT_BUFFERED;
	}
	c->want = want;
	return 0;
}

/* Makes the prepared call, with the desched event armed when it may
 * wait (regular: args[0] is a regular file). Sets *flags (RRK_SBR_*). */
static long make_call(struct rrk_sb_hdr *h, long nr, const struct sbent *e, const long *a,
		      const struct call *c, int regular, uint16_t *flags)
{
	int may_block = e->block && !regular && !(e->kind == K_EPOLL && a[3] == 0) &&
			!(e->kind == K_POLL && a[2] == 0) &&
			!(e->kind == K_FUTEX && FUTEX_CMD(a[1]) != FUTEX_WAIT && FUTEX_CMD(a[1]) != FUTEX_WAIT_BITSET);
	h->redirected = 0;
	long ret = -EAGAIN;
	int retried = 0, nowait = may_block && (nr == SYS_read || (nr == SYS_write && a[2] <= PIPE_BUF));
	if (nowait) {
		/* a pipe or socket: first without waiting (RWF_NOWAIT; a
		 * write of at most PIPE_BUF bytes is then all or nothing), so
		 * that the common case needs no desched event */
		long nw[6] = { a[0], (long)c->data, 1, -1, -1, RWF_NOWAIT };
		h->attempt = 1;
		ret = page_call(h, nr == SYS_read ? SYS_preadv2 : SYS_pwritev2, nw);
		h->attempt = 0;
		if (ret == -EOPNOTSUPP)
			ret = -EAGAIN;
		retried = ret == -EAGAIN; /* play answers the attempt EAGAIN again */
	}
	if (retried) {
		/* it would wait: an ordinary syscall at once, rather than
		 * one the desched event interrupts and rec redirects */
		h->redirected = 1;
		ret = page_call_at(RRK_SB_TRACED, h, nr, a);
	} else if (!nowait) {
		if (may_block)
			page_desched(h, RRK_SB_ARM);
		ret = page_call(h, nr, a);
		if (may_block)
			page_desched(h, RRK_SB_DISARM);
	}
	*flags = (h->redirected ? RRK_SBR_TRACED : 0) | (retried ? RRK_SBR_RETRIED : 0);
	h->redirected = 0;
	return ret;
}

/* recvmsg wrote in place: its msghdr m (the kernel updates the sizes),
 * then the address, the control data and ret bytes received, at most
 * the sizes the program offered (in). Returns the bytes of data used. */
static uint64_t sync_recvmsg(struct rrk_sb_hdr *h, struct msg *m, uint8_t *data, uint64_t ret,
			     const struct msg *in)
{
	page_sync(h, m, data, sizeof *m);
	uint64_t got = sizeof *m;
	uint64_t n = m->namelen < in->namelen ? m->namelen : in->namelen;
	if (in->name && n)
		page_sync(h, (void *)in->name, data + got, n);
	got += n;
	n = m->controllen < in->controllen ? m->controllen : in->controllen;
	if (in->control && n)
		page_sync(h, (void *)in->control, data + got, n);
	got += n;
	const struct iov *v = (const void *)in->iov;
	uint64_t left = ret;
	for (uint64_t i = 0; i < in->iovlen && left; i++) {
		n = v[i].len < left ? v[i].len : left;
		page_sync(h, (void *)v[i].base, data + got, n);
		got += n;
		left -= n;
	}
	return got;
}

/* Per kind: copies what the kernel wrote into the record's data back
 * where the program asked, after a call that returned ret >= 0.
 * Returns the bytes of data the record keeps (got when unchanged). */
static uint64_t copy_back(const struct sbent *e, const long *user, const struct call *c, long ret,
			  uint64_t got)
{
	const uint8_t *data = c->data;
	switch (e->kind) {
	case K_READ:
		got = 16 + (uint64_t)ret;
		memcpy((void *)user[1], data + 16, (uint64_t)ret);
		break;
	case K_BUF:
		got = (uint64_t)ret;
		memcpy((void *)user[e->buf], data, got);
		break;
	case K_FIX:
		got = c->want;
		memcpy((void *)user[e->buf], data, got);
		break;
	case K_IOCTL:
		got = c->want;
		memcpy((void *)user[2], data, got);
		break;
	case K_GTOD:
		got = c->want;
		if (user[0])
			memcpy((void *)user[0], data, sizeof(struct __kernel_old_timeval));
		if (user[1])
			memcpy((void *)user[1], data + sizeof(struct __kernel_old_timeval),
			       sizeof(struct timezone));
		break;
	case K_TIME:
		if (user[0])
			*(long *)user[0] = ret;
		break;
	case K_EPOLL:
		got = (uint64_t)ret * sizeof(struct epoll_event);
		memcpy((void *)user[1], data, got);
		break;
	case K_READV: {
		const struct iov *v = (const void *)user[1];
		uint64_t off = 0;
		for (long i = 0; i < user[2] && off < (uint64_t)ret; i++) {
			uint64_t n = v[i].len < (uint64_t)ret - off ? v[i].len : (uint64_t)ret - off;
			memcpy((void *)v[i].base, data + 16 + off, n);
			off += n;
		}
		got = 16 + (uint64_t)ret;
		break;
	}
	case K_RECVFROM: /* (MSG_TRUNC: the result may be the longer size) */
		got = (uint64_t)ret < c->want ? (uint64_t)ret : c->want;
		memcpy((void *)user[1], data, got);
		break;
	default:
		break;
	}
	return got;
}

/* A buffered call: the entry page runs it (record) or returns what the
 * recording got (replay); the kernel writes into the record's data. */
static long buffered(struct rrk_sb_hdr *h, long nr, const long *user, const struct sbent *e)
{
	if (e->kind == K_WRITE && (bit(h->out_fds, user[0]) || user[0] >= 1024))
		return NOT_BUFFERED; /* play shows the recorded stdout's writes */
	if (nr == SYS_write && (unsigned long)user[2] > PIPE_BUF && learn_fd(h, user[0]) && bit(h->fd_pipe, user[0]))
		return pipe_write(h, user, e);
	/* (first: the fstat it may make goes before this call's record) */
	int regular = e->block == 2 && regular_fd(h, user[0]);
	uint8_t *recs = (uint8_t *)h + RRK_SB_HDR_SIZE;
	uint64_t room = h->size - h->used;
	if (room < sizeof(struct rrk_sb_rec) + 64)
		return NOT_BUFFERED;
	struct rrk_sb_rec *rec = (void *)(recs + h->used);
	struct call c;
	c.data = (uint8_t *)(rec + 1);
	c.space = room - sizeof *rec;
	long a[6];
	for (int i = 0; i < 6; i++)
		a[i] = user[i];
	if (prepare(h, nr, e, a, &c) == NOT_BUFFERED)
		return NOT_BUFFERED;
	/* Only the record's own bytes are written, before the call as after:
	 * in replay the records after it are already in place. */
	if (c.want > c.space)
		return NOT_BUFFERED;
	struct msg in; /* recvmsg: the sizes the program offered */
	if (e->kind == K_RECVMSG)
		memcpy(&in, (const void *)a[1], sizeof in);
	uint16_t flags;
	long ret = make_call(h, nr, e, a, &c, regular, &flags);
	/* what the kernel wrote, back where the program asked */
	uint64_t got = e->kind == K_READV || e->kind == K_READ || (e->kind == K_WRITE && nr == SYS_write) ? 16 : 0;
	if (ret >= 0 && !flags) {
		/* written in the program's memory by the kernel (rec) or from
		 * the record (play); a traced call's came as memory writes */
		if (e->kind == K_POLL) {
			got = c.want;
			page_sync(h, (void *)user[0], c.data, got);
		} else if (e->kind == K_RECVMSG) {
			got = sync_recvmsg(h, (void *)user[1], c.data, (uint64_t)ret, &in);
		}
	}
	if (ret >= 0)
		got = copy_back(e, user, &c, ret, got);
	if (ret >= 0 && (nr == SYS_close || nr == SYS_openat ||
			 (nr == SYS_fcntl && (user[1] == F_DUPFD || user[1] == F_DUPFD_CLOEXEC))))
		set_bit(h->fd_known, nr == SYS_close ? user[0] : ret, 0); /* a new file there */
	rec->nr = (uint16_t)nr;
	rec->flags = flags;
	rec->ret = ret;
	for (int i = 0; i < 6; i++)
		rec->args[i] = (uint64_t)user[i];
	rec->size = (uint32_t)(sizeof *rec + ALIGN8(got));
	h->used += rec->size;
	/* left means something in replay only: count it down without
	 * flags, and leave no register behind, that would differ */
	__asm__ volatile("movq %0, %%rcx\n\tleaq -1(%%rcx), %%rcx\n\tmovq %%rcx, %0\n\t"
			 "xorl %%ecx, %%ecx"
			 : "+m"(h->left)
			 :
			 : "rcx", "cc");
	return ret;
}

HIDDEN long rrk_sb_hook(const long *a)
{
	long nr = a[0];
	const long *args = a + 1;
	const struct sbent *e = nr >= 0 && nr < NSB ? &sbtab[nr] : NULL;
	struct rrk_sb_hdr *h = e && e->kind ? thread_buffer() : NULL;
	if (h && !h->busy) {
		h->busy = 1;
		long ret = buffered(h, nr, args, e);
		h->busy = 0;
		/* where rec puts a breakpoint to let a thread finish its
		 * buffered call, when debug registers cannot watch busy */
		__asm__ volatile(".globl rrk_sb_idle\n\t.hidden rrk_sb_idle\nrrk_sb_idle:" ::: "memory");
		if (ret != NOT_BUFFERED)
			return ret;
	}
	return sys6(nr, args[0], args[1], args[2], args[3], args[4], args[5]);
}

/* ---- patching the C library's syscall sites ---- */

extern void rrk_sb_entry(void) HIDDEN;

/* The bytes around a syscall instruction we know how to move into a
 * thunk: before (moved, then the syscall), after (moved, then a jump
 * back, unless it returns). */
struct site {
	uint8_t *at;   /* first patched byte */
	int len;       /* bytes replaced by the jump (>= 5) */
	int before;    /* bytes before the syscall instruction */
	int after;     /* bytes after it */
	int rets;      /* the moved bytes end with ret: no jump back */
	int jcc;       /* after is test %eax,%eax; jcc rel8: rewritten as rel32 */
};

static int match(uint8_t *p, uint8_t *lo, uint8_t *hi, struct site *s)
{
	if (p + 12 > hi || p[0] != 0x0f || p[1] != 0x05)
		return 0;
	s->jcc = s->rets = 0;
	/* syscall; cmp $-4096 or -4095, %rax */
	if (p[2] == 0x48 && p[3] == 0x3d && (p[4] == 0x00 || p[4] == 0x01) && p[5] == 0xf0 &&
	    p[6] == 0xff && p[7] == 0xff) {
		s->at = p, s->before = 0, s->after = 6, s->len = 8;
		return 1;
	}
	/* syscall; cmp $-4096, %eax */
	if (p[2] == 0x3d && p[3] == 0x00 && p[4] == 0xf0 && p[5] == 0xff && p[6] == 0xff) {
		s->at = p, s->before = 0, s->after = 5, s->len = 7;
		return 1;
	}
	/* syscall; mov %eax,%edx; cmp $-4096, %eax (ioctl) */
	if (p[2] == 0x89 && p[3] == 0xc2 && p[4] == 0x3d && p[5] == 0x00 && p[6] == 0xf0 &&
	    p[7] == 0xff && p[8] == 0xff) {
		s->at = p, s->before = 0, s->after = 7, s->len = 9;
		return 1;
	}
	/* syscall; test %eax,%eax; jne/je rel8 (clock_gettime) */
	if (p[2] == 0x85 && p[3] == 0xc0 && (p[4] == 0x75 || p[4] == 0x74)) {
		s->at = p, s->before = 0, s->after = 4, s->len = 6, s->jcc = 1;
		return 1;
	}
	/* mov $nr, %eax; syscall; ret (getpid, getuid, ...) */
	if (p >= lo + 5 && p[-5] == 0xb8 && p[2] == 0xc3) {
		s->at = p - 5, s->before = 5, s->after = 1, s->len = 8, s->rets = 1;
		return 1;
	}
	return 0;
}

typedef uint64_t __attribute__((may_alias, aligned(1))) unaligned_u64;

/* The next syscall instruction (0f 05) at or after p with 12 bytes
 * before hi, or NULL. Eight bytes at a time: every program start scans
 * the C library's text. */
static uint8_t *next_syscall(uint8_t *p, uint8_t *hi)
{
	const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
	for (; p + 12 <= hi; p += 7) {
		uint64_t w = *(const unaligned_u64 *)p, a = w ^ (0x0f * ones), b = w ^ (0x05 * ones);
		/* 0x80 in each byte of a (b) that is zero: 0f (05) in w */
		uint64_t is0f = ~(((a & low7) + low7) | a | low7);
		uint64_t is05 = ~(((b & low7) + low7) | b | low7);
		uint64_t pair = is0f & (is05 >> 8); /* bytes 0..6: 0f, then 05 */
		if (pair) {
			uint8_t *q = p + (__builtin_ctzll(pair) >> 3);
			return q + 12 <= hi ? q : NULL;
		}
	}
	return NULL;
}

struct thunks {
	uint8_t *base, *cur, *end;
	uint32_t *bitmap; /* syscalls the hook buffers */
	uint64_t *entry;  /* &rrk_sb_entry */
};

static void put32(uint8_t **p, int32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

static int32_t rel(uint8_t *from_end, uint64_t to)
{
	return (int32_t)((int64_t)to - (int64_t)(uint64_t)from_end);
}

static int near(uint8_t *a, uint64_t b)
{
	int64_t d = (int64_t)b - (int64_t)(uint64_t)a;
	return d > -0x7ff00000ll && d < 0x7ff00000ll;
}

/* Writes the thunk for s; returns its address or NULL. */
static uint8_t *thunk(struct thunks *t, const struct site *s)
{
	if (t->cur + 96 > t->end || !near(t->cur, (uint64_t)s->at) || !near(t->cur, (uint64_t)t->bitmap))
		return NULL;
	uint8_t *p = t->cur, *start = p, *j_traced1, *j_traced2, *j_after;
	memcpy(p, s->at, (size_t)s->before);
	p += s->before;
	*p++ = 0x3d; /* cmp $NSB, %eax */
	put32(&p, NSB);
	*p++ = 0x0f, *p++ = 0x83; /* jae traced */
	j_traced1 = p;
	p += 4;
	*p++ = 0x0f, *p++ = 0xa3, *p++ = 0x05; /* bt %eax, bitmap(%rip) */
	p += 4;
	memcpy(p - 4, &(int32_t){ rel(p, (uint64_t)t->bitmap) }, 4);
	*p++ = 0x0f, *p++ = 0x83; /* jnc traced */
	j_traced2 = p;
	p += 4;
	*p++ = 0x48, *p++ = 0x8d, *p++ = 0x64, *p++ = 0x24, *p++ = 0x80; /* lea -128(%rsp),%rsp */
	*p++ = 0xff, *p++ = 0x15; /* call *entry(%rip) */
	p += 4;
	memcpy(p - 4, &(int32_t){ rel(p, (uint64_t)t->entry) }, 4);
	*p++ = 0x48, *p++ = 0x8d, *p++ = 0xa4, *p++ = 0x24; /* lea 128(%rsp),%rsp */
	put32(&p, 128);
	*p++ = 0xe9; /* jmp after */
	j_after = p;
	p += 4;
	memcpy(j_traced1, &(int32_t){ rel(j_traced1 + 4, (uint64_t)p) }, 4);
	memcpy(j_traced2, &(int32_t){ rel(j_traced2 + 4, (uint64_t)p) }, 4);
	*p++ = 0x0f, *p++ = 0x05; /* traced: syscall */
	memcpy(j_after, &(int32_t){ rel(j_after + 4, (uint64_t)p) }, 4);
	const uint8_t *after = s->at + s->before + 2;
	if (s->jcc) {
		*p++ = 0x85, *p++ = 0xc0; /* test %eax,%eax */
		uint64_t target = (uint64_t)(after + 4) + (uint64_t)(int64_t)(int8_t)after[3];
		*p++ = 0x0f, *p++ = (uint8_t)(after[2] + 0x10); /* jcc rel32 */
		p += 4;
		memcpy(p - 4, &(int32_t){ rel(p, target) }, 4);
	} else {
		memcpy(p, after, (size_t)s->after);
		p += s->after;
	}
	if (!s->rets) {
		*p++ = 0xe9; /* jmp back */
		p += 4;
		memcpy(p - 4, &(int32_t){ rel(p, (uint64_t)(s->at + s->len)) }, 4);
	}
	t->cur = (uint8_t *)(((uint64_t)p + 15) & ~15ull);
	return start;
}

struct region {
	uint64_t lo, hi;
};

/* The C library's executable mapping, from /proc/self/maps. */
static int find_libc(struct region *r)
{
	static char buf[65536];
	long fd = sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/maps", O_RDONLY, 0, 0, 0);
	if (fd < 0)
		return -1;
	long n = 0, k;
	while (n < (long)sizeof buf - 1 &&
	       (k = sys6(SYS_read, fd, (long)(buf + n), (long)sizeof buf - 1 - n, 0, 0, 0)) > 0)
		n += k;
	sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	buf[n > 0 ? n : 0] = 0;
	for (char *line = buf; *line;) {
		char *end = line;
		while (*end && *end != '\n')
			end++;
		char save = *end;
		*end = 0;
		uint64_t lo = 0, hi = 0;
		char *p = line;
		for (; *p && *p != '-'; p++)
			lo = lo * 16 + (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		if (*p == '-')
			p++;
		for (; *p && *p != ' '; p++)
			hi = hi * 16 + (uint64_t)(*p <= '9' ? *p - '0' : *p - 'a' + 10);
		int exec = p[0] == ' ' && p[3] == 'x';
		if (exec && (contains(line, "/libc.so.6") || contains(line, "/libc-2.")) ) {
			r->lo = lo, r->hi = hi;
			*end = save;
			return 0;
		}
		*end = save;
		line = save ? end + 1 : end;
	}
	return -1;
}

static void patch_libc(void)
{
	struct region lc;
	if (find_libc(&lc) < 0)
		return;
	uint64_t tsize = 1u << 16;
	/* the thunks within reach of a rel32 jump from the library */
	long tp = sys6(SYS_mmap, (long)(lc.lo - tsize - (1u << 20)), (long)tsize, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (tp < 0 && tp > -4096)
		return;
	struct thunks t;
	t.base = (uint8_t *)tp;
	t.bitmap = (uint32_t *)t.base;
	t.entry = (uint64_t *)(t.base + 64);
	t.cur = t.base + 128;
	t.end = t.base + tsize;
	for (int i = 0; i < NSB; i++)
		if (sbtab[i].kind)
			t.bitmap[i >> 5] |= 1u << (i & 31);
	*t.entry = (uint64_t)&rrk_sb_entry;
	if (!near(t.base, lc.lo) || !near(t.base, lc.hi)) {
		sys6(SYS_munmap, tp, (long)tsize, 0, 0, 0, 0);
		return;
	}
	if (sys6(SYS_mprotect, (long)lc.lo, (long)(lc.hi - lc.lo), PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0) != 0) {
		sys6(SYS_munmap, tp, (long)tsize, 0, 0, 0, 0);
		return;
	}
	uint8_t *lo = (uint8_t *)lc.lo, *hi = (uint8_t *)lc.hi;
	for (uint8_t *p = lo; (p = next_syscall(p, hi)) != NULL; p++) {
		struct site s;
		if (!match(p, lo, hi, &s))
			continue;
		uint8_t *th = thunk(&t, &s);
		if (!th)
			break;
		uint8_t jmp[16];
		jmp[0] = 0xe9;
		int32_t d = rel(s.at + 5, (uint64_t)th);
		memcpy(jmp + 1, &d, 4);
		for (int i = 5; i < s.len; i++)
			jmp[i] = 0xcc; /* never reached: the thunk jumps past them */
		memcpy(s.at, jmp, (size_t)s.len);
		p = s.at + s.len - 1;
	}
	sys6(SYS_mprotect, (long)lc.lo, (long)(lc.hi - lc.lo), PROT_READ | PROT_EXEC, 0, 0, 0);
	sys6(SYS_mprotect, tp, (long)tsize, PROT_READ | PROT_EXEC, 0, 0, 0);
}

__attribute__((constructor)) static void rrk_sb_start(void)
{
	/* The entry page, the same in every process; rec fills it in when
	 * the first thread registers its buffer. */
	long p = sys6(SYS_mmap, (long)RRK_SB_PAGE, 4096, PROT_READ | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (long)RRK_SB_PAGE) {
		if (!(p < 0 && p > -4096))
			sys6(SYS_munmap, p, 4096, 0, 0, 0, 0);
		return;
	}
	page_ok = 1;
	if (!thread_buffer())
		return; /* not under rec, or rec --no-syscallbuf */
	patch_libc();
}
