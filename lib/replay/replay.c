/* The replayer: runs the recorded program again under ptrace, feeding it
 * every recorded input. Syscalls are emulated from the trace; the ones that
 * shape the address space run for real at the recorded addresses; exec is
 * rebuilt from the trace's blobs on top of a stub (doc/design.md). */
#include "replay_int.h"
#include "ptrace/sbuf.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace/cpufeat.h"
#include "ptrace/maps.h"
#include "ptrace/point.h"
#include "ptrace/pointfilter.h"
#include "ptrace/probe.h"
#include "sys/systable.h"
#include "format/trace.h"
#include "ptrace/tracee.h"
#include "base/util.h"
#include "base/wake.h"

extern const unsigned char rrk_stub_elf[], rrk_stub_elf_end[];

static void kill_tasks(struct replayer *rp)
{
	for (struct ptask *t = rp->tasks; t; t = t->next)
		if (!t->dead && !t->reaped && t->t.tid > 0) /* never kill(0) */
			kill(t->t.tid, SIGKILL);
}

/* t no longer exists (exited, or replaced by an exec'ing thread). */
static void task_gone(struct ptask *t)
{
	t->dead = 1;
	if (t->t.memfd >= 0)
		close(t->t.memfd);
	t->t.memfd = -1;
}

/* A failure: the program's tasks die first, never left behind. */
void rrk_rp_fail(struct replayer *rp, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kill_tasks(rp);
	rrk_die("%s", buf);
}

/* ---- reading the trace ---- */

static void take_blob(struct replayer *rp, const struct rrk_record *rec)
{
	struct rrk_blob h;
	if (rec->size < sizeof h)
		rrk_rp_fail(rp, "%s: corrupt blob record", rp->o->trace_name);
	memcpy(&h, rec->data, sizeof h);
	uint64_t n = rec->size - sizeof h;
	if (h.total > (1ull << 36) || h.offset > h.total || n > h.total - h.offset)
		rrk_rp_fail(rp, "%s: corrupt blob record (offset %llu size %llu of %llu)", rp->o->trace_name,
			    (unsigned long long)h.offset, (unsigned long long)n, (unsigned long long)h.total);
	struct blob *b = NULL;
	for (size_t i = 0; i < rp->nblobs; i++)
		if (!memcmp(rp->blobs[i].digest, h.digest, 32))
			b = &rp->blobs[i];
	if (!b) {
		if (rp->nblobs == rp->cblobs)
			rp->blobs = rrk_xrealloc(rp->blobs, (rp->cblobs = rp->cblobs * 2 + 16) * sizeof *b);
		b = &rp->blobs[rp->nblobs++];
		memcpy(b->digest, h.digest, 32);
		b->total = h.total;
		b->filled = 0;
		b->data = rrk_xmalloc(h.total);
		b->memfd = -1;
	}
	if (b->total != h.total)
		rrk_rp_fail(rp, "%s: corrupt blob record (sizes disagree)", rp->o->trace_name);
	if (b->filled == b->total && n)
		return; /* read again after a checkpoint was restored */
	memcpy(b->data + h.offset, rec->data + sizeof h, n);
	b->filled += n;
}

static void take_header(struct replayer *rp, const struct rrk_record *rec)
{
	size_t off = 0;
	rp->have_header = 1;
	/* (a trace from before RRK_H_TRAPS: the flags say) */
	rp->mech.rdtsc = RRK_MECH_FAULT;
	rp->mech.cpuid = RRK_MECH_NONE;
	while (off + 8 <= rec->size) {
		uint16_t tag;
		uint32_t len;
		memcpy(&tag, rec->data + off, 2);
		memcpy(&len, rec->data + off + 4, 4);
		off += 8;
		if (len > rec->size - off)
			rrk_rp_fail(rp, "%s: corrupt header record", rp->o->trace_name);
		const uint8_t *v = rec->data + off;
		if (tag == RRK_H_CPU && len == 4)
			memcpy(&rp->cpu, v, 4);
		else if (tag == RRK_H_FLAGS && len == 4)
			memcpy(&rp->hflags, v, 4);
		else if (tag == RRK_H_TRAPS && len == sizeof rp->mech)
			memcpy(&rp->mech, v, len);
		else if (tag == RRK_H_CPU_LEVEL && len == 4)
			memcpy(&rp->cpu_level, v, 4);
		else if (tag == RRK_H_CPUID && len % sizeof(struct rrk_cpuid_leaf) == 0) {
			rp->nleaves = len / sizeof(struct rrk_cpuid_leaf);
			free(rp->leaves);
			rp->leaves = rrk_xmalloc(len);
			memcpy(rp->leaves, v, len);
		}
		off += len;
	}
	if (!rp->mech.cpuid && (rp->hflags & RRK_HF_CPUID_TRAPPED))
		rp->mech.cpuid = RRK_MECH_FAULT;
	if (rp->mech.rdtsc > RRK_MECH_PATCH || rp->mech.cpuid > RRK_MECH_PATCH || rp->cpu_level > RRK_CPU_BASELINE)
		rrk_rp_fail(rp, "%s: the header names a way of recording rdtsc or cpuid, or a CPU level, this play does not know; use a newer play",
			    rp->o->trace_name);
}

void rrk_proc_copy(struct proc *dst, const struct proc *src)
{
	*dst = *src;
	dst->franges = NULL;
	if (src->nfranges) {
		dst->franges = rrk_xmalloc(src->nfranges * sizeof *dst->franges);
		memcpy(dst->franges, src->franges, src->nfranges * sizeof *dst->franges);
	}
	memset(&dst->ps, 0, sizeof dst->ps);
	rrk_ps_copy(&dst->ps, &src->ps);
}

void rrk_proc_clear(struct proc *p)
{
	free(p->franges);
	p->franges = NULL;
	p->nfranges = 0;
	rrk_ps_clear(&p->ps);
}

static void on_other(void *ctx, const struct rrk_record *rec)
{
	struct replayer *rp = ctx;
	switch (rec->type) {
	case RRK_REC_HEADER: take_header(rp, rec); break;
	case RRK_REC_BLOB: take_blob(rp, rec); break;
	case RRK_REC_END:
		if (rrk_end_parse(rec, &rp->end, rp->end_reason, sizeof rp->end_reason) == 0)
			rp->have_end = 1;
		break;
	default: break;
	}
}

/* Files by the paths the program knew them by, for a debugger. */
static void note_files(struct replayer *rp, const struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		struct rrk_map mp;
		if (a->type != RRK_REC_MAP || a->size <= sizeof mp)
			continue;
		memcpy(&mp, a->data, sizeof mp);
		if (!(mp.flags & RRK_MAP_FILE))
			continue;
		size_t n = a->size - sizeof mp;
		const char *name = (const char *)a->data + sizeof mp;
		size_t k = 0;
		for (; k < rp->nfiles; k++)
			if (strlen(rp->files[k].path) == n && !memcmp(rp->files[k].path, name, n))
				break;
		if (k == rp->nfiles) {
			rp->files = rrk_xrealloc(rp->files, (rp->nfiles + 1) * sizeof *rp->files);
			rp->files[k].path = rrk_xmalloc(n + 1);
			memcpy(rp->files[k].path, name, n);
			rp->files[k].path[n] = 0;
			rp->nfiles++;
		}
		memcpy(rp->files[k].digest, mp.digest, 32);
	}
}

static int fetch(struct replayer *rp, struct rrk_ev *ev)
{
	int st = rrk_read_event(rp->rd, ev, on_other, rp);
	if (st == RRK_OK && (rp->obs_flags & RRK_OBS_FILES))
		note_files(rp, ev);
	return st;
}

static struct rrk_ev *cur(struct replayer *rp) { return &rp->slot[rp->cur]; }
struct rrk_ev *rrk_rp_cur(struct replayer *rp) { return cur(rp); }

/* Moves to the next event; returns 0, or the reader status at the end. */
static int advance(struct replayer *rp)
{
	if (rp->st_next != RRK_OK)
		return rp->st_next;
	rp->cur = !rp->cur;
	rp->st_next = fetch(rp, &rp->slot[!rp->cur]);
	return 0;
}

struct blob *rrk_rp_blob(struct replayer *rp, const uint8_t *d)
{
	for (size_t i = 0; i < rp->nblobs; i++)
		if (!memcmp(rp->blobs[i].digest, d, 32))
			return rp->blobs[i].filled == rp->blobs[i].total ? &rp->blobs[i] : NULL;
	return NULL;
}

/* ---- describing events in messages ---- */

static const char *ev_name(const struct rrk_ev *ev, char *buf, size_t len)
{
	switch (ev->hdr.kind) {
	case RRK_EV_SYSCALL: {
		const struct rrk_ev_syscall *b = (const void *)ev->body;
		const char *n = rrk_syscall_name(b->nr);
		snprintf(buf, len, "syscall %s", n ? n : "?");
		return buf;
	}
	case RRK_EV_SIGNAL: {
		const struct rrk_ev_signal *b = (const void *)ev->body;
		const char *n = rrk_signal_name((int)b->signo);
		snprintf(buf, len, "signal %s", n ? n : "?");
		return buf;
	}
	}
	const char *kind = rrk_event_kind_name(ev->hdr.kind);
	return kind ? kind : "event";
}

static void regs_line(const struct rrk_regs *g, char *buf, size_t len)
{
	snprintf(buf, len,
		 "rip=0x%llx rsp=0x%llx rax=0x%llx rbx=0x%llx rcx=0x%llx rdx=0x%llx rsi=0x%llx rdi=0x%llx rbp=0x%llx r8=0x%llx r9=0x%llx r10=0x%llx r11=0x%llx r12=0x%llx r13=0x%llx r14=0x%llx r15=0x%llx orig_rax=0x%llx eflags=0x%llx fs_base=0x%llx",
		 (unsigned long long)g->rip, (unsigned long long)g->rsp, (unsigned long long)g->rax,
		 (unsigned long long)g->rbx, (unsigned long long)g->rcx, (unsigned long long)g->rdx,
		 (unsigned long long)g->rsi, (unsigned long long)g->rdi, (unsigned long long)g->rbp,
		 (unsigned long long)g->r8, (unsigned long long)g->r9, (unsigned long long)g->r10,
		 (unsigned long long)g->r11, (unsigned long long)g->r12, (unsigned long long)g->r13,
		 (unsigned long long)g->r14, (unsigned long long)g->r15,
		 (unsigned long long)g->orig_rax, (unsigned long long)g->eflags,
		 (unsigned long long)g->fs_base);
}

void rrk_rp_diverge(struct replayer *rp, const char *what, const struct rrk_regs *want,
		    const struct rrk_regs *got)
{
	char name[64], l1[1024], l2[1024];
	const struct rrk_ev *ev = cur(rp);
	if (getenv("RRK_DEBUG") && rp->cur_t->t.tid > 0) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "cat /proc/%d/maps >&2", (int)rp->cur_t->t.tid);
		if (system(cmd)) {}
	}
	kill_tasks(rp);
	char detail[2200] = "";
	if (want && got) {
		regs_line(want, l1, sizeof l1);
		regs_line(got, l2, sizeof l2);
		snprintf(detail, sizeof detail, "  expected: %s\n  actual:   %s\n", l1, l2);
	}
	/* through the die path: rec's keyframer survives it */
	rrk_fail_with(125, want && got ? detail : NULL,
		      "divergence at event %llu (%s, tid %u): %s; the replay does not match the recording",
		      (unsigned long long)ev->hdr.number, ev_name(ev, name, sizeof name), ev->hdr.tid, what);
}

static void check_regs(struct replayer *rp, const struct rrk_regs *want,
		       struct rrk_regs *got, int with_orig_rax)
{
	char buf[768];
	struct rrk_regs g = *got;
	if (!with_orig_rax)
		g.orig_rax = want->orig_rax;
	if (with_orig_rax && want->orig_rax != got->orig_rax) {
		/* the clearest symptom first: a different syscall */
		const char *w = rrk_syscall_name(want->orig_rax), *n = rrk_syscall_name(got->orig_rax);
		snprintf(buf, sizeof buf, "the program made syscall %s where the recording has %s",
			 n ? n : "?", w ? w : "?");
		rrk_rp_diverge(rp, buf, want, got);
	}
	if (rrk_regs_diff(want, &g, buf, sizeof buf))
		rrk_rp_diverge(rp, buf, want, got);
}

/* ---- tracee plumbing ---- */

static struct stop task_wait(struct replayer *rp, struct ptask *t, int expect_sig);
static struct ptask *task_by_rec(struct replayer *rp, uint32_t rec_tid);

/* The current task's next stop, after the caller resumed it. */
static struct stop wait_stop(struct replayer *rp)
{
	rp->cur_t->running = 1;
	return task_wait(rp, rp->cur_t, 0);
}

static void mem_write(struct replayer *rp, uint64_t addr, const void *data, size_t len)
{
	if (tracee_write(&rp->cur_t->t, addr, data, len) < 0)
		rrk_rp_diverge(rp, "cannot write recorded memory into the program", NULL, NULL);
}

/* A syscall leaves its argument registers as the program passed them. */
static void restore_args(struct rrk_regs *r, const struct rrk_regs *entry)
{
	r->rdi = entry->rdi;
	r->rsi = entry->rsi;
	r->rdx = entry->rdx;
	r->r10 = entry->r10;
	r->r8 = entry->r8;
	r->r9 = entry->r9;
	r->orig_rax = entry->orig_rax;
}

