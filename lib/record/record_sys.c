/* rec's code for particular syscalls, one handler per hook id of their
 * table row (syshooks.h, systable.c), the way strace keeps one decoder per
 * syscall. record.c calls them at fixed points of a syscall (struct
 * rec_hooks says where); what every syscall gets stays there. */
#include "record_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ptrace/cpufeat.h"
#include "ptrace/sbuf.h"

static uint64_t pages(uint64_t len)
{
	return (len + 4095) & ~4095ull;
}

/* ---- at entry: syscalls the program must not really make ---- */

/* The program must not turn off our rdtsc and cpuid traps. */
static int rec_entry_prctl(struct rec_call *c, int64_t *fake)
{
	if (c->a[0] != PR_SET_TSC && c->a[0] != PR_SET_SECCOMP)
		return 0;
	*fake = c->a[0] == PR_SET_TSC ? 0 : -EINVAL;
	return 1;
}

/* A filter of the program's own would answer syscalls before ours sees
 * them: it is not installed, and the program is told it was. */
static int rec_entry_seccomp(struct rec_call *c, int64_t *fake)
{
	if (c->a[0] != SECCOMP_SET_MODE_FILTER && c->a[0] != SECCOMP_SET_MODE_STRICT)
		return 0;
	rec_note(c->r, "the program installs a seccomp filter: rec does not apply it, so syscalls it would refuse run normally");
	*fake = 0;
	return 1;
}

/* Output that never passes through the program's memory could not be
 * re-emitted by play: make the program fall back to read and write. */
static int rec_entry_out_splice(struct rec_call *c, int64_t *fake)
{
	if (!rec_stream_of(c->r, (int64_t)c->a[c->e->hook_arg]))
		return 0;
	*fake = -EINVAL;
	return 1;
}

static int rec_entry_arch_prctl(struct rec_call *c, int64_t *fake)
{
	if (c->a[0] != RRK_ARCH_SET_CPUID && c->a[0] != RRK_ARCH_GET_CPUID)
		return 0;
	*fake = c->a[0] == RRK_ARCH_GET_CPUID ? 1 : 0;
	return 1;
}

/* An ioctl rec has no size for: recorded from its encoding, or, when
 * it has none, run as it is (the kernel's failure recorded as it is;
 * memory a success writes is not known); said once per request. */
static int rec_entry_ioctl(struct rec_call *c, int64_t *fake)
{
	(void)fake;
	struct recorder *r = c->r;
	uint32_t req = (uint32_t)c->a[1];
	if (rrk_ioctl_lookup(req))
		return 0;
	for (size_t i = 0; i < r->nwarned; i++)
		if (r->warned_ioctls[i] == req)
			return 0;
	if (r->nwarned < 64)
		r->warned_ioctls[r->nwarned++] = req;
	unsigned dir = req >> 30, size = (req >> 16) & 0x3fff;
	char msg[256];
	if (rrk_ioctl_out_size(req) < 0)
		snprintf(msg, sizeof msg,
			 "unknown ioctl 0x%x (type 0x%x nr 0x%x) on fd %lld does not encode its argument size: run as it is; memory it writes when it succeeds is not recorded; report it to have it added",
			 req, (req >> 8) & 0xff, req & 0xff, (long long)c->a[0]);
	else
		snprintf(msg, sizeof msg, "unknown ioctl 0x%x (type 0x%x nr 0x%x dir %s size %u): recorded from its encoding",
			 req, (req >> 8) & 0xff, req & 0xff,
			 dir == 0 ? "none" : dir == 1 ? "write" : dir == 2 ? "read" : "read-write", size);
	rec_note(r, msg);
	return 0;
}

/* rec pins itself and the program to one CPU (one task runs at a time
 * anyway): the program is shown the CPUs it would have had natively,
 * those rec was allowed, or rec --cpus N's first N (doc/design.md,
 * "CPUs"), so that it sizes its thread pools as it would natively. */
