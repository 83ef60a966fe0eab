/* Trace writer: preamble, then zstd-compressed frames of whole records. */
#include "trace.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define FRAME_TARGET (1u << 20) /* emit a frame before the raw data exceeds this */

struct rrk_writer {
	int fd;
	char *name;
	int level;
	uint8_t *raw;     /* records of the frame being built */
	size_t raw_len, raw_cap;
	uint32_t nrecords;
	uint64_t seq;     /* next frame number */
	uint8_t *comp;    /* compression buffer */
	size_t comp_cap;
	ZSTD_CCtx *cctx;
	struct rrk_sha256 digest;
	uint64_t bytes;   /* bytes written to fd */
	int failed;
	char err[512];
};

static char close_err[512]; /* the error of the last failed rrk_writer_close */

static void set_err(struct rrk_writer *w, const char *fmt, const char *what)
{
	if (w->failed)
		return;
	w->failed = 1;
	snprintf(w->err, sizeof w->err, fmt, w->name ? w->name : "trace", what);
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

static int emit_frame(struct rrk_writer *w)
{
	if (w->failed)
		return -1;
	if (w->nrecords == 0)
		return 0;
	size_t bound = ZSTD_compressBound(w->raw_len);
	if (bound > w->comp_cap) {
		uint8_t *p = realloc(w->comp, bound);
		if (!p) {
			set_err(w, "writing trace to %s: %s", "out of memory");
			return -1;
		}
		w->comp = p;
		w->comp_cap = bound;
	}
	size_t n = ZSTD_compressCCtx(w->cctx, w->comp, w->comp_cap, w->raw,
				     w->raw_len, w->level);
	if (ZSTD_isError(n)) {
		set_err(w, "writing trace to %s: zstd: %s", ZSTD_getErrorName(n));
		return -1;
	}
	if (n > RRK_FRAME_MAX_COMP) {
		set_err(w, "writing trace to %s: %s", "compressed frame too large");
		return -1;
	}
	struct rrk_frame_hdr fh;
	fh.magic = RRK_FRAME_MAGIC;
	fh.raw_size = (uint32_t)w->raw_len;
	fh.comp_size = (uint32_t)n;
	fh.nrecords = w->nrecords;
	fh.seq = w->seq;
	fh.payload_crc = rrk_crc32c(0, w->comp, n);
	fh.hdr_crc = rrk_crc32c(0, &fh, 28);
	if (out(w, &fh, sizeof fh) < 0 || out(w, w->comp, n) < 0)
		return -1;
	w->seq++;
	w->raw_len = 0;
	w->nrecords = 0;
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
	rrk_sha256_update(&w->digest, p, need);
	w->raw_len += need;
	w->nrecords++;
	return 0;
}

int rrk_writer_flush(struct rrk_writer *w)
{
	if (!w)
		return -1;
	return emit_frame(w);
}

int rrk_writer_close(struct rrk_writer *w, struct rrk_end *end,
		     const char *reason)
{
	if (!w)
		return -1;
	int rc = -1;
	if (!w->failed) {
		struct rrk_end e;
		if (end)
			e = *end;
		else
			memset(&e, 0, sizeof e);
		struct rrk_sha256 copy = w->digest;
		rrk_sha256_final(&copy, e.digest);
		if (end)
			memcpy(end->digest, e.digest, sizeof e.digest);
		const char *tail = ((e.how == RRK_END_ABORTED || e.how == RRK_END_CUT) && reason) ? reason : "";
		if (rrk_write_record(w, RRK_REC_END, 0, &e, sizeof e, tail,
				     strlen(tail)) == 0 &&
		    emit_frame(w) == 0)
			rc = 0;
	}
	if (w->failed)
		memcpy(close_err, w->err, sizeof close_err);
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

/* Also valid on the w of a failed rrk_writer_close. With NULL: the error of
 * the last failed close, or why rrk_writer_open returned NULL. */
const char *rrk_writer_error(struct rrk_writer *w)
{
	if (!w)
		return close_err[0] ? close_err
				    : "trace writer could not be created: out of memory";
	return w->failed ? w->err : "no error";
}

uint64_t rrk_writer_bytes(struct rrk_writer *w)
{
	return w ? w->bytes : 0;
}
