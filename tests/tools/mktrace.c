/* mktrace: writes synthetic rrkit traces for tests.
 *   mktrace [--events N] [--flush N] [--level L] [--blob-size N]
 *           [--no-end] [--unknown-skippable] [--unknown-required]
 *           [--two-argv] > out.trace
 *   mktrace --all-kinds [--level L] > out.trace
 *   mktrace --reframe LEVEL [--flush N] [--bad-digest] < in.trace > out.trace
 *   mktrace --set-version V < in.trace > out.trace
 * --flush N ends a frame after every N events (0: only when 1 MiB fills).
 * --reframe rewrites the same records with new framing and compression
 * (--bad-digest: and an end record whose digest does not match them).
 * --all-kinds writes one fixed trace with every kind of event, record and
 * attachment (tests/golden.bats). */
#include "abi/sysbuf.h"
#include "sys/systable.h"
#include "format/trace.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void usage(void)
{
	fputs("usage: mktrace [--events N] [--flush N] [--level L] [--blob-size N]\n"
	      "               [--no-end] [--unknown-skippable] [--unknown-required] [--two-argv]\n"
	      "       mktrace --all-kinds [--level L]\n"
	      "       mktrace --reframe LEVEL [--flush N] [--bad-digest]   (stdin to stdout)\n"
	      "       mktrace --set-version V               (stdin to stdout)\n",
	      stderr);
	exit(2);
}

/* The options that only switch something on. */
struct flag {
	const char *name;
	int *on;
};

static int set_flag(const char *a, const struct flag *f)
{
	for (; f->name; f++)
		if (!strcmp(a, f->name)) {
			*f->on = 1;
			return 1;
		}
	return 0;
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s ? s : "", &end, 0);
	if (!s || !*s || *end)
		usage();
	return v;
}

static void put(struct rrk_writer *w, unsigned type, unsigned flags, const void *a,
		size_t alen, const void *b, size_t blen)
{
	if (rrk_write_record(w, type, flags, a, alen, b, blen) < 0)
		rrk_die("%s", rrk_writer_error(w));
}

static void field(uint8_t **buf, size_t *len, uint16_t tag, const void *v, uint32_t vlen)
{
	*buf = rrk_xrealloc(*buf, *len + 8 + vlen);
	uint8_t *p = *buf + *len;
	uint16_t zero = 0;
	memcpy(p, &tag, 2);
	memcpy(p + 2, &zero, 2);
	memcpy(p + 4, &vlen, 4);
	memcpy(p + 8, v, vlen);
	*len += 8 + vlen;
}

static void event(struct rrk_writer *w, uint64_t n, uint32_t tid, unsigned kind,
		  unsigned flags, uint32_t nattach, const void *body, uint32_t bsize)
{
	struct rrk_event e;
	memset(&e, 0, sizeof e);
	e.number = n;
	e.tid = tid;
	e.kind = (uint16_t)kind;
	e.flags = (uint16_t)flags;
	e.nattach = nattach;
	e.body_size = bsize;
	e.regs.rip = 0x401000 + n * 16;
	e.regs.rsp = 0x7ffffffde000;
	put(w, RRK_REC_EVENT, 0, &e, sizeof e, body, bsize);
}