static long inject(struct replayer *rp, uint64_t insn, long nr, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	int ok;
	long r = tracee_inject(&rp->cur_t->t, insn, nr, a0, a1, a2, a3, a4, a5, &ok);
	if (!ok)
		rrk_rp_fail(rp, "the replayed program did not run an injected %s", rrk_syscall_name((uint64_t)nr));
	return r;
}

static void apply_mem(struct replayer *rp, const struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_MEM || a->size < sizeof(struct rrk_mem))
			continue;
		struct rrk_mem m;
		memcpy(&m, a->data, sizeof m);
		mem_write(rp, m.addr, a->data + sizeof m, a->size - sizeof m);
	}
}

/* The bytes a write-like syscall of the current task hands the kernel,
 * at most len of them (malloc'd; *got says how many). */
static uint8_t *gather(struct replayer *rp, const struct rrk_ev_syscall *b, uint64_t len, size_t *got)
{
	uint8_t *out = rrk_xmalloc(len ? len : 1);
	size_t n = 0;
	struct iovec one, *iov = &one;
	size_t niov = 0;
	const struct rrk_inparam *in = &rrk_sys_row(b->nr)->in;
	if (in->kind == I_BUF) {
		one.iov_base = (void *)b->args[in->arg];
		one.iov_len = len;
		niov = 1;
	} else if (in->kind == I_IOV) {
		niov = b->args[in->sizearg] < 1024 ? b->args[in->sizearg] : 1024; /* IOV_MAX */
		iov = rrk_xmalloc(niov * sizeof *iov);
		if (tracee_read(&rp->cur_t->t, b->args[in->arg], iov, niov * sizeof iov[0]) < 0)
			niov = 0;
	}
	for (size_t i = 0; i < niov && n < len; i++) {
		uint64_t k = iov[i].iov_len < len - n ? iov[i].iov_len : len - n;
		if (tracee_read(&rp->cur_t->t, (uint64_t)iov[i].iov_base, out + n, k) < 0)
			break;
		n += k;
	}
	if (iov != &one)
		free(iov);
	*got = n;
	return out;
}

static void put_out(struct replayer *rp, int fd, const uint8_t *d, size_t n)
{
	if (rp->o->quiet || rp->out_closed || !n)
		return;
	if (rp->o->output_fd)
		fd = rp->o->output_fd;
	int rc = rrk_write_all(fd, d, n);
	if (rc == -EPIPE)
		rp->out_closed = 1;
	else if (rc < 0)
		rrk_rp_fail(rp, "writing the program's output: %s", strerror(-rc));
}

/* Output leaves in the order the writes entered the kernel: a write
 * recorded as ENTER ... ENTERED (it could block) holds back those after
 * it until its result is known. */
static void flush_out(struct replayer *rp)
{
	size_t k = 0;
	while (k < rp->noutq && rp->outq[k].done) {
		struct outslot *s = &rp->outq[k++];
		if (s->result > 0)
			put_out(rp, s->fd, s->data, (size_t)s->result < s->len ? (size_t)s->result : s->len);
		free(s->data);
	}
	memmove(rp->outq, rp->outq + k, (rp->noutq - k) * sizeof *rp->outq);
	rp->noutq -= k;
}

static struct outslot *out_slot(struct replayer *rp, uint32_t tid, int fd)
{
	rp->outq = rrk_xrealloc(rp->outq, (rp->noutq + 1) * sizeof *rp->outq);
	struct outslot *s = &rp->outq[rp->noutq++];
	memset(s, 0, sizeof *s);
	s->tid = tid;
	s->fd = fd;
	return s;
}

void rrk_rp_drop_output(struct replayer *rp)
{
	for (size_t i = 0; i < rp->noutq; i++)
		free(rp->outq[i].data);
	rp->noutq = 0;
}

/* At the ENTER of a write to the recorded stdout or stderr: its bytes,
 * taken now (the task waits in the kernel, they cannot change). */
static void enter_output(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	int fd = ev->hdr.flags & RRK_EVF_STDOUT ? 1 : ev->hdr.flags & RRK_EVF_STDERR ? 2 : 0;
	if (!fd)
		return;
	if (ev->hdr.number <= rp->emitted) {
		rp->cur_t->out_slot = 2; /* shown already, before going back */
		return;
	}
	rp->emitted = ev->hdr.number;
	const struct rrk_inparam *in = &rrk_sys_row(b->nr)->in;
	uint64_t len = in->kind == I_BUF ? b->args[in->sizearg] : (1u << 30);
	if (len > (1u << 30))
		len = 1u << 30;
	struct outslot *s = out_slot(rp, rp->cur_t->rec_tid, fd);
	if (in->kind == I_IOV) {
		/* the total the vector asks for */
		uint64_t total = 0, n = b->args[in->sizearg] < 1024 ? b->args[in->sizearg] : 1024;
		struct iovec *iov = rrk_xmalloc((n ? n : 1) * sizeof *iov);
		if (tracee_read(&rp->cur_t->t, b->args[in->arg], iov, n * sizeof *iov) == 0)
			for (uint64_t i = 0; i < n; i++)
				total += iov[i].iov_len;
		free(iov);
		len = total < len ? total : len;
	}
	s->data = gather(rp, b, len, &s->len);
	s->result = -1;
	rp->cur_t->out_slot = 1;
}

static void emit_output(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	int fd = ev->hdr.flags & RRK_EVF_STDOUT ? 1 : ev->hdr.flags & RRK_EVF_STDERR ? 2 : 0;
	struct ptask *t = rp->cur_t;
	if (fd && (ev->hdr.flags & RRK_EVF_ENTERED) && t->out_slot) {
		/* the result of a write whose bytes were taken at its ENTER */
		if (t->out_slot == 1)
			for (size_t i = 0; i < rp->noutq; i++)
				if (rp->outq[i].tid == t->rec_tid && !rp->outq[i].done) {
					rp->outq[i].result = b->result;
					rp->outq[i].done = 1;
					break;
				}
		t->out_slot = 0;
		flush_out(rp);
		return;
	}
	if (ev->hdr.number <= rp->emitted)
		return; /* replayed again after going back: shown already */
	rp->emitted = ev->hdr.number;
	if (!fd || b->result <= 0)
		return;
	size_t n;
	uint8_t *d = gather(rp, b, (uint64_t)b->result, &n);
	if (rp->noutq) {
		/* behind a write still waiting for its result */
		struct outslot *s = out_slot(rp, t->rec_tid, fd);
		s->data = d;
		s->len = n;
		s->result = (int64_t)n;
		s->done = 1;
		flush_out(rp);
		return;
	}
	put_out(rp, fd, d, n);
	free(d);
}

/* ---- exec: rebuild the recorded image on top of the stub ---- */

/* Where the replayed process has a file's bytes (mapped from a blob):
 * a keyframe refers to the blob for pages still equal to it. */
void rrk_rp_note_file(struct proc *p, uint64_t start, uint64_t end, const uint8_t *digest,
		      uint64_t offset, const struct rrk_attach *map)
{
	if (!p)
		return;
	p->franges = rrk_xrealloc(p->franges, (p->nfranges + 1) * sizeof *p->franges);
	struct file_range *f = &p->franges[p->nfranges++];
	f->start = start;
	f->end = end;
	f->offset = offset;
	memcpy(f->digest, digest, 32);
	/* the path the program knew it by (after the MAP record's struct) */
	size_t n = map && map->size > sizeof(struct rrk_map) ? map->size - sizeof(struct rrk_map) : 0;
	if (n >= sizeof f->path)
		n = sizeof f->path - 1;
	if (n)
		memcpy(f->path, map->data + sizeof(struct rrk_map), n);
	f->path[n] = 0;
}

/* Below this, copying a file's bytes in costs less than mapping them. */
#define MAP_BLOB_MIN (64u << 10)

/* The memory file of a blob the tracee has open while play builds an
 * image, for the file's next segment. */
struct open_blob {
	struct blob *bl;
	long fd;
};

static void close_blob(struct replayer *rp, uint64_t insn, struct open_blob *ob)
{
	if (ob->fd >= 0)
		inject(rp, insn, SYS_close, (uint64_t)ob->fd, 0, 0, 0, 0, 0);
	ob->bl = NULL;
	ob->fd = -1;
}

/* bl's bytes from offset on, at addr (an anonymous mapping of at least
 * len bytes with prot, just made): mapped from a memory file of play's
 * when that is worth it and works, so that the program's pages share
 * play's copy instead of being written in one by one; else copied. The
 * tracee is stopped where a syscall at insn can be injected. With ob,
 * the file stays open in the tracee for the caller to close. */
void rrk_rp_put_blob(struct replayer *rp, uint64_t insn, uint64_t addr, uint64_t len, int prot,
		     struct blob *bl, uint64_t offset, struct open_blob *ob)
{
	if (offset >= bl->total)
		return;
	uint64_t n = bl->total - offset;
	if (n > len)
		n = len;
	uint64_t maplen = (n + 4095) & ~4095ull; /* the rest of the page reads as zero */
	int worth = n >= MAP_BLOB_MIN && !(offset & 4095);
	if (worth && bl->memfd == -1) {
		int fd = (int)syscall(SYS_memfd_create, "rrk-blob", MFD_CLOEXEC);
		if (fd >= 0 && rrk_write_all(fd, bl->data, bl->total) < 0) {
			close(fd);
			fd = -1;
		}
		bl->memfd = fd >= 0 ? fd : -2;
	}
	if (!worth || bl->memfd < 0) {
		mem_write(rp, addr, bl->data + offset, n);
		return;
	}
	/* open("/proc/PLAY/fd/N") in the tracee, the path written where the
	 * mapping goes; then the file's pages over the anonymous ones */
	struct rrk_regs saved;
	if (tracee_getregs(&rp->cur_t->t, &saved) < 0) {
		mem_write(rp, addr, bl->data + offset, n);
		return;
	}
	long fd = ob && ob->bl == bl ? ob->fd : -1;
	if (fd < 0) {
		if (ob)
			close_blob(rp, insn, ob);
		char path[64];
		int plen = snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), bl->memfd) + 1;
		fd = tracee_write(&rp->cur_t->t, addr, path, (size_t)plen) < 0
			     ? -EFAULT
			     : inject(rp, insn, SYS_openat, (uint64_t)AT_FDCWD, addr, O_RDONLY | O_CLOEXEC, 0,
				      0, 0);
	}
	long got = fd < 0 ? fd
			  : inject(rp, insn, SYS_mmap, addr, maplen, (uint64_t)prot, MAP_PRIVATE | MAP_FIXED,
				   (uint64_t)fd, offset);
	if (fd >= 0 && ob) {
		ob->bl = bl;
		ob->fd = fd;
	} else if (fd >= 0) {
		inject(rp, insn, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0);
	}
	tracee_setregs(&rp->cur_t->t, &saved);
	if ((uint64_t)got == addr)
		return;
	if (fd >= 0) /* a failed MAP_FIXED may have unmapped the range */
		rrk_rp_fail(rp, "cannot map recorded file contents at 0x%llx: %s", (unsigned long long)addr,
			    strerror((int)-got));
	bl->memfd = -2; /* (the tracee cannot open it: copy from now on) */
	mem_write(rp, addr, bl->data + offset, n);
}

const char *rrk_rp_map_id(const struct rrk_attach *map)
{
	if (!map || map->size <= sizeof(struct rrk_map))
		return NULL;
	const char *name = (const char *)map->data + sizeof(struct rrk_map);
	size_t n = map->size - sizeof(struct rrk_map);
	const char *nul = memchr(name, 0, n);
	if (!nul || (size_t)(nul + 1 - name) >= n)
		return NULL;
	const char *id = nul + 1;
	size_t idl = n - (size_t)(id - name);
	/* (digits and a colon only, ending at the record's end: then it
	 * is a string, terminated by the record's padding-free NUL check) */
	if (idl >= sizeof(((struct shared_file *)0)->id) || strspn(id, "0123456789:") != idl)
		return NULL;
	return id;
}

void rrk_rp_map_shared(struct replayer *rp, uint64_t insn, uint64_t addr, uint64_t len, int prot,
		       const struct blob *bl, uint64_t offset, const char *id)
{
	struct shared_file *f = NULL;
	for (size_t i = 0; i < rp->nshared && !f; i++)
		if (!strcmp(rp->shared[i].id, id))
			f = &rp->shared[i];
	if (!f) {
		int fd = (int)syscall(SYS_memfd_create, "rrk-shared", MFD_CLOEXEC);
		if (fd < 0)
			rrk_rp_fail(rp, "cannot make the memory file of a shared mapping: %s", strerror(errno));
		rp->shared = rrk_xrealloc(rp->shared, (rp->nshared + 1) * sizeof *rp->shared);
		f = &rp->shared[rp->nshared++];
		memset(f, 0, sizeof *f);
		snprintf(f->id, sizeof f->id, "%s", id);
		f->memfd = fd;
	}
	uint64_t maplen = (len + 4095) & ~4095ull;
	if (offset + maplen > f->size) {
		/* the whole mapping can be touched, as in the recording */
		if (ftruncate(f->memfd, (off_t)(offset + maplen)) < 0)
			rrk_rp_fail(rp, "cannot size the memory file of a shared mapping: %s", strerror(errno));
		f->size = offset + maplen;
	}
	/* the file's bytes when this mapping was made: the other mappings
	 * of it see them too, as they did when recorded */
	if (offset < bl->total) {
		uint64_t n = bl->total - offset < len ? bl->total - offset : len;
		if (pwrite(f->memfd, bl->data + offset, n, (off_t)offset) != (ssize_t)n)
			rrk_rp_fail(rp, "cannot fill the memory file of a shared mapping: %s", strerror(errno));
	}
	struct rrk_regs saved;
	if (tracee_getregs(&rp->cur_t->t, &saved) < 0)
		rrk_rp_fail(rp, "cannot read the registers of task %u", rp->cur_t->rec_tid);
	char path[64];
	int plen = snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)getpid(), f->memfd) + 1;
	long fd = tracee_write(&rp->cur_t->t, addr, path, (size_t)plen) < 0
			  ? -EFAULT
			  : inject(rp, insn, SYS_openat, (uint64_t)AT_FDCWD, addr, O_RDWR | O_CLOEXEC, 0, 0, 0);
	long got = fd < 0 ? fd
			  : inject(rp, insn, SYS_mmap, addr, maplen, (uint64_t)prot, MAP_SHARED | MAP_FIXED,
				   (uint64_t)fd, offset);
	if (fd >= 0)
		inject(rp, insn, SYS_close, (uint64_t)fd, 0, 0, 0, 0, 0);
	tracee_setregs(&rp->cur_t->t, &saved);
	if ((uint64_t)got != addr)
		rrk_rp_fail(rp, "cannot map a shared file mapping at 0x%llx in the replay: %s",
			    (unsigned long long)addr, strerror((int)-got));
}

