#include "patchset.h"

#include <stdlib.h>
#include <string.h>
#include "base/util.h"
#include "sys/syshooks.h"

_Static_assert((int)RRK_SITE_RDTSC == (int)RRK_PATCH_RDTSC &&
		       (int)RRK_SITE_RDTSCP == (int)RRK_PATCH_RDTSCP &&
		       (int)RRK_SITE_CPUID == (int)RRK_PATCH_CPUID,
	       "a site's kind is its PATCH kind");

void rrk_patch_bytes(uint8_t out[16])
{
	memset(out, 0x90, 16);
	out[0] = 0xcd;
	out[1] = 0xf3;
}

/* The kind of the unprefixed instruction whose first bytes are b[0..2],
 * and its length. */
static unsigned insn_kind(const uint8_t b[3], unsigned *len)
{
	unsigned k = b[0] != 0x0f ? 0 : b[1] == 0x31 ? RRK_PATCH_RDTSC
		   : b[1] == 0x01 && b[2] == 0xf9 ? RRK_PATCH_RDTSCP : b[1] == 0xa2 ? RRK_PATCH_CPUID : 0;
	*len = k == RRK_PATCH_RDTSCP ? 3 : 2;
	return k;
}

unsigned rrk_trap_at(const struct rrk_patchset *ps, uint64_t rip, const uint8_t b[3], unsigned *len,
		     int *rewritten)
{
	*rewritten = b[0] == 0xcd && b[1] == 0xf3;
	if (!*rewritten)
		return insn_kind(b, len);
	const struct rrk_patch_site *s = rrk_ps_find(ps, rip);
	*len = s ? s->len : 2;
	return s ? s->kind : 0;
}

int rrk_patch_opcode_ok(unsigned kind, const uint8_t *code, unsigned len)
{
	/* (code holds 16 bytes: the opcode's third byte is readable) */
	unsigned n = kind == RRK_PATCH_RDTSCP ? 3 : 2, l;
	return kind && len >= n && len <= 15 && insn_kind(code + len - n, &l) == kind;
}

/* Index of the first site whose addr is >= addr. */
static size_t lower(const struct rrk_patchset *ps, uint64_t addr)
{
	size_t lo = 0, hi = ps->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ps->v[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void rrk_ps_add(struct rrk_patchset *ps, const struct rrk_patch_site *s)
{
	rrk_ps_drop(ps, s->addr, s->addr + s->len);
	if (ps->n == ps->cap)
		ps->v = rrk_xrealloc(ps->v, (ps->cap = ps->cap * 2 + 16) * sizeof *ps->v);
	size_t i = lower(ps, s->addr);
	memmove(&ps->v[i + 1], &ps->v[i], (ps->n - i) * sizeof *ps->v);
	ps->v[i] = *s;
	ps->n++;
}

const struct rrk_patch_site *rrk_ps_find(const struct rrk_patchset *ps, uint64_t addr)
{
	size_t i = lower(ps, addr);
	return i < ps->n && ps->v[i].addr == addr ? &ps->v[i] : NULL;
}

void rrk_ps_drop(struct rrk_patchset *ps, uint64_t lo, uint64_t hi)
{
	size_t i = lower(ps, lo > 15 ? lo - 15 : 0), j = i;
	for (; i < ps->n && ps->v[i].addr < hi; i++)
		if (ps->v[i].addr + ps->v[i].len <= lo)
			ps->v[j++] = ps->v[i];
	memmove(&ps->v[j], &ps->v[i], (ps->n - i) * sizeof *ps->v);
	ps->n -= i - j;
}

void rrk_ps_move(struct rrk_patchset *ps, uint64_t from, uint64_t len, uint64_t to)
{
	struct rrk_patchset moved = { NULL, 0, 0 };
	for (size_t i = lower(ps, from); i < ps->n && ps->v[i].addr < from + len; i++) {
		if (ps->v[i].addr + ps->v[i].len > from + len)
			continue;
		struct rrk_patch_site s = ps->v[i];
		s.addr = s.addr - from + to;
		rrk_ps_add(&moved, &s);
	}
	rrk_ps_drop(ps, from, from + len);
	for (size_t i = 0; i < moved.n; i++)
		rrk_ps_add(ps, &moved.v[i]);
	rrk_ps_clear(&moved);
}

int rrk_ps_rewrite(struct rrk_patchset *ps, struct tracee *t, const struct rrk_site *sites, long n,
		   uint64_t start, uint64_t end, uint64_t offset,
		   void (*added)(void *ctx, const struct rrk_patch_site *s), void *ctx)
{
	for (long i = 0; i < n; i++) {
		const struct rrk_site *s = &sites[i];
		if (s->off < offset || s->off + s->len > offset + (end - start))
			continue;
		struct rrk_patch_site p;
		uint8_t trap[16];
		memset(&p, 0, sizeof p);
		p.addr = start + (s->off - offset);
		p.kind = s->kind;
		p.len = s->len;
		/* (already rewritten, or changed since it was mapped: skip) */
		if (rrk_ps_find(ps, p.addr) || tracee_read(t, p.addr, p.orig, p.len) < 0 ||
		    !rrk_patch_opcode_ok(p.kind, p.orig, p.len))
			continue;
		rrk_patch_bytes(trap);
		if (tracee_write(t, p.addr, trap, p.len) < 0)
			return -1;
		rrk_ps_add(ps, &p);
		if (added)
			added(ctx, &p);
	}
	return 0;
}

/* A length as the kernel counts it: whole pages. */
static uint64_t pages(uint64_t len)
{
	return (len + 4095) & ~4095ull;
}

void rrk_ps_track(struct rrk_patchset *ps, unsigned hook, const uint64_t a[6], int64_t res)
{
	if (res < 0 && res > -4096)
		return;
	uint64_t to = (uint64_t)res;
	if (hook == RRK_HK_MMAP) {
		rrk_ps_drop(ps, to, to + pages(a[1]));
	} else if (hook == RRK_HK_MUNMAP) {
		rrk_ps_drop(ps, a[0], a[0] + pages(a[1]));
	} else if (hook == RRK_HK_MREMAP) {
		uint64_t old = pages(a[1]), len = pages(a[2]);
		if (len < old)
			rrk_ps_drop(ps, a[0] + len, a[0] + old);
		if (to != a[0]) { /* moved: over what was at the new place */
			rrk_ps_drop(ps, to, to + len);
			rrk_ps_move(ps, a[0], len < old ? len : old, to);
		}
	}
}

void rrk_ps_copy(struct rrk_patchset *dst, const struct rrk_patchset *src)
{
	if (dst == src)
		return;
	rrk_ps_clear(dst);
	if (!src->n)
		return;
	dst->v = rrk_xmalloc(src->n * sizeof *dst->v);
	memcpy(dst->v, src->v, src->n * sizeof *dst->v);
	dst->n = dst->cap = src->n;
}

void rrk_ps_clear(struct rrk_patchset *ps)
{
	free(ps->v);
	memset(ps, 0, sizeof *ps);
}

void rrk_ps_unpatch(const struct rrk_patchset *ps, uint64_t addr, uint8_t *buf, size_t len)
{
	for (size_t i = lower(ps, addr > 15 ? addr - 15 : 0); i < ps->n && ps->v[i].addr < addr + len; i++) {
		const struct rrk_patch_site *s = &ps->v[i];
		for (unsigned k = 0; k < s->len; k++)
			if (s->addr + k >= addr && s->addr + k < addr + len)
				buf[s->addr + k - addr] = s->orig[k];
	}
}
