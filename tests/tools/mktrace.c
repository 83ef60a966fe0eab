/* mktrace: writes synthetic rrkit traces for tests.
 *   mktrace [--events N] [--flush N] [--level L] [--blob-size N]
 *           [--no-end] [--unknown-skippable] [--unknown-required] > out.trace
 *   mktrace --reframe LEVEL [--flush N] [--bad-digest] < in.trace > out.trace
 *   mktrace --set-version V < in.trace > out.trace
 * --flush N ends a frame after every N events (0: only when 1 MiB fills).
 * --reframe rewrites the same records with new framing and compression
 * (--bad-digest: and an end record whose digest does not match them). */
#include "trace.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fputs("usage: mktrace [--events N] [--flush N] [--level L] [--blob-size N]\n"
	      "               [--no-end] [--unknown-skippable] [--unknown-required]\n"
	      "       mktrace --reframe LEVEL [--flush N] [--bad-digest]   (stdin to stdout)\n"
	      "       mktrace --set-version V               (stdin to stdout)\n",
	      stderr);
	exit(2);
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
		    int unk_skip, int unk_req)
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

int main(int argc, char **argv)
{
	rrk_prog = "mktrace";
	rrk_fail_status = 2;
	long nev = 50, flush = 0, blob_size = 3000, refr = -1, ver = -1;
	int level = 3, no_end = 0, unk_skip = 0, unk_req = 0, bad_digest = 0;
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
		else if (!strcmp(a, "--no-end"))
			no_end = 1;
		else if (!strcmp(a, "--bad-digest"))
			bad_digest = 1;
		else if (!strcmp(a, "--unknown-skippable"))
			unk_skip = 1;
		else if (!strcmp(a, "--unknown-required"))
			unk_req = 1;
		else
			usage();
	}
	if (nev < 0 || flush < 0 || blob_size < 2 || blob_size > (long)RRK_REC_MAX - 64)
		usage();
	if (ver >= 0)
		return set_version(ver);
	if (refr >= 0)
		return reframe((int)refr, flush, bad_digest);
	return generate(nev, flush, level, blob_size, no_end, unk_skip, unk_req);
}