static int site_order(const void *a, const void *b)
{
	uint64_t x = ((const struct rrk_patch_site *)a)->addr, y = ((const struct rrk_patch_site *)b)->addr;
	return (x > y) - (x < y);
}

/* Rewrites the instructions of a PATCH attachment the way rec did. Each
 * must hold the instruction the trace says it held: play never writes
 * where the recording did not. */
static void apply_patches(struct replayer *rp, const struct rrk_attach *a, uint64_t evno)
{
	size_t n = a->size / sizeof(struct rrk_patch_site); /* (whole sites: the reader checks) */
	/* in address order: each then joins the set at its end (a hostile
	 * list in reverse would cost a move of the whole set per site) */
	struct rrk_patch_site *v = rrk_xmalloc(n * sizeof *v);
	memcpy(v, a->data, n * sizeof *v);
	qsort(v, n, sizeof *v, site_order);
	for (size_t i = 0; i < n; i++) {
		struct rrk_patch_site s = v[i];
		uint8_t cur[16], trap[16];
		if (!rrk_patch_opcode_ok(s.kind, s.orig, s.len) ||
		    tracee_read(&rp->cur_t->t, s.addr, cur, s.len) < 0 || memcmp(cur, s.orig, s.len))
			rrk_rp_fail(rp, "%s: event %llu rewrites an instruction at 0x%llx that the replayed program does not have there (a corrupt trace?)",
				    rp->o->trace_name, (unsigned long long)evno, (unsigned long long)s.addr);
		rrk_patch_bytes(trap);
		mem_write(rp, s.addr, trap, s.len);
		rrk_ps_add(&rp->cur_t->proc->ps, &s);
	}
	free(v);
}

/* Rewrites, as rec would have, the instructions of the kinds in
 * self_patch in the file-backed code of [lo, hi) of the current task's
 * process: by the latest file range at each address, through the sites of
 * its blob (found once per blob). */
void rrk_rp_self_patch(struct replayer *rp, uint64_t lo, uint64_t hi)
{
	struct proc *p = rp->cur_t->proc;
	while (lo < hi) {
		const struct file_range *f = NULL;
		uint64_t next = hi;
		for (size_t i = p->nfranges; i-- > 0 && !f;)
			if (p->franges[i].start <= lo && lo < p->franges[i].end)
				f = &p->franges[i];
		if (!f) { /* anonymous: on to the next file range */
			for (size_t i = 0; i < p->nfranges; i++)
				if (p->franges[i].start > lo && p->franges[i].start < next)
					next = p->franges[i].start;
			lo = next;
			continue;
		}
		uint64_t end = f->end < hi ? f->end : hi;
		struct blob *bl = rrk_rp_blob(rp, f->digest);
		if (bl) {
			const struct rrk_scan *sc = rrk_scan_find(&rp->scans, f->digest);
			if (!sc)
				sc = rrk_scan_add(&rp->scans, f->digest, bl->data, bl->total, rp->self_patch);
			if (rrk_ps_rewrite(&p->ps, &rp->cur_t->t, sc->sites, sc->n, lo, end,
					   f->offset + (lo - f->start), NULL, NULL) < 0)
				rrk_rp_fail(rp, "cannot rewrite instructions in the replayed program: %s", strerror(errno));
		}
		lo = end;
	}
}

void rrk_rp_map_image(struct replayer *rp, const struct rrk_attach *att, size_t n,
		      uint64_t stack_limit, uint64_t insn, uint64_t text_lo, uint64_t text_hi,
		      uint64_t evno)
{
	uint64_t prev_end = 0;
	struct open_blob ob = { NULL, -1 };
	for (size_t i = 0; i < n; i++) {
		const struct rrk_attach *a = &att[i];
		if (a->type == RRK_REC_PATCH) {
			apply_patches(rp, a, evno);
			continue;
		}
		if (a->type == RRK_REC_MEM) {
			struct rrk_mem m;
			memcpy(&m, a->data, sizeof m);
			mem_write(rp, m.addr, a->data + sizeof m, a->size - sizeof m);
			continue;
		}
		if (a->type != RRK_REC_MAP || a->size < sizeof(struct rrk_map))
			continue;
		struct rrk_map mp;
		memcpy(&mp, a->data, sizeof mp);
		if (mp.end <= mp.start || (mp.start & 4095) || (mp.end & 4095))
			rrk_rp_fail(rp, "%s: corrupt mapping in event %llu", rp->o->trace_name,
				    (unsigned long long)evno);
		uint64_t start = mp.start;
		if (mp.flags & RRK_MAP_STACK) {
			/* The recorded stack grew on demand; give it room. */
			uint64_t room = stack_limit;
			if (room < (8u << 20))
				room = 8u << 20;
			if (room > (64u << 20))
				room = 64u << 20;
			start = mp.end - room > mp.start ? mp.start : mp.end - room;
			if (start < prev_end)
				start = prev_end;
			if (start > mp.start)
				start = mp.start;
		}
		if (start < text_hi && mp.end > text_lo)
			rrk_rp_fail(rp, "the recorded program used addresses 0x%llx-0x%llx, where play keeps its replay stub; this trace cannot be replayed",
				    (unsigned long long)start, (unsigned long long)mp.end);
		long r = inject(rp, insn, SYS_mmap, start, mp.end - start, mp.prot,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (uint64_t)-1, 0);
		if ((uint64_t)r != start)
			rrk_rp_fail(rp, "cannot map recorded memory at 0x%llx: %s", (unsigned long long)start,
				    strerror((int)-r));
		if (mp.flags & RRK_MAP_FILE) {
			struct blob *bl = rrk_rp_blob(rp, mp.digest);
			if (!bl)
				rrk_rp_fail(rp, "%s: event %llu needs a file the trace does not contain", rp->o->trace_name,
					    (unsigned long long)evno);
			rrk_rp_put_blob(rp, insn, mp.start, mp.end - mp.start, (int)mp.prot, bl, mp.offset, &ob);
			rrk_rp_note_file(rp->cur_t->proc, mp.start, mp.end, mp.digest, mp.offset, a);
		}
		prev_end = mp.end;
	}
	close_blob(rp, insn, &ob);
	for (size_t i = 0; i < n && rp->self_patch; i++) {
		struct rrk_map mp;
		if (att[i].type != RRK_REC_MAP || att[i].size < sizeof mp)
			continue;
		memcpy(&mp, att[i].data, sizeof mp);
		if ((mp.flags & RRK_MAP_FILE) && (mp.prot & PROT_EXEC))
			rrk_rp_self_patch(rp, mp.start, mp.end);
	}
	/* cpuid faulting ends at exec: the new image gets it again */
	if (rp->mech.cpuid == RRK_MECH_FAULT && !(rp->self_patch & RRK_SITE_BIT(RRK_SITE_CPUID))) {
		long r = inject(rp, insn, SYS_arch_prctl, RRK_ARCH_SET_CPUID, 0, 0, 0, 0, 0);
		if (r)
			rrk_rp_fail(rp, "cannot make cpuid fault in the replayed program: %s", strerror((int)-r));
	}
}

/* What a debugger asks about a new image: the executable's path, the
 * auxiliary vector (past argv and envp on the new stack), a thread name. */
static void describe_image(struct replayer *rp, const struct rrk_ev *ev, struct ptask *t)
{
	const struct rrk_ev_exec *b = (const void *)ev->body;
	struct proc *p = t->proc;
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_STR || a->size <= sizeof(struct rrk_str))
			continue;
		size_t n = a->size - sizeof(struct rrk_str);
		if (n >= sizeof p->exe)
			n = sizeof p->exe - 1;
		memcpy(p->exe, a->data + sizeof(struct rrk_str), n);
		p->exe[n] = 0;
	}
	const char *base = strrchr(p->exe, '/');
	base = base ? base + 1 : p->exe;
	size_t bl = strlen(base) < sizeof t->name - 1 ? strlen(base) : sizeof t->name - 1;
	memcpy(t->name, base, bl);
	t->name[bl] = 0;
	p->auxv = p->auxv_len = 0;
	uint64_t at = b->regs_after.rsp, w, argc;
	if (tracee_read(&t->t, at, &argc, 8) < 0 || argc > (1u << 20))
		return;
	at += 8 * (argc + 2);
	while (tracee_read(&t->t, at, &w, 8) == 0 && w)
		at += 8;
	at += 8;
	uint64_t pair[2], start = at;
	while (tracee_read(&t->t, at, pair, 16) == 0) {
		at += 16;
		if (pair[0] == 0 || at - start > 4096) /* AT_NULL */
			break;
	}
	p->auxv = start;
	p->auxv_len = at - start;
	(void)rp;
}

uint64_t rrk_rp_strip_stub(struct replayer *rp, uint64_t *text_lo, uint64_t *text_hi)
{
	struct rrk_regs stub;
	if (tracee_open_mem(&rp->cur_t->t) < 0)
		rrk_rp_fail(rp, "cannot open /proc/%d/mem: %s", (int)rp->cur_t->t.tid, strerror(errno));
	tracee_getregs(&rp->cur_t->t, &stub);
	uint64_t insn = stub.rip;
	*text_lo = *text_hi = 0;
	struct mapping *maps;
	long nm = rrk_read_maps(rp->cur_t->t.tid, &maps);
	if (nm < 0)
		rrk_rp_fail(rp, "cannot read the replay stub's memory map");
	for (long i = 0; i < nm; i++) {
		if (insn >= maps[i].start && insn < maps[i].end) {
			*text_lo = maps[i].start;
			*text_hi = maps[i].end;
			continue;
		}
		if (!strcmp(maps[i].name, "[vsyscall]"))
			continue;
		inject(rp, insn, SYS_munmap, maps[i].start, maps[i].end - maps[i].start, 0, 0, 0, 0);
	}
	free(maps);
	return insn;
}

long rrk_rp_inject(struct replayer *rp, uint64_t insn, long nr, uint64_t a0, uint64_t a1,
		   uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	return inject(rp, insn, nr, a0, a1, a2, a3, a4, a5);
}

static void build_image(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_exec *b = (const void *)ev->body;
	uint64_t text_lo, text_hi;
	uint64_t insn = rrk_rp_strip_stub(rp, &text_lo, &text_hi);
	/* A new address space (a vfork child shared its parent's). */
	struct ptask *t = rp->cur_t;
	if (t->proc && t->proc->refs > 1) {
		t->proc->refs--;
		t->proc = NULL;
	}
	if (!t->proc) {
		t->proc = rrk_xcalloc(1, sizeof *t->proc);
		t->proc->refs = 1;
	}
	t->proc->nfranges = 0;
	rrk_ps_clear(&t->proc->ps);
	rrk_rp_map_image(rp, ev->attach, ev->nattach, b->stack_limit, insn, text_lo, text_hi,
			 ev->hdr.number);
	/* Last: the stub's own text. The syscall returns into unmapped
	 * memory, but the tracee stops at its exit first. */
	inject(rp, insn, SYS_munmap, text_lo, text_hi - text_lo, 0, 0, 0, 0);
	tracee_setregs(&rp->cur_t->t, &b->regs_after);
	t->clear_tid = 0;
	t->proc->cur_brk = b->brk;
	t->proc->pid = t->rec_tid;
	describe_image(rp, ev, t);
	if (getenv("RRK_DEBUG"))
		fprintf(stderr, "replay: image built, brk 0x%llx\n", (unsigned long long)b->brk);
}

/* Turns the execve the program is entering into an execve of the stub. */
static void exec_stub(struct replayer *rp, struct rrk_regs *g)
{
	size_t plen = strlen(rp->stub_path) + 1;
	uint64_t area = (g->rsp - 4096) & ~15ull;
	uint64_t argv[2] = { area, 0 };
	mem_write(rp, area, rp->stub_path, plen);
	uint64_t argvp = (area + plen + 15) & ~15ull;
	mem_write(rp, argvp, argv, sizeof argv);
	struct rrk_regs r = *g;
	r.orig_rax = SYS_execve;
	r.rdi = area;
	r.rsi = argvp;
	r.rdx = argvp + 8;
	tracee_setregs(&rp->cur_t->t, &r);
	tracee_cont(&rp->cur_t->t, 0);
	const struct rrk_ev_exec *b = (const void *)cur(rp)->body;
	struct ptask *leader = NULL;
	if (b->new_tid && b->new_tid != rp->cur_t->rec_tid)
		leader = task_by_rec(rp, b->new_tid);
	struct stop st;
	if (leader) {
		/* The kernel reports the exec under the leader's tid; the old
		 * leader is gone and this task takes its place. */
		rp->cur_t->running = 1;
		st = task_wait(rp, leader, 0);
		task_gone(leader);
		rp->cur_t->t.tid = leader->t.tid;
		rp->cur_t->rec_tid = b->new_tid;
		rp->cur_t->running = 0;
		leader->t.tid = -1;
	} else {
		st = wait_stop(rp);
	}
	if (st.kind != STOP_EXEC)
		rrk_rp_fail(rp, "cannot start the replay stub (%s): stop %d", rp->stub_path, st.kind);
}

