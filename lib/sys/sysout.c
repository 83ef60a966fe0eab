/* Which tracee memory a syscall wrote: the table's out[] entries, and the
 * O_SPECIAL cases that depend on a subcommand or on memory contents.
 * Pure functions: tracee memory is read only through the caller's peek,
 * after the syscall returned. Sizes are for x86-64. */
#include "systable.h"

#include <errno.h>
#include <string.h>

#include "abi/sysnr.h"

struct out {
	struct rrk_memrange *r;
	int max, n;
};

/* An O_SPECIAL syscall after it returned, as its decoder sees it. */
struct call {
	const uint64_t *args;
	int64_t result;
	uint64_t r; /* the result, 0 when it is not positive */
	rrk_peekfn peek;
	void *ctx;
};

static int add(struct out *o, uint64_t addr, uint64_t len)
{
	if (!addr || !len)
		return 0;
	if (addr + len < addr)
		len = -addr; /* up to the end of the address space */
	if (o->n >= o->max)
		return RRK_OUT_TOOMANY;
	o->r[o->n].addr = addr;
	o->r[o->n].len = len;
	o->n++;
	return 0;
}

static int peek_u32(rrk_peekfn peek, void *ctx, uint64_t addr, uint32_t *v)
{
	if (!peek || peek(ctx, addr, v, 4) != 0)
		return RRK_OUT_PEEK;
	return 0;
}

