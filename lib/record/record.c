/* The recorder: runs the program under ptrace with a seccomp filter that
 * stops every syscall, and writes each nondeterministic input to the trace
 * as an event (doc/design.md). */
#include "record_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blobs.h"
#include "ptrace/cpufeat.h"
#include "ptrace/maps.h"
#include "ptrace/patchset.h"
#include "ptrace/probe.h"
#include "ptrace/point.h"
#include "ptrace/sbuf.h"
#include "ptrace/sites.h"
#include "sys/systable.h"
#include "format/trace.h"
#include "ptrace/tracee.h"
#include "base/util.h"

#define AT_IGNORE_ 1
#define AT_SYSINFO_EHDR_ 33
#define AUDIT_ARCH_X86_64_ 0xc000003eu

extern char **environ;

static volatile sig_atomic_t got_alarm, got_int, got_term, got_terms;
static const int saved_sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGALRM, SIGPIPE };

static void on_alarm(int s) { (void)s; got_alarm = 1; }
static void on_int(int s) { (void)s; got_int++; }
static void on_term(int s)
{
	got_term = s;
	got_terms++;
}

/* ---- building events ---- */

static void att_clear(struct recorder *r)
{
	for (size_t i = 0; i < r->natt; i++)
		rrk_pool_put(&r->pool, r->att[i].data);
	r->natt = 0;
}

struct att *rec_att_add(struct recorder *r, unsigned type, const void *head,
			size_t hlen, uint8_t *data, size_t dlen)
{
	if (r->natt == r->catt)
		r->att = rrk_xrealloc(r->att, (r->catt = r->catt * 2 + 8) * sizeof *r->att);
	struct att *a = &r->att[r->natt++];
	a->type = type;
	memcpy(a->head, head, hlen);
	a->hlen = hlen;
	a->data = data;
	a->dlen = dlen;
	return a;
}

/* Whether st is the stop of a preemption rec asked for earlier
 * (PTRACE_INTERRUPT) that arrived while rec ran t for another reason: the
 * preemption is dropped, and maybe_preempt asks again later. */
static int stale_interrupt(struct rtask *t, const struct stop *st)
{
	if (st->kind != STOP_OTHER_EVENT || (st->status >> 16) != PTRACE_EVENT_STOP ||
	    st->sig != SIGTRAP || !t->interrupted)
		return 0;
	t->interrupted = 0;
	return 1;
}

/* Sends t again the signals in held (bit N-1 for signal N) that came while
 * rec stepped it somewhere, except skip. */
static void resend_held(struct rtask *t, uint64_t held, int skip)
{
	for (int sig = 1; sig <= 64; sig++)
		if ((held & (1ull << (sig - 1))) && sig != skip)
			syscall(SYS_tgkill, t->pid, t->t.tid, sig);
}

/* A signal held back from a buffered call: sent now, with its siginfo
 * (restored at its stop). */
static void send_deferred(struct rtask *t)
{
	t->resend_sig = t->sb_deferred_sig;
	memcpy(t->resend_info, t->sb_deferred_info, sizeof t->resend_info);
	t->sb_deferred_sig = 0;
	syscall(SYS_tgkill, t->pid, t->t.tid, t->resend_sig);
	resend_held(t, t->sb_deferred_more, t->resend_sig);
	t->sb_deferred_more = 0;
}

/* Whether t's rip is in the preload library's code or its entry page:
 * no place for an execution point, since the library's state there (its
 * frames, what it read from the buffer) need not be the same in replay,
 * where the page differs. */
int rec_in_library(const struct rtask *t, uint64_t rip)
{
	return t->sb && ((rip >= t->sb_lib_lo && rip < t->sb_lib_hi) ||
			 (rip >= RRK_SB_PAGE && rip < RRK_SB_PAGE + 4096));
}

static void kill_tasks(struct recorder *r)
{
	for (struct rtask *t = r->tasks; t; t = t->next)
		if (t->state != TS_DEAD && t->t.tid > 0) /* never kill(0) */
			kill(t->t.tid, SIGKILL);
}

static void writer_check(struct recorder *r, int rc)
{
	if (rc < 0) {
		kill_tasks(r);
		if (r->o->via_keyframer)
			exit(125); /* the keyframer has said why */
		rrk_die("%s; the trace holds the events written so far", rrk_writer_error(r->w));
	}
}

/* Adds the bytes at [addr, addr+len) as MEM attachments, skipping pages
 * that are all zero when skip_zero (fresh anonymous memory is zero). */
void rec_att_mem(struct recorder *r, uint64_t addr, uint64_t len, int skip_zero)
{
	const uint64_t chunk = 4u << 20;
	while (len) {
		uint64_t n = len < chunk ? len : chunk;
		uint8_t *buf = rrk_pool_get(&r->pool, n);
		if (tracee_read(&r->cur->t, addr, buf, n) < 0) {
			/* Unreadable (e.g. PROT_NONE guard with no pages):
			 * nothing the program can observe either. */
			rrk_pool_put(&r->pool, buf);
			addr += n;
			len -= n;
			continue;
		}
		if (!skip_zero) {
			struct rrk_mem m = { addr };
			rec_att_add(r, RRK_REC_MEM, &m, sizeof m, buf, n);
		} else {
			uint64_t i = 0;
			while (i < n) {
				uint64_t pg = n - i < 4096 ? n - i : 4096;
				if (rrk_is_zero(buf + i, pg)) { i += pg; continue; }
				uint64_t j = i + pg;
				while (j < n) {
					uint64_t pg2 = n - j < 4096 ? n - j : 4096;
					if (rrk_is_zero(buf + j, pg2))
						break;
					j += pg2;
				}
				struct rrk_mem m = { addr + i };
				uint8_t *d = rrk_xmalloc(j - i);
				memcpy(d, buf + i, j - i);
				rec_att_add(r, RRK_REC_MEM, &m, sizeof m, d, j - i);
				i = j;
			}
			rrk_pool_put(&r->pool, buf);
		}
		addr += n;
		len -= n;
	}
}

static void sb_attach(struct recorder *r, struct rtask *t);
static int sb_redirect(struct recorder *r, struct rtask *t, struct rrk_regs *g);
static int sb_settle(struct recorder *r, struct rtask *t, struct rrk_regs *g);
static void sb_grab_desched(struct rtask *t, int fd);
static void sb_map_space(struct recorder *r, pid_t pid, pid_t from);

static void emit(struct recorder *r, unsigned kind, unsigned flags,
		 const struct rrk_regs *regs, const void *body, size_t blen)
{
	/* (a task that runs on to its next event in replay makes the buffered
	 * calls it has made so far only then: their records wait for it) */
	if (r->cur && (r->cur->sb || r->cur->sb_stashed) &&
	    !(kind == RRK_EV_SCHED && (flags & RRK_EVF_RUNS_ON) && !r->cur->sb_stashed))
		sb_attach(r, r->cur);
	if (r->nnew) {
		/* the sites this event's mappings got rewritten */
		size_t n = r->nnew * sizeof *r->newsites;
		uint8_t *d = rrk_xmalloc(n);
		memcpy(d, r->newsites, n);
		uint8_t none = 0;
		rec_att_add(r, RRK_REC_PATCH, &none, 0, d, n);
		r->nnew = 0;
	}
	struct rrk_event ev;
	memset(&ev, 0, sizeof ev);
	ev.number = ++r->nevents;
	ev.tid = (uint32_t)(r->emit_tid ? r->emit_tid : r->cur->t.tid);
	r->emit_tid = 0;
	ev.kind = (uint16_t)kind;
	ev.flags = (uint16_t)flags;
	ev.nattach = (uint32_t)r->natt;
	ev.body_size = (uint32_t)blen;
	if (regs)
		ev.regs = *regs;
	writer_check(r, rrk_write_record(r->w, RRK_REC_EVENT, 0, &ev, sizeof ev, body, blen));
	for (size_t i = 0; i < r->natt; i++) {
		struct att *a = &r->att[i];
		writer_check(r, rrk_write_record(r->w, a->type, 0, a->head, a->hlen, a->data, a->dlen));
	}
	att_clear(r);
	uint64_t now = rrk_now_ns();
	if (now - r->last_flush >= 1000000000u) {
		writer_check(r, rrk_writer_flush(r->w));
		r->last_flush = now;
	}
}

void rec_note(struct recorder *r, const char *text)
{
	rrk_warn("%s", text);
	writer_check(r, rrk_write_record(r->w, RRK_REC_NOTE, RRK_RF_SKIPPABLE, &r->nevents,
					 sizeof r->nevents, text, strlen(text)));
}

/* ---- files as blobs ---- */

/* Stores the file open at fd as a blob (once). */
int rec_blob_from_fd(struct recorder *r, int fd, uint8_t digest[32], uint64_t *size)
{
	int rc = rrk_blobs_add_fd(&r->blobs, r->w, fd, digest, size);
	if (rc == -2)
		writer_check(r, -1);
	return rc;
}

/* ---- rdtsc, rdtscp and cpuid where the CPU does not fault them ---- */

static struct pspace *pspace_find(struct recorder *r, pid_t pid)
{
	for (size_t i = 0; i < r->npspaces; i++)
		if (r->pspaces[i].pid == pid)
			return &r->pspaces[i];
	return NULL;
}

/* pid's address space: its rewritten sites and file ranges. */
struct pspace *rec_space_of(struct recorder *r, pid_t pid)
{
	struct pspace *s = pspace_find(r, pid);
	if (s && s->same_as)
		s = pspace_find(r, s->same_as);
	if (s)
		return s;
	r->pspaces = rrk_xrealloc(r->pspaces, (r->npspaces + 1) * sizeof *r->pspaces);
	s = &r->pspaces[r->npspaces++];
	memset(s, 0, sizeof *s);
	s->pid = pid;
	return s;
}

static struct rrk_patchset *pspace_of(struct recorder *r, pid_t pid)
{
	return &rec_space_of(r, pid)->ps;
}

void rec_files_push(struct pspace *s, uint64_t start, uint64_t end)
{
	s->files = rrk_xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
	s->files[s->nfiles++] = (struct span){ start, end };
}

/* Forgets file ranges in [lo, hi): unmapped, or mapped over. */
void rec_files_drop(struct pspace *s, uint64_t lo, uint64_t hi)
{
	size_t n = s->nfiles, j = 0;
	for (size_t i = 0; i < n; i++) {
		struct span f = s->files[i];
		if (f.end <= lo || f.start >= hi) {
			s->files[j++] = f;
			continue;
		}
		if (f.start < lo)
			s->files[j++] = (struct span){ f.start, lo };
		if (f.end > hi) /* (after those still to be read) */
			rec_files_push(s, hi, f.end);
	}
	memmove(&s->files[j], &s->files[n], (s->nfiles - n) * sizeof *s->files);
	s->nfiles = j + (s->nfiles - n);
}

int rec_files_any(const struct pspace *s, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < s->nfiles; i++)
		if (s->files[i].start < hi && s->files[i].end > lo)
			return 1;
	return 0;
}

static void pspace_clear(struct pspace *s)
{
	rrk_ps_clear(&s->ps);
	free(s->files);
	s->files = NULL;
	s->nfiles = 0;
}

/* A new address space for pid: a copy of from's (fork), the same as
 * from's (clone with CLONE_VM: share), or an empty one (exec, from == 0). */
static void pspace_new(struct recorder *r, pid_t pid, pid_t from, int share)
{
	rec_space_of(r, pid);
	struct pspace *s = pspace_find(r, pid), *f = from ? pspace_find(r, from) : NULL;
	s->same_as = 0;
	pspace_clear(s);
	if (f && share) {
		s->same_as = f->same_as ? f->same_as : from;
	} else if (f) {
		f = rec_space_of(r, from);
		rrk_ps_copy(&s->ps, &f->ps);
		for (size_t i = 0; i < f->nfiles; i++)
			rec_files_push(s, f->files[i].start, f->files[i].end);
	}
}

/* The sites of the file open at fd, found once per file content. */
static const struct rrk_scan *scan_of(struct recorder *r, int fd, const uint8_t digest[32], uint64_t size)
{
	const struct rrk_scan *sc = rrk_scan_find(&r->scans, digest);
	if (sc)
		return sc;
	void *data = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
	sc = rrk_scan_add(&r->scans, digest, data == MAP_FAILED ? NULL : data, size, r->patch_kinds);
	if (data != MAP_FAILED)
		munmap(data, size);
	return sc;
}