/* ---- syscalls ---- */

/* Runs the syscall the tracee is entering with changed arguments, then
 * restores the arguments the program passed. Returns the result. */
int64_t rrk_rp_run_real(struct replayer *rp, const struct rrk_regs *entry, uint64_t nr,
			const uint64_t a[6])
{
	struct rrk_regs r = *entry;
	r.orig_rax = nr;
	r.rdi = a[0];
	r.rsi = a[1];
	r.rdx = a[2];
	r.r10 = a[3];
	r.r8 = a[4];
	r.r9 = a[5];
	tracee_setregs(&rp->cur_t->t, &r);
	tracee_syscall(&rp->cur_t->t, 0);
	struct stop st = wait_stop(rp);
	if (st.kind != STOP_SYSCALL)
		rrk_rp_diverge(rp, "the program did not finish a syscall run for real", NULL, NULL);
	tracee_getregs(&rp->cur_t->t, &r);
	int64_t res = (int64_t)r.rax;
	/* Keep what the syscall changed (rax, and fs_base for arch_prctl);
	 * put back the argument registers the program passed. */
	restore_args(&r, entry);
	tracee_setregs(&rp->cur_t->t, &r);
	return res;
}

static void emulate(struct replayer *rp, struct rrk_regs *g, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	emit_output(rp, ev);
	g->orig_rax = (uint64_t)-1;
	g->rax = (uint64_t)b->result;
	if (rrk_is_restart(b->result)) {
		rp->cur_t->restart_pending = 1;
		rp->cur_t->restart_nr = b->result == -RRK_ERESTART_RESTARTBLOCK ? SYS_restart_syscall : b->nr;
	}
	tracee_setregs(&rp->cur_t->t, g);
	apply_mem(rp, ev);
}

/* ACT_REAL: run at the recorded addresses, with the row's code
 * (replay_sys.c) at its points. */
static void replay_real(struct replayer *rp, struct rrk_regs *g, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	const struct rp_hooks *h = &rrk_rp_hooks[rrk_sys_row(b->nr)->hook];
	struct rp_call c = { rp, rp->cur_t, ev, b, g, { 0 }, 0 };
	memcpy(c.a, b->args, sizeof c.a);
	int64_t want = b->result;
	if (h->args && h->args(&c))
		return;
	if (want < 0 && want > -4096) {
		emulate(rp, g, ev); /* a failed call changed nothing */
		return;
	}
	c.got = rrk_rp_run_real(rp, g, b->nr, c.a);
	if (h->result)
		h->result(&c);
	if (c.got != want) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s returned 0x%llx in replay, 0x%llx when recorded",
			 rrk_syscall_name(b->nr), (unsigned long long)c.got, (unsigned long long)want);
		rrk_rp_diverge(rp, msg, NULL, NULL);
	}
	if (h->mapped)
		h->mapped(&c);
	apply_mem(rp, ev);
	rrk_ps_track(&rp->cur_t->proc->ps, rrk_sys_row(b->nr)->hook, b->args, want);
	for (size_t i = 0; i < ev->nattach; i++)
		if (ev->attach[i].type == RRK_REC_PATCH)
			apply_patches(rp, &ev->attach[i], ev->hdr.number);
	if (h->after)
		h->after(&c);
}

/* ---- tasks ---- */

/* t (with its whole process when group) will only exit from now on. */
static void mark_exiting(struct replayer *rp, struct ptask *t, int group)
{
	for (struct ptask *x = rp->tasks; x; x = x->next)
		if (x == t || (group && !x->dead && x->proc == t->proc))
			x->exiting = 1;
}

static struct ptask *task_by_rec(struct replayer *rp, uint32_t rec_tid)
{
	for (struct ptask *t = rp->tasks; t; t = t->next)
		if (t->rec_tid == rec_tid && !t->dead)
			return t;
	return NULL;
}

static struct ptask *task_by_live(struct replayer *rp, pid_t tid)
{
	for (struct ptask *t = rp->tasks; t; t = t->next)
		if (t->t.tid == tid && !t->dead)
			return t;
	return NULL;
}

static struct ptask *task_new(struct replayer *rp, pid_t live, uint32_t rec_tid)
{
	struct ptask *t = rrk_xcalloc(1, sizeof *t);
	t->t.tid = live;
	t->t.memfd = -1;
	t->rec_tid = rec_tid;
	t->next = rp->tasks;
	rp->tasks = t;
	return t;
}

/* Signals play did not send and no event expects: the replay's own
 * children dying (SIGCHLD), a resized terminal, a stray kill. */
static int stray_signal(struct ptask *t, int sig)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si);
	if (sig == SIGCHLD)
		return 1;
	return si.si_code <= 0 && si.si_pid != getpid();
}

/* Waits for t's next stop; stops of other tasks that come first are kept
 * for later. expect_sig is a signal the current event expects, or 0.
 * With a deadline (else 0), play interrupts t once it has passed, and
 * when that is the stop t makes, sets *interrupted. An interrupt that
 * met another stop may still come at a later resume (or, the kernel
 * clears it at some stops, never): t.interrupting stays set, and every
 * wait takes such a stop and resumes t. */
static struct stop task_wait_until(struct replayer *rp, struct ptask *t, int expect_sig, uint64_t deadline,
				   int *interrupted)
{
	if (t->has_pending) {
		t->has_pending = 0;
		t->running = 0;
		return t->pending;
	}
	int sent = 0;
	for (;;) {
		int status;
		uint64_t now = deadline ? rrk_now_ns() : 0;
		if (deadline && now >= deadline && !sent && t->running &&
		    ptrace(PTRACE_INTERRUPT, t->t.tid, 0, 0) == 0)
			sent = t->t.interrupting = 1;
		if (deadline && !sent)
			rrk_wake_set(rp->wake, deadline > now ? deadline - now : 1);
		pid_t w = waitpid(-1, &status, __WALL);
		int err = errno;
		if (deadline)
			rrk_wake_set(rp->wake, 0);
		if (w < 0) {
			if (err == EINTR)
				continue;
			rrk_rp_fail(rp, "waiting for the replayed program: %s", strerror(err));
		}
		struct ptask *x = task_by_live(rp, w);
		if (!x) /* a new task whose parent's clone stop is still to come */
			x = task_new(rp, w, 0);
		if (x->t.interrupting && tracee_interrupt_stop(status)) {
			if (x == t && sent) {
				x->t.interrupting = 0;
				x->t.status = status;
				x->running = 0;
				*interrupted = 1;
				struct stop st;
				decode_stop(status, &st);
				return st;
			}
			tracee_late_interrupt(&x->t, status);
			continue;
		}
		struct stop st;
		decode_stop(status, &st);
		x->t.status = status;
		if (st.kind == STOP_EXIT_EVENT) {
			tracee_cont(&x->t, 0);
			continue;
		}
		if (x->doomed && x != t && st.kind != STOP_EXEC) {
			/* killed by its process's exec: its exit was replayed */
			if (st.kind == STOP_EXITED)
				task_gone(x);
			else
				tracee_cont(&x->t, 0);
			continue;
		}
		if (x->initial && st.kind == STOP_OTHER_EVENT) {
			x->initial = 0;
			x->running = 0;
			if (x != t)
				continue;
			tracee_cont(&x->t, 0);
			x->running = 1;
			continue;
		}
		if (st.kind == STOP_SIGNAL && st.sig != expect_sig && stray_signal(x, st.sig)) {
			tracee_resume_again(&x->t);
			continue;
		}
		if (st.kind == STOP_OTHER_EVENT && st.sig != SIGTRAP &&
		    ((unsigned)status >> 16) == 128) {
			/* a group stop: not ours to keep */
			tracee_resume_again(&x->t);
			continue;
		}
		x->running = 0;
		if (x == t)
			return st;
		x->pending = st;
		x->has_pending = 1;
	}
}

static struct stop task_wait(struct replayer *rp, struct ptask *t, int expect_sig)
{
	return task_wait_until(rp, t, expect_sig, 0, NULL);
}

/* Resumes t (unless a stop of it is already waiting) and takes its next
 * stop. */
static void collect_vfork(struct replayer *rp, struct ptask *t)
{
	if (t->collect) {
		t->collect = 0;
		struct stop st = task_wait(rp, t, 0);
		if (st.kind != STOP_SYSCALL)
			rrk_rp_diverge(rp, "vfork did not return in replay", NULL, NULL);
		struct rrk_regs r;
		tracee_getregs(&t->t, &r);
		struct rrk_regs *e = &t->collect_entry;
		r.rax = (uint64_t)t->collect_result;
		restore_args(&r, e);
		tracee_setregs(&t->t, &r);
	}
}

struct stop rrk_rp_wait(struct replayer *rp, struct ptask *t, int expect_sig)
{
	return task_wait(rp, t, expect_sig);
}

struct stop rrk_rp_wait_timed(struct replayer *rp, struct ptask *t, int expect_sig, uint64_t ns, int *interrupted)
{
	*interrupted = 0;
	if (!rp->have_wake && rrk_wake_make(&rp->wake) == 0)
		rp->have_wake = 1;
	if (!rp->have_wake)
		return task_wait(rp, t, expect_sig);
	return task_wait_until(rp, t, expect_sig, rrk_now_ns() + ns, interrupted);
}

int rrk_rp_debugregs(struct replayer *rp, struct ptask *t, uint64_t point)
{
	uint64_t dr7 = rp->user_dr7 & 0x0fff003full;
	if (point)
		dr7 |= 1u << 6; /* L3, execute, length 1 */
	/* the debugger's slots off first: the kernel checks a new address
	 * against the slot's old length (one that was an 8-byte watchpoint
	 * refuses an odd code address, and DR7 kept the old watchpoints) */
	if (rp->user_dr7 & 0x3f)
		ptrace(PTRACE_POKEUSER, t->t.tid, (void *)offsetof(struct user, u_debugreg[7]), 0);
	for (int i = 0; i < 4; i++) {
		uint64_t a = i < 3 ? rp->user_dr[i] : point;
		if (!(dr7 & (3u << (2 * i))))
			continue;
		if (ptrace(PTRACE_POKEUSER, t->t.tid, (void *)offsetof(struct user, u_debugreg[i]),
			   (void *)a) < 0)
			return -1;
	}
	return (int)ptrace(PTRACE_POKEUSER, t->t.tid, (void *)offsetof(struct user, u_debugreg[7]),
			   (void *)dr7);
}

int rrk_rp_dr_works(struct replayer *rp)
{
	if (!rp->dr_state) {
		struct rrk_caps c;
		rrk_probe_debugregs(&c);
		rp->dr_state = c.dr_exec == RRK_CAP_WORKS && c.dr_write == RRK_CAP_WORKS ? 1 : -1;
	}
	return rp->dr_state > 0;
}

/* t, at an instruction that holds an int3 breakpoint of play's, runs
 * that instruction. An int3 after it when it goes on to the next one: a
 * single step costs more than two int3 stops in a KVM guest (43 against
 * 18 us here, doc/design.md), and runs only one iteration of a rep string
 * instruction. Else one step. Returns 0 when t is past the instruction
 * now (or back at it: a loop), else 1 with the stop that came instead in
 * *st. */
static int step_over(struct replayer *rp, struct ptask *t, const struct rrk_regs *g, struct stop *st)
{
	uint8_t code[16], saved;
	unsigned riprel;
	size_t next = tracee_read(&t->t, g->rip, code, sizeof code) == 0 ? rrk_insn_next(code, sizeof code, &riprel) : 0;
	if (next && rrk_sw_break(&t->t, g->rip + next, &saved) == 0) {
		tracee_cont(&t->t, 0);
		t->running = 1;
		*st = task_wait(rp, t, SIGTRAP);
		rrk_sw_unbreak(&t->t, g->rip + next, saved);
		struct rrk_regs h;
		return !(st->kind == STOP_SIGNAL && st->sig == SIGTRAP && rrk_sw_hit(&t->t, g->rip + next, &h));
	}
	tracee_singlestep(&t->t, 0);
	t->running = 1;
	*st = task_wait(rp, t, SIGTRAP);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	ptrace(PTRACE_GETSIGINFO, t->t.tid, 0, &si);
	return !(st->kind == STOP_SIGNAL && st->sig == SIGTRAP && si.si_code == TRAP_TRACE);
}

/* Where play runs a copy of the point's instruction (then a jump back
 * after it): the syscall buffer's entry page, executable and at the same
 * address in every process that has the library, whose code fills only
 * its start. */
#define DISPLACED (RRK_SB_PAGE + 2048)

/* Writes into t's entry page the instruction at point (its bytes in
 * code, len of them), then an absolute jump to point + len, and keeps
 * the bytes it replaced in saved[32]. Returns 0, or -1 when t has no
 * entry page (no syscall buffer library) or it cannot be written. */
/* Whether t's process has the syscall buffer library's entry page, as
 * play writes it. */
static int has_entry_page(struct ptask *t)
{
	uint8_t page[RRK_SB_IMAGE_LEN], want[RRK_SB_IMAGE_LEN];
	rrk_sb_page_image(1, want);
	return tracee_read(&t->t, RRK_SB_PAGE, page, sizeof page) == 0 && !memcmp(page, want, sizeof page);
}