static int generate(long nev, long flush, int level, long blob_size, int no_end,
		    int unk_skip, int unk_req, int two_argv)
{
	struct rrk_writer *w = rrk_writer_open(1, "stdout", level);
	if (!w)
		rrk_die("%s", rrk_writer_error(NULL));
	uint8_t *h = NULL;
	size_t hl = 0;
	static const char argv[] = "/bin/hello\0--greeting\0hi there";
	uint32_t flags = 0, cpu = 0;
	uint64_t start = 1700000000000000000ull;
	field(&h, &hl, RRK_H_ARCH, "x86_64", 6);
	field(&h, &hl, RRK_H_RECORDER, "rrkit " RRK_VERSION, sizeof("rrkit " RRK_VERSION) - 1);
	field(&h, &hl, RRK_H_ARGV, argv, sizeof argv);
	if (two_argv) /* a tag that should come once, twice: readers use the first */
		field(&h, &hl, RRK_H_ARGV, "/bin/second", sizeof "/bin/second");
	field(&h, &hl, RRK_H_CWD, "/tmp", 4);
	field(&h, &hl, RRK_H_CPU, &cpu, 4);
	field(&h, &hl, RRK_H_FLAGS, &flags, 4);
	field(&h, &hl, RRK_H_START, &start, 8);
	field(&h, &hl, 999, "a future tag", 12); /* readers skip unknown tags */
	put(w, RRK_REC_HEADER, 0, h, hl, NULL, 0);
	free(h);

	/* A blob in two pieces, stored by content digest. */
	size_t bs = (size_t)blob_size;
	uint8_t *blob = rrk_xmalloc(bs);
	uint32_t x = 12345;
	for (size_t i = 0; i < bs; i++) {
		x = x * 1103515245u + 12345u;
		blob[i] = (uint8_t)(x >> 16);
	}
	struct rrk_blob b;
	rrk_sha256(blob, bs, b.digest);
	b.total = bs;
	b.offset = 0;
	put(w, RRK_REC_BLOB, 0, &b, sizeof b, blob, bs / 2);
	b.offset = bs / 2;
	put(w, RRK_REC_BLOB, 0, &b, sizeof b, blob + bs / 2, bs - bs / 2);
	free(blob);

	/* The first event is the initial exec, as rec writes it. */
	uint64_t n = 0;
	struct rrk_ev_exec ex0;
	memset(&ex0, 0, sizeof ex0);
	ex0.regs_after.rip = 0x401000;
	ex0.regs_after.rsp = 0x7ffffffde000;
	ex0.brk = 0x405000;
	ex0.stack_limit = 8u << 20;
	event(w, ++n, 1000, RRK_EV_EXEC, RRK_EVF_INITIAL, 0, &ex0, sizeof ex0);
	for (long i = 0; i < nev; i++) {
		uint32_t tid = 1000 + (uint32_t)(i % 3 == 2);
		struct rrk_ev_syscall sc;
		memset(&sc, 0, sizeof sc);
		if (i % 5 == 4) {
			struct rrk_ev_rdtsc t = { 1000000u * (uint64_t)i, 0, 0 };
			event(w, ++n, tid, RRK_EV_RDTSC, 0, 0, &t, sizeof t);
		} else if (i % 3 == 0) { /* read(3, buf, 16) = 16 */
			sc.nr = 0;
			sc.args[0] = 3;
			sc.args[1] = 0x10000 + (uint64_t)i;
			sc.args[2] = 16;
			sc.result = 16;
			event(w, ++n, tid, RRK_EV_SYSCALL, 0, 1, &sc, sizeof sc);
			struct rrk_mem m = { sc.args[1] };
			put(w, RRK_REC_MEM, 0, &m, sizeof m, "0123456789abcdef", 16);
		} else if (i % 3 == 1) { /* open("/etc/hosts", 0) = 3 */
			sc.nr = 2;
			sc.args[0] = 0x20000;
			sc.result = 3;
			event(w, ++n, tid, RRK_EV_SYSCALL, 0, 1, &sc, sizeof sc);
			struct rrk_str s = { 0, 0 };
			put(w, RRK_REC_STR, 0, &s, sizeof s, "/etc/hosts", 10);
		} else { /* write(1, buf, 6) = 6 */
			sc.nr = 1;
			sc.args[0] = 1;
			sc.args[1] = 0x30000;
			sc.args[2] = 6;
			sc.result = 6;
			event(w, ++n, tid, RRK_EV_SYSCALL, RRK_EVF_STDOUT, 0, &sc, sizeof sc);
		}
		if (i == 1 && unk_skip)
			put(w, 200, RRK_RF_SKIPPABLE, "future", 6, NULL, 0);
		if (i == 1 && unk_req)
			put(w, 201, 0, "future", 6, NULL, 0);
		if (i == 2)
			put(w, RRK_REC_NOTE, RRK_RF_SKIPPABLE, "a note", 6, NULL, 0);
		if (flush && (i + 1) % flush == 0 && rrk_writer_flush(w) < 0)
			rrk_die("%s", rrk_writer_error(w));
	}
	struct rrk_ev_exit ex = { 0, 0 };
	event(w, ++n, 1000, RRK_EV_EXIT, 0, 0, &ex, sizeof ex);
	if (no_end) {
		if (rrk_writer_flush(w) < 0)
			rrk_die("%s", rrk_writer_error(w));
		return 0; /* like a killed recorder: no END */
	}
	struct rrk_end end;
	memset(&end, 0, sizeof end);
	end.nevents = n;
	end.how = RRK_END_EXITED;
	end.code = 0;
	if (rrk_writer_close(w, &end, NULL) < 0)
		rrk_die("%s", rrk_writer_error(w));
	return 0;
}

/* bad_digest: the end record keeps the digest it had, with one bit
 * flipped, instead of the one the writer computes. */
static int reframe(int level, long flush, int bad_digest)
{
	struct rrk_reader *r = rrk_reader_open(0, "stdin");
	struct rrk_writer *w = rrk_writer_open(1, "stdout", level);
	if (!r || !w)
		rrk_die("out of memory");
	struct rrk_record rec;
	int s;
	long nrec = 0;
	while ((s = rrk_read_record(r, &rec)) == RRK_OK) {
		if (rec.type == RRK_REC_END) {
			struct rrk_end end;
			memcpy(&end, rec.data, sizeof end);
			char *reason = NULL;
			if (rec.size > sizeof end) {
				size_t l = rec.size - sizeof end;
				reason = rrk_xmalloc(l + 1);
				memcpy(reason, rec.data + sizeof end, l);
				reason[l] = 0;
			}
			if (bad_digest) {
				end.digest[0] ^= 1;
				put(w, RRK_REC_END, rec.flags, &end, sizeof end, NULL, 0);
				if (rrk_writer_flush(w) < 0)
					rrk_die("%s", rrk_writer_error(w));
				free(reason);
				w = NULL;
				continue;
			}
			if (rrk_writer_close(w, &end, reason) < 0)
				rrk_die("%s", rrk_writer_error(w));
			w = NULL;
			free(reason);
			continue;
		}
		put(w, rec.type, rec.flags, rec.data, rec.size, NULL, 0);
		if (flush && ++nrec % flush == 0 && rrk_writer_flush(w) < 0)
			rrk_die("%s", rrk_writer_error(w));
	}
	if (s != RRK_EOF)
		rrk_die("%s", rrk_reader_error(r));
	rrk_reader_close(r);
	return 0;
}

