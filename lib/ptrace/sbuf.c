/* rec's and play's side of the syscall buffer: the entry page's two
 * variants, walking a buffer's records, and the desched event rec gives
 * each thread (doc/design.md "The syscall buffer"). */
#include "sbuf.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

_Static_assert(offsetof(struct rrk_sb_hdr, used) == RRK_SB_OFF_USED, "used");
_Static_assert(offsetof(struct rrk_sb_hdr, left) == RRK_SB_OFF_LEFT, "left");
_Static_assert(offsetof(struct rrk_sb_hdr, redirected) == RRK_SB_OFF_REDIRECTED, "redirected");
_Static_assert(offsetof(struct rrk_sb_hdr, busy) == RRK_SB_OFF_BUSY, "busy");
_Static_assert(offsetof(struct rrk_sb_hdr, attempt) == RRK_SB_OFF_ATTEMPT, "attempt");
_Static_assert(offsetof(struct rrk_sb_hdr, desched_fd) == RRK_SB_OFF_DESCHED, "desched_fd");
_Static_assert(offsetof(struct rrk_sb_rec, ret) == RRK_SB_OFF_RET, "ret");
_Static_assert(sizeof(struct rrk_sb_hdr) <= RRK_SB_HDR_SIZE, "header size");
_Static_assert(sizeof(struct rrk_sb_rec) == 64, "record size");

/* Every function ends by clearing rcx and r11 (and the ARM/DISARM ones
 * rax, rdi, rsi and rdx), so that both variants leave the same registers. */
static const uint8_t tail_entry[] = { 0x31, 0xc9, 0x45, 0x31, 0xdb, 0xc3 };
static const uint8_t tail_arm[] = { 0x31, 0xc0, 0x31, 0xff, 0x31, 0xf6, 0x31, 0xd2,
				    0x31, 0xc9, 0x45, 0x31, 0xdb, 0xc3 };

/* rec: ioctl(hdr->desched_fd, req, 0) from the untraced range, unless
 * the thread has no desched event. */
static size_t arm_record(uint8_t *p, uint32_t req)
{
	static const uint8_t head[] = {
		0x49, 0x63, 0x7b, RRK_SB_OFF_DESCHED, /* movslq desched(%r11),%rdi */
		0x85, 0xff,                           /* test %edi,%edi */
		0x78, 0x0e,                           /* js tail */
		0xbe, 0, 0, 0, 0,                     /* mov $req,%esi */
		0x31, 0xd2,                           /* xor %edx,%edx */
		0xb8, 0x10, 0, 0, 0,                  /* mov $SYS_ioctl,%eax */
		0x0f, 0x05,                           /* syscall */
	};
	memcpy(p, head, sizeof head);
	memcpy(p + 9, &req, 4);
	memcpy(p + sizeof head, tail_arm, sizeof tail_arm);
	return sizeof head + sizeof tail_arm;
}

/* SYNC: rep movsb one way or the other, then rdi, rsi, rcx and r11 0. */
static void sync_fn(uint8_t *p, int replay)
{
	static const uint8_t tail[] = { 0x31, 0xff, 0x31, 0xf6, 0x31, 0xc9, 0x45, 0x31, 0xdb, 0xc3 };
	size_t n = 0;
	if (!replay)
		p[n++] = 0x48, p[n++] = 0x87, p[n++] = 0xfe; /* xchg %rdi,%rsi */
	p[n++] = 0xf3, p[n++] = 0xa4;                        /* rep movsb */
	memcpy(p + n, tail, sizeof tail);
}

