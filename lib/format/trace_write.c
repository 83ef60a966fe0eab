/* Trace writer: preamble, then zstd-compressed frames of whole records.
 * With rrk_writer_background, a second thread hashes, compresses and
 * writes the frames while the caller fills the next ones: up to NSLOTS
 * frames wait for it, so that a burst of large records (a program
 * reading files) does not stop the recorder at every frame. */
#include "trace.h"
#include "base/util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define FRAME_TARGET (1u << 20) /* emit a frame before the raw data exceeds this */
#define NSLOTS 8                 /* frames handed to the background thread */
#define NUDGE_MIN (64u << 10)    /* rrk_writer_nudge's smallest frame */
/* Frames that are mostly file images (BLOB records) are compressed at
 * level 1: they come in bursts at exec and mmap, and zstd's level 3 took
 * 1.7 times as long on them here (libc: 139 MB/s against 240 MB/s) for
 * 9% less; the end of a short recording waited for it. */
#define BLOB_LEVEL 1

/* The compression of a frame when the background thread falls behind:
 * the chosen level, faster ones, and at the end no compression at all
 * (a zstd frame of raw blocks), so that recording a program that reads a
 * lot of data waits for the disk rather than for zstd. */
#define LEVEL_STORE 1000
static const int faster_levels[] = { 1, -5, LEVEL_STORE };
#define NSTEPS (1 + (int)(sizeof faster_levels / sizeof faster_levels[0]))

struct slot {
	uint8_t *buf;
	size_t len, cap;
	uint32_t nrecords;
	int level;
};

struct rrk_writer {
	int fd;
	char *name;
	int level;
	uint8_t *raw;     /* records of the frame being built */
	size_t raw_len, raw_cap;
	size_t raw_blob; /* bytes of BLOB records in raw */
	uint32_t nrecords;
	uint64_t seq;     /* next frame number */
	uint8_t *comp;    /* compression buffer */
	size_t comp_cap;
	ZSTD_CCtx *cctx;
	struct rrk_sha256 digest; /* of the records in the frames handed on */
	uint64_t bytes;   /* bytes written to fd */
	int failed;
	char err[512];
	/* the background thread owns slots[head..head+queued) (mod NSLOTS) */
	int threaded, stop;
	struct slot slots[NSLOTS];
	unsigned head, queued;
	int step; /* 0: w->level, else faster_levels[step - 1] */
	int calm; /* frames handed over in a row to an idle thread */
	int patience; /* calm frames before compressing better again */
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};


static void set_err(struct rrk_writer *w, const char *fmt, const char *what)
{
	if (w->failed)
		return;
	snprintf(w->err, sizeof w->err, fmt, w->name ? w->name : "trace", what);
	w->failed = 1; /* after the text: another thread may read both */
}

static int out(struct rrk_writer *w, const void *p, size_t n)
{
	int e = rrk_write_all(w->fd, p, n);
	if (e < 0) {
		set_err(w, "writing trace to %s: %s", strerror(-e));
		return -1;
	}
	w->bytes += n;
	return 0;
}

struct rrk_writer *rrk_writer_open(int fd, const char *name, int level)
{
	struct rrk_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->fd = fd;
	w->name = strdup(name ? name : "trace");
	w->level = level;
	w->cctx = ZSTD_createCCtx();
	if (!w->name || !w->cctx) {
		set_err(w, "opening trace %s: %s", "out of memory");
		return w;
	}
	rrk_sha256_init(&w->digest);
	struct rrk_preamble pre;
	memcpy(pre.magic, RRK_MAGIC, RRK_MAGIC_LEN);
	pre.version = RRK_FORMAT_VERSION;
	pre.crc = rrk_crc32c(0, &pre, 12);
	out(w, &pre, sizeof pre);
	return w;
}

/* A zstd frame that stores src in raw blocks (RFC 8878 3.1.1): any zstd
 * decoder reads it; making it costs a copy. */
static size_t store_frame(uint8_t *dst, const uint8_t *src, size_t len)
{
	uint8_t *p = dst;
	const uint32_t magic = 0xFD2FB528u, size = (uint32_t)len;
	memcpy(p, &magic, 4);
	p[4] = 0xA0; /* a 4-byte content size, single segment, no checksum */
	memcpy(p + 5, &size, 4);
	p += 9;
	const size_t block_max = 128u << 10;
	do {
		size_t n = len < block_max ? len : block_max;
		uint32_t bh = (uint32_t)(n << 3) | (n == len); /* raw block, last? */
		memcpy(p, &bh, 3);
		memcpy(p + 3, src, n);
		p += 3 + n;
		src += n;
		len -= n;
	} while (len);
	return (size_t)(p - dst);
}