static int displace(struct ptask *t, uint64_t point, const uint8_t *code, size_t len, uint8_t saved[32])
{
	uint8_t out[32];
	if (!has_entry_page(t) || tracee_read(&t->t, DISPLACED, saved, 32) < 0)
		return -1;
	uint64_t back = point + len;
	memcpy(out, code, len);
	static const uint8_t jmp_abs[6] = { 0xff, 0x25, 0, 0, 0, 0 }; /* jmp *0(%rip) */
	memcpy(out + len, jmp_abs, sizeof jmp_abs);
	memcpy(out + len + sizeof jmp_abs, &back, sizeof back);
	return tracee_write(&t->t, DISPLACED, out, len + sizeof jmp_abs + sizeof back);
}

/* rrk_rp_run toward point without debug registers: an int3 there. When
 * t is already at it (a hit it resumes from, or where it came to by
 * other means: it has yet to run the instruction, and the caller has
 * compared that state already), the instruction runs first: a copy of
 * it in the entry page, which costs no stop (18 us an int3 stop here);
 * else stepped over (two stops, doc/design.md). */
static struct stop run_to_int3(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
			       uint64_t point)
{
	struct rrk_regs g;
	struct stop st;
	uint8_t code[16], saved_page[32];
	unsigned riprel = 1;
	size_t len = 0;
	if (tracee_getregs(&t->t, &g) == 0 && g.rip == point && !sig &&
	    tracee_read(&t->t, point, code, sizeof code) == 0 &&
	    (len = rrk_insn_next(code, sizeof code, &riprel)) && !riprel &&
	    displace(t, point, code, len, saved_page) == 0) {
		uint8_t saved;
		g.rip = DISPLACED;
		if (tracee_setregs(&t->t, &g) < 0 || rrk_sw_break(&t->t, point, &saved) < 0)
			rrk_rp_fail(rp, "cannot write a breakpoint into the replayed program at %#llx: %s",
				    (unsigned long long)point, strerror(errno));
		tracee_cont(&t->t, 0);
		t->running = 1;
		st = task_wait(rp, t, expect_sig);
		if (!t->dead) {
			rrk_sw_unbreak(&t->t, point, saved);
			tracee_write(&t->t, DISPLACED, saved_page, sizeof saved_page);
			/* stopped in the copy (a fault of the instruction): as
			 * at the instruction itself */
			if (st.kind != STOP_EXITED && tracee_getregs(&t->t, &g) == 0 &&
			    g.rip >= DISPLACED && g.rip < DISPLACED + 32) {
				g.rip = g.rip == DISPLACED ? point : point + len;
				tracee_setregs(&t->t, &g);
			}
		}
		if (st.kind == STOP_SIGNAL && st.sig == SIGTRAP)
			rrk_sw_hit(&t->t, point, &g);
		return st;
	}
	if (tracee_getregs(&t->t, &g) == 0 && g.rip == point) {
		if (sig) {
			/* a signal to deliver first: its handler runs before the
			 * instruction (rare: play sends none while it seeks) */
			tracee_cont(&t->t, sig);
			t->running = 1;
			return task_wait(rp, t, expect_sig);
		}
		if (step_over(rp, t, &g, &st))
			return st;
		if (tracee_getregs(&t->t, &g) == 0 && g.rip == point)
			return st; /* back at it: a hit */
	}
	uint8_t saved;
	if (rrk_sw_break(&t->t, point, &saved) < 0)
		rrk_rp_fail(rp, "cannot write a breakpoint into the replayed program at %#llx: %s",
			    (unsigned long long)point, strerror(errno));
	tracee_cont(&t->t, sig);
	t->running = 1;
	st = task_wait(rp, t, expect_sig);
	if (!t->dead)
		rrk_sw_unbreak(&t->t, point, saved);
	if (st.kind == STOP_SIGNAL && st.sig == SIGTRAP)
		rrk_sw_hit(&t->t, point, &g);
	return st;
}

struct stop rrk_rp_run_bare(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
			    uint64_t point)
{
	if (point && !rrk_rp_dr_works(rp))
		return run_to_int3(rp, t, sig, expect_sig, point);
	tracee_cont(&t->t, sig);
	t->running = 1;
	return task_wait(rp, t, expect_sig);
}

struct stop rrk_rp_run(struct replayer *rp, struct ptask *t, int sig, int expect_sig,
		       uint64_t point)
{
	if (rp->runner)
		return rp->runner->run(rp->runner_ctx, t, sig, expect_sig, point);
	return rrk_rp_run_bare(rp, t, sig, expect_sig, point);
}

void rrk_rp_observe(struct replayer *rp, const struct rrk_rp_observer *obs, void *ctx)
{
	if (rp->nobs == RRK_RP_MAX_OBS)
		rrk_die("internal error: more than %d observers of a replay", RRK_RP_MAX_OBS);
	if (obs->run && rp->runner)
		rrk_die("internal error: two observers resume the replay's tasks");
	if (obs->run) {
		rp->runner = obs;
		rp->runner_ctx = ctx;
	}
	rp->obs[rp->nobs] = obs;
	rp->obs_ctx[rp->nobs++] = ctx;
	rp->obs_flags |= obs->flags;
}

static void notify_before(struct replayer *rp, const struct rrk_ev *ev, struct ptask *t)
{
	for (size_t i = 0; i < rp->nobs; i++)
		if (rp->obs[i]->before_event)
			rp->obs[i]->before_event(rp->obs_ctx[i], ev, t);
}

static void notify_at_stop(struct replayer *rp, const struct rrk_ev *ev, struct ptask *t)
{
	for (size_t i = 0; i < rp->nobs; i++)
		if (rp->obs[i]->at_stop)
			rp->obs[i]->at_stop(rp->obs_ctx[i], ev, t);
}

static void notify_after(struct replayer *rp, const struct rrk_ev *ev)
{
	rp->in_run = 0; /* the event is done: a copy now is at a boundary */
	for (size_t i = 0; i < rp->nobs; i++)
		if (rp->obs[i]->after_event)
			rp->obs[i]->after_event(rp->obs_ctx[i], ev);
}

static struct stop next_stop(struct replayer *rp, struct ptask *t, int expect_sig)
{
	collect_vfork(rp, t);
	if (!t->has_pending && !t->running && !t->dead) {
		if (t->initial) {
			struct stop st = task_wait(rp, t, expect_sig);
			return st;
		}
		int sig = t->resume_sig;
		t->resume_sig = 0;
		return rrk_rp_run(rp, t, sig, expect_sig, 0);
	}
	t->resume_sig = 0;
	return task_wait(rp, t, expect_sig);
}

static const char *stop_name(const struct stop *st, char *buf, size_t len)
{
	switch (st->kind) {
	case STOP_SECCOMP: return "a syscall";
	case STOP_EXITED: return "the program's exit";
	case STOP_EXEC: return "an exec";
	case STOP_SIGNAL:
		snprintf(buf, len, "signal %s", rrk_signal_name(st->sig) ? rrk_signal_name(st->sig) : "?");
		return buf;
	default: return "an unexpected stop";
	}
}

static void unexpected(struct replayer *rp, const struct stop *st)
{
	char buf[64], msg[160];
	struct rrk_regs g;
	const struct rrk_ev *ev = cur(rp);
	memset(&g, 0, sizeof g);
	if (st->kind != STOP_EXITED)
		tracee_getregs(&rp->cur_t->t, &g);
	snprintf(msg, sizeof msg, "the program reached %s instead", stop_name(st, buf, sizeof buf));
	if (st->kind == STOP_SIGNAL) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		ptrace(PTRACE_GETSIGINFO, rp->cur_t->t.tid, 0, &si);
		snprintf(msg, sizeof msg, "the program reached %s (code %d, address %p) instead",
			 stop_name(st, buf, sizeof buf), si.si_code, si.si_addr);
	}
	if (st->kind == STOP_SECCOMP) {
		const char *n = rrk_syscall_name(g.orig_rax);
		snprintf(msg, sizeof msg, "the program made syscall %s instead", n ? n : "?");
	}
	int has_regs = st->kind != STOP_EXITED && ev->hdr.kind != RRK_EV_EXIT &&
		       ev->hdr.kind != RRK_EV_EXEC;
	rrk_rp_diverge(rp, msg, has_regs ? &ev->hdr.regs : NULL, has_regs ? &g : NULL);
}

/* Where the count of buffered records left is, in the buffer of the
 * point's task, when the event hands it records; else 0. */
static uint64_t point_sysbuf(const struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_SYSBUF || a->size < sizeof(struct rrk_sysbuf))
			continue;
		struct rrk_sysbuf h;
		memcpy(&h, a->data, sizeof h);
		if (h.addr && h.count)
			return h.addr + RRK_SB_OFF_LEFT;
	}
	return 0;
}

/* DR3 as a write watchpoint on the 8 bytes at addr (play's own register;
 * the point's breakpoint is off meanwhile). */
static int watch_left(struct ptask *t, uint64_t addr)
{
	size_t dr3 = offsetof(struct user, u_debugreg[3]), dr7 = offsetof(struct user, u_debugreg[7]);
	uint64_t ctl = (1u << 6) | (1ull << 28) | (2ull << 30); /* L3, write, 8 bytes */
	if (ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr7, 0) < 0 ||
	    ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr3, (void *)addr) < 0)
		return -1;
	return (int)ptrace(PTRACE_POKEUSER, t->t.tid, (void *)dr7, (void *)ctl);
}

/* Misses at a point's instruction before play puts the register check
 * into the program (a few: most points are found at once, and arming
 * costs about five stops). */
#define PFILTER_AFTER 8

/* reach_point once t, at the point's instruction and a signal stop, has
 * the filter armed: runs it (the copy of the instruction first) until
 * the filter traps with equal registers and the whole state matches. */
static int run_filtered(struct replayer *rp, struct ptask *t, const struct rrk_ev *ev,
			const struct rrk_point *p, const struct point_range *rg, size_t n,
			struct rrk_pfilter *pf, uint64_t *hits)
{
	uint64_t insn = RRK_SB_PAGE + RRK_SB_TRACED, go = pf->resume, copy;
	struct rrk_regs g;
	for (;;) {
		if (tracee_getregs(&t->t, &g) < 0)
			rrk_rp_fail(rp, "cannot read the registers of task %d: %s", (int)t->t.tid, strerror(errno));
		g.rip = go;
		go = pf->resume;
		tracee_setregs(&t->t, &g);
		tracee_cont(&t->t, 0);
		t->running = 1;
		struct stop st = task_wait(rp, t, SIGTRAP);
		int at = st.kind != STOP_EXITED && tracee_getregs(&t->t, &g) == 0;
		if (at && st.kind == STOP_SIGNAL && st.sig == SIGTRAP && g.rip == pf->trap) {
			(*hits)++;
			g.rip = pf->point;
			tracee_setregs(&t->t, &g);
			rrk_pfilter_jump(&t->t, pf, 0);
			if (rrk_point_matches(&t->t, &t->proc->ps, &ev->hdr.regs, p, rg, n)) {
				if (rrk_pfilter_disarm(&t->t, insn, pf) < 0)
					rrk_rp_fail(rp, "task %d did not cooperate at its execution point", (int)t->t.tid);
				return 1;
			}
			rrk_pfilter_jump(&t->t, pf, 1);
			continue;
		}
		if (at && st.kind == STOP_SIGNAL && st.sig == SIGTRAP && (copy = rrk_pfilter_stray(pf, g.rip))) {
			/* a branch into the covered instructions: on from the
			 * copy of the one it went to (a stop per such branch,
			 * not per pass) */
			go = copy;
			pf->strays++;
			continue;
		}
		/* (a fault of the copied instruction: as at the instruction) */
		if (at && g.rip >= pf->page && g.rip < pf->page + 4096) {
			g.rip = rrk_pfilter_where(pf, g.rip);
			tracee_setregs(&t->t, &g);
		}
		rrk_pfilter_jump(&t->t, pf, 0);
		unexpected(rp, &st);
	}
}

/* Runs the current task to the event's execution point: a hardware
 * breakpoint at its ip (or an int3), and on each hit a comparison of
 * registers, FPU state and (only when those match) the memory digest.
 * The first state that matches is equivalent to the recorded one
 * (doc/design.md). After a few misses, the comparison of the general
 * registers moves into the program (lib/ptrace/pointfilter.c). */