void rrk_sb_page_image(int replay, uint8_t out[RRK_SB_IMAGE_LEN])
{
	memset(out, 0xcc, RRK_SB_IMAGE_LEN); /* int3 between the functions */
	uint8_t *e = out + RRK_SB_ENTRY;
	if (!replay) {
		e[0] = 0x0f, e[1] = 0x05; /* syscall */
		memcpy(e + 2, tail_entry, sizeof tail_entry);
		arm_record(out + RRK_SB_ARM, PERF_EVENT_IOC_ENABLE);
		arm_record(out + RRK_SB_DISARM, PERF_EVENT_IOC_DISABLE);
	} else {
		/* The recorded result, unless no record is left: then the
		 * call was an ordinary syscall in the recording too, made at
		 * RRK_SB_TRACED. No flags change on that path, so the syscall
		 * sees the registers it saw then. */
		static const uint8_t code[] = {
			0x49, 0x8b, 0x4b, RRK_SB_OFF_LEFT,        /* 0: mov left(%r11),%rcx */
			0xe3, 0x27,                               /* 4: jrcxz none (45) */
			0x41, 0x8b, 0x4b, RRK_SB_OFF_ATTEMPT,     /* 6: mov attempt(%r11),%ecx */
			0xe3, 0x0f,                               /* 10: jrcxz give (27) */
			0x49, 0x8b, 0x4b, RRK_SB_OFF_USED,        /* 12: mov used(%r11),%rcx */
			0x41, 0xf6, 0x84, 0x0b,                   /* 16: testb $RETRIED,flags(%r11,%rcx) */
			(RRK_SB_HDR_SIZE + RRK_SB_OFF_FLAGS) & 0xff,
			(RRK_SB_HDR_SIZE + RRK_SB_OFF_FLAGS) >> 8, 0, 0, RRK_SBR_RETRIED,
			0x75, 0x18,                               /* 25: jnz eagain (51) */
			/* give (27): the recorded result */
			0x49, 0x8b, 0x4b, RRK_SB_OFF_USED,        /* 27: mov used(%r11),%rcx */
			0x49, 0x8b, 0x84, 0x0b,                   /* 31: mov ret(%r11,%rcx),%rax */
			(RRK_SB_HDR_SIZE + RRK_SB_OFF_RET) & 0xff,
			(RRK_SB_HDR_SIZE + RRK_SB_OFF_RET) >> 8, 0, 0,
			/* tail (39): */
			0x31, 0xc9, 0x45, 0x31, 0xdb, 0xc3,
			/* none (45): no record left; an attempt fails as it did */
			0x41, 0x8b, 0x4b, RRK_SB_OFF_ATTEMPT,     /* 45: mov attempt(%r11),%ecx */
			0xe3, 0x09,                               /* 49: jrcxz traced (60) */
			/* eagain (51): */
			0x48, 0xc7, 0xc0, 0xf5, 0xff, 0xff, 0xff, /* 51: mov $-EAGAIN,%rax */
			0xeb, 0xeb,                               /* 58: jmp tail (39) */
			/* traced (60): */
			0x41, 0xc7, 0x43, RRK_SB_OFF_REDIRECTED, 1, 0, 0, 0, /* movl $1,redirected(%r11) */
			0xe9, 0, 0, 0, 0,                         /* jmp RRK_SB_TRACED */
		};
		_Static_assert(sizeof code <= RRK_SB_ARM - RRK_SB_ENTRY, "entry fits");
		memcpy(e, code, sizeof code);
		int32_t rel = (int32_t)(RRK_SB_TRACED - (RRK_SB_ENTRY + (int)sizeof code));
		memcpy(e + sizeof code - 4, &rel, 4);
		memcpy(out + RRK_SB_ARM, tail_arm, sizeof tail_arm);
		memcpy(out + RRK_SB_DISARM, tail_arm, sizeof tail_arm);
	}
	sync_fn(out + RRK_SB_SYNC, replay);
	uint8_t *t = out + RRK_SB_TRACED;
	t[0] = 0x0f, t[1] = 0x05;
	memcpy(t + 2, tail_entry, sizeof tail_entry);
}