/* Hashes, compresses and writes one frame of n records. */
static int write_frame(struct rrk_writer *w, const uint8_t *raw, size_t len, uint32_t n, int level)
{
	rrk_sha256_update(&w->digest, raw, len);
	size_t bound = ZSTD_compressBound(len);
	if (bound > w->comp_cap) {
		uint8_t *p = realloc(w->comp, bound);
		if (!p) {
			set_err(w, "writing trace to %s: %s", "out of memory");
			return -1;
		}
		w->comp = p;
		w->comp_cap = bound;
	}
	size_t c = level == LEVEL_STORE ? store_frame(w->comp, raw, len)
				   : ZSTD_compressCCtx(w->cctx, w->comp, w->comp_cap, raw, len, level);
	if (ZSTD_isError(c)) {
		set_err(w, "writing trace to %s: zstd: %s", ZSTD_getErrorName(c));
		return -1;
	}
	if (c > RRK_FRAME_MAX_COMP) {
		set_err(w, "writing trace to %s: %s", "compressed frame too large");
		return -1;
	}
	struct rrk_frame_hdr fh;
	fh.magic = RRK_FRAME_MAGIC;
	fh.raw_size = (uint32_t)len;
	fh.comp_size = (uint32_t)c;
	fh.nrecords = n;
	fh.seq = w->seq;
	fh.payload_crc = rrk_crc32c(0, w->comp, c);
	fh.hdr_crc = rrk_crc32c(0, &fh, 28);
	if (out(w, &fh, sizeof fh) < 0 || out(w, w->comp, c) < 0)
		return -1;
	w->seq++;
	return 0;
}

static void *worker(void *arg)
{
	struct rrk_writer *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->queued && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->queued)
			break;
		struct slot *sl = &w->slots[w->head];
		pthread_mutex_unlock(&w->mu);
		int failed = w->failed; /* only this thread sets it meanwhile */
		if (!failed)
			write_frame(w, sl->buf, sl->len, sl->nrecords, sl->level);
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % NSLOTS;
		w->queued--;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the background thread has written what it was given. */
static void settle(struct rrk_writer *w)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	while (w->queued)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
}

/* The level for the frame in raw, given the level rec would use. */
static int frame_level(const struct rrk_writer *w, int level)
{
	if (level != LEVEL_STORE && level > BLOB_LEVEL && w->raw_blob > w->raw_len / 2)
		return BLOB_LEVEL;
	return level;
}

static int emit_frame(struct rrk_writer *w)
{
	if (w->failed)
		return -1;
	if (w->nrecords == 0)
		return 0;
	if (!w->threaded) {
		if (write_frame(w, w->raw, w->raw_len, w->nrecords, frame_level(w, w->level)) < 0)
			return -1;
	} else {
		/* hand this frame over in a free slot, fill that slot's
		 * old buffer meanwhile; compress faster when rec has to wait
		 * for the thread (a burst such as a program's image fits in
		 * the slots), better again once it has caught up */
		pthread_mutex_lock(&w->mu);
		if (w->queued == NSLOTS && w->step < NSTEPS - 1) {
			/* each time the thread falls behind, it waits twice
			 * as long before it tries the better level again: a
			 * steady stream settles at the level it keeps up with */
			w->step++;
			w->calm = 0;
			if (w->patience < 256)
				w->patience *= 2;
		} else if (w->queued) {
			w->calm = 0;
		} else if (w->step > 0 && ++w->calm >= w->patience) {
			w->step--;
			w->calm = 0;
		}
		while (w->queued == NSLOTS)
			pthread_cond_wait(&w->cv, &w->mu);
		struct slot *sl = &w->slots[(w->head + w->queued) % NSLOTS];
		sl->level = frame_level(w, w->step ? faster_levels[w->step - 1] : w->level);
		uint8_t *t = sl->buf;
		size_t tc = sl->cap;
		sl->buf = w->raw;
		sl->cap = w->raw_cap;
		sl->len = w->raw_len;
		sl->nrecords = w->nrecords;
		w->raw = t;
		w->raw_cap = tc;
		w->queued++;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
		if (w->failed)
			return -1;
	}
	w->raw_len = 0;
	w->raw_blob = 0;
	w->nrecords = 0;
	return 0;
}

int rrk_writer_background(struct rrk_writer *w, int avoid_cpu)
{
	if (!w || w->threaded || w->failed)
		return -1;
	if (pthread_mutex_init(&w->mu, NULL) || pthread_cond_init(&w->cv, NULL))
		return -1;
	/* the thread starts with every signal blocked: they stay the
	 * caller's (its waits are woken by them) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&w->th, NULL, worker, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -1;
	w->threaded = 1;
	w->patience = NSLOTS / 2; /* doubled at the first fall behind */
	/* on another CPU than the caller, which may be pinned to one */
	if (avoid_cpu >= 0)
		rrk_thread_avoid_cpu(w->th, avoid_cpu);
	return 0;
}