static void rec_result_getaffinity(struct rec_call *c, int64_t *res)
{
	struct recorder *r = c->r;
	int ours = c->a[0] == 0;
	for (struct rtask *t = r->tasks; t && !ours; t = t->next)
		ours = t->t.tid == (pid_t)c->a[0];
	if (*res <= 0 || !ours || !c->a[2])
		return;
	uint8_t mask[128];
	memset(mask, 0, sizeof mask);
	if (r->o->cpus)
		for (unsigned i = 0; i < r->o->cpus && i < 8 * sizeof mask; i++)
			mask[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		rrk_cpus_before_pin(mask, sizeof mask);
	size_t n = (size_t)*res < sizeof mask ? (size_t)*res : sizeof mask;
	tracee_write(&r->cur->t, c->a[2], mask, n);
}

/* kill(0, sig), kill(-pgrp, sig) or kill(-1, sig) from the program
 * reaches rec too when they share a process group (a shell script's
 * `trap 'kill 0' EXIT`, an abort of the whole group): rec ignores that
 * signal while the call runs, so that the program's signal does not end
 * the recording (nor count as the user's ^C). SIGKILL and SIGSTOP
 * cannot be ignored; signals whose default does nothing to rec are left
 * alone (SIGCHLD ignored would reap rec's children). */
static int rec_entry_kill(struct rec_call *c, int64_t *fake)
{
	(void)fake;
	struct recorder *r = c->r;
	pid_t pid = (pid_t)c->a[0];
	int sig = (int)c->a[1];
	int hits = (pid == 0 && getpgid(r->cur->t.tid) == getpgrp()) || pid == -1 || (pid < -1 && -pid == getpgrp()) ||
		   pid == getpid();
	if (!hits || sig <= 0 || sig >= 64 || sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD ||
	    sig == SIGCONT || sig == SIGURG || sig == SIGWINCH)
		return 0;
	struct sigaction ign;
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	if (sigaction(sig, &ign, &r->shield_old) == 0)
		r->shield_sig = sig;
	return 0;
}

static int rec_exit_kill(struct rec_call *c)
{
	struct recorder *r = c->r;
	if (r->shield_sig) {
		sigaction(r->shield_sig, &r->shield_old, NULL);
		r->shield_sig = 0;
	}
	return 0;
}

static int rec_entry_write(struct rec_call *c, int64_t *fake)
{
	(void)fake;
	struct rtask *t = c->r->cur;
	/* the library's write to a full pipe, made again as a traced call */
	if (c->nr == SYS_write && t->sb && t->entry.rip == RRK_SB_PAGE + RRK_SB_TRACED + 2)
		rec_widen_full_pipe(t, (int)c->a[0]);
	/* The first bytes written, so tracecat can show them. */
	char buf[65];
	size_t n = c->a[2] < 64 ? (size_t)c->a[2] : 64;
	if (n && tracee_read(&t->t, c->a[1], buf, n) == 0) {
		buf[n] = 0;
		t->strs[1] = rrk_xstrdup(buf);
	}
	return 0;
}

/* ---- at exit: the address space ---- */

/* The current process's sites and file ranges after the syscall (only
 * kept when rec rewrites sites); NULL when not kept. */
static struct pspace *tracked_space(struct rec_call *c)
{
	if (!c->r->patch_kinds)
		return NULL;
	struct pspace *s = rec_space_of(c->r, c->r->cur->pid);
	rrk_ps_track(&s->ps, c->e->hook, c->a, c->res);
	return s;
}

/* The MAP record of a file mapping: the file goes into the trace as a
 * blob, its code is rewritten, a shared mapping is remembered. Returns
 * 1 when recording stopped. */
static int map_file(struct rec_call *c)
{
	struct recorder *r = c->r;
	const uint64_t *a = c->a;
	struct rrk_map mp;
	memset(&mp, 0, sizeof mp);
	mp.start = (uint64_t)c->res;
	mp.end = (uint64_t)c->res + pages(a[1]);
	mp.prot = (uint32_t)a[2];
	mp.offset = a[5];
	if (a[3] & MAP_SHARED)
		mp.flags |= RRK_MAP_SHARED;
	char path[64], name[4096] = "";
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)r->cur->t.tid, (int)a[4]);
	ssize_t ln = readlink(path, name, sizeof name - 1);
	if (ln > 0)
		name[ln] = 0;
	if (r->preload_fd >= 0 && !strncmp(name, "/memfd:rrkit-syscallbuf.so", 26))
		/* the syscall buffer library: by the name the loader knows it
		 * by, for a debugger */
		snprintf(name, sizeof name, "/proc/%d/fd/%d", (int)getpid(), r->preload_fd);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) < 0) {
		rec_stop_recording(r, "cannot read %s, mapped by the program at event %llu: %s", name,
				   (unsigned long long)r->nevents + 1, strerror(errno));
	} else if (S_ISREG(sb.st_mode)) {
		if (a[3] & MAP_SHARED) {
			r->shmaps = rrk_xrealloc(r->shmaps, (r->nshmaps + 1) * sizeof *r->shmaps);
			r->shmaps[r->nshmaps++] = (struct shmap){ r->cur->pid, mp.start, mp.end - mp.start,
								  sb.st_dev, sb.st_ino };
			/* writes through this fd change the mapping: traced, so
			 * that rec records what they did to it */
			rec_set_origin(r, (int64_t)a[4], rec_origin_of(r, (int64_t)a[4]) | ORIGIN_SHARED);
		}
		if (rec_blob_from_fd(r, fd, mp.digest, &mp.file_size) < 0)
			rec_stop_recording(r, "cannot store %s in the trace: %s", name, strerror(errno));
		else if (r->patch_kinds && (a[2] & PROT_EXEC))
			rec_patch_file(r, name, fd, mp.digest, mp.file_size, mp.start, mp.end, mp.offset,
				       !!(a[3] & MAP_SHARED));
		mp.flags |= RRK_MAP_FILE;
		if (r->patch_kinds)
			rec_files_push(rec_space_of(r, r->cur->pid), mp.start, mp.end);
		/* A shared mapping names the file's identity after the path, so
		 * that play maps one object wherever the recording shared one. */
		size_t nl = strlen(name);
		if (a[3] & MAP_SHARED)
			nl += (size_t)snprintf(name + nl, sizeof name - nl, "%c%llu:%llu", 0,
					       (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
		if (nl >= sizeof name)
			nl = sizeof name - 1;
		uint8_t *nd = rrk_xmalloc(nl + 1);
		memcpy(nd, name, nl);
		rec_att_add(r, RRK_REC_MAP, &mp, sizeof mp, nd, nl);
	} else if (S_ISCHR(sb.st_mode) && major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 5) {
		/* /dev/zero: the same as anonymous memory */
	} else {
		rec_stop_recording(r, "mmap of %s (not a regular file) at event %llu is not supported", name,
				   (unsigned long long)r->nevents + 1);
	}
	if (fd >= 0)
		close(fd);
	if ((a[3] & MAP_SHARED) && (a[2] & PROT_WRITE) && !r->abort_reason && !r->shared_noted) {
		/* shared among the recorded processes, it replays shared */
		char msg[4300];
		snprintf(msg, sizeof msg, "writable shared mapping of %s at event %llu (and any later ones): changes made to it by processes outside the recording are not recorded",
			 name, (unsigned long long)r->nevents + 1);
		rec_note(r, msg);
		r->shared_noted = 1;
	}
	return r->abort_reason != NULL;
}

static int rec_exit_mmap(struct rec_call *c)
{
	const uint64_t *a = c->a;
	struct pspace *s = tracked_space(c);
	if (s && c->res >= 0) {
		rec_files_drop(s, (uint64_t)c->res, (uint64_t)c->res + pages(a[1])); /* (a file's comes back with its MAP) */
		/* (the syscall buffer library's own executable pages, its
		 * entry page and its thunks, have no sites) */
		if ((a[2] & PROT_EXEC) && (a[3] & MAP_ANONYMOUS) && (uint64_t)c->res != RRK_SB_PAGE)
			rec_unscanned(c->r, (uint64_t)c->res, "anonymous memory (code made at run time)");
	}
	if (c->res < 0 || (a[3] & MAP_ANONYMOUS))
		return 0;
	return map_file(c);
}

static int rec_exit_munmap(struct rec_call *c)
{
	struct recorder *r = c->r;
	const uint64_t *a = c->a;
	struct pspace *s = tracked_space(c);
	if (c->res != 0)
		return 0;
	if (s)
		rec_files_drop(s, a[0], a[0] + pages(a[1]));
	for (size_t i = 0; i < r->nshmaps; i++) {
		struct shmap *m = &r->shmaps[i];
		if (m->pid == r->cur->pid && m->start >= a[0] && m->start + m->len <= a[0] + a[1])
			*m = r->shmaps[--r->nshmaps], i--;
	}
	return 0;
}

static int rec_exit_mremap(struct rec_call *c)
{
	const uint64_t *a = c->a;
	struct pspace *s = tracked_space(c);
	if (!s || c->res < 0)
		return 0;
	uint64_t len = pages(a[1]), to = (uint64_t)c->res, nlen = pages(a[2]);
	int file = rec_files_any(s, a[0], a[0] + len);
	rec_files_drop(s, a[0], a[0] + len);
	rec_files_drop(s, to, to + nlen);
	if (file)
		rec_files_push(s, to, to + nlen);
	return 0;
}

/* Code made executable: the sites of the files mapped there are
 * rewritten (mmap and exec rewrite theirs as they map; the libc the
 * syscall buffer library makes writable for a moment had its sites
 * rewritten when it was mapped). */
static int rec_exit_mprotect(struct rec_call *c)
{
	struct recorder *r = c->r;
	const uint64_t *a = c->a;
	struct pspace *s = tracked_space(c);
	if (!s || c->res != 0 || !(a[2] & PROT_EXEC) || rec_in_library(r->cur, r->cur->entry.rip))
		return 0;
	uint64_t len = pages(a[1]);
	if (rec_files_any(s, a[0], a[0] + len))
		rec_patch_maps(r, a[0], a[0] + len);
	else
		rec_unscanned(r, a[0], "anonymous memory (code made at run time)");
	return 0;
}

static int rec_exit_clone(struct rec_call *c)
{
	uint64_t flags = rrk_sys_clone_flags(c->nr, c->a);
	if (c->res > 0 && (flags & CLONE_PARENT_SETTID))
		rec_att_mem(c->r, c->a[2], 4, 0);
	if (flags & CLONE_VFORK)
		c->r->outfds_dirty = 1; /* the child may have written the shared bitmap */
	return 0;
}

/* ---- fds: which of them are the recorded stdout and stderr ---- */

/* pipe, pipe2, socketpair: the pair at args[hook_arg] is neither. */
static void rec_fds_pipe(struct rec_call *c)
{
	rec_fd_opened(c); /* (first, as for any SF_NEWFD row: it names fd c->res, 0) */
	int fds[2];
	if (tracee_read(&c->r->cur->t, c->a[c->e->hook_arg], fds, sizeof fds) == 0) {
		rec_set_origin(c->r, fds[0], 0);
		rec_set_origin(c->r, fds[1], 0);
	}
}

static void rec_fds_dup(struct rec_call *c)
{
	rec_set_origin(c->r, c->res, rec_origin_of(c->r, (int64_t)c->a[0]));
}

static void rec_fds_dup2(struct rec_call *c)
{
	rec_set_origin(c->r, (int64_t)c->a[1], rec_origin_of(c->r, (int64_t)c->a[0]));
}

static void rec_fds_fcntl(struct rec_call *c)
{
	if (c->a[1] != F_DUPFD && c->a[1] != F_DUPFD_CLOEXEC)
		return;
	c->r->fds_changed = 1; /* the libraries' fd types are stale */
	rec_fds_dup(c);
}

static void rec_fds_close_range(struct rec_call *c)
{
	struct fdtab *f = c->r->cur->fds;
	c->r->fds_changed = 1;
	for (uint64_t fd = c->a[0]; fd <= c->a[1] && fd < f->n; fd++)
		f->origin[fd] = 0;
}

const struct rec_hooks rrk_rec_hooks[RRK_HK_COUNT] = {
	[RRK_HK_MMAP] = { .exit = rec_exit_mmap },
	[RRK_HK_MUNMAP] = { .exit = rec_exit_munmap },
	[RRK_HK_MREMAP] = { .exit = rec_exit_mremap },
	[RRK_HK_MPROTECT] = { .exit = rec_exit_mprotect },
	[RRK_HK_PRCTL] = { .entry = rec_entry_prctl },
	[RRK_HK_ARCH_PRCTL] = { .entry = rec_entry_arch_prctl },
	[RRK_HK_SECCOMP] = { .entry = rec_entry_seccomp },
	[RRK_HK_IOCTL] = { .entry = rec_entry_ioctl },
	[RRK_HK_OUT_SPLICE] = { .entry = rec_entry_out_splice },
	[RRK_HK_PIPE] = { .fds = rec_fds_pipe },
	[RRK_HK_DUP] = { .fds = rec_fds_dup },
	[RRK_HK_DUP2] = { .fds = rec_fds_dup2 },
	[RRK_HK_FCNTL] = { .fds = rec_fds_fcntl },
	[RRK_HK_CLOSE_RANGE] = { .fds = rec_fds_close_range },
	[RRK_HK_CLONE] = { .exit = rec_exit_clone },
	[RRK_HK_WRITE] = { .entry = rec_entry_write },
	[RRK_HK_GETAFFINITY] = { .result = rec_result_getaffinity },
	[RRK_HK_KILL] = { .entry = rec_entry_kill, .exit = rec_exit_kill },
};