static int set_version(long v)
{
	struct rrk_preamble p;
	if (rrk_read_full(0, &p, sizeof p) != (long)sizeof p)
		rrk_die("stdin: shorter than a preamble");
	p.version = (uint32_t)v;
	p.crc = rrk_crc32c(0, &p, 12);
	if (rrk_write_all(1, &p, sizeof p) < 0)
		rrk_die("write error");
	char buf[65536];
	long n;
	while ((n = rrk_read_full(0, buf, sizeof buf)) > 0)
		if (rrk_write_all(1, buf, (size_t)n) < 0)
			rrk_die("write error");
	return n < 0;
}

/* ---- --all-kinds ----
 * One trace with every event kind, record type, attachment and event flag
 * the format has, and one SYSCALL for each way lib/sys/fmtargs.c shows an
 * argument (A_*) and each way the table describes the memory a syscall
 * writes (O_*). tests/golden.bats compares tracecat's and tracesum's
 * output on it with tests/golden/. Its end is that of a program that
 * exited (a trace has one end). Everything in it is fixed here (no time,
 * pid or path of the host, no RRK_VERSION), so every machine writes the
 * same records; only their compressed size depends on the zstd library. */

#define AK_MAXATT 16
struct ak {
	struct rrk_writer *w;
	uint64_t n; /* the last event's number */
	size_t natt;
	struct {
		unsigned type, flags;
		uint8_t *data;
		size_t size;
	} att[AK_MAXATT];
	uint64_t args_seen, outs_seen; /* a bit for each A_* and O_* used */
};

/* Queues an attachment of the next event or keyframe. */
static void ak_att(struct ak *k, unsigned type, unsigned flags, const void *a, size_t alen,
		   const void *b, size_t blen)
{
	if (k->natt == AK_MAXATT)
		rrk_die("--all-kinds: more than %d attachments", AK_MAXATT);
	uint8_t *d = rrk_xmalloc(alen + blen + 1);
	memcpy(d, a, alen);
	if (blen)
		memcpy(d + alen, b, blen);
	k->att[k->natt].type = type;
	k->att[k->natt].flags = flags;
	k->att[k->natt].data = d;
	k->att[k->natt].size = alen + blen;
	k->natt++;
}

static void ak_put_att(struct ak *k)
{
	for (size_t i = 0; i < k->natt; i++) {
		put(k->w, k->att[i].type, k->att[i].flags, k->att[i].data, k->att[i].size, NULL, 0);
		free(k->att[i].data);
	}
	k->natt = 0;
}

/* The next event, with the attachments queued since the last one. */
static void ak_event(struct ak *k, uint32_t tid, unsigned kind, unsigned flags, const void *body,
		     size_t bsize)
{
	event(k->w, ++k->n, tid, kind, flags, (uint32_t)k->natt, body, (uint32_t)bsize);
	ak_put_att(k);
}

static void ak_str(struct ak *k, uint32_t argno, const char *s)
{
	struct rrk_str st = { argno, 0 };
	ak_att(k, RRK_REC_STR, 0, &st, sizeof st, s, strlen(s));
}

/* len bytes written at addr (their values do not matter) */
static void ak_mem(struct ak *k, uint64_t addr, size_t len)
{
	uint8_t *b = rrk_xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		b[i] = (uint8_t)(addr + i * 31);
	struct rrk_mem m = { addr };
	ak_att(k, RRK_REC_MEM, 0, &m, sizeof m, b, len);
	free(b);
}

static void ak_map(struct ak *k, uint64_t start, uint64_t end, uint32_t prot, uint32_t flags,
		   uint64_t offset, const struct rrk_blob *blob, const char *name)
{
	struct rrk_map m;
	memset(&m, 0, sizeof m);
	m.start = start;
	m.end = end;
	m.prot = prot;
	m.flags = flags;
	m.offset = offset;
	if (blob) {
		m.file_size = blob->total;
		memcpy(m.digest, blob->digest, sizeof m.digest);
	}
	ak_att(k, RRK_REC_MAP, 0, &m, sizeof m, name, strlen(name));
}

/* One PATCH record: n sites from addr on, of the kinds in kinds[]. */
static void ak_patch(struct ak *k, uint64_t addr, const uint8_t *kinds, size_t n)
{
	static const uint8_t insn[4][4] = {
		{ 0 }, { 0x0f, 0x31 }, { 0x0f, 0x01, 0xf9 }, { 0x0f, 0xa2 }
	};
	static const uint8_t len[4] = { 0, 2, 3, 2 };
	struct rrk_patch_site s[4];
	if (n > 4)
		rrk_die("--all-kinds: too many patch sites");
	memset(s, 0, sizeof s);
	for (size_t i = 0; i < n; i++) {
		s[i].addr = addr + 0x40 * i;
		s[i].kind = kinds[i];
		s[i].len = len[kinds[i]];
		memcpy(s[i].orig, insn[kinds[i]], len[kinds[i]]);
	}
	ak_att(k, RRK_REC_PATCH, 0, s, n * sizeof s[0], NULL, 0);
}

/* An execution point: digest and two ranges of memory. */
static void ak_point(struct ak *k, uint64_t digest, uint64_t lo, uint64_t hi)
{
	struct rrk_point p;
	memset(&p, 0, sizeof p);
	p.digest = digest;
	p.nranges = 2;
	const uint64_t r[4] = { lo, lo + 0x1000, hi - 0x2000, hi };
	ak_att(k, RRK_REC_POINT, 0, &p, sizeof p, r, sizeof r);
}