long rrk_sb_walk(const uint8_t *data, size_t len,
		 int (*fn)(void *ctx, const struct rrk_sb_rec *r, const uint8_t *d, size_t dl),
		 void *ctx)
{
	size_t off = 0;
	long n = 0;
	while (off < len) {
		struct rrk_sb_rec r;
		if (len - off < sizeof r)
			return -1;
		memcpy(&r, data + off, sizeof r);
		if (r.size < sizeof r || r.size % 8 || r.size > len - off)
			return -1;
		n++;
		if (fn && fn(ctx, &r, data + off + sizeof r, r.size - sizeof r))
			break;
		off += r.size;
	}
	return n;
}

static long inject(struct tracee *t, long nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4)
{
	int ok;
	long rc = tracee_inject(t, RRK_SB_PAGE + RRK_SB_TRACED, nr, a0, a1, a2, a3, a4, 0, &ok);
	return ok ? rc : -EIO;
}

static void desched_attr(struct perf_event_attr *attr)
{
	memset(attr, 0, sizeof *attr);
	attr->type = PERF_TYPE_SOFTWARE;
	attr->config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	attr->size = sizeof *attr;
	attr->sample_period = 1;
	attr->disabled = 1;
	attr->wakeup_events = 1;
}

/* What the warming thread needs: set before it starts, read-only after. */
static struct {
	pid_t tid; /* the recorder's thread */
	int avoid_cpu;
} warm;

static void *warm_desched(void *arg)
{
	(void)arg;
	/* off the program's CPU, the kernel may spin there; the thread moves
	 * itself: it is detached, and may be gone before its creator could */
	rrk_thread_avoid_cpu(pthread_self(), warm.avoid_cpu);
	struct perf_event_attr attr;
	desched_attr(&attr);
	/* on the recorder's thread, which lives as long as the recording;
	 * the descriptor stays open until rec exits */
	syscall(SYS_perf_event_open, &attr, warm.tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	return NULL;
}

void rrk_sb_warm_desched(int avoid_cpu)
{
	pthread_attr_t a;
	pthread_t th;
	sigset_t all, old;
	if (pthread_attr_init(&a))
		return;
	warm.tid = (pid_t)syscall(SYS_gettid);
	warm.avoid_cpu = avoid_cpu;
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	sigfillset(&all); /* rec's signals stay with its main thread */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_create(&th, &a, warm_desched, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&a);
}

int rrk_sb_desched_setup(struct tracee *t, uint64_t hdr, int old_fd)
{
	struct rrk_regs saved;
	if (tracee_getregs(t, &saved) < 0)
		return -errno;
	uint64_t scratch = hdr + offsetof(struct rrk_sb_hdr, scratch);
	struct perf_event_attr attr;
	desched_attr(&attr);
	struct {
		int type;
		pid_t pid;
	} owner = { F_OWNER_TID, t->tid };
	long fd = -EIO;
	if (tracee_write(t, scratch, &attr, sizeof attr) == 0 &&
	    tracee_write(t, scratch + 128, &owner, sizeof owner) == 0)
		fd = inject(t, SYS_perf_event_open, scratch, 0, (uint64_t)-1, (uint64_t)-1,
			    PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		/* out of the way of the program's own descriptors */
		long moved = old_fd >= 0 ? inject(t, SYS_dup3, (uint64_t)fd, (uint64_t)old_fd, O_CLOEXEC, 0, 0)
					 : inject(t, SYS_fcntl, (uint64_t)fd, F_DUPFD_CLOEXEC, 900, 0, 0);
		inject(t, SYS_close, (uint64_t)fd, 0, 0, 0, 0);
		fd = moved;
	}
	if (fd >= 0 &&
	    (inject(t, SYS_fcntl, (uint64_t)fd, F_SETOWN_EX, scratch + 128, 0, 0) < 0 ||
	     inject(t, SYS_fcntl, (uint64_t)fd, F_SETSIG, RRK_SB_DESCHED_SIG, 0, 0) < 0 ||
	     inject(t, SYS_fcntl, (uint64_t)fd, F_SETFL, O_ASYNC, 0, 0) < 0)) {
		inject(t, SYS_close, (uint64_t)fd, 0, 0, 0, 0);
		fd = -EINVAL;
	}
	tracee_setregs(t, &saved);
	return (int)fd;
}
