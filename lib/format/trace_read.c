/* Trace reader: validates everything, trusts nothing.
 * Input comes through read(2) only (pipes work; nothing seeks). Memory use
 * is bounded by the format limits and grows only as real data arrives. */
#include "trace.h"
#include "base/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define INBUF 65536
#define MAX_NATTACH (1u << 20)
#define INCOMPLETE_WHY "(incomplete: the recorder was killed or the trace truncated)"

struct rrk_reader {
	int fd;
	char *name;
	uint8_t in[INBUF];
	size_t in_pos, in_len;
	int in_eof;
	uint64_t off;          /* file bytes consumed */
	int started;           /* preamble read */
	int ended;             /* END record seen */
	int status;            /* sticky non-OK status */
	uint8_t *comp;
	size_t comp_cap;
	uint8_t *raw;
	size_t raw_cap, raw_len, raw_pos;
	uint32_t recs_left, rec_index;
	uint64_t frame_off;    /* file offset of the current frame */
	uint64_t seq_next;     /* expected seq of the next frame */
	uint64_t nframes;
	uint64_t nrecs;        /* records returned */
	uint64_t last_event;   /* number of the last EVENT returned */
	uint32_t attach_left;  /* attachment records still owed */
	struct rrk_pool pool;  /* attachment buffers for reuse (events are read by one thread) */
	ZSTD_DCtx *dctx;
	struct rrk_sha256 digest; /* of the records before rec_begin (with bg: of whole frames) */
	size_t rec_begin;         /* where the record last read starts in raw */
	/* rrk_reader_hash_background: a thread hashes each frame once the
	 * next one is read; it owns `spare` (that frame) while `pending` is set */
	int bg, pending, stop;
	uint8_t *spare;
	size_t spare_len, spare_cap;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t raw_bytes;
	void (*tap)(void *ctx, const struct rrk_record *rec);
	void *tap_ctx;
	char err[512];
};

static int fail(struct rrk_reader *r, int status, uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct rrk_reader *r, int status, uint64_t off, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof r->err, "%s: byte %llu: %s", r->name,
		 (unsigned long long)off, what);
	for (char *p = r->err; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	r->status = status;
	return status;
}

struct rrk_reader *rrk_reader_open(int fd, const char *name)
{
	struct rrk_reader *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->fd = fd;
	r->name = strdup(name ? name : "trace");
	r->dctx = ZSTD_createDCtx();
	if (!r->name || !r->dctx) {
		free(r->name);
		ZSTD_freeDCtx(r->dctx);
		free(r);
		return NULL;
	}
	rrk_sha256_init(&r->digest);
	return r;
}

static void settle(struct rrk_reader *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->pending)
		pthread_cond_wait(&r->cv, &r->mu);
	pthread_mutex_unlock(&r->mu);
}