static void reach_point(struct replayer *rp, const struct rrk_ev *ev)
{
	struct ptask *t = rp->cur_t;
	const struct rrk_point *p = NULL;
	const struct point_range *rg = NULL;
	size_t n = 0;
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_POINT)
			continue;
		p = (const void *)a->data;
		n = (a->size - sizeof *p) / sizeof *rg;
		if (n > p->nranges)
			n = p->nranges;
		rg = (const void *)(a->data + sizeof *p);
	}
	if (!p)
		rrk_rp_fail(rp, "%s: event %llu has no execution point", rp->o->trace_name,
			    (unsigned long long)ev->hdr.number);
	collect_vfork(rp, t);
	if (t->has_pending)
		rrk_rp_diverge(rp, "the task stopped on its way to the execution point", NULL, NULL);
	if (rrk_point_matches(&t->t, &t->proc->ps, &ev->hdr.regs, p, rg, n))
		return;
	int dr = rrk_rp_dr_works(rp);
	if (dr && rrk_rp_debugregs(rp, t, ev->hdr.regs.rip) < 0)
		rrk_rp_fail(rp, "cannot set a hardware breakpoint: %s", strerror(errno));
	/* The point lies after the buffered calls flushed with it. When the
	 * instruction keeps coming back before the task has used them up,
	 * watch the buffer's count of records left instead (a stop per
	 * record) until it reaches zero, then the instruction again (with
	 * debug registers only: an int3 cannot watch data). */
	uint64_t left_at = point_sysbuf(ev), budget = 0, left = 0;
	if (left_at && !(rp->obs_flags & RRK_OBS_EXACT) && dr && tracee_read(&t->t, left_at, &left, sizeof left) == 0)
		budget = left + 64;
	else
		left_at = 0;
	uint64_t hits = 0, watched = 0, t0 = rrk_now_ns();
	unsigned differ = ~0u;
	int watching = 0;
	for (;;) {
		struct stop st = rrk_rp_run(rp, t, 0, SIGTRAP, ev->hdr.regs.rip);
		if (st.kind == STOP_SIGNAL && st.sig == SIGTRAP && watching) {
			watched++;
			if (tracee_read(&t->t, left_at, &left, sizeof left) < 0 || left == 0) {
				watching = 0;
				/* off first: the kernel checks the address against
				 * the watchpoint's length */
				ptrace(PTRACE_POKEUSER, t->t.tid, (void *)offsetof(struct user, u_debugreg[7]), 0);
				if (rrk_rp_debugregs(rp, t, ev->hdr.regs.rip) < 0)
					rrk_rp_fail(rp, "cannot set a hardware breakpoint: %s", strerror(errno));
			}
			continue;
		}
		if (st.kind == STOP_SIGNAL && st.sig == SIGTRAP) {
			hits++;
			if (getenv("RRK_DEBUG") && hits % 100000 == 0)
				fprintf(stderr, "replay: %llu hits, %.3f s\n", (unsigned long long)hits, (double)(rrk_now_ns() - t0) / 1e9);
			if (rrk_point_matches(&t->t, &t->proc->ps, &ev->hdr.regs, p, rg, n))
				break;
			struct rrk_regs now;
			if (hits <= PFILTER_AFTER && tracee_getregs(&t->t, &now) == 0)
				differ &= rrk_pfilter_differ(&now, &ev->hdr.regs);
			struct rrk_pfilter pf = { .why = NULL };
			/* tried after 8 misses, again at each power of two (what
			 * failed may not fail at another pass: a page taken) */
			int try_pf = hits >= PFILTER_AFTER && !(hits & (hits - 1));
			if (try_pf && !(rp->obs_flags & RRK_OBS_EXACT) && !rrk_no_pfilter() && has_entry_page(t) &&
			    rrk_pfilter_arm(&t->t, RRK_SB_PAGE + RRK_SB_TRACED, ev->hdr.regs.rip, &ev->hdr.regs,
					    differ, 0, &pf) == 0) {
				if (dr)
					rrk_rp_debugregs(rp, t, 0);
				if (getenv("RRK_DEBUG"))
					fprintf(stderr, "replay: register check in the program at %#llx\n",
						(unsigned long long)pf.entry);
				int found = run_filtered(rp, t, ev, p, rg, n, &pf, &hits);
				if (getenv("RRK_DEBUG"))
					fprintf(stderr, "replay: %llu branches into the covered instructions\n",
						(unsigned long long)pf.strays);
				if (found)
					break;
				if (dr && rrk_rp_debugregs(rp, t, ev->hdr.regs.rip) < 0)
					rrk_rp_fail(rp, "cannot set a hardware breakpoint: %s", strerror(errno));
				continue;
			}
			if (try_pf && getenv("RRK_DEBUG"))
				fprintf(stderr, "replay: no register check at %#llx: %s\n",
					(unsigned long long)ev->hdr.regs.rip, pf.why ? pf.why : "not here");
			if (left_at && hits == budget && tracee_read(&t->t, left_at, &left, sizeof left) == 0 &&
			    left > 0) {
				watching = 1;
				if (watch_left(t, left_at) < 0)
					rrk_rp_fail(rp, "cannot set a hardware watchpoint: %s", strerror(errno));
			}
			continue;
		}
		if (dr)
			rrk_rp_debugregs(rp, t, 0);
		unexpected(rp, &st);
	}
	if (dr)
		rrk_rp_debugregs(rp, t, 0);
	if (getenv("RRK_DEBUG"))
		fprintf(stderr, "replay: execution point after %llu hits and %llu records watched, %.3f s\n",
			(unsigned long long)hits, (unsigned long long)watched, (double)(rrk_now_ns() - t0) / 1e9);
}

/* The parent is at the exit of its clone: it sees the recorded child tid
 * and the argument registers it passed. */
static void finish_clone(struct replayer *rp, const struct rrk_regs *entry, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	struct rrk_regs r;
	tracee_getregs(&rp->cur_t->t, &r);
	r.rax = (uint64_t)b->result;
	restore_args(&r, entry);
	tracee_setregs(&rp->cur_t->t, &r);
	apply_mem(rp, ev);
}

/* The tid the trace names a clone's child by: the result, or, for a
 * child in a PID namespace of its own, the recorder's view of it. */
static uint32_t clone_task(const struct rrk_ev *ev)
{
	if (ev->hdr.body_size >= sizeof(struct rrk_ev_syscall_task))
		return (uint32_t)((const struct rrk_ev_syscall_task *)(const void *)ev->body)->task;
	return (uint32_t)((const struct rrk_ev_syscall *)(const void *)ev->body)->result;
}

/* clone, fork, vfork, for real: the new task is mapped to its recorded
 * tid. The kernel would write the live tid where the program asked
 * (CLONE_CHILD_SETTID): play writes the recorded one instead. */
static void replay_clone(struct replayer *rp, struct rrk_regs *g, const struct rrk_ev *ev, int enter)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	struct ptask *p = rp->cur_t;
	uint64_t flags = rrk_sys_clone_flags(b->nr, b->args);
	if (b->result < 0) {
		emulate(rp, g, ev);
		return;
	}
	struct rrk_regs r = *g;
	if (flags & CLONE_CHILD_SETTID)
		r.rdi &= ~(uint64_t)CLONE_CHILD_SETTID;
	tracee_setregs(&p->t, &r);
	tracee_syscall(&p->t, 0);
	p->running = 1;
	struct stop st = task_wait(rp, p, 0);
	unsigned evno = (unsigned)st.status >> 16;
	if (st.kind != STOP_OTHER_EVENT ||
	    (evno != PTRACE_EVENT_CLONE && evno != PTRACE_EVENT_FORK && evno != PTRACE_EVENT_VFORK))
		rrk_rp_diverge(rp, "clone did not create a task in replay", NULL, NULL);
	unsigned long live = 0;
	ptrace(PTRACE_GETEVENTMSG, p->t.tid, 0, &live);
	struct ptask *c = task_by_live(rp, (pid_t)live);
	if (c) {
		/* its first stop came already */
		c->rec_tid = clone_task(ev);
		c->has_pending = 0;
	} else {
		c = task_new(rp, (pid_t)live, clone_task(ev));
		c->initial = 1;
	}
	if (flags & CLONE_VM) {
		c->proc = p->proc;
		p->proc->refs++;
	} else {
		c->proc = rrk_xcalloc(1, sizeof *c->proc);
		rrk_proc_copy(c->proc, p->proc);
		c->proc->refs = 1;
		c->proc->pid = c->rec_tid;
	}
	c->clear_tid = (flags & CLONE_CHILD_CLEARTID) ? b->args[3] : 0;
	memcpy(c->name, p->name, sizeof c->name);
	tracee_open_mem(&c->t);
	if (flags & CLONE_CHILD_SETTID) {
		int32_t tid = (int32_t)b->result;
		if (tracee_write(&c->t, b->args[3], &tid, 4) < 0)
			rrk_rp_diverge(rp, "cannot write the child's tid", NULL, NULL);
	}
	tracee_syscall(&p->t, 0);
	p->running = 1;
	if (enter) {
		/* vfork: the parent waits in the kernel until the child execs
		 * or exits; its ENTERED event collects it. */
		p->in_real = 1;
		return;
	}
	st = task_wait(rp, p, 0);
	if (st.kind != STOP_SYSCALL)
		rrk_rp_diverge(rp, "clone did not return in replay", NULL, NULL);
	finish_clone(rp, g, ev);
}

static void replay_syscall(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_syscall *b = (const void *)ev->body;
	struct rrk_ev *e = (struct rrk_ev *)ev;
	struct rrk_regs g;
	struct ptask *t = rp->cur_t;
	tracee_getregs(&t->t, &g);
	if (ev->hdr.flags & RRK_EVF_ENTERED) {
		g = e->hdr.regs;
		if (!t->at_entry)
			rrk_rp_diverge(rp, "a syscall result for a task that is not in that syscall", NULL, NULL);
		t->at_entry = 0;
		if (t->in_real) {
			t->in_real = 0;
			t->collect = 1;
			t->collect_entry = g;
			t->collect_result = b->result;
			return;
		}
		tracee_getregs(&t->t, &g);
	} else {
		check_regs(rp, &ev->hdr.regs, &g, 1);
		/* r11 took eflags at the syscall instruction: a gdb stepi
		 * into it left the trap flag there, which the recorded
		 * program never had */
		uint64_t r11 = (g.r11 & ~(uint64_t)0x10100) | (ev->hdr.regs.r11 & 0x10100);
		if (r11 != g.r11) {
			g.r11 = r11;
			tracee_setregs(&t->t, &g);
		}
	}
	const struct rrk_sysent *row = rrk_sys_row(b->nr);
	if (rrk_rp_hooks[row->hook].pre && !(ev->hdr.flags & RRK_EVF_ENTER)) {
		struct rp_call c = { rp, t, ev, b, &g, { 0 }, 0 };
		rrk_rp_hooks[row->hook].pre(&c);
	}
	unsigned action = row->action;
	if (ev->hdr.flags & RRK_EVF_FAKED)
		action = ACT_EMULATE;
	if (ev->hdr.flags & RRK_EVF_ENTER) {
		enter_output(rp, ev);
		t->at_entry = 1;
		if (action == ACT_CLONE)
			replay_clone(rp, &g, ev, 1);
		return; /* parked at the entry until its result event */
	}
	switch (action) {
	case ACT_EXIT:
		/* Let it go now: an exit_group kills the other threads, whose
		 * exits the trace lists before this one's. */
		tracee_cont(&t->t, 0);
		t->running = 1;
		mark_exiting(rp, t, !!(row->flags & SF_EXIT_GROUP));
		break;
	case ACT_SIGRETURN:
		break; /* runs for real when the tracee resumes */
	case ACT_REAL:
		replay_real(rp, &g, ev);
		break;
	case ACT_CLONE:
		replay_clone(rp, &g, ev, 0);
		break;
	default:
		emulate(rp, &g, ev);
		break;
	}
}

/* ---- the loop ---- */

static void child(struct replayer *rp, int go)
{
	char c;
	if (read(go, &c, 1) != 1)
		_exit(125);
	close(go);
	/* Its own process group: the terminal's signals are for play. */
	setpgid(0, 0);
	struct rlimit no_core = { 0, 0 };
	setrlimit(RLIMIT_CORE, &no_core);
	signal(SIGPIPE, SIG_DFL);
	if (rp->mech.rdtsc == RRK_MECH_FAULT && !(rp->self_patch & RRK_SITE_BIT(RRK_SITE_RDTSC)) &&
	    prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) < 0)
		_exit(125);
	if (rrk_install_filter(0) < 0)
		_exit(125);
	char *argv[] = { rp->stub_path, NULL }, *envp[] = { NULL };
	execve(rp->stub_path, argv, envp);
	_exit(125);
}

static void check_cpu(struct replayer *rp)
{
	/* What the recording's CPU faulted and this one does not (or
	 * RRK_FORCE_PATCH says not to use), play rewrites itself. */
	struct rrk_caps caps;
	rrk_probe_traps(&caps);
	rp->self_patch = 0;
	if (rp->mech.rdtsc == RRK_MECH_FAULT &&
	    (caps.rdtsc_trap != RRK_CAP_WORKS || caps.rdtscp_trap != RRK_CAP_WORKS))
		rp->self_patch |= RRK_SITE_BIT(RRK_SITE_RDTSC) | RRK_SITE_BIT(RRK_SITE_RDTSCP);
	if (rp->mech.cpuid == RRK_MECH_FAULT && caps.cpuid_trap != RRK_CAP_WORKS)
		rp->self_patch |= RRK_SITE_BIT(RRK_SITE_CPUID);
	if (rp->mech.cpuid != RRK_MECH_NONE) {
		char why[256];
		if (rrk_cpu_check(rp->leaves, rp->nleaves, rp->cpu_level, why, sizeof why) < 0)
			rrk_rp_fail(rp, "cannot replay %s on this CPU: %s; record with rec --cpu-features=baseline for a trace that replays on any x86-64 CPU",
				    rp->o->trace_name, why);
		return;
	}
	for (size_t i = 0; i < rp->nleaves; i++) {
		struct rrk_cpuid_leaf *l = &rp->leaves[i];
		uint32_t r[4];
		rrk_cpuid(l->leaf, l->subleaf, r);
		/* APIC ids differ from core to core. */
		if (l->leaf == 1) {
			r[1] &= 0x00ffffff;
			l->ebx &= 0x00ffffff;
		}
		if (l->leaf == 0xb || l->leaf == 0x1f || l->leaf == 0x8000001e)
			continue;
		if (r[0] != l->eax || r[1] != l->ebx || r[2] != l->ecx || r[3] != l->edx) {
			rrk_warn("warning: this CPU differs from the recording host's (cpuid leaf 0x%x.%u) and cpuid was not trapped when recording; the replay may diverge",
				 l->leaf, l->subleaf);
			return;
		}
	}
}