#define ARGS(...) ((const uint64_t[6]){ __VA_ARGS__ })

/* A SYSCALL event (its attachments queued first). */
static void ak_sys(struct ak *k, uint32_t tid, unsigned flags, uint64_t nr, int64_t result,
		   const uint64_t args[6])
{
	if (nr < RRK_NSYSCALLS && rrk_systable[nr].name) {
		const struct rrk_sysent *e = &rrk_systable[nr];
		for (int i = 0; i < e->nargs; i++)
			k->args_seen |= 1ull << e->argtype[i];
		if (!e->nargs)
			k->args_seen |= 1ull << A_NONE;
		k->outs_seen |= 1ull << e->out[0].kind;
		for (int i = 1; i < 3; i++)
			if (e->out[i].kind)
				k->outs_seen |= 1ull << e->out[i].kind;
	}
	struct rrk_ev_syscall sc;
	sc.nr = nr;
	memcpy(sc.args, args, sizeof sc.args);
	sc.result = result;
	ak_event(k, tid, RRK_EV_SYSCALL, flags, &sc, sizeof sc);
}

static void ak_signal(struct ak *k, uint32_t tid, unsigned flags, uint32_t signo, uint32_t disp,
		      uint32_t sync)
{
	struct rrk_ev_signal s;
	memset(&s, 0, sizeof s);
	s.signo = signo;
	s.disposition = disp;
	s.synchronous = sync;
	memcpy(s.siginfo, &signo, 4);
	if (disp == RRK_SIG_HANDLED) {
		s.regs_after.rip = 0x401800;
		s.regs_after.rsp = 0x7ffffffdd000;
	}
	ak_event(k, tid, RRK_EV_SIGNAL, flags, &s, sizeof s);
}

static void ak_sched(struct ak *k, uint32_t tid, unsigned flags)
{
	struct rrk_ev_sched s = { { 0, 0 } };
	ak_event(k, tid, RRK_EV_SCHED, flags, &s, sizeof s);
}

/* An exec's body: the program starts at 0x401000 with this stack and heap. */
static void ak_exec_body(struct rrk_ev_exec *ex, uint64_t stk, uint64_t heap)
{
	memset(ex, 0, sizeof *ex);
	ex->regs_after.rip = 0x401000;
	ex->regs_after.rsp = stk;
	ex->brk = heap;
	ex->stack_limit = 8u << 20;
}

static void ak_exit(struct ak *k, uint32_t tid, int32_t status)
{
	struct rrk_ev_exit x = { status, 0 };
	ak_event(k, tid, RRK_EV_EXIT, 0, &x, sizeof x);
}

/* Appends one syscall buffer record (lib/abi/sysbuf.h) to b at *off. */
static void ak_sbrec(uint8_t *b, size_t *off, uint16_t nr, uint16_t flags, int64_t ret,
		     const uint64_t args[6], const void *data, size_t dlen)
{
	struct rrk_sb_rec r;
	r.size = (uint32_t)((sizeof r + dlen + 7) & ~(size_t)7);
	r.nr = nr;
	r.flags = flags;
	r.ret = ret;
	memcpy(r.args, args, sizeof r.args);
	memset(b + *off, 0, r.size);
	memcpy(b + *off, &r, sizeof r);
	if (dlen)
		memcpy(b + *off + sizeof r, data, dlen);
	*off += r.size;
}

static void field_u32(uint8_t **h, size_t *hl, uint16_t tag, uint32_t v)
{
	field(h, hl, tag, &v, 4);
}