static void *hasher(void *arg)
{
	struct rrk_reader *r = arg;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->pending && !r->stop)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->pending)
			break;
		pthread_mutex_unlock(&r->mu);
		rrk_sha256_update(&r->digest, r->spare, r->spare_len);
		pthread_mutex_lock(&r->mu);
		r->pending = 0;
		pthread_cond_broadcast(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

int rrk_reader_hash_background(struct rrk_reader *r)
{
	if (!r || r->bg || r->nrecs)
		return -1;
	if (pthread_mutex_init(&r->mu, NULL) || pthread_cond_init(&r->cv, NULL))
		return -1;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&r->th, NULL, hasher, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -1;
	r->bg = 1;
	return 0;
}

void rrk_reader_avoid_cpu(struct rrk_reader *r, int cpu)
{
	if (r && r->bg && cpu >= 0)
		rrk_thread_avoid_cpu(r->th, cpu);
}

/* The frame read before: to the thread, and its buffer swapped with the
 * one the thread is done with. */
static void hand_over(struct rrk_reader *r)
{
	settle(r);
	uint8_t *t = r->spare;
	size_t tc = r->spare_cap;
	pthread_mutex_lock(&r->mu);
	r->spare = r->raw;
	r->spare_len = r->raw_len;
	r->spare_cap = r->raw_cap;
	r->pending = 1;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	r->raw = t;
	r->raw_cap = tc;
	r->raw_len = 0;
}

void rrk_reader_close(struct rrk_reader *r)
{
	if (!r)
		return;
	if (r->bg) {
		settle(r);
		pthread_mutex_lock(&r->mu);
		r->stop = 1;
		pthread_cond_broadcast(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->th, NULL);
		free(r->spare);
	}
	ZSTD_freeDCtx(r->dctx);
	rrk_pool_free(&r->pool);
	free(r->comp);
	free(r->raw);
	free(r->name);
	free(r);
}

const char *rrk_reader_error(struct rrk_reader *r)
{
	if (!r)
		return "out of memory opening trace";
	if (!r->status)
		return "no error";
	return r->err;
}

void rrk_reader_digest(struct rrk_reader *r, uint8_t out[32])
{
	if (r->bg)
		settle(r);
	struct rrk_sha256 copy = r->digest;
	if (r->bg)
		rrk_sha256_update(&copy, r->raw, r->rec_begin);
	rrk_sha256_final(&copy, out);
}

uint64_t rrk_reader_comp_bytes(struct rrk_reader *r) { return r->off; }
uint64_t rrk_reader_raw_bytes(struct rrk_reader *r) { return r->raw_bytes; }
uint64_t rrk_reader_frames(struct rrk_reader *r) { return r->nframes; }

/* Copies up to n bytes of input to dst (NULL: just probe). Returns the count
 * copied (< n only at EOF) or -1 after setting an IOERR. */
static long get(struct rrk_reader *r, uint8_t *dst, size_t n)
{
	size_t got = 0;
	while (got < n) {
		if (r->in_pos == r->in_len) {
			if (r->in_eof)
				break;
			ssize_t k = read(r->fd, r->in, INBUF);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				fail(r, RRK_IOERR, r->off, "read error: %s", strerror(errno));
				return -1;
			}
			if (k == 0) {
				r->in_eof = 1;
				break;
			}
			r->in_pos = 0;
			r->in_len = (size_t)k;
		}
		size_t take = r->in_len - r->in_pos;
		if (take > n - got)
			take = n - got;
		memcpy(dst + got, r->in + r->in_pos, take);
		r->in_pos += take;
		got += take;
		r->off += take;
	}
	return (long)got;
}

/* 1 if at least one more byte of input exists, 0 at EOF, -1 on error. */
static int more_input(struct rrk_reader *r)
{
	while (r->in_pos == r->in_len && !r->in_eof) {
		ssize_t k = read(r->fd, r->in, INBUF);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			fail(r, RRK_IOERR, r->off, "read error: %s", strerror(errno));
			return -1;
		}
		if (k == 0)
			r->in_eof = 1;
		r->in_pos = 0;
		r->in_len = (size_t)k;
	}
	return r->in_pos < r->in_len;
}

static int incomplete(struct rrk_reader *r, const char *where)
{
	/* An event still waiting for attachments is not complete. */
	uint64_t done = r->last_event - (r->attach_left ? 1 : 0);
	if (done)
		return fail(r, RRK_INCOMPLETE, r->off,
			    "trace ends %safter event %llu without an end record " INCOMPLETE_WHY,
			    where, (unsigned long long)done);
	return fail(r, RRK_INCOMPLETE, r->off,
		    "trace ends %sbefore the first event, without an end record " INCOMPLETE_WHY,
		    where);
}

static int read_preamble(struct rrk_reader *r)
{
	struct rrk_preamble p;
	long n = get(r, (uint8_t *)&p, sizeof p);
	if (n < 0)
		return r->status;
	size_t m = (size_t)n < RRK_MAGIC_LEN ? (size_t)n : RRK_MAGIC_LEN;
	if (n == 0)
		return fail(r, RRK_CORRUPT, 0, "not an rrkit trace (the file is empty)");
	if (memcmp(p.magic, RRK_MAGIC, m) != 0)
		return fail(r, RRK_CORRUPT, 0, "not an rrkit trace (bad magic)");
	if ((size_t)n < sizeof p)
		return fail(r, RRK_INCOMPLETE, r->off,
			    "trace ends inside the %zu-byte preamble " INCOMPLETE_WHY, sizeof p);
	if (rrk_crc32c(0, &p, 12) != p.crc)
		return fail(r, RRK_CORRUPT, 8, "preamble checksum mismatch");
	if (p.version > RRK_FORMAT_VERSION)
		return fail(r, RRK_UNSUPPORTED, 8,
			    "trace format version %u is newer than this reader (%d)",
			    p.version, RRK_FORMAT_VERSION);
	if (p.version == 0)
		return fail(r, RRK_CORRUPT, 8, "invalid trace format version 0");
	r->started = 1;
	return RRK_OK;
}