/* Says once that code at addr cannot be searched for the instructions. */
void rec_unscanned(struct recorder *r, uint64_t addr, const char *what)
{
	if (r->warned_unscanned)
		return;
	r->warned_unscanned = 1;
	char msg[768];
	snprintf(msg, sizeof msg,
		 "%.256s at 0x%llx is executable: rec cannot find the %s instructions in it, so those run unrecorded there and the replay may diverge (doc/design.md, \"Instructions that must trap\")",
		 what, (unsigned long long)addr,
		 r->patch_kinds == RRK_SITE_BIT(RRK_SITE_CPUID) ? "cpuid"
		 : r->patch_kinds & RRK_SITE_BIT(RRK_SITE_CPUID) ? "rdtsc, rdtscp and cpuid" : "rdtsc and rdtscp");
	rec_note(r, msg);
}

/* A site rewritten for the event being built: its PATCH attachment. */
static void site_added(void *ctx, const struct rrk_patch_site *p)
{
	struct recorder *r = ctx;
	if (r->nnew == r->cnew)
		r->newsites = rrk_xrealloc(r->newsites, (r->cnew = r->cnew * 2 + 64) * sizeof *r->newsites);
	r->newsites[r->nnew++] = *p;
}

/* Rewrites the sites of the file open at fd (name, content digest, size)
 * that lie in [start, end) of the current task's process, a mapping of
 * the file from offset; a shared mapping is left alone, as a write there
 * would change the file. */
void rec_patch_file(struct recorder *r, const char *name, int fd, const uint8_t digest[32],
		    uint64_t size, uint64_t start, uint64_t end, uint64_t offset, int shared)
{
	const struct rrk_scan *sc = shared ? NULL : scan_of(r, fd, digest, size);
	if (!sc || sc->n < 0) {
		rec_unscanned(r, start, name);
		return;
	}
	if (rrk_ps_rewrite(pspace_of(r, r->cur->pid), &r->cur->t, sc->sites, sc->n, start, end, offset,
			   site_added, r) < 0)
		rrk_die("cannot rewrite instructions in process %d: %s", (int)r->cur->pid, strerror(errno));
}

/* The file mapped at m in task tid, open for reading: through map_files,
 * which needs CAP_SYS_ADMIN, else by its path while that names the same
 * file. Returns the fd, or -1 with errno set. */
static int open_mapped(pid_t tid, const struct mapping *m)
{
	char path[128];
	snprintf(path, sizeof path, "/proc/%d/map_files/%llx-%llx", (int)tid, (unsigned long long)m->start,
		 (unsigned long long)m->end);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 && (fd = open(m->name, O_RDONLY | O_CLOEXEC)) >= 0 &&
	    (fstat(fd, &sb) < 0 || sb.st_ino != m->inode)) {
		close(fd);
		fd = -1;
		errno = ESTALE; /* (replaced since it was mapped) */
	}
	return fd;
}

/* After an mprotect that makes [lo, hi) executable: rewrites the sites of
 * the files mapped there (mmap and exec rewrite theirs as they map). */
void rec_patch_maps(struct recorder *r, uint64_t lo, uint64_t hi)
{
	struct mapping *maps;
	long nm = rrk_read_maps(r->cur->t.tid, &maps);
	if (nm < 0)
		rrk_die("cannot read /proc/%d/maps: %s", (int)r->cur->t.tid, strerror(errno));
	for (long i = 0; i < nm; i++) {
		struct mapping *m = &maps[i];
		if (!(m->prot & PROT_EXEC) || m->end <= lo || m->start >= hi || !strcmp(m->name, "[vdso]") ||
		    !strcmp(m->name, "[vsyscall]"))
			continue;
		if (m->name[0] != '/' || !m->inode) {
			rec_unscanned(r, m->start, "anonymous memory (code made at run time)");
			continue;
		}
		int fd = open_mapped(r->cur->t.tid, m);
		uint8_t digest[32];
		uint64_t size;
		if (fd < 0 || rec_blob_from_fd(r, fd, digest, &size) < 0) {
			if (fd >= 0)
				close(fd);
			rec_unscanned(r, m->start, m->name);
			continue;
		}
		uint64_t start = m->start > lo ? m->start : lo, end = m->end < hi ? m->end : hi;
		rec_patch_file(r, m->name, fd, digest, size, start, end, m->offset + (start - m->start), m->shared);
		close(fd);
	}
	free(maps);
}

/* ---- exec ---- */

static void patch_auxv(struct recorder *r, uint64_t sp)
{
	/* Stack at entry: argc, argv..., 0, envp..., 0, auxv pairs. The vDSO
	 * reads time without syscalls; hide it so libc makes syscalls. */
	uint64_t argc, v;
	if (tracee_read(&r->cur->t, sp, &argc, 8) < 0)
		return;
	uint64_t p = sp + 8 + (argc + 1) * 8;
	for (int i = 0; i < 100000; i++, p += 8) {
		if (tracee_read(&r->cur->t, p, &v, 8) < 0)
			return;
		if (!v)
			break;
	}
	p += 8;
	for (int i = 0; i < 256; i++, p += 16) {
		uint64_t kv[2];
		if (tracee_read(&r->cur->t, p, kv, 16) < 0 || kv[0] == 0)
			return;
		if (kv[0] == AT_SYSINFO_EHDR_) {
			uint64_t ign = AT_IGNORE_;
			tracee_write(&r->cur->t, p, &ign, 8);
		}
	}
}

static uint64_t read_start_brk(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	long n = rrk_read_full(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* Field 3 follows ')'; start_brk is field 48. */
	int field = 2;
	for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " ")) {
		if (++field == 47)
			return strtoull(tok, NULL, 10);
	}
	return 0;
}

/* Runs one syscall in the tracee at an exec stop, where no syscall
 * instruction is known: borrow the entry point for two bytes. */
static long inject_at(struct recorder *r, long nr, uint64_t a0, uint64_t a1)
{
	struct rrk_regs saved;
	uint64_t word, patched;
	int ok;
	tracee_getregs(&r->cur->t, &saved);
	if (tracee_read(&r->cur->t, saved.rip, &word, 8) < 0)
		return -1;
	patched = (word & ~0xffffull) | 0x050f;
	tracee_write(&r->cur->t, saved.rip, &patched, 8);
	long rc = tracee_inject(&r->cur->t, saved.rip, nr, a0, a1, 0, 0, 0, 0, &ok);
	tracee_write(&r->cur->t, saved.rip, &word, 8);
	tracee_setregs(&r->cur->t, &saved);
	return ok ? rc : -1;
}

static void record_exec(struct recorder *r, int initial)
{
	struct rrk_ev_exec body;
	struct rrk_regs after;
	memset(&body, 0, sizeof body);
	if (tracee_open_mem(&r->cur->t) < 0)
		rrk_die("cannot open /proc/%d/mem: %s", (int)r->cur->t.tid, strerror(errno));
	tracee_getregs(&r->cur->t, &after);
	patch_auxv(r, after.rsp);
	if (r->mech.cpuid == RRK_MECH_FAULT && inject_at(r, SYS_arch_prctl, RRK_ARCH_SET_CPUID, 0) != 0)
		rrk_die("cannot make cpuid fault in the new program");
	if (!initial) {
		body.nr = r->cur->entry.orig_rax;
		body.args[0] = r->cur->entry.rdi;
		body.args[1] = r->cur->entry.rsi;
		body.args[2] = r->cur->entry.rdx;
		body.args[3] = r->cur->entry.r10;
		body.args[4] = r->cur->entry.r8;
		body.args[5] = r->cur->entry.r9;
	}
	body.regs_after = after;
	body.brk = read_start_brk(r->cur->t.tid);
	body.new_tid = r->exec_new_tid;
	r->exec_new_tid = 0;
	struct rlimit rl;
	if (prlimit(r->cur->t.tid, RLIMIT_STACK, NULL, &rl) == 0)
		body.stack_limit = rl.rlim_cur;

	char exe[4096], link[64];
	snprintf(link, sizeof link, "/proc/%d/exe", (int)r->cur->t.tid);
	ssize_t n = readlink(link, exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = 0;
		struct rrk_str s = { 0, 0 };
		rec_att_add(r, RRK_REC_STR, &s, sizeof s, (uint8_t *)rrk_xstrdup(exe), (size_t)n);
	}

	struct mapping *maps;
	long nm = rrk_read_maps(r->cur->t.tid, &maps);
	if (nm < 0)
		rrk_die("cannot read /proc/%d/maps: %s", (int)r->cur->t.tid, strerror(errno));
	pspace_new(r, r->cur->pid, 0, 0);
	for (long i = 0; i < nm; i++) {
		struct mapping *m = &maps[i];
		if (!strcmp(m->name, "[vdso]") || !strcmp(m->name, "[vvar]") ||
		    !strcmp(m->name, "[vvar_vclock]") || !strcmp(m->name, "[vsyscall]"))
			continue;
		struct rrk_map mp;
		memset(&mp, 0, sizeof mp);
		mp.start = m->start;
		mp.end = m->end;
		mp.prot = (uint32_t)m->prot;
		mp.offset = m->offset;
		if (m->shared)
			mp.flags |= RRK_MAP_SHARED;
		int is_file = m->name[0] == '/' && m->inode;
		if (is_file && r->patch_kinds)
			rec_files_push(rec_space_of(r, r->cur->pid), m->start, m->end);
		if (!strcmp(m->name, "[stack]"))
			mp.flags |= RRK_MAP_STACK;
		/* Read-only file mappings come from the blob; writable ones
		 * may already differ from the file (the loader zeroes the
		 * start of .bss), so their bytes go in the trace. */
		if (is_file && !(m->prot & PROT_WRITE)) {
			int fd = open_mapped(r->cur->t.tid, m);
			if (fd < 0)
				rrk_die("cannot read %s, mapped by the program: %s", m->name, strerror(errno));
			if (rec_blob_from_fd(r, fd, mp.digest, &mp.file_size) < 0)
				rrk_die("cannot store %s in the trace: %s", m->name, strerror(errno));
			if (r->patch_kinds && (m->prot & PROT_EXEC))
				rec_patch_file(r, m->name, fd, mp.digest, mp.file_size, m->start, m->end, m->offset,
					       m->shared);
			close(fd);
			mp.flags |= RRK_MAP_FILE;
			rec_att_add(r, RRK_REC_MAP, &mp, sizeof mp, (uint8_t *)rrk_xstrdup(m->name), strlen(m->name));
		} else {
			rec_att_add(r, RRK_REC_MAP, &mp, sizeof mp, (uint8_t *)rrk_xstrdup(m->name), strlen(m->name));
			rec_att_mem(r, m->start, m->end - m->start, 1);
		}
	}
	free(maps);
	emit(r, RRK_EV_EXEC, initial ? RRK_EVF_INITIAL : 0, initial ? NULL : &r->cur->entry, &body, sizeof body);
}


/* ---- tasks ---- */

static void args_of(const struct rrk_regs *g, uint64_t a[6])
{
	a[0] = g->rdi;
	a[1] = g->rsi;
	a[2] = g->rdx;
	a[3] = g->r10;
	a[4] = g->r8;
	a[5] = g->r9;
}


static struct rtask *find_task(struct recorder *r, pid_t tid)
{
	for (struct rtask *t = r->tasks; t; t = t->next)
		if (t->t.tid == tid && t->state != TS_DEAD)
			return t;
	return NULL;
}

static struct rtask *new_task(struct recorder *r, pid_t tid)
{
	struct rtask *t = rrk_xcalloc(1, sizeof *t);
	t->t.tid = tid;
	t->t.memfd = -1;
	t->pid = tid;
	t->state = TS_NEW;
	t->sb_desched = -1;
	t->next = r->tasks;
	r->tasks = t;
	return t;
}

static struct fdtab *fdtab_new(const struct fdtab *from)
{
	struct fdtab *f = rrk_xcalloc(1, sizeof *f);
	f->refs = 1;
	if (from && from->n) {
		f->origin = rrk_xmalloc(from->n);
		memcpy(f->origin, from->origin, from->n);
		f->n = from->n;
	}
	return f;
}

static void fdtab_put(struct fdtab *f)
{
	if (f && --f->refs == 0) {
		free(f->origin);
		free(f);
	}
}

static int others_alive(struct recorder *r)
{
	for (struct rtask *t = r->tasks; t; t = t->next)
		if (t != r->cur && t->state != TS_DEAD)
			return 1;
	return 0;
}

/* Whether a thread of t's process other than t is still alive. */
static int threads_alive(const struct recorder *r, const struct rtask *t)
{
	for (const struct rtask *x = r->tasks; x; x = x->next)
		if (x != t && x->pid == t->pid && x->state != TS_DEAD)
			return 1;
	return 0;
}

/* The current task goes on running. */
static void resume_cur(struct recorder *r, int sig)
{
	if (r->cur->state != TS_RUNNING)
		r->cur->run_start = rrk_now_ns();
	r->cur->state = TS_RUNNING;
	r->cur->ready_seen = 0;
	r->active = r->cur;
	tracee_cont(&r->cur->t, sig);
}