static int all_kinds(int level)
{
	struct ak k;
	memset(&k, 0, sizeof k);
	k.w = rrk_writer_open(1, "stdout", level);
	if (!k.w)
		rrk_die("%s", rrk_writer_error(NULL));

	/* Every header field, and one of a tag no reader knows. */
	static const char argv[] = "/opt/golden/all-kinds\0--name=tab\there\0"
				   "caf\xc3\xa9\0"
				   "an argument longer than the sixty-four characters tracecat shows of it";
	static const char env[] = "HOME=/root\0LANG=C\0PATH=/usr/bin:/bin";
	const struct rrk_cpuid_leaf leaves[2] = {
		{ 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 7, 0, 0, 0x9c2fbb, 0, 0xbc000400 },
	};
	const struct rrk_hdr_traps traps = { RRK_MECH_PATCH, RRK_MECH_FAULT };
	const uint64_t start = 1700000000123456789ull;
	uint8_t *h = NULL;
	size_t hl = 0;
	field(&h, &hl, RRK_H_ARCH, "x86_64", 6);
	field(&h, &hl, RRK_H_RECORDER, "rrkit 0.1.0", 11); /* fixed: not RRK_VERSION */
	field(&h, &hl, RRK_H_OPTIONS, "--all-kinds", 11);
	field(&h, &hl, RRK_H_CPUID, leaves, sizeof leaves);
	field(&h, &hl, RRK_H_ARGV, argv, sizeof argv);
	field(&h, &hl, RRK_H_ENV, env, sizeof env);
	field(&h, &hl, RRK_H_CWD, "/home/user/a dir", 16);
	field(&h, &hl, RRK_H_COUNTERS, "none", 4);
	field_u32(&h, &hl, RRK_H_CPU, 3);
	field_u32(&h, &hl, RRK_H_FLAGS, RRK_HF_CPUID_TRAPPED | RRK_HF_TSC_TRAPPED);
	field(&h, &hl, RRK_H_START, &start, 8);
	field(&h, &hl, RRK_H_HOST, "6.1.0-golden", 12);
	field_u32(&h, &hl, RRK_H_SYSBUF, RRK_SB_VERSION);
	field(&h, &hl, RRK_H_TRAPS, &traps, sizeof traps);
	field_u32(&h, &hl, RRK_H_CPU_LEVEL, RRK_CPU_BASELINE);
	field(&h, &hl, 999, "a future tag", 12);
	put(k.w, RRK_REC_HEADER, 0, h, hl, NULL, 0);
	free(h);

	/* Two files: the program (a blob in two pieces) and a library. */
	struct rrk_blob exe, lib;
	uint8_t data[6000];
	uint32_t x = 4242;
	for (size_t i = 0; i < sizeof data; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (uint8_t)(x >> 16);
	}
	rrk_sha256(data, 5000, exe.digest);
	exe.total = 5000;
	exe.offset = 0;
	put(k.w, RRK_REC_BLOB, 0, &exe, sizeof exe, data, 3000);
	exe.offset = 3000;
	put(k.w, RRK_REC_BLOB, 0, &exe, sizeof exe, data + 3000, 2000);
	rrk_sha256(data + 5000, 1000, lib.digest);
	lib.total = 1000;
	lib.offset = 0;
	put(k.w, RRK_REC_BLOB, 0, &lib, sizeof lib, data + 5000, 1000);
	put(k.w, RRK_REC_NOTE, RRK_RF_SKIPPABLE, "a note from the recorder", 24, NULL, 0);

	const uint32_t leader = 100, thr = 101, child = 102, child2 = 103;
	const uint64_t stk = 0x7ffffffde000, buf = 0x7ffffffdd000, heap = 0x405000;
	const uint64_t anon = 0x7f0000000000, libat = 0x7f0000100000;
	static const uint8_t all3[] = { RRK_PATCH_RDTSC, RRK_PATCH_RDTSCP, RRK_PATCH_CPUID };
	static const uint8_t cpuid1[] = { RRK_PATCH_CPUID };

	/* The initial exec, with its mappings and the instructions rec rewrote. */
	struct rrk_ev_exec ex;
	ak_exec_body(&ex, stk, heap);
	ak_str(&k, 0, "/opt/golden/all-kinds");
	ak_map(&k, 0x400000, 0x402000, 5, RRK_MAP_FILE, 0, &exe, "/opt/golden/all-kinds");
	ak_map(&k, 0x402000, 0x403000, 3, 0, 0x2000, NULL, "/opt/golden/all-kinds");
	ak_mem(&k, 0x402000, 64);
	ak_map(&k, 0x7ffffffdd000, 0x7ffffffff000, 3, RRK_MAP_STACK, 0, NULL, "[stack]");
	ak_map(&k, 0x7f0000200000, 0x7f0000201000, 3, RRK_MAP_SHARED, 0, NULL, "/dev/zero (deleted)");
	ak_patch(&k, 0x400100, all3, 3);
	ak_event(&k, leader, RRK_EV_EXEC, RRK_EVF_INITIAL, &ex, sizeof ex);

	/* The preload library registers its buffer (a faked syscall). */
	ak_sys(&k, leader, RRK_EVF_FAKED, RRK_SYS_SBINIT, 0,
	       ARGS(RRK_SB_PAGE + 0x1000, RRK_SB_SIZE, RRK_SB_VERSION, 0, 0, 0));
	/* one syscall per argument type and output kind, most of them
	 * the way rec records them */
	ak_sys(&k, leader, 0, SYS_getpid, leader, ARGS(0));
	ak_sys(&k, leader, 0, SYS_brk, (int64_t)heap, ARGS(0));
	ak_str(&k, 1, "/etc/ld.so.cache");
	ak_sys(&k, leader, 0, SYS_openat, 3, ARGS((uint64_t)-100, buf, 02000000, 0));
	ak_str(&k, 1, "out \"file\"\twith\\odd\x01 bytes \xff");
	ak_sys(&k, leader, 0, SYS_openat, 4, ARGS(3, buf, 01101, 0644));
	ak_str(&k, 1, "");
	ak_mem(&k, buf + 0x100, 144);
	ak_sys(&k, leader, 0, SYS_newfstatat, 0, ARGS(3, buf, buf + 0x100, 0x1000));
	ak_map(&k, libat, libat + 0x1000, 5, RRK_MAP_FILE, 0, &lib, "/usr/lib/libgolden.so");
	ak_patch(&k, libat + 0x80, cpuid1, 1);
	ak_sys(&k, leader, 0, SYS_mmap, (int64_t)libat, ARGS(0, 0x1000, 5, 0x802, 3, 0));
	ak_sys(&k, leader, 0, SYS_mmap, (int64_t)anon, ARGS(0, 0x2000, 3, 0x22, (uint64_t)-1, 0));
	ak_sys(&k, leader, 0, SYS_close, 0, ARGS(3));
	ak_sys(&k, leader, 0, SYS_lseek, 112, ARGS(4, (uint64_t)-16, 2));
	ak_mem(&k, buf, 16);
	ak_sys(&k, leader, 0, SYS_read, 16, ARGS(0, buf, 64));
	ak_str(&k, 1, "hello\n");
	ak_sys(&k, leader, RRK_EVF_STDOUT, SYS_write, 6, ARGS(1, buf, 6));
	/* rec keeps the first 64 bytes written */
	ak_str(&k, 1, "warning: \"quotes\", \\backslash\\, tab\t, bell\a, \xe9: 64 bytes (of 80)");
	/* an extension rec does not write yet: skipped by readers */
	ak_att(&k, 202, RRK_RF_SKIPPABLE, "future attachment", 17, NULL, 0);
	ak_sys(&k, leader, RRK_EVF_STDERR, SYS_write, 80, ARGS(2, buf, 80));
	ak_str(&k, 0, "/etc/hosts");
	ak_sys(&k, leader, 0, SYS_access, -13, ARGS(buf, 6));
	ak_str(&k, 1, "/usr/share/a/path/longer/than/the/sixty-four/characters/tracecat/shows/in/text");
	ak_sys(&k, leader, 0, SYS_faccessat2, 0, ARGS((uint64_t)-100, buf, 1, 0x300));
	ak_str(&k, 1, "/etc/passwd");
	ak_sys(&k, leader, 0, SYS_faccessat, 0, ARGS((uint64_t)-100, buf, 0));
	ak_str(&k, 0, "golden");
	ak_sys(&k, leader, 0, SYS_memfd_create, 5, ARGS(buf, 1));
	ak_mem(&k, buf, 16);
	ak_sys(&k, leader, 0, SYS_clock_gettime, 0, ARGS(1, buf));
	ak_mem(&k, buf + 8, 8);
	ak_sys(&k, leader, 0, SYS_rt_sigprocmask, 0, ARGS(0, buf, buf + 8, 8));
	ak_sys(&k, leader, 0, SYS_rt_sigaction, 0, ARGS(14, buf, 0, 8));
	ak_sys(&k, leader, 0, SYS_alarm, 0, ARGS(5));
	ak_sys(&k, leader, 0, SYS_personality, 0, ARGS(0xffffffff));
	ak_mem(&k, buf, 36);
	ak_sys(&k, leader, 0, SYS_ioctl, 0, ARGS(1, 0x5401, buf));
	ak_sys(&k, leader, 0, SYS_ioctl, -25, ARGS(1, 0x1234, 0));
	ak_sys(&k, leader, 0, SYS_fcntl, 0, ARGS(4, 2, 1));
	ak_sys(&k, leader, 0, SYS_arch_prctl, 0, ARGS(0x1002, anon + 0x740));
	ak_str(&k, 1, "worker"); /* not a string argument: tracecat leaves it out */
	ak_sys(&k, leader, 0, SYS_prctl, 0, ARGS(15, buf, 0, 0, 0));
	ak_sys(&k, leader, 0, SYS_madvise, 0, ARGS(anon, 0x1000, 4));
	ak_mem(&k, buf, 16);
	ak_sys(&k, leader, 0, SYS_prlimit64, 0, ARGS(0, 3, 0, buf));
	ak_mem(&k, buf, 16);
	ak_sys(&k, leader, 0, SYS_poll, 1, ARGS(buf, 2, 1000));
	ak_mem(&k, anon, 16);
	ak_mem(&k, anon + 0x100, 8);
	ak_sys(&k, leader, 0, SYS_readv, 24, ARGS(0, buf, 2));
	ak_str(&k, 0, "/nonexistent");
	ak_sys(&k, leader, 0, SYS_execve, -2, ARGS(buf, buf + 0x40, buf + 0x80));
	ak_sys(&k, leader, 0, SYS_socket, 6, ARGS(2, 1, 0));
	ak_mem(&k, buf, 16);
	ak_mem(&k, buf + 0x40, 4);
	ak_sys(&k, leader, 0, SYS_accept, 7, ARGS(6, buf, buf + 0x40));
	ak_mem(&k, buf, 56);
	ak_mem(&k, anon, 5);
	ak_sys(&k, leader, 0, SYS_recvmsg, 5, ARGS(7, buf, 0));
	ak_mem(&k, buf, 8);
	ak_mem(&k, buf + 0x80, 16);
	ak_sys(&k, leader, 0, SYS_select, 1, ARGS(8, buf, 0, 0, buf + 0x80));
	ak_mem(&k, buf, 16);
	ak_sys(&k, leader, 0, SYS_nanosleep, -516, ARGS(buf, buf));
	ak_sys(&k, leader, 0, SYS_getrandom, -200, ARGS(buf, 16, 0));
	ak_sys(&k, leader, 0, 400, -38, ARGS(1, 2, 3, 4, 5, 6));  /* a number never used */
	ak_sys(&k, leader, 0, 5000, -38, ARGS(0));               /* beyond the table */
	ak_sys(&k, leader, RRK_EVF_FAKED, SYS_ptrace, -1, ARGS(0, 0, 0, 0));
	if (rrk_writer_flush(k.w) < 0) /* a second frame from here */
		rrk_die("%s", rrk_writer_error(k.w));

	/* A thread, and what happens between tasks. */
	ak_sys(&k, leader, 0, SYS_clone, thr,
	       ARGS(0x3d0f00, anon + 0x1ff0, anon + 0x2000, anon + 0x2000, anon + 0x3000));
	ak_sys(&k, thr, RRK_EVF_ENTER, SYS_futex, 0, ARGS(anon + 0x10, 128, 0, 0, 0, 0));
	ak_sched(&k, leader, RRK_EVF_AT_SYSCALL);
	struct rrk_ev_rdtsc t1 = { 0x123456789abcull, 0, 0 }, t2 = { 0x123456789fffull, 3, 1 };
	ak_event(&k, leader, RRK_EV_RDTSC, 0, &t1, sizeof t1);
	ak_event(&k, leader, RRK_EV_RDTSC, 0, &t2, sizeof t2);
	struct rrk_ev_cpuid c1 = { 0, 0, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69 };
	struct rrk_ev_cpuid c2 = { 7, 1, 0x1, 0, 0, 0 };
	ak_event(&k, leader, RRK_EV_CPUID, 0, &c1, sizeof c1);
	ak_event(&k, leader, RRK_EV_CPUID, 0, &c2, sizeof c2);
	put(k.w, 203, RRK_RF_SKIPPABLE, "a future record", 15, NULL, 0);
	put(k.w, RRK_REC_NOTE, 0, "a note without the skippable flag", 33, NULL, 0);

	/* Syscalls the leader made through its buffer before its next event:
	 * one traced (an event of its own, not listed again), one retried. */
	uint8_t sb[1024];
	size_t sbl = sizeof(struct rrk_sysbuf);
	struct rrk_sysbuf sbh = { RRK_SB_PAGE + 0x1000, RRK_SB_HDR_SIZE, 5, RRK_SB_VERSION,
				  RRK_SYSBUF_EMPTIED };
	uint8_t rd[16 + 5];
	const uint64_t iov[2] = { buf, 32 };
	memcpy(rd, iov, 16);
	memcpy(rd + 16, "input", 5);
	ak_sbrec(sb, &sbl, SYS_read, 0, 5, ARGS(0, buf, 32), rd, sizeof rd);
	ak_sbrec(sb, &sbl, SYS_clock_gettime, 0, 0, ARGS(0, buf), data, 16);
	ak_sbrec(sb, &sbl, SYS_write, RRK_SBR_TRACED, 3, ARGS(1, buf, 3), iov, 16);
	ak_sbrec(sb, &sbl, SYS_pread64, RRK_SBR_RETRIED, -11, ARGS(4, buf, 8, 0), NULL, 0);
	ak_sbrec(sb, &sbl, SYS_gettid, 0, leader, ARGS(0), NULL, 0);
	memcpy(sb, &sbh, sizeof sbh);
	ak_att(&k, RRK_REC_SYSBUF, 0, sb, sbl, NULL, 0);
	ak_sys(&k, leader, 0, SYS_futex, 1, ARGS(anon + 0x10, 129, 1, 0, 0, 0));
	ak_sys(&k, thr, RRK_EVF_ENTERED, SYS_futex, 0, ARGS(anon + 0x10, 128, 0, 0, 0, 0));
	ak_mem(&k, 0x7ffffffdc000, 1024); /* the signal frame */
	ak_signal(&k, thr, 0, 11, RRK_SIG_HANDLED, 1);
	ak_point(&k, 0x0123456789abcdefull, 0x402000, 0x7ffffffff000);
	ak_sched(&k, thr, RRK_EVF_EXECPOINT);
	ak_sched(&k, leader, RRK_EVF_RUNS_ON);
	ak_sched(&k, thr, 0);
	ak_mem(&k, 0x7ffffffdc000, 1024);
	ak_signal(&k, leader, RRK_EVF_AT_SYSCALL, 14, RRK_SIG_HANDLED, 0);

	/* A keyframe: two threads of one process before the next event. */
	if (rrk_writer_flush(k.w) < 0)
		rrk_die("%s", rrk_writer_error(k.w));
	uint8_t kb[sizeof(struct rrk_keyframe) + sizeof(struct rrk_kf_proc) +
		   2 * (sizeof(struct rrk_kf_thread) + 512)];
	memset(kb, 0, sizeof kb);
	struct rrk_keyframe kf = { k.n + 1, 7, 1, 2, 0 };
	struct rrk_kf_proc kp;
	memset(&kp, 0, sizeof kp);
	kp.pid = leader;
	kp.nattach = 7;
	kp.brk = heap;
	kp.auxv = stk + 0x100;
	kp.auxv_len = 0x150;
	strcpy(kp.exe, "/opt/golden/all-kinds");
	size_t kl = 0;
	memcpy(kb, &kf, sizeof kf);
	kl += sizeof kf;
	memcpy(kb + kl, &kp, sizeof kp);
	kl += sizeof kp;
	for (uint32_t i = 0; i < 2; i++) {
		struct rrk_kf_thread kt;
		memset(&kt, 0, sizeof kt);
		kt.tid = leader + i;
		kt.pid = leader;
		kt.flags = i ? RRK_KF_AT_ENTRY : 0;
		kt.xsave_len = 512;
		kt.clear_tid = i ? anon + 0x2000 : 0;
		kt.last_ev = k.n - i;
		kt.last_stop_ev = k.n - i;
		kt.last_kind = i ? RRK_EV_SCHED : RRK_EV_SIGNAL;
		strcpy(kt.name, i ? "worker" : "all-kinds");
		kt.regs.rip = 0x401000 + 0x10 * i;
		kt.regs.rsp = i ? anon + 0x1ff0 : stk;
		memcpy(kb + kl, &kt, sizeof kt);
		kl += sizeof kt + 512;
	}
	ak_map(&k, 0x400000, 0x402000, 5, RRK_MAP_FILE, 0, &exe, "/opt/golden/all-kinds");
	ak_map(&k, 0x402000, 0x403000, 3, 0, 0x2000, NULL, "/opt/golden/all-kinds");
	ak_mem(&k, 0x402000, 4096);
	ak_map(&k, 0x7ffffffdd000, 0x7ffffffff000, 3, RRK_MAP_STACK, 0, NULL, "[stack]");
	ak_mem(&k, 0x7fffffffe000, 4096);
	ak_map(&k, anon, anon + 0x2000, 3, 0, 0, NULL, "");
	ak_patch(&k, 0x400100, all3, 3);
	if (k.natt != kf.nattach)
		rrk_die("--all-kinds: the keyframe has %zu attachments", k.natt);
	put(k.w, RRK_REC_KEYFRAME, 0, kb, kl, NULL, 0);
	ak_put_att(&k);

	/* The thread ends; two children: one execs and faults, one is killed. */
	ak_exit(&k, thr, 0);
	ak_sys(&k, leader, 0, SYS_fork, child, ARGS(0));
	ak_exec_body(&ex, stk, heap);
	ex.nr = SYS_execve;
	ex.args[0] = buf;
	ex.args[1] = buf + 0x40;
	ex.args[2] = buf + 0x80;
	ak_str(&k, 0, "/opt/golden/second prog");
	ak_map(&k, 0x400000, 0x401000, 5, RRK_MAP_FILE, 0, &lib, "/opt/golden/second prog");
	ak_map(&k, 0x7ffffffdd000, 0x7ffffffff000, 3, RRK_MAP_STACK, 0, NULL, "[stack]");
	ak_mem(&k, 0x7fffffffe000, 512);
	ak_event(&k, child, RRK_EV_EXEC, 0, &ex, sizeof ex);
	ak_point(&k, 0xfedcba9876543210ull, 0x402000, 0x7ffffffff000);
	ak_signal(&k, child, RRK_EVF_EXECPOINT, 10, RRK_SIG_IGNORED, 0);
	ak_signal(&k, child, RRK_EVF_AT_SYSCALL, 32, RRK_SIG_IGNORED, 0);
	ak_signal(&k, child, 0, 36, RRK_SIG_IGNORED, 0);
	ak_signal(&k, child, 0, 11, RRK_SIG_FATAL, 1);
	ak_exit(&k, child, 0x8b); /* SIGSEGV, core dumped */
	ak_mem(&k, buf, 4);
	ak_sys(&k, leader, 0, SYS_wait4, child, ARGS(child, buf, 0, 0));
	ak_sys(&k, leader, 0, SYS_fork, child2, ARGS(0));
	ak_sys(&k, leader, 0, SYS_kill, 0, ARGS(child2, 9));
	ak_exit(&k, child2, 9); /* SIGKILL */
	ak_exit(&k, leader, 3 << 8);

	/* Every A_* and O_* the table uses: the golden files would
	 * otherwise stop covering one without anybody noticing. O_FDSET
	 * is in no row (select's fd sets are O_SPECIAL). */
	for (unsigned a = A_NONE; a <= A_ACCESS; a++)
		if (!(k.args_seen & (1ull << a)))
			rrk_die("--all-kinds: no syscall with an argument of type %u", a);
	for (unsigned o = O_NONE; o <= O_SPECIAL; o++)
		if (o != O_FDSET && !(k.outs_seen & (1ull << o)))
			rrk_die("--all-kinds: no syscall with output kind %u", o);

	struct rrk_end end;
	memset(&end, 0, sizeof end);
	end.nevents = k.n;
	end.how = RRK_END_EXITED;
	end.code = 3;
	if (rrk_writer_close(k.w, &end, NULL) < 0)
		rrk_die("%s", rrk_writer_error(k.w));
	return 0;
}