/* Reads and decodes the next frame. RRK_OK, RRK_EOF (clean end) or error. */
static int read_frame(struct rrk_reader *r)
{
	int more = more_input(r);
	if (more < 0)
		return r->status;
	if (!more) {
		if (r->ended)
			return RRK_EOF;
		return incomplete(r, "");
	}
	if (r->ended)
		return fail(r, RRK_CORRUPT, r->off, "data after the end record");
	uint64_t foff = r->off;
	struct rrk_frame_hdr h;
	long n = get(r, (uint8_t *)&h, sizeof h);
	if (n < 0)
		return r->status;
	if ((size_t)n < sizeof h)
		return incomplete(r, "inside a frame header ");
	if (h.magic != RRK_FRAME_MAGIC)
		return fail(r, RRK_CORRUPT, foff, "bad frame magic 0x%08x (expected 0x%08x)",
			    h.magic, RRK_FRAME_MAGIC);
	if (rrk_crc32c(0, &h, 28) != h.hdr_crc)
		return fail(r, RRK_CORRUPT, foff, "frame header checksum mismatch");
	if (h.seq != r->seq_next)
		return fail(r, RRK_CORRUPT, foff, "frame number %llu where %llu was expected",
			    (unsigned long long)h.seq, (unsigned long long)r->seq_next);
	if (h.raw_size > RRK_FRAME_MAX_RAW || h.raw_size < sizeof(struct rrk_rec_hdr))
		return fail(r, RRK_CORRUPT, foff, "frame raw size %u is out of range",
			    h.raw_size);
	if (h.comp_size > RRK_FRAME_MAX_COMP || h.comp_size == 0)
		return fail(r, RRK_CORRUPT, foff, "frame compressed size %u is out of range",
			    h.comp_size);
	if (h.nrecords == 0 || h.nrecords > h.raw_size / sizeof(struct rrk_rec_hdr))
		return fail(r, RRK_CORRUPT, foff, "frame record count %u is out of range",
			    h.nrecords);
	/* Grow the buffer only as data actually arrives. */
	size_t have = 0;
	while (have < h.comp_size) {
		size_t want = h.comp_size - have;
		if (have + want > r->comp_cap) {
			size_t cap = r->comp_cap ? r->comp_cap * 2 : 1u << 20;
			if (cap > h.comp_size)
				cap = h.comp_size;
			if (cap < have + 1)
				cap = have + 1;
			uint8_t *p = realloc(r->comp, cap);
			if (!p)
				return fail(r, RRK_IOERR, foff, "out of memory");
			r->comp = p;
			r->comp_cap = cap;
		}
		if (want > r->comp_cap - have)
			want = r->comp_cap - have;
		n = get(r, r->comp + have, want);
		if (n < 0)
			return r->status;
		have += (size_t)n;
		if ((size_t)n < want)
			return incomplete(r, "inside a frame ");
	}
	if (rrk_crc32c(0, r->comp, h.comp_size) != h.payload_crc)
		return fail(r, RRK_CORRUPT, foff, "frame payload checksum mismatch");
	size_t fsz = ZSTD_findFrameCompressedSize(r->comp, h.comp_size);
	if (ZSTD_isError(fsz) || fsz != h.comp_size)
		return fail(r, RRK_CORRUPT, foff, "frame payload is not exactly one zstd frame");
	unsigned long long csz = ZSTD_getFrameContentSize(r->comp, h.comp_size);
	if (csz != h.raw_size)
		return fail(r, RRK_CORRUPT, foff,
			    "zstd frame content size does not match raw size %u", h.raw_size);
	if (r->bg && r->raw_len)
		hand_over(r);
	if (h.raw_size > r->raw_cap) {
		uint8_t *p = realloc(r->raw, h.raw_size);
		if (!p)
			return fail(r, RRK_IOERR, foff, "out of memory");
		r->raw = p;
		r->raw_cap = h.raw_size;
	}
	size_t d = ZSTD_decompressDCtx(r->dctx, r->raw, h.raw_size, r->comp, h.comp_size);
	if (ZSTD_isError(d))
		return fail(r, RRK_CORRUPT, foff, "zstd: %s", ZSTD_getErrorName(d));
	if (d != h.raw_size)
		return fail(r, RRK_CORRUPT, foff, "frame decompressed to %zu bytes, not %u",
			    d, h.raw_size);
	r->raw_len = h.raw_size;
	r->raw_pos = 0;
	r->recs_left = h.nrecords;
	r->rec_index = 0;
	r->frame_off = foff;
	r->seq_next++;
	r->nframes++;
	return RRK_OK;
}