/* The current task is about to wait in the kernel: another may run. */
static void block_cur(struct recorder *r)
{
	r->cur->entered = 1;
	r->cur->state = TS_BLOCKED;
	if (r->active == r->cur)
		r->active = NULL;
}

/* The next task to run, round robin among those stopped by us. */
static struct rtask *pick_ready(struct recorder *r)
{
	struct rtask *start = r->rr_last && r->rr_last->next ? r->rr_last->next : r->tasks;
	struct rtask *t = start;
	if (!t)
		return NULL;
	do {
		if (t->state == TS_READY)
			return r->rr_last = t;
		t = t->next ? t->next : r->tasks;
	} while (t != start);
	return NULL;
}

/* Whether t is exactly as its last syscall left it: it has run no user
 * code since, so what happens now happens at that boundary. */
static int at_syscall_boundary(const struct rtask *t, const struct rrk_regs *g)
{
	return t->post_valid && !rrk_regs_diff(&t->post, g, NULL, 0);
}

/* The current task's execution point, as a POINT attachment. */
static void att_point(struct recorder *r)
{
	struct rrk_point pt;
	struct point_range *rg;
	size_t n;
	/* the buffers of its address space differ in replay: left out */
	struct point_range *skip = rrk_xmalloc((r->nsbmaps + 1) * sizeof *skip);
	size_t ns = 0;
	for (size_t i = 0; i < r->nsbmaps; i++) {
		if (r->sbmaps[i].pid != r->cur->pid)
			continue;
		uint64_t a = r->sbmaps[i].addr;
		size_t k = ns++;
		while (k && skip[k - 1].start > a) {
			skip[k] = skip[k - 1];
			k--;
		}
		skip[k] = (struct point_range){ a, a + RRK_SB_SIZE };
	}
	int prc = rrk_point_capture(&r->cur->t, pspace_of(r, r->cur->pid), skip, ns, &pt, &rg, &n);
	free(skip);
	if (prc < 0)
		rrk_die("cannot read the state of task %d: %s", (int)r->cur->t.tid, strerror(errno));
	rec_att_add(r, RRK_REC_POINT, &pt, sizeof pt, (uint8_t *)rg, n * sizeof *rg);
}

/* Whether debug registers trap here (probed the first time rec would
 * use one: the probe forks). */
static int dr_works(struct recorder *r)
{
	if (!r->dr_state) {
		struct rrk_caps c;
		rrk_probe_debugregs(&c);
		r->dr_state = c.dr_exec == RRK_CAP_WORKS && c.dr_write == RRK_CAP_WORKS ? 1 : -1;
	}
	return r->dr_state > 0;
}

/* If the current task stopped inside a rep string instruction, lets it
 * finish the instruction (breakpoint just after it) so that the point we
 * name is one replay can find. Returns 0 when the task is at such a point
 * now, -1 when something else stopped it first (its stop is in *st). */
static int step_past_rep(struct recorder *r, struct rrk_regs *g, struct stop *st)
{
	uint8_t b[16];
	struct rtask *t = r->cur;
	if (tracee_read(&t->t, g->rip, b, sizeof b) < 0)
		return 0;
	size_t len = rrk_rep_string_len(b, sizeof b);
	if (!len)
		return 0;
	/* a breakpoint just after it: a debug register, or an int3 (a single
	 * step would run one iteration) */
	uint64_t after = g->rip + len;
	int dr = dr_works(r);
	uint8_t saved = 0;
	if (dr ? rrk_hw_break(&t->t, after) < 0 : rrk_sw_break(&t->t, after, &saved) < 0)
		return 0;
	uint64_t held = 0; /* asynchronous signals that came meanwhile */
	for (;;) {
		tracee_cont(&t->t, 0);
		while (tracee_wait(&t->t, st) < 0)
			if (errno != EINTR)
				rrk_die("waiting for task %d: %s", (int)t->t.tid, strerror(errno));
		if (stale_interrupt(t, st))
			continue;
		if (st->kind == STOP_SIGNAL && st->sig == SIGTRAP && !dr) {
			struct rrk_regs h;
			if (rrk_sw_hit(&t->t, after, &h))
				break;
			held |= 1ull << (SIGTRAP - 1); /* the program's own */
			continue;
		}
		if (st->kind != STOP_SIGNAL || st->sig == SIGTRAP)
			break;
		siginfo_t si;
		memset(&si, 0, sizeof si);
		ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si);
		if (si.si_code > 0 && (st->sig == SIGSEGV || st->sig == SIGBUS))
			break; /* a fault inside the instruction */
		held |= 1ull << (st->sig - 1);
	}
	if (dr)
		rrk_hw_break(&t->t, 0);
	else
		rrk_sw_unbreak(&t->t, after, saved);
	resend_held(t, held, t->resend_sig);
	if (st->kind != STOP_SIGNAL || st->sig != SIGTRAP)
		return -1;
	tracee_getregs(&t->t, g);
	/* The trap left the resume flag set; a signal frame saved now would
	 * keep it, and it would hide the instruction from replay's
	 * breakpoint after sigreturn. */
	g->eflags &= ~(uint64_t)0x10000;
	tracee_setregs(&t->t, g);
	return 0;
}

/* Whether no other task can see t's memory while t waits for its next
 * turn: no live task shares its address space (kcmp; a thread, a vfork
 * child) and it has no writable shared mapping. Then where it stopped
 * does not matter: replay can let it run on to its next event instead
 * of finding an execution point, which in a hot loop costs a hardware
 * breakpoint stop per pass (find | wc: thousands). */
static int memory_alone(struct recorder *r, const struct rtask *t)
{
	for (const struct rtask *o = r->tasks; o; o = o->next) {
		if (o == t || o->state == TS_DEAD || o->t.tid <= 0)
			continue;
		if (o->pid == t->pid)
			return 0;
		long same = syscall(SYS_kcmp, t->t.tid, o->t.tid, 1 /* KCMP_VM */, 0, 0);
		if (same != 1 && same != 2)
			return 0; /* the same memory, or kcmp cannot tell */
	}
	struct mapping *mp;
	long nm = rrk_read_maps(t->t.tid, &mp);
	if (nm < 0)
		return 0;
	int alone = 1;
	for (long i = 0; i < nm; i++)
		/* (a read-only one is, in replay, the file as recorded plus
		 * what the process itself wrote: others' writes never reach
		 * it, wherever it stopped; glibc maps gconv-modules.cache so) */
		if (mp[i].shared && (mp[i].prot & PROT_WRITE))
			alone = 0;
	free(mp);
	return alone;
}

/* A preemption (PTRACE_INTERRUPT) stop: the task yields to the others. */
static void record_sched(struct recorder *r)
{
	struct rtask *t = r->cur;
	struct rrk_regs g;
	tracee_getregs(&t->t, &g);
	t->interrupted = 0;
	int idle = sb_settle(r, t, &g);
	if (idle == 1 || idle == 2 || (idle == 0 && rec_in_library(t, g.rip))) {
		/* waiting in a buffered call: it stops at that call's entry
		 * next, where the others get their turn; or it was in one,
		 * or in the library: not a point play can find, the next
		 * turn comes later */
		resume_cur(r, 0);
		return;
	}
	if (idle < 0)
		return;
	if (t->sb_deferred_sig) {
		/* a signal held back from a buffered call, and no traced
		 * syscall since: it comes now, from here */
		send_deferred(t);
		resume_cur(r, 0);
		return;
	}
	unsigned flags;
	if (at_syscall_boundary(t, &g)) {
		flags = RRK_EVF_AT_SYSCALL; /* it had not run user code yet */
	} else if (memory_alone(r, t)) {
		flags = RRK_EVF_RUNS_ON; /* no point; its buffer stays as it is */
	} else {
		struct stop st;
		uint64_t t0 = rrk_now_ns();
		if (step_past_rep(r, &g, &st) < 0) {
			rec_stop_recording(r, "task %d stopped unexpectedly (status 0x%x) while rec finished a string instruction",
					   (int)t->t.tid, st.status);
			return;
		}
		flags = RRK_EVF_EXECPOINT;
		att_point(r);
		r->point_ns = rrk_now_ns() - t0;
		t->post_valid = 0;
	}
	struct rrk_ev_sched b = { { 0, 0 } };
	emit(r, RRK_EV_SCHED, flags, &g, &b, sizeof b);
	t->state = TS_READY;
	if (r->active == t)
		r->active = NULL;
}

/* Whether the running task has had its turn: threads of one process
 * share memory, so one may spin waiting for another; separate processes
 * only need an occasional turn each. */
static void maybe_preempt(struct recorder *r)
{
	struct rtask *a = r->active;
	if (!a || a->state != TS_RUNNING || a->in_syscall || a->interrupted)
		return;
	uint64_t now = rrk_now_ns(), ran = now - a->run_start;
	/* The others wait a whole slice too (seen ready at this tick and the
	 * ticks since): a task that ran long before one became ready (the
	 * parent of a thread just created) keeps running a while, and may
	 * block, leaving no execution point to find in replay. */
	uint64_t sibling_waited = 0, other_waited = 0;
	int sibling = 0, other = 0;
	for (struct rtask *t = r->tasks; t; t = t->next) {
		if (t->state != TS_READY) {
			t->ready_seen = 0;
			continue;
		}
		if (!t->ready_seen)
			t->ready_seen = now;
		uint64_t w = now - t->ready_seen;
		other = 1;
		if (w > other_waited)
			other_waited = w;
		if (t->pid == a->pid) {
			sibling = 1;
			if (w > sibling_waited)
				sibling_waited = w;
		}
	}
	/* By default a turn lasts at least 8 times what the last execution
	 * point cost (its memory digest reads all writable memory: about
	 * 0.1 s for 200 MB), so points take at most about a ninth of the
	 * time; --timeslice is taken as given. */
	uint64_t slice = (r->o->timeslice_ms ? r->o->timeslice_ms : 10) * 1000000ull;
	if (!r->o->timeslice_ms && slice < 8 * r->point_ns)
		slice = 8 * r->point_ns;
	uint64_t proc_slice = slice > 200000000u ? slice : 200000000u;
	if ((sibling && ran >= slice && sibling_waited >= slice) ||
	    (other && ran >= proc_slice && other_waited >= slice) ||
	    (a->sb_deferred_sig && ran >= 10000000u)) {
		if (ptrace(PTRACE_INTERRUPT, a->t.tid, 0, 0) == 0)
			a->interrupted = 1;
	}
}

/* clone, fork, vfork: the parent stopped with the new task's id. */
static void record_clone(struct recorder *r, unsigned ev)
{
	struct rtask *p = r->cur;
	unsigned long child = 0;
	ptrace(PTRACE_GETEVENTMSG, p->t.tid, 0, &child);
	uint64_t a[6];
	args_of(&p->entry, a);
	uint64_t flags = rrk_sys_clone_flags(p->entry.orig_rax, a);
	p->clone_task = (pid_t)child;
	struct rtask *c = find_task(r, (pid_t)child);
	int seen = c != NULL; /* its first stop came before ours */
	if (!c)
		c = new_task(r, (pid_t)child);
	c->pid = (flags & CLONE_THREAD) ? p->pid : (pid_t)child;
	/* A thread with a TLS of its own registers a buffer of its own; a
	 * fork or vfork child goes on with the parent's (a copy, or the
	 * same memory), and a fork child needs its own desched event. */
	c->sb = (flags & CLONE_SETTLS) ? 0 : p->sb;
	c->sb_lib_lo = p->sb_lib_lo;
	c->sb_lib_hi = p->sb_lib_hi;
	c->sb_idle = p->sb_idle;
	c->sb_flushed = 0;
	c->sb_new_desched = c->sb && ev == PTRACE_EVENT_FORK;
	c->sb_borrowed = c->sb && ((flags & CLONE_VM) || ev == PTRACE_EVENT_VFORK);
	if (!(flags & CLONE_THREAD)) {
		sb_map_space(r, c->pid, p->pid);
		pspace_new(r, c->pid, p->pid, (flags & CLONE_VM) || ev == PTRACE_EVENT_VFORK);
	}
	c->fds = (flags & CLONE_FILES) ? p->fds : fdtab_new(p->fds);
	if (flags & CLONE_FILES)
		p->fds->refs++;
	if (seen)
		c->state = TS_READY;
	if (ev == PTRACE_EVENT_VFORK) {
		/* The parent now waits for the child to exec or exit. */
		struct rrk_ev_syscall body = { p->entry.orig_rax, { a[0], a[1], a[2], a[3], a[4], a[5] },
					       (int64_t)child };
		emit(r, RRK_EV_SYSCALL, RRK_EVF_ENTER, &p->entry, &body, sizeof body);
		block_cur(r);
	}
	tracee_syscall(&p->t, 0);
}

/* A task's first stop after clone. */
static void task_started(struct rtask *t)
{
	if (t->fds) /* the parent's clone stop registered it */
		t->state = TS_READY;
	tracee_getregs(&t->t, &t->post);
	t->post_valid = 1;
	tracee_open_mem(&t->t);
}

