/* Rendering syscalls as text (strace-like) or as JSON fields, driven by
 * the argument types in the syscall table. */
#include "systable.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>

struct sb {
	char *b;
	size_t len, pos;
};

static void sb_putc(struct sb *s, char c)
{
	if (s->pos + 1 < s->len)
		s->b[s->pos] = c;
	s->pos++;
	if (s->len)
		s->b[s->pos < s->len ? s->pos : s->len - 1] = 0;
}

static void sb_puts(struct sb *s, const char *str)
{
	while (*str)
		sb_putc(s, *str++);
}

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	sb_puts(s, tmp);
}

struct flagname {
	uint64_t v;
	const char *name;
};

/* names of set bits, '|'-separated; leftover bits as 0x...; "0" if none */
static void put_flags(struct sb *s, uint64_t v, const struct flagname *f,
		      size_t n, int any)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].v && (v & f[i].v) == f[i].v) {
			if (any)
				sb_putc(s, '|');
			sb_puts(s, f[i].name);
			v &= ~f[i].v;
			any = 1;
		}
	}
	if (v || !any) {
		if (any)
			sb_putc(s, '|');
		sb_printf(s, "%#llx", (unsigned long long)v);
	}
}

static const char *lookup(uint64_t v, const struct flagname *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].v == v)
			return f[i].name;
	return NULL;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define FN(x, v) { v, #x }

static const struct flagname openflags[] = {
	FN(O_CREAT, 0100), FN(O_EXCL, 0200), FN(O_NOCTTY, 0400),
	FN(O_TRUNC, 01000), FN(O_APPEND, 02000), FN(O_NONBLOCK, 04000),
	FN(O_SYNC, 04010000), FN(O_DSYNC, 010000), FN(O_ASYNC, 020000),
	FN(O_DIRECT, 040000), FN(O_LARGEFILE, 0100000),
	FN(O_TMPFILE, 020200000), FN(O_DIRECTORY, 0200000),
	FN(O_NOFOLLOW, 0400000), FN(O_NOATIME, 01000000),
	FN(O_CLOEXEC, 02000000), FN(O_PATH, 010000000),
};
static const struct flagname protflags[] = {
	FN(PROT_READ, 1), FN(PROT_WRITE, 2), FN(PROT_EXEC, 4), FN(PROT_SEM, 8),
	FN(PROT_GROWSDOWN, 0x01000000), FN(PROT_GROWSUP, 0x02000000),
};
static const struct flagname mmapflags[] = {
	FN(MAP_FIXED, 0x10), FN(MAP_ANONYMOUS, 0x20), FN(MAP_32BIT, 0x40),
	FN(MAP_GROWSDOWN, 0x100), FN(MAP_DENYWRITE, 0x800),
	FN(MAP_EXECUTABLE, 0x1000), FN(MAP_LOCKED, 0x2000),
	FN(MAP_NORESERVE, 0x4000), FN(MAP_POPULATE, 0x8000),
	FN(MAP_NONBLOCK, 0x10000), FN(MAP_STACK, 0x20000),
	FN(MAP_HUGETLB, 0x40000), FN(MAP_SYNC, 0x80000),
	FN(MAP_FIXED_NOREPLACE, 0x100000), FN(MAP_UNINITIALIZED, 0x4000000),
};
static const struct flagname atflags[] = {
	FN(AT_SYMLINK_NOFOLLOW, 0x100), FN(AT_REMOVEDIR, 0x200),
	FN(AT_SYMLINK_FOLLOW, 0x400), FN(AT_NO_AUTOMOUNT, 0x800),
	FN(AT_EMPTY_PATH, 0x1000), FN(AT_STATX_FORCE_SYNC, 0x2000),
	FN(AT_STATX_DONT_SYNC, 0x4000), FN(AT_RECURSIVE, 0x8000),
};
static const struct flagname accessflags[] = {
	FN(R_OK, 4), FN(W_OK, 2), FN(X_OK, 1),
};
static const struct flagname clocks[] = {
	FN(CLOCK_REALTIME, 0), FN(CLOCK_MONOTONIC, 1),
	FN(CLOCK_PROCESS_CPUTIME_ID, 2), FN(CLOCK_THREAD_CPUTIME_ID, 3),
	FN(CLOCK_MONOTONIC_RAW, 4), FN(CLOCK_REALTIME_COARSE, 5),
	FN(CLOCK_MONOTONIC_COARSE, 6), FN(CLOCK_BOOTTIME, 7),
	FN(CLOCK_REALTIME_ALARM, 8), FN(CLOCK_BOOTTIME_ALARM, 9),
	FN(CLOCK_TAI, 11),
};
static const struct flagname fcntls[] = {
	FN(F_DUPFD, 0), FN(F_GETFD, 1), FN(F_SETFD, 2), FN(F_GETFL, 3),
	FN(F_SETFL, 4), FN(F_GETLK, 5), FN(F_SETLK, 6), FN(F_SETLKW, 7),
	FN(F_SETOWN, 8), FN(F_GETOWN, 9), FN(F_SETSIG, 10), FN(F_GETSIG, 11),
	FN(F_SETOWN_EX, 15), FN(F_GETOWN_EX, 16), FN(F_GETOWNER_UIDS, 17),
	FN(F_OFD_GETLK, 36), FN(F_OFD_SETLK, 37), FN(F_OFD_SETLKW, 38),
	FN(F_SETLEASE, 1024), FN(F_GETLEASE, 1025), FN(F_NOTIFY, 1026),
	FN(F_DUPFD_QUERY, 1027), FN(F_DUPFD_CLOEXEC, 1030),
	FN(F_SETPIPE_SZ, 1031), FN(F_GETPIPE_SZ, 1032), FN(F_ADD_SEALS, 1033),
	FN(F_GET_SEALS, 1034), FN(F_GET_RW_HINT, 1035), FN(F_SET_RW_HINT, 1036),
	FN(F_GET_FILE_RW_HINT, 1037), FN(F_SET_FILE_RW_HINT, 1038),
};
static const struct flagname whences[] = {
	FN(SEEK_SET, 0), FN(SEEK_CUR, 1), FN(SEEK_END, 2), FN(SEEK_DATA, 3),
	FN(SEEK_HOLE, 4),
};
static const struct flagname sighows[] = {
	FN(SIG_BLOCK, 0), FN(SIG_UNBLOCK, 1), FN(SIG_SETMASK, 2),
};
static const struct flagname archprctls[] = {
	FN(ARCH_SET_GS, 0x1001), FN(ARCH_SET_FS, 0x1002),
	FN(ARCH_GET_FS, 0x1003), FN(ARCH_GET_GS, 0x1004),
	FN(ARCH_GET_CPUID, 0x1011), FN(ARCH_SET_CPUID, 0x1012),
	FN(ARCH_GET_XCOMP_SUPP, 0x1021), FN(ARCH_GET_XCOMP_PERM, 0x1022),
	FN(ARCH_REQ_XCOMP_PERM, 0x1023), FN(ARCH_GET_XCOMP_GUEST_PERM, 0x1024),
	FN(ARCH_REQ_XCOMP_GUEST_PERM, 0x1025), FN(ARCH_MAP_VDSO_X32, 0x2001),
	FN(ARCH_MAP_VDSO_32, 0x2002), FN(ARCH_MAP_VDSO_64, 0x2003),
	FN(ARCH_SHSTK_ENABLE, 0x5001), FN(ARCH_SHSTK_DISABLE, 0x5002),
	FN(ARCH_SHSTK_LOCK, 0x5003), FN(ARCH_SHSTK_UNLOCK, 0x5004),
	FN(ARCH_SHSTK_STATUS, 0x5005),
};
static const struct flagname prctls[] = {
	FN(PR_SET_PDEATHSIG, 1), FN(PR_GET_PDEATHSIG, 2),
	FN(PR_GET_DUMPABLE, 3), FN(PR_SET_DUMPABLE, 4),
	FN(PR_GET_UNALIGN, 5), FN(PR_SET_UNALIGN, 6),
	FN(PR_GET_KEEPCAPS, 7), FN(PR_SET_KEEPCAPS, 8),
	FN(PR_GET_FPEMU, 9), FN(PR_SET_FPEMU, 10), FN(PR_GET_FPEXC, 11),
	FN(PR_SET_FPEXC, 12), FN(PR_GET_TIMING, 13), FN(PR_SET_TIMING, 14),
	FN(PR_SET_NAME, 15), FN(PR_GET_NAME, 16), FN(PR_GET_ENDIAN, 19),
	FN(PR_SET_ENDIAN, 20), FN(PR_GET_SECCOMP, 21), FN(PR_SET_SECCOMP, 22),
	FN(PR_CAPBSET_READ, 23), FN(PR_CAPBSET_DROP, 24), FN(PR_GET_TSC, 25),
	FN(PR_SET_TSC, 26), FN(PR_GET_SECUREBITS, 27),
	FN(PR_SET_SECUREBITS, 28), FN(PR_SET_TIMERSLACK, 29),
	FN(PR_GET_TIMERSLACK, 30), FN(PR_TASK_PERF_EVENTS_DISABLE, 31),
	FN(PR_TASK_PERF_EVENTS_ENABLE, 32), FN(PR_MCE_KILL, 33),
	FN(PR_MCE_KILL_GET, 34), FN(PR_SET_MM, 35),
	FN(PR_SET_CHILD_SUBREAPER, 36), FN(PR_GET_CHILD_SUBREAPER, 37),
	FN(PR_SET_NO_NEW_PRIVS, 38), FN(PR_GET_NO_NEW_PRIVS, 39),
	FN(PR_GET_TID_ADDRESS, 40), FN(PR_SET_THP_DISABLE, 41),
	FN(PR_GET_THP_DISABLE, 42), FN(PR_MPX_ENABLE_MANAGEMENT, 43),
	FN(PR_MPX_DISABLE_MANAGEMENT, 44), FN(PR_CAP_AMBIENT, 47),
	FN(PR_GET_SPECULATION_CTRL, 52), FN(PR_SET_SPECULATION_CTRL, 53),
	FN(PR_SET_TAGGED_ADDR_CTRL, 55), FN(PR_GET_TAGGED_ADDR_CTRL, 56),
	FN(PR_SET_IO_FLUSHER, 57), FN(PR_GET_IO_FLUSHER, 58),
	FN(PR_SET_SYSCALL_USER_DISPATCH, 59), FN(PR_SCHED_CORE, 62),
	FN(PR_SET_MDWE, 65), FN(PR_GET_MDWE, 66),
	FN(PR_SET_MEMORY_MERGE, 67), FN(PR_GET_MEMORY_MERGE, 68),
	FN(PR_GET_AUXV, 0x41555856), FN(PR_SET_VMA, 0x53564d41),
};
static const struct flagname futexops[] = {
	FN(FUTEX_WAIT, 0), FN(FUTEX_WAKE, 1), FN(FUTEX_FD, 2),
	FN(FUTEX_REQUEUE, 3), FN(FUTEX_CMP_REQUEUE, 4), FN(FUTEX_WAKE_OP, 5),
	FN(FUTEX_LOCK_PI, 6), FN(FUTEX_UNLOCK_PI, 7), FN(FUTEX_TRYLOCK_PI, 8),
	FN(FUTEX_WAIT_BITSET, 9), FN(FUTEX_WAKE_BITSET, 10),
	FN(FUTEX_WAIT_REQUEUE_PI, 11), FN(FUTEX_CMP_REQUEUE_PI, 12),
	FN(FUTEX_LOCK_PI2, 13),
};
static const struct flagname madvs[] = {
	FN(MADV_NORMAL, 0), FN(MADV_RANDOM, 1), FN(MADV_SEQUENTIAL, 2),
	FN(MADV_WILLNEED, 3), FN(MADV_DONTNEED, 4), FN(MADV_FREE, 8),
	FN(MADV_REMOVE, 9), FN(MADV_DONTFORK, 10), FN(MADV_DOFORK, 11),
	FN(MADV_MERGEABLE, 12), FN(MADV_UNMERGEABLE, 13),
	FN(MADV_HUGEPAGE, 14), FN(MADV_NOHUGEPAGE, 15),
	FN(MADV_DONTDUMP, 16), FN(MADV_DODUMP, 17), FN(MADV_WIPEONFORK, 18),
	FN(MADV_KEEPONFORK, 19), FN(MADV_COLD, 20), FN(MADV_PAGEOUT, 21),
	FN(MADV_POPULATE_READ, 22), FN(MADV_POPULATE_WRITE, 23),
	FN(MADV_DONTNEED_LOCKED, 24), FN(MADV_COLLAPSE, 25),
	FN(MADV_HWPOISON, 100), FN(MADV_SOFT_OFFLINE, 101),
};
static const struct flagname rlimits[] = {
	FN(RLIMIT_CPU, 0), FN(RLIMIT_FSIZE, 1), FN(RLIMIT_DATA, 2),
	FN(RLIMIT_STACK, 3), FN(RLIMIT_CORE, 4), FN(RLIMIT_RSS, 5),
	FN(RLIMIT_NPROC, 6), FN(RLIMIT_NOFILE, 7), FN(RLIMIT_MEMLOCK, 8),
	FN(RLIMIT_AS, 9), FN(RLIMIT_LOCKS, 10), FN(RLIMIT_SIGPENDING, 11),
	FN(RLIMIT_MSGQUEUE, 12), FN(RLIMIT_NICE, 13), FN(RLIMIT_RTPRIO, 14),
	FN(RLIMIT_RTTIME, 15),
};

static void put_named(struct sb *s, uint64_t v, const struct flagname *f,
		      size_t n, int as_int)
{
	const char *name = lookup(v, f, n);
	if (name)
		sb_puts(s, name);
	else if (as_int)
		sb_printf(s, "%d", (int)(int32_t)v);
	else
		sb_printf(s, "%#llx", (unsigned long long)v);
}

static void sb_quote(struct sb *s, const char *str, size_t max, int json)
{
	size_t i;
	sb_putc(s, '"');
	for (i = 0; str[i] && (!max || i < max); i++) {
		unsigned char c = (unsigned char)str[i];
		switch (c) {
		case '"': sb_puts(s, "\\\""); continue;
		case '\\': sb_puts(s, "\\\\"); continue;
		case '\n': sb_puts(s, "\\n"); continue;
		case '\t': sb_puts(s, "\\t"); continue;
		case '\r': sb_puts(s, "\\r"); continue;
		}
		if (c >= 0x20 && c < 0x7f)
			sb_putc(s, (char)c);
		else if (json)
			sb_printf(s, "\\u%04x", c); /* bytes read as Latin-1 */
		else
			sb_printf(s, "\\x%02x", c);
	}
	sb_putc(s, '"');
	if (str[i] && max)
		sb_puts(s, "...");
}

void rrk_quote(char *buf, size_t len, const char *str, size_t max, int json)
{
	struct sb s = { buf, len, 0 };
	if (len)
		buf[0] = 0;
	sb_quote(&s, str, max, json);
}

static int is_open_like(uint64_t nr)
{
	return nr == SYS_open || nr == SYS_openat || nr == SYS_mq_open ||
	       nr == SYS_open_by_handle_at;
}

/* The argument types shown as one name from a list. */
static const struct named_type {
	const struct flagname *names;
	size_t n;
	int as_int; /* a value without a name: signed decimal, else hex */
} named_types[] = {
	[A_CLOCKID] = { clocks, N(clocks), 1 },
	[A_FCNTL] = { fcntls, N(fcntls), 1 },
	[A_WHENCE] = { whences, N(whences), 1 },
	[A_SIGHOW] = { sighows, N(sighows), 1 },
	[A_ARCHPRCTL] = { archprctls, N(archprctls), 0 },
	[A_PRCTL] = { prctls, N(prctls), 1 },
	[A_MADVISE] = { madvs, N(madvs), 1 },
	[A_RLIMIT] = { rlimits, N(rlimits), 1 },
};

/* The access mode by name (open-like syscalls only), then the flags. */
static void put_openflags(struct sb *s, uint64_t nr, uint64_t v)
{
	int any = 0;
	uint64_t f = v & 0xffffffff;
	if (is_open_like(nr)) {
		static const char *acc[] = { "O_RDONLY", "O_WRONLY",
					     "O_RDWR", "O_ACCMODE" };
		sb_puts(s, acc[f & 3]);
		f &= ~3ull;
		any = 1;
		if (!f)
			return;
	}
	put_flags(s, f, openflags, N(openflags), any);
}

/* The mapping's type by name, then the flags. */
static void put_mmapflags(struct sb *s, uint64_t v)
{
	static const char *types[] = { NULL, "MAP_SHARED", "MAP_PRIVATE",
				       "MAP_SHARED_VALIDATE" };
	uint64_t t = v & 0xf;
	int any = 0;
	if (t < 4 && types[t]) {
		sb_puts(s, types[t]);
		v &= ~0xfull;
		any = 1;
		if (!v)
			return;
	}
	put_flags(s, v, mmapflags, N(mmapflags), any);
}

/* faccessat2's 0x200 is AT_EACCESS; elsewhere it is AT_REMOVEDIR. */
static void put_atflags(struct sb *s, uint64_t nr, uint64_t v)
{
	if (nr == SYS_faccessat2 && (v & 0x200)) {
		sb_puts(s, "AT_EACCESS");
		v &= ~0x200ull;
		if (v)
			put_flags(s, v, atflags, N(atflags), 1);
	} else {
		put_flags(s, v, atflags, N(atflags), 0);
	}
}

/* The operation, then FUTEX_PRIVATE_FLAG (128) as a suffix and
 * FUTEX_CLOCK_REALTIME (256). */
static void put_futexop(struct sb *s, uint64_t v)
{
	const char *n = lookup(v & 127, futexops, N(futexops));
	if (!n) {
		sb_printf(s, "%#llx", (unsigned long long)v);
		return;
	}
	sb_puts(s, n);
	if (v & 128)
		sb_puts(s, "_PRIVATE");
	if (v & 256)
		sb_puts(s, "|FUTEX_CLOCK_REALTIME");
	if (v & ~0x1ffull)
		sb_printf(s, "|%#llx", (unsigned long long)(v & ~0x1ffull));
}

/* the argument as text; *numeric is set when it is a plain number (for
 * JSON), and strings are left to the caller */
static void put_arg(struct sb *s, uint64_t nr, unsigned type, uint64_t v,
		    int *numeric)
{
	*numeric = 0;
	if (type < N(named_types) && named_types[type].names) {
		const struct named_type *t = &named_types[type];
		put_named(s, v, t->names, t->n, t->as_int);
		return;
	}
	switch (type) {
	case A_INT:
	case A_FD:
		sb_printf(s, "%d", (int)(int32_t)v);
		*numeric = 1;
		break;
	case A_UINT:
		sb_printf(s, "%u", (unsigned)(uint32_t)v);
		*numeric = 1;
		break;
	case A_SIZE:
		sb_printf(s, "%llu", (unsigned long long)v);
		*numeric = 1;
		break;
	case A_OFF:
		sb_printf(s, "%lld", (long long)v);
		*numeric = 1;
		break;
	case A_DIRFD:
		if ((int32_t)v == -100) {
			sb_puts(s, "AT_FDCWD");
		} else {
			sb_printf(s, "%d", (int)(int32_t)v);
			*numeric = 1;
		}
		break;
	case A_PTR:
	case A_PATH:
	case A_STR:
	case A_STRARRAY:
		if (v)
			sb_printf(s, "%#llx", (unsigned long long)v);
		else
			sb_puts(s, "NULL");
		break;
	case A_OPENFLAGS:
		put_openflags(s, nr, v);
		break;
	case A_MODE:
		sb_printf(s, "%#llo", (unsigned long long)(v & 0xffffffff));
		break;
	case A_PROT:
		if (!v)
			sb_puts(s, "PROT_NONE");
		else
			put_flags(s, v, protflags, N(protflags), 0);
		break;
	case A_MMAPFLAGS:
		put_mmapflags(s, v);
		break;
	case A_SIGNUM: {
		const char *n = rrk_signal_name((int)(int32_t)v);
		if (n) {
			sb_puts(s, n);
		} else {
			sb_printf(s, "%d", (int)(int32_t)v);
			*numeric = 1;
		}
		break;
	}
	case A_ATFLAGS:
		put_atflags(s, nr, v);
		break;
	case A_IOCTL: {
		const struct rrk_ioctlent *e = rrk_ioctl_lookup((uint32_t)v);
		if (e)
			sb_puts(s, e->name);
		else
			sb_printf(s, "%#x", (unsigned)(uint32_t)v);
		break;
	}
	case A_FUTEXOP:
		put_futexop(s, v);
		break;
	case A_ACCESS:
		if (!v)
			sb_puts(s, "F_OK");
		else
			put_flags(s, v, accessflags, N(accessflags), 0);
		break;
	case A_HEX:
	default:
		sb_printf(s, "%#llx", (unsigned long long)v);
		break;
	}
}

void rrk_format_arg(char *buf, size_t len, unsigned argtype, uint64_t v,
		    const char *str)
{
	struct sb s = { buf, len, 0 };
	int numeric;
	if (len)
		buf[0] = 0;
	if (str && (argtype == A_PATH || argtype == A_STR))
		sb_quote(&s, str, 64, 0);
	else
		put_arg(&s, (uint64_t)-1, argtype, v, &numeric);
}

/* syscalls whose successful result is an address */
static int result_is_addr(uint64_t nr)
{
	return nr == SYS_mmap || nr == SYS_mremap || nr == SYS_brk ||
	       nr == SYS_shmat;
}

void rrk_format_syscall(char *buf, size_t len, uint64_t nr,
			const uint64_t args[6], int64_t result,
			const char *strs[6], int json)
{
	struct sb s = { buf, len, 0 };
	const char *name = rrk_syscall_name(nr);
	const struct rrk_sysent *e = name && nr < RRK_NSYSCALLS ? &rrk_systable[nr] : NULL;
	unsigned nargs = e ? e->nargs : 6;
	char namebuf[32];

	if (len)
		buf[0] = 0;
	if (!name) {
		/* large ones (x32's bit, -1) read better in hex */
		snprintf(namebuf, sizeof namebuf, nr < 0x10000 ? "syscall_%llu" : "syscall_%#llx",
			 (unsigned long long)nr);
		name = namebuf;
	}
	/* open's mode means something only when a file may be created */
	if ((nr == SYS_open && !(args[1] & 020000100)) ||
	    (nr == SYS_openat && !(args[2] & 020000100)))
		nargs--;
	if (json)
		sb_printf(&s, "\"name\":\"%s\",\"args\":[", name);
	else
		sb_printf(&s, "%s(", name);

	for (unsigned i = 0; i < nargs && i < 6; i++) {
		unsigned type = e ? e->argtype[i] : A_HEX;
		const char *str = strs ? strs[i] : NULL;
		if (i)
			sb_puts(&s, json ? "," : ", ");
		if (str && (type == A_PATH || type == A_STR || type == A_PTR)) {
			sb_quote(&s, str, json ? 0 : 64, json);
			continue;
		}
		char a[256];
		struct sb as = { a, sizeof a, 0 };
		int numeric;
		a[0] = 0;
		put_arg(&as, nr, type, args[i], &numeric);
		if (json && !numeric)
			sb_printf(&s, "\"%s\"", a);
		else
			sb_puts(&s, a);
	}

	int err = result < 0 && result >= -4095;
	const char *ename = err ? rrk_errno_name((int)-result) : NULL;
	if (json) {
		sb_puts(&s, "],\"result\":");
		if (err) {
			sb_puts(&s, "-1,\"errno\":");
			if (ename)
				sb_printf(&s, "\"%s\"", ename);
			else
				sb_printf(&s, "\"E%d\"", (int)-result);
		} else {
			sb_printf(&s, "%lld,\"errno\":null", (long long)result);
		}
		return;
	}
	sb_puts(&s, ") = ");
	if (err) {
		if (ename)
			sb_printf(&s, "-1 %s", ename);
		else
			sb_printf(&s, "-1 E%d", (int)-result);
	} else if (result_is_addr(nr)) {
		sb_printf(&s, "%#llx", (unsigned long long)result);
	} else {
		sb_printf(&s, "%lld", (long long)result);
	}
}