static int check_header(const uint8_t *p, uint32_t size)
{
	uint32_t pos = 0;
	while (pos < size) {
		if (size - pos < 8)
			return -1;
		uint32_t len;
		memcpy(&len, p + pos + 4, 4);
		if (len > size - pos - 8)
			return -1;
		pos += 8 + len;
	}
	return 0;
}

/* Structural checks of one record. Returns RRK_OK or a failure status. */
/* The attachment types this reader knows; others are skippable extensions. */
static int is_attachment(unsigned type)
{
	return type == RRK_REC_MEM || type == RRK_REC_MAP || type == RRK_REC_STR ||
	       type == RRK_REC_POINT || type == RRK_REC_SYSBUF || type == RRK_REC_PATCH;
}

static int check_record(struct rrk_reader *r, const struct rrk_record *rec)
{
	uint64_t fo = r->frame_off;
	unsigned ri = r->rec_index;
	unsigned long long fr = (unsigned long long)(r->seq_next - 1);
#define BAD(...) fail(r, RRK_CORRUPT, fo, "frame " "%llu, record %u: " __VA_ARGS__)
	if (r->nrecs == 0 && rec->type != RRK_REC_HEADER)
		return BAD("the first record is of type %u, not a header", fr, ri, rec->type);
	if (r->attach_left) {
		if (is_attachment(rec->type))
			;
		else if ((rec->type == 0 || rec->type > RRK_REC_PATCH) &&
			 (rec->flags & RRK_RF_SKIPPABLE))
			;
		else
			return BAD("record of type %u where an attachment of event %llu was expected",
				   fr, ri, rec->type, (unsigned long long)r->last_event);
	}
	switch (rec->type) {
	case RRK_REC_HEADER:
		if (r->nrecs != 0)
			return BAD("a second header record", fr, ri);
		if (check_header(rec->data, rec->size) < 0)
			return BAD("malformed header field list", fr, ri);
		break;
	case RRK_REC_BLOB: {
		struct rrk_blob b;
		if (rec->size < sizeof b)
			return BAD("blob record too short (%u bytes)", fr, ri, rec->size);
		memcpy(&b, rec->data, sizeof b);
		uint64_t len = rec->size - sizeof b;
		if (b.offset > b.total || len > b.total - b.offset)
			return BAD("blob piece [%llu, +%llu) lies outside the blob size %llu", fr, ri,
				   (unsigned long long)b.offset, (unsigned long long)len,
				   (unsigned long long)b.total);
		break;
	}
	case RRK_REC_EVENT: {
		struct rrk_event e;
		if (rec->size < sizeof e)
			return BAD("event record too short (%u bytes)", fr, ri, rec->size);
		memcpy(&e, rec->data, sizeof e);
		if (e.number != r->last_event + 1)
			return BAD("event number %llu where %llu was expected", fr, ri,
				   (unsigned long long)e.number,
				   (unsigned long long)r->last_event + 1);
		if (e.body_size != rec->size - sizeof e)
			return BAD("event %llu: body size %u does not match record size %u", fr, ri,
				   (unsigned long long)e.number, e.body_size, rec->size);
		if (e.nattach > MAX_NATTACH)
			return BAD("event %llu: %u attachments is too many", fr, ri,
				   (unsigned long long)e.number, e.nattach);
		size_t min;
		switch (e.kind) {
		case RRK_EV_SYSCALL: min = sizeof(struct rrk_ev_syscall); break;
		case RRK_EV_RDTSC: min = sizeof(struct rrk_ev_rdtsc); break;
		case RRK_EV_CPUID: min = sizeof(struct rrk_ev_cpuid); break;
		case RRK_EV_SIGNAL: min = sizeof(struct rrk_ev_signal); break;
		case RRK_EV_EXEC: min = sizeof(struct rrk_ev_exec); break;
		case RRK_EV_EXIT: min = sizeof(struct rrk_ev_exit); break;
		case RRK_EV_SCHED: min = sizeof(struct rrk_ev_sched); break;
		default:
			return fail(r, RRK_UNSUPPORTED, fo,
				    "frame %llu, record %u: event %llu has unknown kind %u", fr, ri,
				    (unsigned long long)e.number, e.kind);
		}
		if (e.body_size < min)
			return BAD("event %llu: body of %u bytes is too short for kind %u", fr, ri,
				   (unsigned long long)e.number, e.body_size, e.kind);
		r->last_event = e.number;
		r->attach_left = e.nattach;
		return RRK_OK;
	}
	case RRK_REC_KEYFRAME: {
		struct rrk_keyframe k;
		if (rec->size < sizeof k)
			return BAD("keyframe record too short (%u bytes)", fr, ri, rec->size);
		memcpy(&k, rec->data, sizeof k);
		/* A cut trace starts with a keyframe: numbering starts there. */
		if (r->last_event == 0 && k.event > 0)
			r->last_event = k.event - 1;
		if (k.event != r->last_event + 1)
			return BAD("keyframe for event %llu where event %llu comes next", fr, ri,
				   (unsigned long long)k.event, (unsigned long long)r->last_event + 1);
		if (k.nattach > MAX_NATTACH || k.nprocs > 4096 || k.nthreads > 65536 ||
		    (uint64_t)k.nprocs * sizeof(struct rrk_kf_proc) +
				    (uint64_t)k.nthreads * sizeof(struct rrk_kf_thread) >
			    rec->size - sizeof k)
			return BAD("keyframe for event %llu: counts do not fit its size", fr, ri,
				   (unsigned long long)k.event);
		r->attach_left = k.nattach;
		return RRK_OK;
	}
	case RRK_REC_MEM:
	case RRK_REC_MAP:
	case RRK_REC_STR:
	case RRK_REC_POINT:
	case RRK_REC_PATCH:
	case RRK_REC_SYSBUF: {
		size_t min = rec->type == RRK_REC_MEM ? sizeof(struct rrk_mem)
			   : rec->type == RRK_REC_MAP ? sizeof(struct rrk_map)
			   : rec->type == RRK_REC_POINT ? sizeof(struct rrk_point)
			   : rec->type == RRK_REC_SYSBUF ? sizeof(struct rrk_sysbuf)
			   : rec->type == RRK_REC_PATCH ? sizeof(struct rrk_patch_site)
						      : sizeof(struct rrk_str);
		if (!r->attach_left)
			return BAD("attachment record of type %u outside an event", fr, ri, rec->type);
		if (rec->size < min)
			return BAD("attachment record of type %u too short (%u bytes)", fr, ri,
				   rec->type, rec->size);
		if (rec->type == RRK_REC_PATCH && rec->size % sizeof(struct rrk_patch_site))
			return BAD("patch record of %u bytes is not a whole number of sites", fr, ri,
				   rec->size);
		break;
	}
	case RRK_REC_END: {
		struct rrk_end e;
		if (rec->size < sizeof e)
			return BAD("end record too short (%u bytes)", fr, ri, rec->size);
		memcpy(&e, rec->data, sizeof e);
		uint8_t d[32];
		rrk_reader_digest(r, d);
		if (memcmp(d, e.digest, 32) != 0)
			return BAD("digest mismatch: the end record's digest differs from the records read",
				   fr, ri);
		if (r->recs_left != 1 || r->raw_pos != r->raw_len)
			return BAD("records after the end record", fr, ri);
		r->ended = 1;
		break;
	}
	case RRK_REC_NOTE:
		break;
	default:
		if (!(rec->flags & RRK_RF_SKIPPABLE))
			return fail(r, RRK_UNSUPPORTED, fo,
				    "frame %llu, record %u: unknown record type %u that is not skippable",
				    fr, ri, rec->type);
		break;
	}
#undef BAD
	if (r->attach_left)
		r->attach_left--;
	return RRK_OK;
}