/* t no longer exists (exited, or replaced by an exec'ing thread). */
static void task_gone(struct recorder *r, struct rtask *t)
{
	t->state = TS_DEAD;
	if (t->t.memfd >= 0)
		close(t->t.memfd);
	t->t.memfd = -1;
	sb_grab_desched(t, -1);
	fdtab_put(t->fds);
	t->fds = NULL;
	if (r->active == t)
		r->active = NULL;
}

static void release_output(struct recorder *r);

static void task_exited(struct recorder *r, struct rtask *t, int status)
{
	struct rrk_ev_exit b = { status, 0 };
	r->cur = t;
	att_clear(r);
	emit(r, RRK_EV_EXIT, 0, NULL, &b, sizeof b);
	task_gone(r, t);
	if (r->out_busy == t)
		release_output(r);
	if (t->t.tid == r->root)
		r->root_status = status;
}

static int any_alive(struct recorder *r)
{
	for (struct rtask *t = r->tasks; t; t = t->next)
		if (t->state != TS_DEAD)
			return 1;
	return 0;
}

/* ---- syscalls ---- */

void rec_set_origin(struct recorder *r, int64_t fd, uint8_t origin)
{
	if (fd < 0 || fd >= (1 << 20))
		return;
	if ((size_t)fd >= r->cur->fds->n) {
		size_t n = (size_t)fd + 64;
		r->cur->fds->origin = rrk_xrealloc(r->cur->fds->origin, n);
		memset(r->cur->fds->origin + r->cur->fds->n, 0, n - r->cur->fds->n);
		r->cur->fds->n = n;
	}
	if (r->cur->fds->origin[fd] != origin)
		r->outfds_dirty = 1;
	r->cur->fds->origin[fd] = origin;
}

uint8_t rec_origin_of(struct recorder *r, int64_t fd)
{
	return fd >= 0 && (size_t)fd < r->cur->fds->n ? r->cur->fds->origin[fd] : 0;
}

uint8_t rec_stream_of(struct recorder *r, int64_t fd)
{
	return rec_origin_of(r, fd) & 3;
}

/* Whether fd (just opened) is the recorded stdout or stderr again, as with
 * /dev/stdout or /proc/self/fd/1: 1 or 2, else 0. */
static uint8_t same_file_as_output(struct recorder *r, int64_t fd)
{
	char path[64];
	struct stat sb;
	snprintf(path, sizeof path, "/proc/%d/fd/%lld", (int)r->cur->t.tid, (long long)fd);
	if (stat(path, &sb) < 0)
		return 0;
	if (S_ISCHR(sb.st_mode) && major(sb.st_rdev) == 1 && minor(sb.st_rdev) == 3)
		return 0; /* /dev/null: a place to discard, not the output */
	uint8_t shared = 0;
	for (size_t i = 0; i < r->nshmaps; i++)
		if (r->shmaps[i].pid == r->cur->pid && r->shmaps[i].dev == sb.st_dev && r->shmaps[i].ino == sb.st_ino)
			shared = ORIGIN_SHARED;
	for (int i = 0; i < 2; i++)
		if (r->out_valid[i] && sb.st_dev == r->out_id[i].st_dev && sb.st_ino == r->out_id[i].st_ino &&
		    !S_ISREG(sb.st_mode) == !S_ISREG(r->out_id[i].st_mode))
			return (uint8_t)(shared | (i + 1));
	return shared;
}

/* Whether a new fd was opened for reading only: writes through it fail,
 * so it cannot add to the recorded output (and needs no stat). */
static int opened_read_only(const struct rrk_sysent *e, const uint64_t *a)
{
	for (int i = 0; i < e->nargs; i++)
		if (e->argtype[i] == A_OPENFLAGS)
			return (a[i] & O_ACCMODE) == O_RDONLY;
	return 0;
}

void rec_fd_opened(struct rec_call *c)
{
	rec_set_origin(c->r, c->res, opened_read_only(c->e, c->a) ? 0 : same_file_as_output(c->r, c->res));
}

/* What a syscall did to the fd table, for the origins of its fds. */
static void track_fds(struct recorder *r, uint64_t nr, const uint64_t *a, int64_t res)
{
	const struct rrk_sysent *e = &rrk_systable[nr];
	if (res < 0)
		return;
	if (e->flags & (SF_CLOSE | SF_NEWFD | SF_DUP))
		r->fds_changed = 1; /* the libraries' fd types are stale */
	if (e->flags & SF_CLOSE)
		rec_set_origin(r, (int64_t)a[0], 0);
	struct rec_call c = { r, nr, a, res, e };
	if (rrk_rec_hooks[e->hook].fds)
		rrk_rec_hooks[e->hook].fds(&c);
	else if (e->flags & SF_NEWFD)
		rec_fd_opened(&c);
}


/* ---- the syscall buffer (doc/design.md "The syscall buffer") ---- */

static int sb_track(void *ctx, const struct rrk_sb_rec *rec, const uint8_t *d, size_t dl)
{
	(void)d;
	(void)dl;
	if (!(rec->flags & RRK_SBR_TRACED) && rec->nr < RRK_NSYSCALLS && rrk_systable[rec->nr].name)
		track_fds(ctx, rec->nr, rec->args, rec->ret);
	return 0;
}

/* Takes the records t's library logged since they were last taken, and
 * empties the buffer unless the library is inside a call (it goes on
 * from where it is then). They go into the trace with t's next event. */
static void sb_take(struct recorder *r, struct rtask *t)
{
	if (!t->sb || t->sb_stashed)
		return;
	struct rrk_sb_hdr h;
	if (tracee_read(&t->t, t->sb, &h, sizeof h) < 0) {
		t->sb = 0; /* gone with its address space */
		return;
	}
	if (h.used > h.size || h.used < t->sb_flushed)
		goto corrupt;
	size_t len = (size_t)(h.used - t->sb_flushed);
	int empty = !h.busy && h.used; /* play empties it at this event too */
	if (!len && !empty)
		return;
	t->sb_stash = (struct rrk_sysbuf){ t->sb, t->sb_flushed, 0, RRK_SB_VERSION,
					   empty ? RRK_SYSBUF_EMPTIED : 0 };
	t->sb_stash_data = NULL;
	t->sb_stash_len = 0;
	if (len) {
		uint8_t *data = rrk_pool_get(&r->pool, len);
		long n = -1;
		if (tracee_read(&t->t, t->sb + RRK_SB_HDR_SIZE + t->sb_flushed, data, len) == 0) {
			/* (the library keeps its fd types itself across these) */
			int changed = r->fds_changed;
			n = rrk_sb_walk(data, len, sb_track, r);
			r->fds_changed = changed;
		}
		if (n < 0) {
			rrk_pool_put(&r->pool, data);
			goto corrupt;
		}
		t->sb_stash.count = (uint32_t)n;
		t->sb_stash_data = data;
		t->sb_stash_len = len;
	}
	t->sb_stashed = 1;
	if (empty) {
		uint64_t zero = 0;
		tracee_write(&t->t, t->sb + RRK_SB_OFF_USED, &zero, sizeof zero);
		t->sb_flushed = 0;
	} else {
		t->sb_flushed = h.used;
	}
	return;
corrupt:
	rec_stop_recording(r, "the syscall buffer of task %d is corrupt (did the program write over it?); try rec --no-syscallbuf",
			   (int)t->t.tid);
	t->sb = 0;
}

/* The records taken, as a SYSBUF attachment of the event being written. */
static void sb_attach(struct recorder *r, struct rtask *t)
{
	sb_take(r, t);
	if (!t->sb_stashed)
		return;
	t->sb_stashed = 0;
	rec_att_add(r, RRK_REC_SYSBUF, &t->sb_stash, sizeof t->sb_stash, t->sb_stash_data,
		    t->sb_stash_len);
	t->sb_stash_data = NULL;
	t->sb_stash_len = 0;
}

/* The buffers' bitmaps of the recorded stdout and stderr, after an fd
 * changed: writes to those are traced, so that play shows them. Play
 * writes the same bytes when the event completes (MEM attachments). */
static void sb_sync_outfds(struct recorder *r)
{
	int forget = r->fds_changed;
	r->outfds_dirty = 0;
	r->fds_changed = 0;
	struct fdtab *f = r->cur->fds;
	uint8_t bits[128];
	memset(bits, 0, sizeof bits);
	for (size_t fd = 0; fd < f->n && fd < 1024; fd++)
		if (f->origin[fd])
			bits[fd >> 3] |= (uint8_t)(1u << (fd & 7));
	for (struct rtask *u = r->tasks; u; u = u->next) {
		/* (a vfork child's fds are its own, the buffer is not) */
		if (!u->sb || u->sb_borrowed || u->fds != f || u->state == TS_DEAD ||
		    (u != r->cur && u->pid != r->cur->pid))
			continue;
		uint64_t at = u->sb + offsetof(struct rrk_sb_hdr, out_fds);
		if (tracee_write(&r->cur->t, at, bits, sizeof bits) < 0)
			continue;
		struct rrk_mem m = { at };
		uint8_t *copy = rrk_xmalloc(sizeof bits);
		memcpy(copy, bits, sizeof bits);
		rec_att_add(r, RRK_REC_MEM, &m, sizeof m, copy, sizeof bits);
		if (!forget)
			continue;
		uint64_t known = u->sb + offsetof(struct rrk_sb_hdr, fd_known);
		uint8_t *zero = rrk_xcalloc(1, 128);
		if (tracee_write(&r->cur->t, known, zero, 128) < 0) {
			free(zero);
			continue;
		}
		struct rrk_mem k = { known };
		rec_att_add(r, RRK_REC_MEM, &k, sizeof k, zero, 128);
	}
}

static void sb_map_add(struct recorder *r, pid_t pid, uint64_t addr)
{
	for (size_t i = 0; i < r->nsbmaps; i++)
		if (r->sbmaps[i].pid == pid && r->sbmaps[i].addr == addr)
			return;
	r->sbmaps = rrk_xrealloc(r->sbmaps, (r->nsbmaps + 1) * sizeof *r->sbmaps);
	r->sbmaps[r->nsbmaps++] = (struct sbmap){ pid, addr };
}

/* A new address space: a copy of from's (fork), or an empty one (exec,
 * from == 0). */
static void sb_map_space(struct recorder *r, pid_t pid, pid_t from)
{
	for (size_t i = 0; i < r->nsbmaps;)
		if (r->sbmaps[i].pid == pid)
			r->sbmaps[i] = r->sbmaps[--r->nsbmaps];
		else
			i++;
	size_t n = r->nsbmaps;
	for (size_t i = 0; from && i < n; i++)
		if (r->sbmaps[i].pid == from)
			sb_map_add(r, pid, r->sbmaps[i].addr);
}

/* rrk_sbinit(header, size, version): a thread's library registers its
 * buffer. rec fills in the entry page (play gets its own variant as a MEM
 * attachment), gives the thread its desched event and answers 0. */
static int64_t sb_init(struct recorder *r, const uint64_t *a)
{
	struct rtask *t = r->cur;
	if (r->preload_fd < 0 || a[1] != RRK_SB_SIZE || a[2] != RRK_SB_VERSION || (a[0] & 4095))
		return -ENOSYS;
	uint8_t rec_page[RRK_SB_IMAGE_LEN], *play_page = rrk_xmalloc(RRK_SB_IMAGE_LEN);
	rrk_sb_page_image(0, rec_page);
	rrk_sb_page_image(1, play_page);
	if (tracee_write(&t->t, RRK_SB_PAGE, rec_page, sizeof rec_page) < 0) {
		free(play_page);
		return -EFAULT;
	}
	struct rrk_mem m = { RRK_SB_PAGE };
	rec_att_add(r, RRK_REC_MEM, &m, sizeof m, play_page, RRK_SB_IMAGE_LEN);
	t->sb = a[0];
	t->sb_idle = a[3];
	t->sb_flushed = 0;
	sb_map_add(r, t->pid, t->sb);
	/* the library makes this call from its own code (a new thread's
	 * clone parent knew where that is) */
	if (t->entry.rip < t->sb_lib_lo || t->entry.rip >= t->sb_lib_hi) {
		struct mapping *mp;
		long nm = rrk_read_maps(t->t.tid, &mp);
		t->sb_lib_lo = t->sb_lib_hi = 0;
		for (long i = 0; i < nm; i++)
			if (t->entry.rip >= mp[i].start && t->entry.rip < mp[i].end) {
				t->sb_lib_lo = mp[i].start;
				t->sb_lib_hi = mp[i].end;
			}
		if (nm >= 0)
			free(mp);
	}
	int fd = rrk_sb_desched_setup(&t->t, t->sb, -1);
	sb_grab_desched(t, fd);
	if (t->sb_desched < 0 && fd >= 0) {
		/* without a way to switch it off, it would fire forever */
		inject_at(r, SYS_close, fd, 0);
		fd = -1;
	}
	if (fd >= 0)
		tracee_write(&t->t, t->sb + RRK_SB_OFF_DESCHED, &fd, sizeof fd);
	r->outfds_dirty = 1;
	sb_sync_outfds(r);
	return 0;
}