static void start(struct replayer *rp, uint32_t rec_tid)
{
	int mfd = memfd_create("rrkit-stub", MFD_CLOEXEC);
	if (mfd < 0)
		rrk_rp_fail(rp, "cannot create the replay stub: memfd_create: %s", strerror(errno));
	if (rrk_write_all(mfd, rrk_stub_elf, (size_t)(rrk_stub_elf_end - rrk_stub_elf)) < 0)
		rrk_rp_fail(rp, "cannot write the replay stub: %s", strerror(errno));
	snprintf(rp->stub_path, sizeof rp->stub_path, "/proc/%d/fd/%d", (int)getpid(), mfd);
	/* With cpuid recorded any CPU will do; without, the program runs
	 * cpuid for real, and the APIC ids differ from CPU to CPU. */
	int want = rp->mech.cpuid == RRK_MECH_NONE ? (int)rp->cpu : -1;
	int pinned = rrk_pin_cpu(want);
	if (want >= 0 && pinned != want)
		rrk_warn("warning: cannot run on CPU %u as the recording did; using another", rp->cpu);
	rrk_reader_avoid_cpu(rp->rd, pinned);
	check_cpu(rp);
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		rrk_rp_fail(rp, "cannot start the replay: pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		rrk_rp_fail(rp, "cannot start the replay: fork: %s", strerror(errno));
	if (pid == 0) {
		close(go[1]);
		child(rp, go[0]);
	}
	close(go[0]);
	struct ptask *t = task_new(rp, pid, rec_tid);
	t->proc = rrk_xcalloc(1, sizeof *t->proc);
	t->proc->refs = 1;
	rp->cur_t = t;
	if (ptrace(PTRACE_SEIZE, pid, 0,
		   PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEEXEC |
		   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK |
		   PTRACE_O_TRACEVFORK | PTRACE_O_TRACEEXIT) < 0)
		rrk_rp_fail(rp, "cannot trace the replay: ptrace: %s", strerror(errno));
	if (write(go[1], "g", 1) != 1)
		rrk_rp_fail(rp, "cannot start the replay");
	close(go[1]);
	t->running = 1;
	for (;;) {
		struct stop st = task_wait(rp, t, 0);
		if (st.kind == STOP_EXEC)
			break;
		if (st.kind == STOP_EXITED)
			rrk_rp_fail(rp, "the replay stub could not start (status 0x%x)", st.status);
		tracee_cont(&t->t, 0);
		t->running = 1;
	}
}



static void replay_trap_insn(struct replayer *rp, const struct rrk_ev *ev, struct stop *st)
{
	struct rrk_regs g;
	uint8_t insn[3] = { 0, 0, 0 };
	if (st->kind != STOP_SIGNAL || st->sig != SIGSEGV)
		unexpected(rp, st);
	tracee_getregs(&rp->cur_t->t, &g);
	tracee_read(&rp->cur_t->t, g.rip, insn, 3);
	check_regs(rp, &ev->hdr.regs, &g, 0);
	/* (a rewritten site: by rec, by play, or listed in a keyframe) */
	int rewritten;
	unsigned len, kind = rrk_trap_at(&rp->cur_t->proc->ps, g.rip, insn, &len, &rewritten);
	if (rewritten && !kind)
		rrk_rp_diverge(rp, "the program faulted at an int 0xf3 that rec did not put there", &ev->hdr.regs, &g);
	if (ev->hdr.kind == RRK_EV_RDTSC) {
		const struct rrk_ev_rdtsc *b = (const void *)ev->body;
		if (kind != (b->is_rdtscp ? RRK_PATCH_RDTSCP : RRK_PATCH_RDTSC))
			rrk_rp_diverge(rp, "the program faulted, but not at rdtsc", &ev->hdr.regs, &g);
		g.rax = (uint32_t)b->tsc;
		g.rdx = b->tsc >> 32;
		if (b->is_rdtscp)
			g.rcx = b->aux;
	} else {
		const struct rrk_ev_cpuid *b = (const void *)ev->body;
		if (kind != RRK_PATCH_CPUID)
			rrk_rp_diverge(rp, "the program faulted, but not at cpuid", &ev->hdr.regs, &g);
		g.rax = b->eax;
		g.rbx = b->ebx;
		g.rcx = b->ecx;
		g.rdx = b->edx;
	}
	g.rip += len;
	tracee_setregs(&rp->cur_t->t, &g);
}

static void replay_signal(struct replayer *rp, const struct rrk_ev *ev, struct stop *st)
{
	const struct rrk_ev_signal *b = (const void *)ev->body;
	struct rrk_regs g;
	if (st->kind != STOP_SIGNAL || st->sig != (int)b->signo)
		unexpected(rp, st);
	tracee_getregs(&rp->cur_t->t, &g);
	/* A fatal signal that hit user code lands a little earlier in
	 * replay; with no event in between, nothing observable differs. */
	if (b->synchronous || (ev->hdr.flags & RRK_EVF_AT_SYSCALL) ||
	    b->disposition != RRK_SIG_FATAL)
		check_regs(rp, &ev->hdr.regs, &g, 0);
	if (b->disposition == RRK_SIG_HANDLED || b->disposition == RRK_SIG_FATAL)
		rp->cur_t->restart_pending = 0;
	if (b->disposition == RRK_SIG_HANDLED) {
		apply_mem(rp, ev); /* the frame the kernel built */
		struct rrk_regs h = b->regs_after;
		h.orig_rax = (uint64_t)-1; /* no syscall restart on the way out */
		tracee_setregs(&rp->cur_t->t, &h);
		rp->cur_t->resume_sig = 0;
	} else if (b->disposition == RRK_SIG_FATAL) {
		rp->cur_t->resume_sig = (int)b->signo;
		mark_exiting(rp, rp->cur_t, 1);
	}
}

/* Asynchronous signals are sent before resuming: delivered at the same
 * syscall boundary as when recorded. */
static void send_async(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_signal *b = (const void *)ev->body;
	if (b->synchronous)
		return;
	if (!(ev->hdr.flags & (RRK_EVF_AT_SYSCALL | RRK_EVF_EXECPOINT)) &&
	    b->disposition == RRK_SIG_HANDLED)
		rrk_rp_fail(rp, "%s: event %llu: a signal handled in the middle of user code, without an execution point",
			    rp->o->trace_name, (unsigned long long)ev->hdr.number);
	uint64_t none = 0;
	ptrace(PTRACE_SETSIGMASK, rp->cur_t->t.tid, (void *)8, &none);
	/* tkill, not tgkill(tid, tid): that names the thread group tid,
	 * which is no group unless the task is its process's leader
	 * (ESRCH for any other thread, and the signal never came) */
	if (syscall(SYS_tkill, rp->cur_t->t.tid, (int)b->signo) < 0)
		rrk_rp_fail(rp, "cannot send signal %u to task %d: %s", b->signo,
			    (int)rp->cur_t->t.tid, strerror(errno));
}

/* Whether another live thread shares t's process. */
static int another_thread(struct replayer *rp, const struct ptask *t)
{
	for (struct ptask *x = rp->tasks; x; x = x->next)
		if (x != t && !x->dead && !x->doomed && x->proc == t->proc)
			return 1;
	return 0;
}

static void replay_exit(struct replayer *rp, const struct rrk_ev *ev)
{
	const struct rrk_ev_exit *b = (const void *)ev->body;
	struct ptask *t = rp->cur_t;
	struct stop st;
	if (t->ghost) {
		/* it was already on its way out when the keyframe was made */
		task_gone(t);
		return;
	}
	if (WIFSIGNALED(b->status) && WTERMSIG(b->status) == SIGKILL && !t->has_pending) {
		/* killed from outside: nothing in the trace leads there */
		kill(t->t.tid, SIGKILL);
		t->running = 1;
	} else if (!t->exiting && !t->has_pending && !t->running && another_thread(rp, t)) {
		/* Nothing it did ends it: another thread's exec does, which
		 * the recording lists after this exit. Resumed now it would
		 * run code the recording never ran (and its system calls for
		 * real); it stays stopped, and the exec takes it. */
		t->doomed = 1;
		return;
	}
	for (;;) {
		st = next_stop(rp, t, 0);
		if (st.kind == STOP_EXITED)
			break;
		if (st.kind == STOP_SIGNAL)
			rp->cur_t->resume_sig = 0;
		else if (st.kind != STOP_SECCOMP && st.kind != STOP_SYSCALL)
			unexpected(rp, &st);
		/* a thread killed with its group passes its last stops */
	}
	/* The core-dump bit depends on the host's limits, not the program. */
	if ((st.status & ~0x80) != (b->status & ~0x80)) {
		char msg[128];
		snprintf(msg, sizeof msg, "the program ended with status 0x%x, recorded 0x%x",
			 st.status, b->status);
		rrk_rp_diverge(rp, msg, NULL, NULL);
	}
	task_gone(t);
}

int rrk_rp_end_status(struct replayer *rp)
{
	if (!rp->have_end)
		return 125;
	if (rp->end.how == RRK_END_EXITED)
		return rp->end.code & 0xff;
	if (rp->end.how == RRK_END_SIGNALED)
		return 128 + rp->end.code;
	return 125;
}

void rrk_rp_kill(struct replayer *rp) { kill_tasks(rp); }

void rrk_rp_settle(struct replayer *rp)
{
	for (struct ptask *t = rp->tasks; t; t = t->next) {
		int status;
		if (t->dead || !t->initial || t->t.tid <= 0)
			continue;
		if (waitpid(t->t.tid, &status, __WALL) == t->t.tid) {
			t->initial = 0;
			t->running = 0;
			t->t.status = status;
		}
	}
	/* Tasks on their way out: let them finish dying, so that what the
	 * kernel does at an exit (clearing the tid for pthread_join) is in
	 * memory. Their ends wait as pending stops for their EXIT events. A
	 * leader's end comes after its threads': poll them all. */
	uint64_t deadline = rrk_now_ns() + 10000000000ull;
	for (int left = 1; left && rrk_now_ns() < deadline;) {
		left = 0;
		for (struct ptask *t = rp->tasks; t; t = t->next) {
			int status;
			/* (one play has not let go yet, at a fatal signal, is
			 * left as it is) */
			if (t->dead || !t->exiting || t->ghost || t->has_pending || t->t.tid <= 0 ||
			    !t->running)
				continue;
			pid_t w = waitpid(t->t.tid, &status, __WALL | WNOHANG);
			if (w == 0) {
				left = 1;
				continue;
			}
			struct stop st;
			if (w < 0) {
				st.kind = STOP_EXITED;
				st.sig = 0;
				st.status = 0;
			} else {
				decode_stop(status, &st);
			}
			if (st.kind == STOP_EXIT_EVENT || (st.kind != STOP_EXITED && st.kind != STOP_NONE &&
							   w > 0 && !WIFEXITED(status) && !WIFSIGNALED(status))) {
				tracee_cont(&t->t, 0); /* on to the end */
				left = 1;
				continue;
			}
			t->pending = st;
			t->has_pending = 1;
			t->running = 0;
			t->reaped = st.kind == STOP_EXITED; /* its pid may be reused */
		}
		if (left)
			usleep(1000);
	}
}

struct ptask *rrk_rp_task(struct replayer *rp, uint32_t rec_tid) { return task_by_rec(rp, rec_tid); }

/* ---- what the engine shows above it ---- */

struct replayer *rrk_rp_new(void) { return rrk_xcalloc(1, sizeof(struct replayer)); }
void rrk_rp_free(struct replayer *rp)
{
	if (rp->have_wake)
		timer_delete(rp->wake);
	for (size_t i = 0; i < rp->nshared; i++)
		close(rp->shared[i].memfd);
	free(rp->shared);
	free(rp);
}
uint64_t rrk_rp_last(struct replayer *rp) { return rp->last; }
struct ptask *rrk_rp_tasks(struct replayer *rp) { return rp->tasks; }
struct ptask *rrk_rp_cur_task(struct replayer *rp) { return rp->cur_t; }
struct rrk_reader *rrk_rp_reader(struct replayer *rp) { return rp->rd; }

const struct rrk_end *rrk_rp_end(struct replayer *rp, const char **reason)
{
	if (reason)
		*reason = rp->end_reason;
	return rp->have_end ? &rp->end : NULL;
}

const uint8_t *rrk_rp_file_digest(struct replayer *rp, const char *path)
{
	for (size_t i = 0; i < rp->nfiles; i++)
		if (!strcmp(rp->files[i].path, path) && rrk_rp_blob(rp, rp->files[i].digest))
			return rp->files[i].digest;
	return NULL;
}

void rrk_rp_set_user_debugregs(struct replayer *rp, const uint64_t dr[3], uint64_t dr7)
{
	if (dr)
		for (int i = 0; i < 3; i++)
			rp->user_dr[i] = dr[i];
	rp->user_dr7 = dr7;
}

void rrk_rp_begin_keyframe(struct replayer *rp, const struct rrk_ev *kf)
{
	start(rp, rrk_kf_first_tid(kf));
	rrk_kf_build(rp, kf);
}

/* Reads the trace again from its first record (it is seekable), with
 * that record peeked, as rrk_rp_begin leaves it before its advance(). */
static void read_again(struct replayer *rp)
{
	rrk_reader_close(rp->rd);
	if (lseek(rp->o->trace_fd, 0, SEEK_SET) < 0)
		rrk_rp_fail(rp, "cannot read %s again: %s", rp->o->trace_name, strerror(errno));
	rp->rd = rrk_reader_open(rp->o->trace_fd, rp->o->trace_name);
	if (!rp->rd)
		rrk_rp_fail(rp, "cannot read %s again", rp->o->trace_name);
	rrk_reader_hash_background(rp->rd);
	rrk_reader_avoid_cpu(rp->rd, sched_getcpu()); /* play's, pinned by now */
	rp->cur = 1;
	rp->st_next = fetch(rp, &rp->slot[0]);
}

/* --goto: starts from the last keyframe at or before event n when the
 * trace has one after its start (reading, not replaying, the events up to
 * it). Returns 1 when it did; else the reader is back at the start. */
static int jump(struct replayer *rp, uint64_t n, uint64_t first)
{
	struct rrk_ev kf;
	int have = 0;
	memset(&kf, 0, sizeof kf);
	while (cur(rp)->hdr.number <= n) {
		struct rrk_ev *ev = cur(rp);
		if (ev->hdr.kind == RRK_EV_KEYFRAME && ev->hdr.number > first) {
			rrk_ev_free(&kf);
			rrk_ev_copy(&kf, ev);
			have = 1;
		}
		if (advance(rp))
			break;
	}
	if (have) {
		rrk_rp_begin_keyframe(rp, &kf);
		rrk_rp_rewind(rp, kf.hdr.number);
		rp->cur_t = task_by_rec(rp, cur(rp)->hdr.tid);
		/* the event after the keyframe is current, not yet replayed:
		 * step back so that rrk_rp_step takes it */
		rp->pending_cur = 1;
	} else {
		/* back to the very first record, keyframe or not */
		read_again(rp);
		if (advance(rp) || cur(rp)->hdr.number != first)
			rrk_rp_fail(rp, "%s changed while being replayed", rp->o->trace_name);
	}
	rrk_ev_free(&kf);
	return have;
}

void rrk_rp_begin(struct replayer *rp, const struct replay_options *o)
{
	rp->o = o;
	signal(SIGPIPE, SIG_IGN);
	rp->rd = rrk_reader_open(o->trace_fd, o->trace_name);
	if (!rp->rd)
		rrk_die("cannot read %s: %s", o->trace_name, strerror(errno));
	/* (before play pins itself to one CPU: the thread may use another) */
	rrk_reader_hash_background(rp->rd);
	if (o->tap)
		rrk_reader_tap(rp->rd, o->tap, o->tap_ctx);
	rp->cur = 1;
	rp->st_next = fetch(rp, &rp->slot[0]);
	/* advance() swaps: slot 0 becomes current, slot 1 is fetched */
	int st = advance(rp);
	if (st) {
		if (st == RRK_EOF)
			rrk_rp_fail(rp, "%s: the trace holds no events (%s)", o->trace_name,
				    rp->have_end && rp->end.how == RRK_END_ABORTED ? rp->end_reason : "empty recording");
		rrk_rp_fail(rp, "%s", rrk_reader_error(rp->rd));
	}
	if (!rp->have_header)
		rrk_rp_fail(rp, "%s: the trace has no header record", o->trace_name);
	struct rrk_ev *ev = cur(rp);
	uint64_t first = ev->hdr.number;
	if (o->goto_event > first && lseek(o->trace_fd, 0, SEEK_CUR) >= 0 &&
	    jump(rp, o->goto_event, first))
		return;
	ev = cur(rp);
	if (ev->hdr.kind == RRK_EV_KEYFRAME) {
		/* a trace that starts part way: rebuild the snapshot */
		rrk_rp_begin_keyframe(rp, ev);
		return;
	}
	if (ev->hdr.kind != RRK_EV_EXEC || !(ev->hdr.flags & RRK_EVF_INITIAL))
		rrk_rp_fail(rp, "%s: the first event is not the program's start", o->trace_name);
	start(rp, ev->hdr.tid);
	build_image(rp, ev);
	rp->last = ev->hdr.number;
}

void rrk_rp_rewind(struct replayer *rp, uint64_t when)
{
	read_again(rp);
	for (;;) {
		int st = advance(rp);
		if (st)
			rrk_rp_fail(rp, "%s changed while being replayed", rp->o->trace_name);
		if (cur(rp)->hdr.number >= when && cur(rp)->hdr.kind != RRK_EV_KEYFRAME)
			break;
	}
	rp->last = cur(rp)->hdr.number;
}

/* Returns 0, 1 at the end of the trace, 2 when the program's output was
 * closed (the replay stops as the program would have, with SIGPIPE). */
int rrk_rp_step(struct replayer *rp)
{
	int st = rrk_rp_prepare(rp);
	return st ? st : rrk_rp_process(rp);
}

int rrk_rp_prepare(struct replayer *rp)
{
	const struct replay_options *o = rp->o;
	int st = 0;
	if (rp->pending_cur)
		rp->pending_cur = 0; /* the current event is still to replay */
	else
		st = advance(rp);
	if (st) {
		if (st == RRK_EOF && rp->have_end && rp->end.how == RRK_END_ABORTED)
			rrk_rp_fail(rp, "the recording stopped early (%s); replayed all %llu events it holds",
				    rp->end_reason, (unsigned long long)rp->last);
		if (st == RRK_EOF)
			return 1;
		rrk_rp_fail(rp, "%s; replayed up to event %llu", rrk_reader_error(rp->rd),
			    (unsigned long long)rp->last);
	}
	struct rrk_ev *ev = cur(rp);
	if (ev->hdr.kind == RRK_EV_KEYFRAME)
		return rrk_rp_prepare(rp); /* a snapshot of what replay has */
	rp->last = ev->hdr.number;
	if (getenv("RRK_DEBUG")) {
		char nb[64];
		fprintf(stderr, "replay: event %llu tid %u %s\n", (unsigned long long)ev->hdr.number,
			ev->hdr.tid, ev_name(ev, nb, sizeof nb));
	}
	rp->cur_t = task_by_rec(rp, ev->hdr.tid);
	if (!rp->cur_t)
		rrk_rp_fail(rp, "%s: event %llu belongs to task %u, which does not exist at that point",
			    o->trace_name, (unsigned long long)ev->hdr.number, ev->hdr.tid);
	struct ptask *ct = rp->cur_t;
	/* A signal at the syscall's end decides (replay_signal): a handler
	 * or death instead of the restart; a stop or nothing, the restart
	 * at the task's next event. */
	if (ct->restart_pending && !(ev->hdr.kind == RRK_EV_SIGNAL && (ev->hdr.flags & RRK_EVF_AT_SYSCALL))) {
		ct->restart_pending = 0;
		struct rrk_regs r;
		tracee_getregs(&ct->t, &r);
		r.rip -= 2;
		r.rax = ct->restart_nr;
		tracee_setregs(&ct->t, &r);
	}
	return 0;
}

static void task_done(struct ptask *t, const struct rrk_ev *ev, int stopped)
{
	t->last_ev = ev->hdr.number;
	t->last_kind = ev->hdr.kind;
	if (stopped)
		t->last_stop_ev = ev->hdr.number;
}

/* The syscalls the task made through its syscall buffer before this
 * event: their records go into the buffer where the library finds them
 * when it makes the same calls (doc/design.md "The syscall buffer").
 * After the event (emptied), the buffer starts over as it did in rec. */
static void fill_sysbuf(struct replayer *rp, const struct rrk_ev *ev, struct ptask *t, int emptied)
{
	for (size_t i = 0; i < ev->nattach; i++) {
		const struct rrk_attach *a = &ev->attach[i];
		if (a->type != RRK_REC_SYSBUF)
			continue;
		struct rrk_sysbuf h;
		memcpy(&h, a->data, sizeof h);
		uint64_t len = a->size - sizeof h;
		if (emptied) {
			uint64_t zero = 0;
			if ((h.flags & RRK_SYSBUF_EMPTIED) && !t->dead && t->t.tid > 0)
				tracee_write(&t->t, h.addr + RRK_SB_OFF_USED, &zero, sizeof zero);
			continue;
		}
		if (h.version != RRK_SB_VERSION)
			rrk_rp_fail(rp, "%s: event %llu: syscall buffer protocol %u is not %d; use a play of the same version as the rec",
				    rp->o->trace_name, (unsigned long long)ev->hdr.number, h.version, RRK_SB_VERSION);
		if (!h.addr || (h.addr & 4095) || h.offset > RRK_SB_SIZE || len > RRK_SB_SIZE - RRK_SB_HDR_SIZE - h.offset ||
		    rrk_sb_walk(a->data + sizeof h, len, NULL, NULL) != (long)h.count)
			rrk_rp_fail(rp, "%s: event %llu: corrupt syscall buffer record", rp->o->trace_name,
				    (unsigned long long)ev->hdr.number);
		uint64_t fields[2] = { h.offset, h.count }; /* used, left */
		if (tracee_write(&t->t, h.addr + RRK_SB_HDR_SIZE + h.offset, a->data + sizeof h, len) < 0 ||
		    tracee_write(&t->t, h.addr + RRK_SB_OFF_USED, fields, sizeof fields) < 0)
			rrk_rp_diverge(rp, "the task's syscall buffer is not where it was", NULL, NULL);
	}
}

int rrk_rp_process(struct replayer *rp)
{
	const struct replay_options *o = rp->o;
	struct rrk_ev *ev = cur(rp);
	struct ptask *ct = rp->cur_t;
	if (!rp->keep_sysbuf)
		fill_sysbuf(rp, ev, ct, 0);
	rp->keep_sysbuf = 0;
	rp->in_run = 0;
	notify_before(rp, ev, ct);
	rp->in_run = 1;
	if (ev->hdr.kind == RRK_EV_SCHED) {
		/* the recorder switched tasks here: be at the same point */
		if (ev->hdr.flags & RRK_EVF_EXECPOINT)
			reach_point(rp, ev);
		fill_sysbuf(rp, ev, ct, 1);
		/* RUNS_ON: the task is still where its last event left it, and
		 * runs on from there at its next one */
		if (!(ev->hdr.flags & RRK_EVF_RUNS_ON))
			task_done(ct, ev, 0);
		notify_after(rp, ev);
		return 0;
	}
	if (ev->hdr.kind == RRK_EV_SIGNAL && (ev->hdr.flags & RRK_EVF_EXECPOINT))
		reach_point(rp, ev);
	if (ev->hdr.kind == RRK_EV_SIGNAL)
		send_async(rp, ev);
	if (ev->hdr.kind == RRK_EV_EXIT || (ev->hdr.kind == RRK_EV_SYSCALL &&
					     (ev->hdr.flags & RRK_EVF_ENTERED))) {
		if (ev->hdr.kind == RRK_EV_EXIT)
			replay_exit(rp, ev);
		else
			replay_syscall(rp, ev);
		fill_sysbuf(rp, ev, ct, 1);
		task_done(ct, ev, 0);
		notify_after(rp, ev);
		return 0;
	}
	int expect = 0;
	if (ev->hdr.kind == RRK_EV_SIGNAL)
		expect = (int)((const struct rrk_ev_signal *)(const void *)ev->body)->signo;
	else if (ev->hdr.kind == RRK_EV_RDTSC || ev->hdr.kind == RRK_EV_CPUID)
		expect = SIGSEGV;
	struct stop stp = next_stop(rp, rp->cur_t, expect);
	if (rp->out_closed)
		return 2;
	if (rp->nobs && (stp.kind == STOP_SECCOMP || stp.kind == STOP_SIGNAL)) {
		rp->cur_t->at_syscall = stp.kind == STOP_SECCOMP;
		notify_at_stop(rp, ev, rp->cur_t);
		rp->cur_t->at_syscall = 0;
	}
	switch (ev->hdr.kind) {
	case RRK_EV_SYSCALL:
		if (stp.kind != STOP_SECCOMP)
			unexpected(rp, &stp);
		replay_syscall(rp, ev);
		break;
	case RRK_EV_EXEC: {
		if (stp.kind != STOP_SECCOMP)
			unexpected(rp, &stp);
		struct rrk_regs g;
		tracee_getregs(&rp->cur_t->t, &g);
		check_regs(rp, &ev->hdr.regs, &g, 1);
		exec_stub(rp, &g);
		build_image(rp, ev);
		break;
	}
	case RRK_EV_RDTSC:
	case RRK_EV_CPUID:
		replay_trap_insn(rp, ev, &stp);
		break;
	case RRK_EV_SIGNAL:
		replay_signal(rp, ev, &stp);
		break;
	default:
		rrk_rp_fail(rp, "%s: event %llu has unknown kind %u", o->trace_name,
			    (unsigned long long)ev->hdr.number, ev->hdr.kind);
	}
	fill_sysbuf(rp, ev, ct, 1);
	task_done(ct, ev, 1);
	if (rp->out_closed)
		return 2;
	notify_after(rp, ev);
	return 0;
}

int rrk_replay(const struct replay_options *o)
{
	struct replayer rps, *rp = &rps;
	memset(rp, 0, sizeof *rp);
	if (o->goto_event)
		rp->emitted = o->goto_event - 1; /* output from event N on */
	rrk_rp_begin(rp, o);
	for (;;) {
		int st = rrk_rp_step(rp);
		if (st == 1)
			break;
		if (st == 2) {
			kill_tasks(rp);
			return 141;
		}
	}
	if (rp->have_end && rp->end.how == RRK_END_CUT) {
		/* the program goes on past the cut: it ends here */
		kill_tasks(rp);
		rrk_warn("the trace ends at event %llu (%s); replayed all of it",
			 (unsigned long long)rp->last, rp->end_reason);
		return 0;
	}
	return rrk_rp_end_status(rp);
}