int rrk_read_record(struct rrk_reader *r, struct rrk_record *rec)
{
	if (r->status)
		return r->status;
	if (!r->started) {
		int s = read_preamble(r);
		if (s)
			return s;
	}
	if (r->recs_left == 0) {
		if (r->raw_pos != r->raw_len)
			return fail(r, RRK_CORRUPT, r->frame_off,
				    "frame %llu has %zu bytes after its last record",
				    (unsigned long long)(r->seq_next - 1), r->raw_len - r->raw_pos);
		int s = read_frame(r);
		if (s == RRK_EOF)
			return RRK_EOF; /* not sticky as an error, but stays EOF */
		if (s)
			return s;
	}
	size_t left = r->raw_len - r->raw_pos;
	struct rrk_rec_hdr h;
	if (left < sizeof h)
		return fail(r, RRK_CORRUPT, r->frame_off,
			    "frame %llu, record %u: frame data ends inside a record header",
			    (unsigned long long)(r->seq_next - 1), r->rec_index);
	memcpy(&h, r->raw + r->raw_pos, sizeof h);
	if (h.size > RRK_REC_MAX || h.size > left - sizeof h)
		return fail(r, RRK_CORRUPT, r->frame_off,
			    "frame %llu, record %u: record size %u exceeds the frame or the limit",
			    (unsigned long long)(r->seq_next - 1), r->rec_index, h.size);
	if (r->recs_left == 1 && h.size != left - sizeof h)
		return fail(r, RRK_CORRUPT, r->frame_off,
			    "frame %llu: record count %u does not match its data",
			    (unsigned long long)(r->seq_next - 1), r->rec_index + 1);
	const uint8_t *whole = r->raw + r->raw_pos;
	r->rec_begin = r->raw_pos;
	rec->type = h.type;
	rec->flags = h.flags;
	rec->size = h.size;
	rec->data = whole + sizeof h;
	r->raw_pos += sizeof h + h.size;
	int s = check_record(r, rec);
	if (s)
		return s;
	if (!r->bg)
		rrk_sha256_update(&r->digest, whole, sizeof h + h.size);
	r->raw_bytes += sizeof h + h.size;
	r->recs_left--;
	r->rec_index++;
	r->nrecs++;
	if (r->tap)
		r->tap(r->tap_ctx, rec);
	return RRK_OK;
}