/* rec's own copy of t's fd (the same open file), or -1. */
static int task_fd_copy(struct rtask *t, int fd)
{
	/* a thread's own pidfd (PIDFD_THREAD, Linux 6.9), else its process's:
	 * pidfd_open takes no other thread without the flag */
	int pidfd = (int)syscall(434 /* pidfd_open */, t->t.tid, O_EXCL /* PIDFD_THREAD */);
	if (pidfd < 0)
		pidfd = (int)syscall(434, t->pid, 0);
	if (pidfd < 0)
		return -1;
	int mine = (int)syscall(438 /* pidfd_getfd */, pidfd, fd, 0);
	close(pidfd);
	return mine;
}

/* rec's own copy of t's desched event (fd in t), to switch it off when
 * it fires: the stop it causes would fire it again. */
static void sb_grab_desched(struct rtask *t, int fd)
{
	if (t->sb_desched >= 0)
		close(t->sb_desched);
	t->sb_desched = -1;
	if (fd < 0)
		return;
	int mine = task_fd_copy(t, fd);
	if (mine >= 0)
		fcntl(mine, F_SETFD, FD_CLOEXEC);
	t->sb_desched = mine;
}

/* A pipe that filled up (the library's write without waiting failed and
 * it now waits in an ordinary write) is made PIPE_WIDE bytes long, once:
 * recorded, the writer and the reader take turns on one CPU, and each
 * turn costs stops; a wider pipe means fewer turns. A size the program
 * chose is kept. All a program can see is what F_GETPIPE_SZ answers
 * (design.md). */
#define PIPE_WIDE (256 * 1024)
void rec_widen_full_pipe(struct rtask *t, int fd)
{
	int mine = task_fd_copy(t, fd);
	if (mine < 0)
		return;
	struct stat sb;
	if (fstat(mine, &sb) == 0 && S_ISFIFO(sb.st_mode) && fcntl(mine, F_GETPIPE_SZ) == 16 * 4096)
		fcntl(mine, F_SETPIPE_SZ, PIPE_WIDE); /* over the user's limit: stays */
	close(mine);
}

/* t stopped inside a buffered syscall the kernel interrupted (it would
 * have waited): it becomes an ordinary syscall, made again at
 * RRK_SB_TRACED, which stops at its entry like any other, so that the
 * others run meanwhile. The library sees `redirected` and logs nothing;
 * play's entry page takes the same way when it finds no record left. */
static int sb_redirect(struct recorder *r, struct rtask *t, struct rrk_regs *g)
{
	(void)r;
	int64_t rax = (int64_t)g->rax;
	/* (epoll_wait and socket timeouts say EINTR rather than restart) */
	if (!t->sb || g->rip != RRK_SB_PAGE + RRK_SB_ENTRY + 2 ||
	    (rax != -EINTR && !rrk_is_restart(rax)))
		return 0;
	uint32_t one = 1;
	if (tracee_write(&t->t, t->sb + RRK_SB_OFF_REDIRECTED, &one, sizeof one) < 0)
		return 0;
	g->rip = RRK_SB_PAGE + RRK_SB_TRACED;
	g->rax = g->orig_rax;
	g->orig_rax = (uint64_t)-1;
	tracee_setregs(&t->t, g);
	return 1;
}

/* t stopped inside a buffered call (busy): lets it run until the library
 * has logged the call (a write watchpoint on busy), so that the call's
 * record goes with the event rec makes of this stop; replay could not
 * stop inside the call, whose code differs there. Signals that come
 * meanwhile are sent again. Returns 0 when t was not in a call, 2 when
 * it is out of it now, 1 when the call waited and was made a traced one
 * instead (sb_redirect), -1 when t stopped otherwise. */
static int sb_run_idle(struct recorder *r, struct rtask *t, struct rrk_regs *g)
{
	uint32_t busy = 0;
	if (tracee_read(&t->t, t->sb + RRK_SB_OFF_BUSY, &busy, sizeof busy) < 0 || !busy)
		return 0;
	size_t dr1 = offsetof(struct user, u_debugreg[1]), dr7 = offsetof(struct user, u_debugreg[7]);
	/* a write watchpoint on busy, or an int3 where the library has
	 * just cleared it */
	int dr = dr_works(r);
	uint64_t idle = dr ? 0 : t->sb_idle;
	uint8_t saved = 0;
	if (!dr && (!idle || rrk_sw_break(&t->t, idle, &saved) < 0))
		return -1;
	if (dr && (ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr1, (void *)(t->sb + RRK_SB_OFF_BUSY)) < 0 ||
		   ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr7, (void *)(4 | (1ul << 20) | (3ul << 22))) < 0))
		return -1; /* L1, write, 4 bytes */
	uint64_t held = 0;
	int rc = -1, ticks = 0, interrupted = 0;
	for (;;) {
		struct stop st;
		tracee_cont(&t->t, 0);
		while (tracee_wait(&t->t, &st) < 0) {
			if (errno != EINTR)
				rrk_die("waiting for task %d: %s", (int)t->t.tid, strerror(errno));
			/* a call that waits with no desched event, or a busy flag
			 * a handler's longjmp left behind: not forever */
			if (++ticks == 20 && ptrace(PTRACE_INTERRUPT, t->t.tid, 0, 0) == 0)
				interrupted = 1;
		}
		if (interrupted && st.kind == STOP_OTHER_EVENT && (st.status >> 16) == PTRACE_EVENT_STOP) {
			t->interrupted = 0; /* a preemption's interrupt, if any, merged into this stop */
			tracee_getregs(&t->t, g);
			rc = sb_redirect(r, t, g) ? 1 : 2; /* else: out, as far as play goes */
			break;
		}
		if (stale_interrupt(t, &st))
			continue;
		if (st.kind == STOP_SECCOMP) {
			/* the library gave up waiting without the kernel and
			 * makes the call traced, still busy: back to just before
			 * that syscall instruction, where it stops again, now
			 * an ordinary traced call */
			tracee_getregs(&t->t, g);
			g->rip -= 2;
			g->rax = g->orig_rax;
			g->orig_rax = (uint64_t)-1;
			tracee_setregs(&t->t, g);
			rc = 1;
			break;
		}
		if (st.kind == STOP_EXIT_EVENT) {
			rc = 2; /* killed with its group: nothing to finish */
			break;
		}
		if (st.kind != STOP_SIGNAL)
			break;
		tracee_getregs(&t->t, g);
		if (st.sig == SIGTRAP) {
			if (idle)
				rrk_sw_hit(&t->t, idle, g);
			if (tracee_read(&t->t, t->sb + RRK_SB_OFF_BUSY, &busy, sizeof busy) == 0 && !busy) {
				rc = 2;
				break;
			}
			continue;
		}
		if (st.sig == RRK_SB_DESCHED_SIG) {
			if (t->sb_desched >= 0)
				ioctl(t->sb_desched, PERF_EVENT_IOC_DISABLE, 0);
			if (sb_redirect(r, t, g)) {
				rc = 1;
				break;
			}
			continue;
		}
		held |= 1ull << (st.sig - 1);
	}
	if (dr)
		ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr7, 0);
	else
		rrk_sw_unbreak(&t->t, idle, saved); /* (fails harmlessly once it is gone) */
	resend_held(t, held, 0);
	return rc;
}

/* t stopped for an asynchronous reason: out of any buffered call first.
 * Returns 1 when the call waited and was made a traced one (resume t),
 * -1 when the recording stops, else 0 (t was not in one) or 2 (it is out
 * of it now; the stop's signal is lost and must be sent again). */
static int sb_settle(struct recorder *r, struct rtask *t, struct rrk_regs *g)
{
	if (sb_redirect(r, t, g))
		return 1;
	int idle = t->sb ? sb_run_idle(r, t, g) : 0;
	if (idle < 0)
		rec_stop_recording(r, "task %d stopped unexpectedly (status 0x%x) while rec let it finish a buffered syscall",
				   (int)t->t.tid, t->t.status);
	return idle;
}

static int peek_cb(void *ctx, uint64_t addr, void *buf, size_t len)
{
	return tracee_read(ctx, addr, buf, len);
}

void rec_stop_recording(struct recorder *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->abort_buf, sizeof r->abort_buf, fmt, ap);
	va_end(ap);
	r->abort_reason = r->abort_buf;
}


static void free_strs(struct recorder *r)
{
	for (int i = 0; i < 6; i++) {
		free(r->cur->strs[i]);
		r->cur->strs[i] = NULL;
	}
}

static void attach_strs(struct recorder *r)
{
	for (int i = 0; i < 6; i++) {
		if (!r->cur->strs[i])
			continue;
		struct rrk_str s = { (uint32_t)i, 0 };
		size_t n = strlen(r->cur->strs[i]);
		rec_att_add(r, RRK_REC_STR, &s, sizeof s, (uint8_t *)r->cur->strs[i], n);
		r->cur->strs[i] = NULL;
	}
}

static void shared_pages_after_write(struct recorder *r, int fd)
{
	char path[64];
	struct stat sb;
	int any = 0;
	for (size_t i = 0; i < r->nshmaps; i++)
		any |= r->shmaps[i].pid == r->cur->pid;
	if (!any)
		return;
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)r->cur->t.tid, fd);
	if (stat(path, &sb) < 0)
		return;
	for (size_t i = 0; i < r->nshmaps; i++) {
		struct shmap *m = &r->shmaps[i];
		if (m->pid == r->cur->pid && m->dev == sb.st_dev && m->ino == sb.st_ino)
			rec_att_mem(r, m->start, m->len, 0);
	}
}

/* A call the program is written to do without, or a number this
 * table does not know (x32 ones among them, which a kernel without x32
 * also refuses): said once per number (doc/design.md, "Feature calls"). */
static void note_feature(struct recorder *r, uint64_t nr, const struct rrk_sysent *e)
{
	unsigned bit = nr < RRK_NSYSCALLS ? (unsigned)nr : RRK_NSYSCALLS;
	if (r->noted_sys[bit / 8] & (1u << (bit % 8)))
		return;
	r->noted_sys[bit / 8] |= (uint8_t)(1u << (bit % 8));
	char msg[256];
	if (e->name)
		snprintf(msg, sizeof msg,
			 "the program called %s at event %llu: it gets %s, as from a kernel without that feature, and goes on",
			 e->name, (unsigned long long)r->nevents + 1, rrk_errno_name(-e->fake_result));
	else
		snprintf(msg, sizeof msg,
			 "the program made system call %lld at event %llu, which rec does not know: it gets ENOSYS, as from a kernel without it%s",
			 (long long)nr, (unsigned long long)r->nevents + 1,
			 bit == RRK_NSYSCALLS ? " (said once for all such numbers)" : "");
	rec_note(r, msg);
}

/* Decides, at syscall entry, syscalls the program must not really make.
 * Returns 1 and sets *res when the result is invented. */
static int policy_fake(struct recorder *r, uint64_t nr, const uint64_t *a, int64_t *res)
{
	const struct rrk_sysent *e = rrk_sys_row(nr);
	if (!e->name) {
		*res = -ENOSYS;
		return 1;
	}
	if (e->action == ACT_FAKE) {
		*res = e->fake_result;
		return 1;
	}
	struct rec_call c = { r, nr, a, 0, e };
	return rrk_rec_hooks[e->hook].entry ? rrk_rec_hooks[e->hook].entry(&c, res) : 0;
}