int main(int argc, char **argv)
{
	rrk_prog = "mktrace";
	rrk_fail_status = 2;
	long nev = 50, flush = 0, blob_size = 3000, refr = -1, ver = -1;
	int level = 3, no_end = 0, unk_skip = 0, unk_req = 0, bad_digest = 0, akinds = 0, two_argv = 0;
	const struct flag flags[] = {
		{ "--no-end", &no_end }, { "--two-argv", &two_argv }, { "--bad-digest", &bad_digest },
		{ "--unknown-skippable", &unk_skip }, { "--unknown-required", &unk_req },
		{ "--all-kinds", &akinds }, { NULL, NULL },
	};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--events"))
			nev = num(argv[++i]);
		else if (!strcmp(a, "--flush"))
			flush = num(argv[++i]);
		else if (!strcmp(a, "--level"))
			level = (int)num(argv[++i]);
		else if (!strcmp(a, "--blob-size"))
			blob_size = num(argv[++i]);
		else if (!strcmp(a, "--reframe"))
			refr = num(argv[++i]);
		else if (!strcmp(a, "--set-version"))
			ver = num(argv[++i]);
		else if (!set_flag(a, flags))
			usage();
	}
	if (nev < 0 || flush < 0 || blob_size < 2 || blob_size > (long)RRK_REC_MAX - 64)
		usage();
	if (ver >= 0)
		return set_version(ver);
	if (refr >= 0)
		return reframe((int)refr, flush, bad_digest);
	if (akinds)
		return all_kinds(level);
	return generate(nev, flush, level, blob_size, no_end, unk_skip, unk_req, two_argv);
}