void rrk_reader_tap(struct rrk_reader *r, void (*fn)(void *ctx, const struct rrk_record *rec),
		    void *ctx)
{
	r->tap = fn;
	r->tap_ctx = ctx;
}

/* ev's attachment buffers go to the reader's pool, for the next event. */
static void clear_attach(struct rrk_reader *r, struct rrk_ev *ev)
{
	for (size_t i = 0; i < ev->nattach; i++)
		rrk_pool_put(&r->pool, ev->attach[i].data);
	ev->nattach = 0;
}

int rrk_end_parse(const struct rrk_record *rec, struct rrk_end *end, char *reason, size_t len)
{
	if (rec->size < sizeof *end)
		return -1;
	memcpy(end, rec->data, sizeof *end);
	size_t n = rec->size - sizeof *end;
	if (n > len - 1)
		n = len - 1;
	memcpy(reason, rec->data + sizeof *end, n);
	reason[n] = 0;
	return 0;
}

void rrk_ev_free(struct rrk_ev *ev)
{
	if (!ev)
		return;
	for (size_t i = 0; i < ev->nattach; i++)
		free(ev->attach[i].data);
	free(ev->attach);
	free(ev->body);
	memset(ev, 0, sizeof *ev);
}

void rrk_ev_copy(struct rrk_ev *dst, const struct rrk_ev *src)
{
	dst->hdr = src->hdr;
	dst->body = malloc(src->hdr.body_size ? src->hdr.body_size : 1);
	dst->attach = calloc(src->nattach ? src->nattach : 1, sizeof *dst->attach);
	if (!dst->body || !dst->attach)
		abort(); /* out of memory */
	memcpy(dst->body, src->body, src->hdr.body_size);
	for (size_t i = 0; i < src->nattach; i++) {
		dst->attach[i] = src->attach[i];
		dst->attach[i].data = malloc(src->attach[i].size ? src->attach[i].size : 1);
		if (!dst->attach[i].data)
			abort();
		memcpy(dst->attach[i].data, src->attach[i].data, src->attach[i].size);
	}
	dst->nattach = src->nattach;
}