static void syscall_entry(struct recorder *r)
{
	struct rrk_regs g;
	tracee_getregs(&r->cur->t, &g);
	r->cur->entry = g;
	uint64_t nr = g.orig_rax, a[6];
	args_of(&g, a);
	if (tracee_syscall_arch(&r->cur->t) != AUDIT_ARCH_X86_64_) {
		rec_stop_recording(r, "the program made a 32-bit system call (%llu) at event %llu; only 64-bit system calls can be recorded",
				   (unsigned long long)nr, (unsigned long long)r->nevents + 1);
		return;
	}
	struct rtask *t = r->cur;
	if (t->sb_new_desched) {
		t->sb_new_desched = 0;
		int old = -1;
		tracee_read(&t->t, t->sb + RRK_SB_OFF_DESCHED, &old, sizeof old);
		if (old >= 0) {
			int fd = rrk_sb_desched_setup(&t->t, t->sb, old);
			sb_grab_desched(t, fd);
			if (fd < 0 || t->sb_desched < 0) {
				inject_at(r, SYS_close, old, 0);
				fd = -1;
			}
			tracee_write(&t->t, t->sb + RRK_SB_OFF_DESCHED, &fd, sizeof fd);
			/* The injected calls took the place of the one t was
			 * entering (it got ENOSYS): t makes it again. */
			struct rrk_regs again = g;
			again.rip -= 2;
			again.rax = again.orig_rax;
			tracee_setregs(&t->t, &again);
			resume_cur(r, 0);
			return;
		}
	}
	if (t->sb_deferred_sig)
		send_deferred(t); /* it interrupts the call now, as it would have */
	if (nr == RRK_SYS_SBINIT) {
		int64_t res = sb_init(r, a);
		struct rrk_regs s = g;
		s.orig_rax = (uint64_t)-1;
		s.rax = (uint64_t)res;
		tracee_setregs(&t->t, &s);
		struct rrk_ev_syscall body = { nr, { a[0], a[1], a[2], a[3], a[4], a[5] }, res };
		emit(r, RRK_EV_SYSCALL, RRK_EVF_FAKED, &g, &body, sizeof body);
		t->post = s;
		t->post_valid = 1;
		resume_cur(r, 0);
		return;
	}
	/* what the library logged before this call comes before it */
	sb_take(r, t);
	const struct rrk_sysent *e = rrk_sys_row(nr);
	if (!e->name || (e->flags & SF_FEATURE))
		note_feature(r, nr, e);
	if (e->name && e->action == ACT_UNSUPPORTED) {
		rec_stop_recording(r, "unsupported system call %s (%llu) at event %llu: recording stopped; the trace up to here is valid",
				   e->name, (unsigned long long)nr, (unsigned long long)r->nevents + 1);
		return;
	}
	free_strs(r);
	for (int i = 0; i < e->nargs; i++) {
		if (e->argtype[i] != A_PATH && e->argtype[i] != A_STR)
			continue;
		if (!a[i])
			continue;
		char buf[4096];
		if (tracee_read_str(&r->cur->t, a[i], buf, sizeof buf) >= 0)
			r->cur->strs[i] = rrk_xstrdup(buf);
	}
	int64_t fake;
	if (policy_fake(r, nr, a, &fake)) {
		struct rrk_regs s = g;
		s.orig_rax = (uint64_t)-1;
		s.rax = (uint64_t)fake;
		tracee_setregs(&r->cur->t, &s);
		struct rrk_ev_syscall body = { nr, { a[0], a[1], a[2], a[3], a[4], a[5] }, fake };
		attach_strs(r);
		emit(r, RRK_EV_SYSCALL, RRK_EVF_FAKED, &g, &body, sizeof body);
		r->cur->post = s;
		r->cur->post_valid = 1;
		resume_cur(r, 0);
		return;
	}
	if (e->action == ACT_EXIT || e->action == ACT_SIGRETURN) {
		/* Run for real in both; nothing comes back to record. */
		struct rrk_ev_syscall body = { nr, { a[0], a[1], a[2], a[3], a[4], a[5] }, 0 };
		attach_strs(r);
		emit(r, RRK_EV_SYSCALL, 0, &g, &body, sizeof body);
		r->cur->post_valid = 0;
		resume_cur(r, 0);
		return;
	}
	r->cur->in_syscall = 1;
	r->cur->entered = 0;
	int vfork = !!(rrk_sys_clone_flags(nr, a) & CLONE_VFORK);
	if ((e->flags & SF_BLOCKING) && !vfork && others_alive(r)) {
		/* It may wait for another task: let the others run meanwhile.
		 * (vfork writes its ENTER once the child exists.) */
		struct rrk_ev_syscall body = { nr, { a[0], a[1], a[2], a[3], a[4], a[5] }, 0 };
		unsigned eflags = RRK_EVF_ENTER;
		uint8_t o = (e->flags & SF_WRITE) ? rec_stream_of(r, (int64_t)a[0]) : 0;
		if (o) {
			/* The output order is the order writes enter the kernel,
			 * if only one is in the kernel at a time: two would race
			 * there. Another waits at its entry meanwhile. */
			if (r->out_busy && r->out_busy != r->cur && r->out_busy->state != TS_DEAD) {
				r->cur->in_syscall = 0;
				r->cur->out_wait = 1;
				r->cur->state = TS_BLOCKED;
				if (r->active == r->cur)
					r->active = NULL;
				return;
			}
			r->out_busy = r->cur;
			eflags |= o == 1 ? RRK_EVF_STDOUT : RRK_EVF_STDERR;
		}
		attach_strs(r);
		emit(r, RRK_EV_SYSCALL, eflags, &g, &body, sizeof body);
		block_cur(r);
	}
	tracee_syscall(&r->cur->t, 0); /* on to the exit stop (or the exec stop) */
}

static void release_output(struct recorder *r);

static void syscall_exit(struct recorder *r)
{
	struct rrk_regs g;
	tracee_getregs(&r->cur->t, &g);
	uint64_t nr = r->cur->entry.orig_rax, a[6];
	args_of(&r->cur->entry, a);
	int64_t res = (int64_t)g.rax;
	const struct rrk_sysent *e = &rrk_systable[nr];
	unsigned flags = 0;
	if (rrk_rec_hooks[e->hook].result) {
		struct rec_call c = { r, nr, a, res, e };
		int64_t was = res;
		rrk_rec_hooks[e->hook].result(&c, &res);
		if (res != was) {
			g.rax = (uint64_t)res;
			tracee_setregs(&r->cur->t, &g);
		}
	}

	if (res >= 0 || rrk_is_restart(res) || (e->flags & SF_OUTFAIL)) {
		struct rrk_memrange rg[64];
		int n = rrk_syscall_outparams(nr, a, res, rg, 64, peek_cb, &r->cur->t);
		for (int i = 0; i < n; i++)
			if (rg[i].len && rg[i].len < (1ull << 32))
				rec_att_mem(r, rg[i].addr, rg[i].len, 0);
	}
	/* the row's own code (record_sys.c): the address space, clone */
	struct rec_call c = { r, nr, a, res, e };
	if (rrk_rec_hooks[e->hook].exit && rrk_rec_hooks[e->hook].exit(&c))
		return;
	if (res >= 0 && r->nshmaps && (e->flags & (SF_WRITE | SF_FILEDATA)))
		shared_pages_after_write(r, (int)a[0]);
	if (r->cur->entered)
		flags |= RRK_EVF_ENTERED;
	if (e->flags & SF_WRITE) {
		uint8_t o = rec_stream_of(r, (int64_t)a[0]);
		flags |= o == 1 ? RRK_EVF_STDOUT : o == 2 ? RRK_EVF_STDERR : 0;
	}
	track_fds(r, nr, a, res);
	/* (play writes an address-space call's memory after making it) */
	if ((r->outfds_dirty || r->fds_changed) && (e->action == ACT_EMULATE || e->action == ACT_REAL))
		sb_sync_outfds(r);
	struct rrk_ev_syscall_task body = { { nr, { a[0], a[1], a[2], a[3], a[4], a[5] }, res }, 0 };
	size_t blen = sizeof body.call;
	if (e->action == ACT_CLONE && res > 0 && r->cur->clone_task && r->cur->clone_task != res) {
		/* the child is in a PID namespace of its own */
		body.task = (uint64_t)r->cur->clone_task;
		blen = sizeof body;
	}
	r->cur->clone_task = 0;
	attach_strs(r);
	emit(r, RRK_EV_SYSCALL, flags, &r->cur->entry, &body, blen);
	r->cur->post = g;
	r->cur->post_valid = 1;
	r->cur->in_syscall = 0;
	if (r->cur->entered) {
		/* Back from blocking: it waits its turn with the others. */
		r->cur->entered = 0;
		r->cur->state = TS_READY;
	} else {
		resume_cur(r, 0);
	}
	if (r->out_busy == r->cur)
		release_output(r);
}

/* The write to the output in the kernel is done: the next one waiting
 * at its entry goes in. */
static void release_output(struct recorder *r)
{
	r->out_busy = NULL;
	for (struct rtask *u = r->tasks; u; u = u->next) {
		if (!u->out_wait || u->state == TS_DEAD)
			continue;
		u->out_wait = 0;
		struct rtask *save = r->cur;
		r->cur = u;
		u->state = TS_RUNNING; /* at its syscall entry stop still */
		syscall_entry(r);
		r->cur = save;
		return;
	}
}

/* ---- signals ---- */

/* The signals the process catches and ignores, from /proc/PID/status. */
static void signal_masks(pid_t pid, uint64_t *caught, uint64_t *ignored)
{
	char path[64], line[256];
	*caught = *ignored = 0;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "SigCgt:", 7))
			*caught = strtoull(line + 7, NULL, 16);
		else if (!strncmp(line, "SigIgn:", 7))
			*ignored = strtoull(line + 7, NULL, 16);
	}
	fclose(f);
}

static uint64_t rdtsc_now(uint32_t *aux, int p)
{
	uint32_t lo, hi, c = 0;
	if (p)
		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	else
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	*aux = c;
	return ((uint64_t)hi << 32) | lo;
}


/* Gives the program what the instruction of kind (RRK_PATCH_*) and len
 * bytes at its rip would have given, and records it. */
static void emulate_insn(struct recorder *r, struct rrk_regs *g, unsigned kind, unsigned len)
{
	struct rrk_regs before = *g;
	if (kind != RRK_PATCH_CPUID) {
		int p = kind == RRK_PATCH_RDTSCP;
		struct rrk_ev_rdtsc b = { 0, 0, (uint32_t)p };
		b.tsc = rdtsc_now(&b.aux, p);
		g->rax = (uint32_t)b.tsc;
		g->rdx = b.tsc >> 32;
		if (p)
			g->rcx = b.aux;
		g->rip += len;
		tracee_setregs(&r->cur->t, g);
		emit(r, RRK_EV_RDTSC, 0, &before, &b, sizeof b);
		return;
	}
	uint32_t v[4];
	struct rrk_ev_cpuid b;
	b.leaf = (uint32_t)g->rax;
	b.subleaf = (uint32_t)g->rcx;
	if (!rrk_cpuid_lookup(r->leaves, r->nleaves, b.leaf, b.subleaf, v))
		rrk_cpuid(b.leaf, b.subleaf, v);
	rrk_cpuid_level(r->o->cpu_level, b.leaf, b.subleaf, v);
	b.eax = v[0];
	b.ebx = v[1];
	b.ecx = v[2];
	b.edx = v[3];
	g->rax = v[0];
	g->rbx = v[1];
	g->rcx = v[2];
	g->rdx = v[3];
	g->rip += len;
	tracee_setregs(&r->cur->t, g);
	emit(r, RRK_EV_CPUID, 0, &before, &b, sizeof b);
}

/* A fault that is one of our traps (SIGSEGV from the kernel): rdtsc or
 * rdtscp after PR_SET_TSC, cpuid after ARCH_SET_CPUID, or a site rec
 * rewrote (int 0xf3). */
static int emulate_trap_insn(struct recorder *r, struct rrk_regs *g, int code)
{
	uint8_t insn[3] = { 0, 0, 0 };
	/* (SI_KERNEL: raised by the instruction, not sent by someone) */
	if (code != 0x80 /* SI_KERNEL */ || tracee_read(&r->cur->t, g->rip, insn, 3) < 0)
		return 0;
	int rewritten;
	unsigned len, kind = rrk_trap_at(pspace_of(r, r->cur->pid), g->rip, insn, &len, &rewritten);
	if (!kind || (!rewritten && (kind == RRK_PATCH_CPUID ? r->mech.cpuid : r->mech.rdtsc) != RRK_MECH_FAULT))
		return 0;
	emulate_insn(r, g, kind, len);
	return 1;
}

/* Where the kernel's signal frame ends, from the ucontext it set up. */
static uint64_t frame_end(struct recorder *r, const struct rrk_regs *h)
{
	uint64_t fpstate = 0;
	uint64_t end = h->rdx + 936; /* ucontext_t past uc_sigmask */
	if (tracee_read(&r->cur->t, h->rdx + 224, &fpstate, 8) == 0 && fpstate) {
		uint32_t sw[2] = { 0, 0 }; /* magic1, extended_size */
		uint64_t fe = fpstate + 512;
		if (tracee_read(&r->cur->t, fpstate + 464, sw, 8) == 0 && sw[0] == 0x46505853u &&
		    sw[1] <= (1u << 20))
			fe = fpstate + sw[1];
		if (fe > end)
			end = fe;
	}
	return end;
}

