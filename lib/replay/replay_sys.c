/* play's code for particular syscalls, one handler per hook id of their
 * table row (syshooks.h, systable.c). replay.c calls them at fixed points
 * of replaying a syscall (struct rp_hooks says where); what every syscall
 * gets stays there. */
#include "replay_int.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "ptrace/maps.h"
#include "sys/systable.h"
#include "ptrace/tracee.h"

static uint64_t pages(uint64_t len)
{
	return (len + 4095) & ~4095ull;
}

/* The task's name, for a debugger. */
static void rp_pre_prctl(struct rp_call *c)
{
	if (c->b->args[0] != PR_SET_NAME || c->b->result != 0)
		return;
	char name[16];
	if (tracee_read_str(&c->t->t, c->b->args[1], name, sizeof name) >= 0)
		memcpy(c->t->name, name, sizeof name);
}

/* The break moves by mapping or unmapping the pages between the old and
 * the recorded top: the kernel's own break may lie elsewhere. */
static int rp_args_brk(struct rp_call *c)
{
	struct proc *p = c->t->proc;
	int64_t want = c->b->result;
	uint64_t old_top = pages(p->cur_brk), new_top = pages((uint64_t)want);
	if (new_top > old_top) {
		uint64_t m[6] = { old_top, new_top - old_top, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, (uint64_t)-1, 0 };
		if ((uint64_t)rrk_rp_run_real(c->rp, c->g, SYS_mmap, m) != old_top)
			rrk_rp_diverge(c->rp, "cannot grow the program break", NULL, NULL);
	} else if (new_top < old_top) {
		uint64_t m[6] = { new_top, old_top - new_top, 0, 0, 0, 0 };
		rrk_rp_run_real(c->rp, c->g, SYS_munmap, m);
	}
	p->cur_brk = (uint64_t)want;
	c->g->orig_rax = (uint64_t)-1;
	c->g->rax = (uint64_t)want;
	if (new_top == old_top) {
		tracee_setregs(&c->t->t, c->g);
	} else {
		struct rrk_regs r;
		tracee_getregs(&c->t->t, &r);
		r.rax = (uint64_t)want;
		tracee_setregs(&c->t->t, &r);
	}
	return 1;
}

/* At the recorded address; a file's bytes come from the trace. */
static int rp_args_mmap(struct rp_call *c)
{
	uint64_t *a = c->a;
	a[0] = (uint64_t)c->b->result;
	if (!(a[3] & MAP_ANONYMOUS)) {
		/* The file is in the trace, not on this host. */
		a[3] = (a[3] & ~(uint64_t)(MAP_SHARED | MAP_FIXED_NOREPLACE)) | MAP_PRIVATE | MAP_ANONYMOUS;
		a[4] = (uint64_t)-1;
		a[5] = 0;
	}
	a[3] = (a[3] & ~(uint64_t)MAP_FIXED_NOREPLACE) | MAP_FIXED;
	return 0;
}

static int rp_args_mremap(struct rp_call *c)
{
	uint64_t *a = c->a, want = (uint64_t)c->b->result;
	if (want != a[0]) {
		a[3] |= MREMAP_MAYMOVE | MREMAP_FIXED;
		a[4] = want;
	} else {
		a[3] &= ~(uint64_t)(MREMAP_MAYMOVE | MREMAP_FIXED);
	}
	return 0;
}

/* Returns the caller's tid: the program sees the recorded one. */
static void rp_result_set_tid_address(struct rp_call *c)
{
	c->t->clear_tid = c->a[0];
	struct rrk_regs r;
	tracee_getregs(&c->t->t, &r);
	r.rax = (uint64_t)c->b->result;
	tracee_setregs(&c->t->t, &r);
	c->got = c->b->result;
}

static const struct rrk_map *ev_map(const struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++)
		if (ev->attach[i].type == RRK_REC_MAP && ev->attach[i].size >= sizeof(struct rrk_map))
			return (const void *)ev->attach[i].data;
	return NULL;
}

/* A file's bytes, from its blob, over the anonymous mapping just made. */
static void rp_mapped_mmap(struct rp_call *c)
{
	const struct rrk_ev_syscall *b = c->b;
	const struct rrk_map *mp = ev_map(c->ev);
	if (!mp || !(mp->flags & RRK_MAP_FILE))
		return;
	struct blob *bl = rrk_rp_blob(c->rp, mp->digest);
	if (!bl)
		rrk_rp_fail(c->rp, "%s: event %llu maps a file the trace does not contain", c->rp->o->trace_name,
			    (unsigned long long)c->ev->hdr.number);
	uint64_t at = (uint64_t)b->result;
	const struct rrk_attach *ma = NULL;
	for (size_t i = 0; i < c->ev->nattach && !ma; i++)
		if (c->ev->attach[i].data == (const uint8_t *)mp)
			ma = &c->ev->attach[i];
	const char *id = (mp->flags & RRK_MAP_SHARED) ? rrk_rp_map_id(ma) : NULL;
	if (id)
		rrk_rp_map_shared(c->rp, c->g->rip - 2, at, b->args[1], (int)b->args[2], bl, mp->offset, id);
	else
		rrk_rp_put_blob(c->rp, c->g->rip - 2, at, b->args[1], (int)b->args[2], bl, mp->offset, NULL);
	rrk_rp_note_file(c->t->proc, at, at + pages(b->args[1]), mp->digest, mp->offset, ma);
}

/* New code: play rewrites what rec would have rewritten (self_patch). */
static void rp_after_mmap(struct rp_call *c)
{
	if (c->rp->self_patch && (c->b->args[2] & PROT_EXEC))
		rrk_rp_self_patch(c->rp, (uint64_t)c->b->result, (uint64_t)c->b->result + pages(c->b->args[1]));
}

static void rp_after_mprotect(struct rp_call *c)
{
	if (c->rp->self_patch && (c->b->args[2] & PROT_EXEC))
		rrk_rp_self_patch(c->rp, c->b->args[0], c->b->args[0] + pages(c->b->args[1]));
}

const struct rp_hooks rrk_rp_hooks[RRK_HK_COUNT] = {
	[RRK_HK_BRK] = { .args = rp_args_brk },
	[RRK_HK_MMAP] = { .args = rp_args_mmap, .mapped = rp_mapped_mmap, .after = rp_after_mmap },
	[RRK_HK_MREMAP] = { .args = rp_args_mremap },
	[RRK_HK_MPROTECT] = { .after = rp_after_mprotect },
	[RRK_HK_SET_TID_ADDRESS] = { .result = rp_result_set_tid_address },
	[RRK_HK_PRCTL] = { .pre = rp_pre_prctl },
};