/* ev must be zeroed before its first use. */
int rrk_read_event(struct rrk_reader *r, struct rrk_ev *ev,
		   void (*on_other)(void *ctx, const struct rrk_record *rec),
		   void *ctx)
{
	struct rrk_record rec;
	int s;
	clear_attach(r, ev);
	for (;;) {
		s = rrk_read_record(r, &rec);
		if (s)
			return s;
		if (rec.type == RRK_REC_EVENT || rec.type == RRK_REC_KEYFRAME)
			break;
		if (on_other)
			on_other(ctx, &rec);
	}
	if (rec.type == RRK_REC_KEYFRAME) {
		/* returned as a pseudo-event: the whole payload is its body */
		struct rrk_keyframe k;
		memcpy(&k, rec.data, sizeof k);
		memset(&ev->hdr, 0, sizeof ev->hdr);
		ev->hdr.number = k.event;
		ev->hdr.kind = RRK_EV_KEYFRAME;
		ev->hdr.nattach = k.nattach;
		ev->hdr.body_size = rec.size;
		free(ev->body);
		ev->body = malloc(rec.size);
		if (!ev->body)
			return fail(r, RRK_IOERR, r->off, "out of memory");
		memcpy(ev->body, rec.data, rec.size);
		goto attachments;
	}
	memcpy(&ev->hdr, rec.data, sizeof ev->hdr);
	free(ev->body);
	/* 8-byte aligned (malloc guarantees at least 16). */
	ev->body = malloc(ev->hdr.body_size ? ev->hdr.body_size : 1);
	if (!ev->body)
		return fail(r, RRK_IOERR, r->off, "out of memory");
	memcpy(ev->body, rec.data + sizeof ev->hdr, ev->hdr.body_size);
attachments:;
	uint32_t want = ev->hdr.nattach;
	free(ev->attach);
	ev->attach = NULL;
	if (want) {
		/* Grow as records arrive, so a lying nattach costs nothing. */
		size_t cap = 0;
		for (uint32_t i = 0; i < want; i++) {
			s = rrk_read_record(r, &rec);
			if (s == RRK_EOF)
				s = fail(r, RRK_CORRUPT, r->off,
					 "event %llu lacks attachments",
					 (unsigned long long)ev->hdr.number);
			if (s)
				return s; /* a partial event is never returned */
			if (!is_attachment(rec.type))
				continue; /* a skippable extension: ignored */
			if (ev->nattach == cap) {
				cap = cap ? cap * 2 : 4;
				struct rrk_attach *a = realloc(ev->attach, cap * sizeof *a);
				if (!a)
					return fail(r, RRK_IOERR, r->off, "out of memory");
				ev->attach = a;
			}
			uint8_t *d = rrk_pool_get(&r->pool, rec.size);
			memcpy(d, rec.data, rec.size);
			ev->attach[ev->nattach].type = rec.type;
			ev->attach[ev->nattach].size = rec.size;
			ev->attach[ev->nattach].data = d;
			ev->nattach++;
		}
	}
	return RRK_OK;
}