static void record_signal(struct recorder *r, int sig)
{
	struct rrk_regs g;
	uint8_t si[128];
	tracee_getregs(&r->cur->t, &g);
	memset(si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, r->cur->t.tid, 0, si);
	if (r->cur->resend_sig == sig) {
		/* our re-sent copy: the program sees the original siginfo */
		r->cur->resend_sig = 0;
		memcpy(si, r->cur->resend_info, sizeof si);
		ptrace(PTRACE_SETSIGINFO, r->cur->t.tid, 0, si);
	}
	int32_t code;
	memcpy(&code, si + 8, 4);
	struct rtask *t = r->cur;
	if (t->sb && sig == RRK_SB_DESCHED_SIG && code > 0) {
		/* the desched event: t waits inside a buffered call (or was
		 * switched out there and has gone on); not the program's */
		if (t->sb_desched >= 0)
			ioctl(t->sb_desched, PERF_EVENT_IOC_DISABLE, 0);
		sb_redirect(r, t, &g);
		resume_cur(r, 0);
		return;
	}
	int at_syscall = at_syscall_boundary(r->cur, &g);
	if (sig == SIGSEGV && emulate_trap_insn(r, &g, code)) {
		resume_cur(r, 0);
		return;
	}
	int sync = code > 0 && (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL ||
				sig == SIGFPE || sig == SIGTRAP);
	if (t->sb && !at_syscall && !sync) {
		int idle = sb_settle(r, t, &g);
		if (idle < 0)
			return;
		if (idle || rec_in_library(t, g.rip)) {
			/* it interrupted a buffered call that waited (1: made
			 * again traced), or it is just out of one (2) or
			 * elsewhere in the library, whose state play need not
			 * match: the signal comes at the thread's next traced
			 * syscall */
			if (t->sb_deferred_sig && t->sb_deferred_sig != sig) {
				t->sb_deferred_more |= 1ull << (sig - 1);
			} else {
				t->sb_deferred_sig = sig;
				memcpy(t->sb_deferred_info, si, sizeof t->sb_deferred_info);
			}
			resume_cur(r, 0);
			return;
		}
	}
	uint64_t bit = 1ull << (sig - 1), caught, ignored;
	signal_masks(r->cur->t.tid, &caught, &ignored);
	struct rrk_ev_signal b;
	memset(&b, 0, sizeof b);
	b.signo = (uint32_t)sig;
	b.synchronous = (uint32_t)sync;
	memcpy(b.siginfo, si, sizeof si);
	unsigned flags = at_syscall ? RRK_EVF_AT_SYSCALL : 0;
	int needs_point = !sync && !at_syscall;
	int default_ignore = sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
	int stopsig = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
	if (caught & bit) {
		struct stop st;
		uint8_t ib[16];
		if (needs_point && tracee_read(&r->cur->t, g.rip, ib, sizeof ib) == 0 &&
		    rrk_rep_string_len(ib, sizeof ib)) {
			/* Deliver it just after the string instruction instead,
			 * with the same siginfo (restored at its next stop). */
			r->cur->resend_sig = sig;
			memcpy(r->cur->resend_info, si, sizeof si);
			if (step_past_rep(r, &g, &st) < 0) {
				rec_stop_recording(r, "task %d stopped unexpectedly while rec finished a string instruction",
						   (int)r->cur->t.tid);
				return;
			}
			syscall(SYS_tgkill, r->cur->pid, r->cur->t.tid, sig);
			resume_cur(r, 0);
			return;
		}
		if (needs_point) {
			/* before delivery changes the state */
			att_point(r);
			flags |= RRK_EVF_EXECPOINT;
		}
		tracee_singlestep(&r->cur->t, sig);
		while (tracee_wait(&r->cur->t, &st) < 0)
			if (errno != EINTR)
				rrk_die("waiting for the program: %s", strerror(errno));
		if (st.kind == STOP_EXITED) {
			b.disposition = RRK_SIG_FATAL;
			emit(r, RRK_EV_SIGNAL, flags, &g, &b, sizeof b);
			return; /* the caller sees the exit on its next wait */
		}
		if (st.kind != STOP_SIGNAL || st.sig != SIGTRAP) {
			rec_stop_recording(r, "signal %s: the program did not enter its handler (stopped with %d)",
					   rrk_signal_name(sig), st.sig);
			return;
		}
		tracee_getregs(&r->cur->t, &b.regs_after);
		b.disposition = RRK_SIG_HANDLED;

		uint64_t end = frame_end(r, &b.regs_after);
		if (end > b.regs_after.rsp && end - b.regs_after.rsp < (1u << 20))
			rec_att_mem(r, b.regs_after.rsp, end - b.regs_after.rsp, 0);
		emit(r, RRK_EV_SIGNAL, flags, &g, &b, sizeof b);
		r->cur->post_valid = 0;
		tracee_cont(&r->cur->t, 0);
		return;
	}
	if ((ignored & bit) || default_ignore) {
		/* Nothing observable happens: leave it out of the trace. */
		tracee_cont(&r->cur->t, sig);
		return;
	}
	if (stopsig) {
		/* The process stops until a SIGCONT (job_stop): nothing in it
		 * changes, so replay only takes the signal where it came. */
		if (needs_point) {
			att_point(r);
			flags |= RRK_EVF_EXECPOINT;
		}
		b.disposition = RRK_SIG_STOPPED;
		emit(r, RRK_EV_SIGNAL, flags, &g, &b, sizeof b);
		tracee_cont(&r->cur->t, sig);
		return;
	}
	b.disposition = RRK_SIG_FATAL;
	emit(r, RRK_EV_SIGNAL, flags, &g, &b, sizeof b);
	tracee_cont(&r->cur->t, sig);
}

/* ---- header ---- */

static void hdr_field(uint8_t **buf, size_t *len, unsigned tag, const void *v, size_t n)
{
	*buf = rrk_xrealloc(*buf, *len + 8 + n);
	uint16_t t16 = (uint16_t)tag, z = 0;
	uint32_t l32 = (uint32_t)n;
	memcpy(*buf + *len, &t16, 2);
	memcpy(*buf + *len + 2, &z, 2);
	memcpy(*buf + *len + 4, &l32, 4);
	memcpy(*buf + *len + 8, v, n);
	*len += 8 + n;
}

static void strings_field(uint8_t **buf, size_t *len, unsigned tag, char **v)
{
	size_t n = 0;
	for (char **p = v; *p; p++)
		n += strlen(*p) + 1;
	char *s = rrk_xmalloc(n + 1), *q = s;
	for (char **p = v; *p; p++) {
		size_t l = strlen(*p) + 1;
		memcpy(q, *p, l);
		q += l;
	}
	hdr_field(buf, len, tag, s, n);
	free(s);
}

static void write_header(struct recorder *r, int cpu)
{
	uint8_t *b = NULL;
	size_t n = 0;
	hdr_field(&b, &n, RRK_H_ARCH, "x86_64", 6);
	hdr_field(&b, &n, RRK_H_RECORDER, "rrkit " RRK_VERSION, strlen("rrkit " RRK_VERSION));
	hdr_field(&b, &n, RRK_H_OPTIONS, r->o->options_text, strlen(r->o->options_text));
	r->nleaves = rrk_cpuid_snapshot(r->leaves, sizeof r->leaves / sizeof r->leaves[0]);
	hdr_field(&b, &n, RRK_H_CPUID, r->leaves, r->nleaves * sizeof r->leaves[0]);
	strings_field(&b, &n, RRK_H_ARGV, r->o->argv);
	strings_field(&b, &n, RRK_H_ENV, environ);
	char cwd[4096];
	if (getcwd(cwd, sizeof cwd))
		hdr_field(&b, &n, RRK_H_CWD, cwd, strlen(cwd));
	hdr_field(&b, &n, RRK_H_COUNTERS, "none", 4);
	uint32_t c = (uint32_t)cpu;
	hdr_field(&b, &n, RRK_H_CPU, &c, 4);
	uint32_t fl = RRK_HF_TSC_TRAPPED | (r->mech.cpuid != RRK_MECH_NONE ? RRK_HF_CPUID_TRAPPED : 0);
	hdr_field(&b, &n, RRK_H_FLAGS, &fl, 4);
	hdr_field(&b, &n, RRK_H_TRAPS, &r->mech, sizeof r->mech);
	uint32_t level = r->o->cpu_level;
	hdr_field(&b, &n, RRK_H_CPU_LEVEL, &level, 4);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	hdr_field(&b, &n, RRK_H_START, &ns, 8);
	struct utsname u;
	if (uname(&u) == 0)
		hdr_field(&b, &n, RRK_H_HOST, u.release, strlen(u.release));
	uint32_t sbv = r->preload_fd >= 0 ? RRK_SB_VERSION : 0;
	hdr_field(&b, &n, RRK_H_SYSBUF, &sbv, 4);
	writer_check(r, rrk_write_record(r->w, RRK_REC_HEADER, 0, b, n, NULL, 0));
	free(b);
}

/* ---- the loop ---- */

extern const char rrk_preload_so[], rrk_preload_so_end[];

/* The syscall buffer library as a memory file rec keeps open: the
 * program loads it through /proc/REC/fd/N, so rec writes nothing to
 * disk and the program does not inherit the descriptor. */