static int peek_u64(rrk_peekfn peek, void *ctx, uint64_t addr, uint64_t *v)
{
	if (!peek || peek(ctx, addr, v, 8) != 0)
		return RRK_OUT_PEEK;
	return 0;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* total bytes spread over the iovec array at iov (count entries) */
static int iov_ranges(struct out *o, uint64_t iov, uint64_t count,
		      uint64_t total, rrk_peekfn peek, void *ctx)
{
	if (!iov || !total)
		return 0;
	if (count > 1024) /* UIO_MAXIOV: the kernel refuses more */
		count = 1024;
	for (uint64_t i = 0; i < count && total; i++) {
		uint64_t v[2];
		if (!peek || peek(ctx, iov + 16 * i, v, 16) != 0)
			return RRK_OUT_PEEK;
		uint64_t n = min64(v[1], total);
		int e = add(o, v[0], n);
		if (e)
			return e;
		total -= n;
	}
	return 0;
}

/* one received struct msghdr at m: the header itself (msg_namelen,
 * msg_controllen and msg_flags are written), the name, data bytes over
 * the iovecs, and the control data */
static int msghdr_ranges(struct out *o, uint64_t m, uint64_t bytes,
			 rrk_peekfn peek, void *ctx)
{
	uint64_t h[7];
	int e;
	if (!m)
		return 0;
	if (!peek || peek(ctx, m, h, sizeof h) != 0)
		return RRK_OUT_PEEK;
	if ((e = add(o, m, 56)))
		return e;
	/* msg_namelen after the call is the full address length; the kernel
	 * copied at most that much (and at most a sockaddr_storage) */
	if ((e = add(o, h[0], min64((uint32_t)h[1], 128))))
		return e;
	if ((e = iov_ranges(o, h[2], h[3], bytes, peek, ctx)))
		return e;
	return add(o, h[4], h[5]);
}

static int ioctl_out(struct out *o, const struct call *c)
{
	const uint64_t *args = c->args;
	uint32_t req = (uint32_t)args[1];
	const struct rrk_ioctlent *ent = rrk_ioctl_lookup(req);
	int e;
	if (ent) {
		if (!strcmp(ent->name, "SIOCGIFCONF")) {
			/* struct ifconf { int len; char *buf; }: buf gets len */
			uint32_t n;
			uint64_t buf;
			if ((e = add(o, args[2], 16)))
				return e;
			if (!args[2])
				return 0;
			if ((e = peek_u32(c->peek, c->ctx, args[2], &n)) ||
			    (e = peek_u64(c->peek, c->ctx, args[2] + 8, &buf)))
				return e;
			return add(o, buf, n);
		}
		return add(o, args[2], ent->out_size);
	}
	long n = rrk_ioctl_out_size(req);
	if (n < 0)
		return RRK_OUT_UNKNOWN;
	return add(o, args[2], (uint64_t)n);
}

/* The request numbers of these families predate the _IOC encoding: a
 * number of theirs with no direction bits says nothing about its argument.
 * Any other number with no direction bits is an _IO() request, which by
 * definition passes no data. */
static int legacy_ioctl_type(unsigned type)
{
	static const unsigned char legacy[] = {
		0x00, /* FIBMAP, FIGETBSZ */
		0x03, /* HDIO_ */
		0x06, /* LP */
		0x12, /* BLK */
		0x22, /* SG_ (SCSI generic) */
		0x46, /* FBIO */
		0x4b, /* KD */
		0x4c, /* LOOP_ */
		0x53, /* CDROM */
		0x54, /* terminals */
		0x56, /* VT_ */
		0x89, /* sockets */
		0x8b, /* wireless */
	};
	for (size_t i = 0; i < sizeof legacy; i++)
		if (legacy[i] == type)
			return 1;
	return 0;
}

long rrk_ioctl_out_size(uint32_t req)
{
	const struct rrk_ioctlent *ent = rrk_ioctl_lookup(req);
	if (ent)
		return ent->out_size;
	unsigned dir = req >> 30, size = (req >> 16) & 0x3fff;
	unsigned type = (req >> 8) & 0xff;
	if (dir == 0) {
		if (size || legacy_ioctl_type(type))
			return -1;
		return 0;
	}
	return (dir & 2) ? size : 0; /* _IOC_READ: the kernel writes size */
}

static int fcntl_out(struct out *o, const struct call *c)
{
	const uint64_t *args = c->args;
	switch ((int)args[1]) {
	case 5:  /* F_GETLK (== F_GETLK64 on x86-64) */
	case 36: /* F_OFD_GETLK */
		return add(o, args[2], 32); /* struct flock */
	case 16: /* F_GETOWN_EX */
	case 17: /* F_GETOWNER_UIDS */
		return add(o, args[2], 8);
	case 1035: /* F_GET_RW_HINT */
	case 1037: /* F_GET_FILE_RW_HINT */
		return add(o, args[2], 8);
	}
	return 0;
}

static int prctl_out(struct out *o, const struct call *c)
{
	const uint64_t *args = c->args;
	switch (args[0]) {
	case 2:  /* PR_GET_PDEATHSIG */
	case 5:  /* PR_GET_UNALIGN */
	case 9:  /* PR_GET_FPEMU */
	case 11: /* PR_GET_FPEXC */
	case 19: /* PR_GET_ENDIAN */
	case 25: /* PR_GET_TSC */
	case 37: /* PR_GET_CHILD_SUBREAPER */
		return add(o, args[1], 4);
	case 16: /* PR_GET_NAME */
		return add(o, args[1], 16);
	case 40: /* PR_GET_TID_ADDRESS */
		return add(o, args[1], 8);
	case 35: /* PR_SET_MM */
		if (args[1] == 15) /* PR_SET_MM_MAP_SIZE: u32 at arg2 */
			return add(o, args[2], 4);
		return 0;
	case 0x41555856: /* PR_GET_AUXV: returns the full size */
		return add(o, args[1], min64((uint64_t)c->result, args[2]));
	}
	return 0;
}

/* cmd is QCMD(subcmd, type): the subcommand above the low 8 bits */
static int quotactl_ranges(struct out *o, uint64_t cmd, uint64_t addr)
{
	switch ((cmd >> 8) & 0xffffff) {
	case 0x800004: return add(o, addr, 4);   /* Q_GETFMT */
	case 0x800005: return add(o, addr, 24);  /* Q_GETINFO */
	case 0x800007: return add(o, addr, 72);  /* Q_GETQUOTA */
	case 0x800009: return add(o, addr, 72);  /* Q_GETNEXTQUOTA */
	case 0x5803: return add(o, addr, 112);   /* Q_XGETQUOTA */
	case 0x5805: return add(o, addr, 80);    /* Q_XGETQSTAT */
	case 0x5808: return add(o, addr, 160);   /* Q_XGETQSTATV */
	case 0x5809: return add(o, addr, 112);   /* Q_XGETNEXTQUOTA */
	}
	return 0;
}

static int arch_prctl_out(struct out *o, const struct call *c)
{
	switch (c->args[0]) {
	case 0x1003: /* ARCH_GET_FS */
	case 0x1004: /* ARCH_GET_GS */
	case 0x1021: /* ARCH_GET_XCOMP_SUPP */
	case 0x1022: /* ARCH_GET_XCOMP_PERM */
	case 0x1024: /* ARCH_GET_XCOMP_GUEST_PERM */
	case 0x5005: /* ARCH_SHSTK_STATUS */
		return add(o, c->args[1], 8);
	}
	return 0;
}

/* select and pselect6 */
static int select_out(struct out *o, const struct call *c)
{
	int64_t nfds = (int32_t)c->args[0];
	uint64_t bytes = nfds > 0 ? (((uint64_t)nfds + 63) / 64) * 8 : 0;
	int e = 0;
	for (int i = 1; i <= 3 && !e; i++)
		e = add(o, c->args[i], bytes);
	/* both update the timeout (struct timeval / timespec) */
	if (!e)
		e = add(o, c->args[4], 16);
	return e;
}

/* epoll_wait, epoll_pwait and epoll_pwait2 */
static int epoll_wait_out(struct out *o, const struct call *c)
{
	return add(o, c->args[1], c->r * 12); /* packed struct epoll_event */
}

static int recvmmsg_out(struct out *o, const struct call *c)
{
	/* struct mmsghdr: msghdr (56) + msg_len (4) + padding */
	uint64_t vec = c->args[1];
	int e = 0;
	for (uint64_t i = 0; i < c->r && !e; i++) {
		uint32_t len;
		uint64_t m = vec + 64 * i;
		if ((e = peek_u32(c->peek, c->ctx, m + 56, &len)))
			break;
		if ((e = add(o, m + 56, 4)))
			break;
		e = msghdr_ranges(o, m, len, c->peek, c->ctx);
	}
	if (!e)
		e = add(o, c->args[4], 16); /* the timeout is updated */
	return e;
}

static int sendmmsg_out(struct out *o, const struct call *c)
{
	return add(o, c->args[1], c->r * 64); /* msg_len of each sent one */
}

static int getgroups_out(struct out *o, const struct call *c)
{
	if ((int32_t)c->args[0] > 0)
		return add(o, c->args[1], c->r * 4);
	return 0;
}

static int capget_out(struct out *o, const struct call *c)
{
	if (!c->args[1])
		return 0;
	uint32_t version = 0;
	/* _LINUX_CAPABILITY_VERSION_1 has one 12-byte element, later
	 * versions two */
	if (c->peek && c->peek(c->ctx, c->args[0], &version, 4) == 0 && version == 0x19980330)
		return add(o, c->args[1], 12);
	return add(o, c->args[1], 24);
}

static int mincore_out(struct out *o, const struct call *c)
{
	return add(o, c->args[2], (c->args[1] + 4095) / 4096);
}

/* getxattr, lgetxattr and fgetxattr */
static int getxattr_out(struct out *o, const struct call *c)
{
	if (c->args[3])
		return add(o, c->args[2], min64(c->r, c->args[3]));
	return 0;
}

/* listxattr, llistxattr and flistxattr */
static int listxattr_out(struct out *o, const struct call *c)
{
	if (c->args[2])
		return add(o, c->args[1], min64(c->r, c->args[2]));
	return 0;
}

static int msgrcv_out(struct out *o, const struct call *c)
{
	return add(o, c->args[1], 8 + c->r); /* long mtype, then the text */
}

static int msgctl_out(struct out *o, const struct call *c)
{
	switch (c->args[1] & ~0x100ull) { /* without IPC_64 */
	case 2: case 11: case 13: /* IPC_STAT, MSG_STAT(_ANY) */
		return add(o, c->args[2], 120);
	case 3: case 12: /* IPC_INFO, MSG_INFO */
		return add(o, c->args[2], 32);
	}
	return 0;
}

static int shmctl_out(struct out *o, const struct call *c)
{
	switch (c->args[1] & ~0x100ull) {
	case 2: case 13: case 15: /* IPC_STAT, SHM_STAT(_ANY) */
		return add(o, c->args[2], 112);
	case 3: /* IPC_INFO: struct shminfo64 */
		return add(o, c->args[2], 72);
	case 14: /* SHM_INFO */
		return add(o, c->args[2], 48);
	}
	return 0;
}

static int semctl_out(struct out *o, const struct call *c)
{
	switch (c->args[2] & ~0x100ull) {
	case 2: case 18: case 20: /* IPC_STAT, SEM_STAT(_ANY) */
		return add(o, c->args[3], 104);
	case 3: case 19: /* IPC_INFO, SEM_INFO */
		return add(o, c->args[3], 40);
	case 13: /* GETALL: nsems unsigned shorts, nsems unknown */
		return RRK_OUT_CANNOT;
	}
	return 0;
}

static int sysfs_out(struct out *o, const struct call *c)
{
	if (c->args[0] != 2 || !c->args[2])
		return 0;
	/* the file system's name, NUL-terminated */
	uint64_t n = 0;
	char ch = 1;
	while (n < 256 && ch) {
		if (!c->peek || c->peek(c->ctx, c->args[2] + n, &ch, 1) != 0)
			return RRK_OUT_PEEK;
		n++;
	}
	return add(o, c->args[2], n);
}

static int get_mempolicy_out(struct out *o, const struct call *c)
{
	int e = add(o, c->args[0], 4);
	if (e)
		return e;
	if (c->args[2] > 1)
		return add(o, c->args[1], ((c->args[2] - 1 + 63) / 64) * 8);
	return 0;
}

static int keyctl_out(struct out *o, const struct call *c)
{
	const uint64_t *args = c->args;
	switch (args[0]) {
	case 6: case 11: case 17: case 23:
		/* DESCRIBE, READ, GET_SECURITY, DH_COMPUTE */
		if (args[3])
			return add(o, args[2], min64(c->r, args[3]));
		return 0;
	case 24: /* PKEY_QUERY */
		return add(o, args[4], 56);
	case 25: case 26: case 27: /* PKEY_ENCRYPT/DECRYPT/SIGN */
		return RRK_OUT_CANNOT;
	case 31: /* CAPABILITIES */
		return add(o, args[1], min64(c->r, args[2]));
	}
	return 0;
}

static int quotactl_out(struct out *o, const struct call *c)
{
	return quotactl_ranges(o, c->args[0], c->args[3]);
}

static int quotactl_fd_out(struct out *o, const struct call *c)
{
	return quotactl_ranges(o, c->args[1], c->args[3]);
}

static int name_to_handle_at_out(struct out *o, const struct call *c)
{
	const uint64_t *args = c->args;
	if (args[2]) {
		uint32_t hb;
		int e;
		if ((e = peek_u32(c->peek, c->ctx, args[2], &hb)))
			return e;
		/* struct file_handle: u32 bytes, int type, bytes */
		if ((e = add(o, args[2], 8 + (uint64_t)hb)))
			return e;
	}
	/* AT_HANDLE_MNT_ID_UNIQUE (0x1) asks for a u64 mount id */
	return add(o, args[3], (args[4] & 1) ? 8 : 4);
}

/* One decoder per O_SPECIAL syscall that writes memory (futex's
 * operations write none), by number. */
static int (*const special_out[])(struct out *o, const struct call *c) = {
	[SYS_ioctl] = ioctl_out,
	[SYS_fcntl] = fcntl_out,
	[SYS_prctl] = prctl_out,
	[SYS_arch_prctl] = arch_prctl_out,
	[SYS_select] = select_out,
	[SYS_pselect6] = select_out,
	[SYS_epoll_wait] = epoll_wait_out,
	[SYS_epoll_pwait] = epoll_wait_out,
	[SYS_epoll_pwait2] = epoll_wait_out,
	[SYS_recvmmsg] = recvmmsg_out,
	[SYS_sendmmsg] = sendmmsg_out,
	[SYS_getgroups] = getgroups_out,
	[SYS_capget] = capget_out,
	[SYS_mincore] = mincore_out,
	[SYS_getxattr] = getxattr_out,
	[SYS_lgetxattr] = getxattr_out,
	[SYS_fgetxattr] = getxattr_out,
	[SYS_listxattr] = listxattr_out,
	[SYS_llistxattr] = listxattr_out,
	[SYS_flistxattr] = listxattr_out,
	[SYS_msgrcv] = msgrcv_out,
	[SYS_msgctl] = msgctl_out,
	[SYS_shmctl] = shmctl_out,
	[SYS_semctl] = semctl_out,
	[SYS_sysfs] = sysfs_out,
	[SYS_get_mempolicy] = get_mempolicy_out,
	[SYS_keyctl] = keyctl_out,
	[SYS_quotactl] = quotactl_out,
	[SYS_quotactl_fd] = quotactl_fd_out,
	[SYS_name_to_handle_at] = name_to_handle_at_out,
};

int rrk_special_outparams(uint64_t nr, const uint64_t args[6], int64_t result,
			  struct rrk_memrange *outv, int max, rrk_peekfn peek,
			  void *ctx)
{
	if (nr >= sizeof special_out / sizeof special_out[0] || !special_out[nr])
		return 0;
	struct out o = { outv, max, 0 };
	struct call c = { args, result, result > 0 ? (uint64_t)result : 0, peek, ctx };
	int e = special_out[nr](&o, &c);
	return e ? e : o.n;
}

static int restarted(int64_t result)
{
	return result == -EINTR || rrk_is_restart(result);
}

int rrk_syscall_outparams(uint64_t nr, const uint64_t args[6], int64_t result,
			  struct rrk_memrange *outv, int max, rrk_peekfn peek,
			  void *ctx)
{
	if (nr >= RRK_NSYSCALLS || !rrk_systable[nr].name)
		return 0;
	const struct rrk_sysent *s = &rrk_systable[nr];
	if (s->action == ACT_FAKE || s->action == ACT_UNSUPPORTED)
		return 0;
	if (result < 0 && !((s->flags & SF_OUTERR) && restarted(result)))
		return 0;

	struct out o = { outv, max, 0 };
	uint64_t r = result > 0 ? (uint64_t)result : 0;
	for (int i = 0; i < 3; i++) {
		const struct rrk_outparam *p = &s->out[i];
		uint64_t ptr = args[p->arg % 6];
		uint64_t sz = args[p->sizearg % 6];
		int e = 0;
		switch (p->kind) {
		case O_NONE:
			break;
		case O_FIXED:
			e = add(&o, ptr, p->size);
			break;
		case O_ARGSIZE:
			e = add(&o, ptr, sz);
			break;
		case O_RESULT:
			e = add(&o, ptr, r);
			break;
		case O_ARGxSIZE:
			if (sz > UINT64_MAX / (p->size ? p->size : 1))
				return RRK_OUT_CANNOT;
			e = add(&o, ptr, sz * p->size);
			break;
		case O_IOV:
			e = iov_ranges(&o, ptr, (uint32_t)sz, r, peek, ctx);
			break;
		case O_SOCKLEN: {
			/* the length after the call is the object's full
			 * size; the kernel copied at most that much */
			uint32_t len;
			if (!sz)
				break;
			if ((e = peek_u32(peek, ctx, sz, &len)))
				break;
			if ((e = add(&o, sz, 4)))
				break;
			e = add(&o, ptr, len);
			break;
		}
		case O_MSGHDR:
			e = msghdr_ranges(&o, ptr, r, peek, ctx);
			break;
		case O_FDSET: {
			int64_t nfds = (int32_t)args[0];
			if (nfds > 0)
				e = add(&o, ptr, (((uint64_t)nfds + 63) / 64) * 8);
			break;
		}
		case O_SPECIAL: {
			int n = rrk_special_outparams(nr, args, result, o.r + o.n,
						      o.max - o.n, peek, ctx);
			if (n < 0)
				e = n;
			else
				o.n += n;
			break;
		}
		}
		if (e)
			return e;
	}
	return o.n;
}

const char *rrk_outparams_error(int code)
{
	switch (code) {
	case RRK_OUT_TOOMANY:
		return "too many output ranges";
	case RRK_OUT_UNKNOWN:
		return "unknown ioctl request without size encoding";
	case RRK_OUT_CANNOT:
		return "output of this subcommand cannot be described";
	case RRK_OUT_PEEK:
		return "cannot read tracee memory to size the output";
	}
	return code < 0 ? "unknown error" : "ok";
}