int rrk_write_record(struct rrk_writer *w, unsigned type, unsigned flags,
		     const void *a, size_t alen, const void *b, size_t blen)
{
	if (!w || w->failed)
		return -1;
	if (alen > RRK_REC_MAX || blen > RRK_REC_MAX - alen) {
		char what[128];
		snprintf(what, sizeof what, "record of type %u is %zu bytes, more than the limit of %u",
			 type, alen + (blen > RRK_REC_MAX ? 0 : blen), RRK_REC_MAX);
		set_err(w, "writing trace to %s: %s", what);
		return -1;
	}
	size_t size = alen + blen;
	size_t need = sizeof(struct rrk_rec_hdr) + size;
	if (w->raw_len && w->raw_len + need > FRAME_TARGET && emit_frame(w) < 0)
		return -1;
	if (w->raw_len + need > w->raw_cap) {
		size_t cap = w->raw_cap ? w->raw_cap : 64 * 1024;
		while (cap < w->raw_len + need)
			cap *= 2;
		uint8_t *p = realloc(w->raw, cap);
		if (!p) {
			set_err(w, "writing trace to %s: %s", "out of memory");
			return -1;
		}
		w->raw = p;
		w->raw_cap = cap;
	}
	struct rrk_rec_hdr rh = { (uint16_t)type, (uint16_t)flags, (uint32_t)size };
	uint8_t *p = w->raw + w->raw_len;
	memcpy(p, &rh, sizeof rh);
	if (alen)
		memcpy(p + sizeof rh, a, alen);
	if (blen)
		memcpy(p + sizeof rh + alen, b, blen);
	w->raw_len += need;
	if (type == RRK_REC_BLOB)
		w->raw_blob += need;
	w->nrecords++;
	return 0;
}

int rrk_writer_flush(struct rrk_writer *w)
{
	if (!w)
		return -1;
	int rc = emit_frame(w);
	settle(w); /* out now, for a reader behind a pipe */
	return rc < 0 || w->failed ? -1 : 0;
}

int rrk_writer_nudge(struct rrk_writer *w)
{
	if (!w || w->failed)
		return -1;
	if (!w->threaded || w->raw_len < NUDGE_MIN)
		return 0;
	pthread_mutex_lock(&w->mu);
	int idle = w->queued == 0;
	pthread_mutex_unlock(&w->mu);
	return idle ? emit_frame(w) : 0;
}

static void stop_worker(struct rrk_writer *w)
{
	if (!w->threaded)
		return;
	settle(w);
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->th, NULL);
	w->threaded = 0;
	for (int i = 0; i < NSLOTS; i++) {
		free(w->slots[i].buf);
		w->slots[i].buf = NULL;
	}
}

int rrk_writer_close(struct rrk_writer *w, struct rrk_end *end,
		     const char *reason)
{
	if (!w)
		return -1;
	int rc = -1;
	stop_worker(w);
	if (!w->failed) {
		struct rrk_end e;
		if (end)
			e = *end;
		else
			memset(&e, 0, sizeof e);
		/* the digest of every record before END, the unwritten ones too */
		struct rrk_sha256 copy = w->digest;
		rrk_sha256_update(&copy, w->raw, w->raw_len);
		rrk_sha256_final(&copy, e.digest);
		if (end)
			memcpy(end->digest, e.digest, sizeof e.digest);
		const char *tail = ((e.how == RRK_END_ABORTED || e.how == RRK_END_CUT) && reason) ? reason : "";
		if (rrk_write_record(w, RRK_REC_END, 0, &e, sizeof e, tail,
				     strlen(tail)) == 0 &&
		    emit_frame(w) == 0)
			rc = 0;
	}
	ZSTD_freeCCtx(w->cctx);
	free(w->raw);
	free(w->comp);
	free(w->name);
	if (rc == 0) {
		free(w);
	} else {
		/* Keep the small struct so that rrk_writer_error(w) still works
		 * after a failed close (callers report it and exit). */
		w->cctx = NULL;
		w->raw = w->comp = NULL;
		w->name = NULL;
	}
	return rc;
}

/* Also valid on the w of a failed rrk_writer_close. With NULL: why
 * rrk_writer_open returned NULL. */
const char *rrk_writer_error(struct rrk_writer *w)
{
	if (!w)
		return "trace writer could not be created: out of memory";
	return w->failed ? w->err : "no error";
}

uint64_t rrk_writer_bytes(struct rrk_writer *w)
{
	if (w)
		settle(w);
	return w ? w->bytes : 0;
}