static int preload_file(void)
{
	int fd = memfd_create("rrkit-syscallbuf.so", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (rrk_write_all(fd, rrk_preload_so, (size_t)(rrk_preload_so_end - rrk_preload_so)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* LD_PRELOAD with the library first, for the program's environment. */
static void preload_env(int fd)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getppid(), fd);
	const char *old = getenv("LD_PRELOAD");
	size_t n = strlen(path) + (old ? strlen(old) + 1 : 0) + 1;
	char *v = malloc(n);
	if (!v)
		return;
	snprintf(v, n, "%s%s%s", path, old && *old ? ":" : "", old ? old : "");
	setenv("LD_PRELOAD", v, 1);
	free(v);
	/* AddressSanitizer refuses to start when its runtime is not the
	 * first library loaded; this is its own switch for a library
	 * preloaded before it (doc/design.md, "Sanitizers") */
	const char *asan = getenv("ASAN_OPTIONS");
	if (asan && strstr(asan, "verify_asan_link_order"))
		return;
	n = (asan ? strlen(asan) + 1 : 0) + sizeof "verify_asan_link_order=0";
	if (!(v = malloc(n)))
		return;
	snprintf(v, n, "%s%sverify_asan_link_order=0", asan ? asan : "", asan && *asan ? ":" : "");
	setenv("ASAN_OPTIONS", v, 1);
	free(v);
}

static void child(const struct recorder *r, const struct rec_options *o, int go, int report, int preload, int trap_tsc)
{
	/* Wait until rec has seized us; then only execve may run after the
	 * filter is installed: everything before the program's own first
	 * instruction stays out of the trace. */
	char c;
	if (read(go, &c, 1) != 1)
		_exit(125);
	close(go);
	if (o->program_stdout != 1 && dup2(o->program_stdout, 1) < 0)
		_exit(125);
	/* The program gets the dispositions rec was started with. */
	for (size_t i = 0; i < sizeof saved_sigs / sizeof saved_sigs[0]; i++)
		sigaction(saved_sigs[i], &r->saved_acts[i], NULL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (preload >= 0)
		preload_env(preload);
	if (trap_tsc && prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) < 0)
		_exit(125);
	if (rrk_install_filter(preload >= 0 ? RRK_SB_PAGE : 0) < 0)
		_exit(125);
	execve(o->path, o->argv, environ);
	/* Tell rec why; the pipe closes by itself when execve works. */
	int e = errno;
	if (write(report, &e, sizeof e) < 0) {
	}
	_exit(e == ENOENT ? 127 : 126);
}

static int exit_code_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

/* What the wait loop knows beyond the recorder. */
struct run {
	pid_t pid;     /* the program's first process */
	int report;    /* read end: the errno of an execve that failed */
	int started;   /* the program's execve succeeded */
	int forwarded; /* a terminating signal was passed on to the program */
};

/* The CPU's traps where they work; rewritten instructions elsewhere. */
static void choose_mechanisms(struct recorder *r)
{
	struct rrk_caps caps;
	rrk_probe_traps(&caps);
	r->mech.rdtsc = caps.rdtsc_trap == RRK_CAP_WORKS && caps.rdtscp_trap == RRK_CAP_WORKS
				? RRK_MECH_FAULT : RRK_MECH_PATCH;
	r->mech.cpuid = caps.cpuid_trap == RRK_CAP_WORKS ? RRK_MECH_FAULT : RRK_MECH_PATCH;
	r->patch_kinds = (r->mech.rdtsc == RRK_MECH_PATCH
				  ? RRK_SITE_BIT(RRK_SITE_RDTSC) | RRK_SITE_BIT(RRK_SITE_RDTSCP) : 0) |
			 (r->mech.cpuid == RRK_MECH_PATCH ? RRK_SITE_BIT(RRK_SITE_CPUID) : 0);
}

/* Everything before the program starts: the trace's header is written.
 * Returns the CPU rec is pinned to. */
static int setup_recorder(struct recorder *r, const struct rec_options *o)
{
	memset(r, 0, sizeof *r);
	r->o = o;
	for (size_t i = 0; i < sizeof saved_sigs / sizeof saved_sigs[0]; i++)
		sigaction(saved_sigs[i], NULL, &r->saved_acts[i]);
	/* A closed trace pipe is a write error we report, not a silent death. */
	signal(SIGPIPE, SIG_IGN);
	choose_mechanisms(r);
	int cpu = rrk_pin_cpu(-1);
	r->out_valid[0] = fstat(o->program_stdout, &r->out_id[0]) == 0;
	r->out_valid[1] = fstat(2, &r->out_id[1]) == 0;

	r->preload_fd = -1;
	if (!o->no_syscallbuf && (r->preload_fd = preload_file()) < 0)
		rrk_warn("note: cannot set up the syscall buffer (%s); recording every syscall with a stop",
			 strerror(errno));
	if (r->preload_fd >= 0)
		rrk_sb_warm_desched(cpu);
	r->w = rrk_writer_open(o->trace_fd, o->trace_name, o->level);
	if (!r->w)
		rrk_die("cannot start the trace on %s: %s", o->trace_name, strerror(errno));
	write_header(r, cpu);
	writer_check(r, rrk_writer_flush(r->w));
	r->last_flush = rrk_now_ns();
	return cpu;
}

/* rec's own signals only set flags, which the wait loop reads. */
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_int;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
}

/* Forks the program, seizes it, then lets it go on to its execve.
 * Sets run->pid and run->report. */
static void start_program(struct recorder *r, int cpu, struct run *run)
{
	const struct rec_options *o = r->o;
	int go[2], report[2];
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(report, O_CLOEXEC) < 0)
		rrk_die("cannot start %s: pipe: %s", o->path, strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		rrk_die("cannot start %s: fork: %s", o->path, strerror(errno));
	if (pid == 0) {
		close(go[1]);
		close(report[0]);
		child(r, o, go[0], report[1], r->preload_fd, r->mech.rdtsc == RRK_MECH_FAULT);
	}
	close(go[0]);
	close(report[1]);
	if (ptrace(PTRACE_SEIZE, pid, 0,
		   PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXEC |
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXIT) < 0) {
		kill(pid, SIGKILL);
		rrk_die("cannot trace %s: ptrace: %s", o->path, strerror(errno));
	}
	if (write(go[1], "g", 1) != 1)
		rrk_die("cannot start %s", o->path);
	close(go[1]);
	r->root = pid;
	/* no more forks that do not exec: the frames can be written by a
	 * second thread, on the other CPU */
	rrk_writer_background(r->w, cpu);
	struct rtask *first = new_task(r, pid);
	first->fds = fdtab_new(NULL);
	first->state = TS_RUNNING;
	r->cur = first;
	rec_set_origin(r, 1, 1);
	rec_set_origin(r, 2, 2);
	run->pid = pid;
	run->report = report[0];
}

/* What rec's signal handlers asked for, once waitpid returned EINTR.
 * Returns 1 when the recording is to be aborted. */
static int handle_rec_signals(struct recorder *r, struct run *run)
{
	if (got_alarm) {
		got_alarm = 0;
		uint64_t now = rrk_now_ns();
		if (now - r->last_flush >= 1000000000u) {
			writer_check(r, rrk_writer_flush(r->w));
			r->last_flush = now;
		} else {
			writer_check(r, rrk_writer_nudge(r->w));
		}
		maybe_preempt(r);
	}
	if (got_term && !run->forwarded) {
		/* the first goes to the program, as it would natively */
		run->forwarded = 1;
		kill(run->pid, got_term);
	} else if (got_terms >= 2) {
		/* a second (the program ignores it, or cannot end): rec ends
		 * the recording, as after a second ^C */
		rec_stop_recording(r, "%s twice: the program was killed; the trace up to here is valid",
				   got_term == SIGHUP ? "SIGHUP" : "SIGTERM");
		got_terms = 0;
		return 1;
	}
	if (got_int >= 2) {
		rec_stop_recording(r, "interrupted twice: the program was killed; the trace up to here is valid");
		got_int = 0;
		return 1;
	}
	return 0;
}

/* A stop before the program's first instruction: only our execve, which
 * becomes event 1 when it succeeds. Returns 1 when the program never
 * started (its process exited). */
static int stop_before_start(struct recorder *r, struct rtask *t, const struct stop *st,
			     int status, struct run *run)
{
	if (st->kind == STOP_EXITED) {
		t->state = TS_DEAD;
		r->root_status = status;
		int e = 0;
		if (read(run->report, &e, sizeof e) == sizeof e)
			rec_stop_recording(r, "cannot execute %s: %s", r->o->path, strerror(e));
		return 1;
	}
	if (st->kind == STOP_EXEC) {
		run->started = 1;
		record_exec(r, 1);
		resume_cur(r, 0);
	} else {
		tracee_cont(&t->t, st->kind == STOP_SIGNAL ? st->sig : 0);
	}
	return 0;
}

/* A PTRACE_EVENT_STOP that is not rec's own interrupt: t's process
 * entered a group stop (sig: the stopping signal) or, after a SIGCONT,
 * left it (SIGTRAP). Stopped, t is like a task blocked in the kernel:
 * rec listens (PTRACE_LISTEN keeps it stopped and reports the SIGCONT)
 * and lets the others run; the program's parent sees the stop. */
static void job_stop(struct recorder *r, struct rtask *t, int sig)
{
	if (sig != SIGTRAP) {
		if (!t->job_stopped) {
			t->job_stopped = 1;
			t->job_prev = t->state == TS_BLOCKED ? TS_BLOCKED : TS_READY;
		}
		t->interrupted = 0; /* an interrupt sent meanwhile merged into this stop */
		t->state = TS_BLOCKED;
		if (r->active == t)
			r->active = NULL;
		if (ptrace(PTRACE_LISTEN, t->t.tid, 0, 0) < 0 && errno != ESRCH)
			rrk_die("cannot keep task %d in its job-control stop: %s", (int)t->t.tid,
				strerror(errno));
		return;
	}
	if (!t->job_stopped) {
		tracee_cont(&t->t, 0);
		return;
	}
	t->job_stopped = 0;
	t->state = t->job_prev;
	if (t->state == TS_BLOCKED)
		tracee_resume_again(&t->t); /* back inside its syscall */
}

/* An execve of the running program succeeded in t. */
static void exec_stop(struct recorder *r, struct rtask *t, int status)
{
	/* A thread that is not the leader takes the leader's tid:
	 * the stop comes under that tid, the old leader is gone. */
	unsigned long former = 0;
	ptrace(PTRACE_GETEVENTMSG, t->t.tid, 0, &former);
	struct rtask *x = (pid_t)former != t->t.tid ? find_task(r, (pid_t)former) : NULL;
	if (x) {
		task_gone(r, t);
		r->emit_tid = x->t.tid;
		r->exec_new_tid = (uint32_t)t->t.tid;
		x->t.tid = t->t.tid;
		x->t.status = status;
		t = r->cur = x;
	}
	t->in_syscall = 0;
	record_exec(r, 0);
	t->sb = 0; /* a new image: its library registers again */
	sb_map_space(r, t->pid, 0);
	t->sb_borrowed = 0;
	sb_grab_desched(t, -1);
	t->sb_flushed = 0;
	t->sb_new_desched = 0;
	t->post_valid = 0;
	resume_cur(r, 0);
}

/* A stop of the started program, in r->cur (t). */
static void handle_stop(struct recorder *r, struct rtask *t, const struct stop *st, int status)
{
	if (st->kind == STOP_EXITED) {
		task_exited(r, t, status);
		return;
	}
	if (st->kind == STOP_EXIT_EVENT) {
		/* On its way out (exit, or killed with its group). A leader
		 * whose threads live on is reported gone only after the last
		 * of them: until then it runs no code, and they may run. */
		tracee_cont(&t->t, 0);
		if (t->t.tid == t->pid && r->active == t && threads_alive(r, t)) {
			t->state = TS_BLOCKED;
			r->active = NULL;
		}
		return;
	}
	unsigned ev = (unsigned)status >> 16;
	if (t->state == TS_NEW) {
		task_started(t);
		return;
	}
	switch (st->kind) {
	case STOP_SECCOMP:
		syscall_entry(r);
		break;
	case STOP_SYSCALL:
		if (t->in_syscall)
			syscall_exit(r);
		else
			resume_cur(r, 0);
		break;
	case STOP_EXEC:
		exec_stop(r, t, status);
		break;
	case STOP_SIGNAL:
		record_signal(r, st->sig);
		break;
	case STOP_OTHER_EVENT:
		if (ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK || ev == PTRACE_EVENT_CLONE)
			record_clone(r, ev);
		else if (ev == PTRACE_EVENT_STOP && st->sig == SIGTRAP && t->interrupted)
			record_sched(r);
		else if (ev == PTRACE_EVENT_STOP)
			job_stop(r, t, st->sig);
		else
			tracee_cont(&t->t, 0);
		break;
	default:
		tracee_cont(&t->t, 0);
		break;
	}
}

/* Records until the program is gone. Returns 1 when the recording was
 * aborted with tasks perhaps still alive. */
static int record_loop(struct recorder *r, struct run *run)
{
	struct stop st;
	for (;;) {
		if (run->started && !r->active) {
			struct rtask *n = pick_ready(r);
			if (n) {
				r->cur = n;
				resume_cur(r, 0);
			} else if (!any_alive(r)) {
				return 0;
			}
		}
		int status;
		pid_t tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == ECHILD)
				return 0;
			if (errno != EINTR)
				rrk_die("waiting for the program: %s", strerror(errno));
			if (handle_rec_signals(r, run))
				return 1;
			continue;
		}
		struct rtask *t = find_task(r, tid);
		if (!t) /* a new task whose parent's clone stop is still to come */
			t = new_task(r, tid);
		t->t.status = status;
		decode_stop(status, &st);
		r->cur = t;
		if (!run->started) {
			if (stop_before_start(r, t, &st, status, run))
				return 0;
			continue;
		}
		handle_stop(r, t, &st, status);
		if (r->abort_reason)
			return 1;
	}
}

/* Kills what is left of the program and waits until it is gone. */
static void kill_and_reap(struct recorder *r)
{
	kill_tasks(r);
	for (;;) {
		int ws;
		pid_t w = waitpid(-1, &ws, __WALL);
		if (w < 0 && errno != EINTR)
			break;
		/* killed tasks still stop once at their exit event */
		if (w > 0 && WIFSTOPPED(ws))
			ptrace(PTRACE_CONT, w, 0, 0);
	}
}

/* Writes the end record and closes the trace. Returns rec's exit code. */
static int finish_trace(struct recorder *r, int started)
{
	struct itimerval off;
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);

	struct rrk_end end;
	memset(&end, 0, sizeof end);
	int rc;
	if (r->abort_reason) {
		end.how = RRK_END_ABORTED;
		end.code = 125;
		rc = started ? 125 : exit_code_of(r->root_status);
	} else {
		int exit_status = r->root_status;
		if (WIFSIGNALED(exit_status)) {
			end.how = RRK_END_SIGNALED;
			end.code = WTERMSIG(exit_status);
		} else {
			end.how = RRK_END_EXITED;
			end.code = WEXITSTATUS(exit_status);
		}
		rc = exit_code_of(exit_status);
		if (!started) {
			end.how = RRK_END_ABORTED;
			r->abort_reason = "the program could not be started";
		}
	}
	end.nevents = r->nevents;
	if (rrk_writer_close(r->w, &end, r->abort_reason) < 0) {
		if (r->o->via_keyframer)
			exit(125);
		rrk_die("%s", rrk_writer_error(r->w));
	}
	if (r->abort_reason)
		rrk_warn("%s", r->abort_reason);
	return rc;
}

static void free_recorder(struct recorder *r)
{
	att_clear(r);
	free(r->att);
	while (r->tasks) {
		struct rtask *t = r->tasks;
		r->tasks = t->next;
		r->cur = t;
		free_strs(r);
		if (t->state != TS_DEAD)
			fdtab_put(t->fds);
		free(t);
	}
	rrk_blobs_free(&r->blobs);
	rrk_scans_free(&r->scans);
	for (size_t i = 0; i < r->npspaces; i++)
		pspace_clear(&r->pspaces[i]);
	free(r->pspaces);
	free(r->newsites);
	free(r->shmaps);
	free(r->sbmaps);
	rrk_pool_free(&r->pool);
}

int rrk_record(const struct rec_options *o)
{
	struct recorder rec, *r = &rec;
	int cpu = setup_recorder(r, o);
	catch_signals();
	struct run run = { .report = -1 };
	start_program(r, cpu, &run);

	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &it, NULL);

	if (record_loop(r, &run))
		kill_and_reap(r);
	int rc = finish_trace(r, run.started);
	free_recorder(r);
	return rc;
}
