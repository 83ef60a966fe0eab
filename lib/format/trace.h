/* rrkit trace format v1: the reader/writer API and its in-memory types.
 * The records' wire layout, every struct and constant on disk, is in
 * wire.h (with doc/trace-format.md, the normative description). */
#ifndef RRK_TRACE_H
#define RRK_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wire.h"

#define RRK_VERSION "0.1.0"

/* "rdtsc", "rdtscp", "cpuid" for a patch kind (RRK_PATCH_*, which
 * sites.h's RRK_SITE_* equal); NULL for another value (lib/format/kinds.c). */
const char *rrk_site_kind_name(unsigned kind);
/* "syscall" for RRK_EV_SYSCALL, ..., "keyframe" for RRK_EV_KEYFRAME;
 * NULL for an unknown kind (lib/format/kinds.c). */
const char *rrk_event_kind_name(unsigned kind);
/* Prints "TOOL (rrkit) VERSION, trace format N" for --version; returns 0. */
int rrk_print_version(void);
/* For RRK_OPT_HELP, prints usage; for RRK_OPT_VERSION, the version.
 * Returns 0, the tool's exit status. */
int rrk_help_or_version(int id, const char *usage);

/* ---- writer ---- */
struct rrk_writer;
/* fd is written with write(2) only; name is for messages. */
struct rrk_writer *rrk_writer_open(int fd, const char *name, int level);
int rrk_write_record(struct rrk_writer *w, unsigned type, unsigned flags,
		     const void *a, size_t alen, const void *b, size_t blen);
/* Ends the current frame and writes it out now (for streaming). */
int rrk_writer_flush(struct rrk_writer *w);
/* Hands the records so far to the background thread as a frame when
 * that thread is idle and they are worth it (64 KiB), without waiting:
 * otherwise they wait for the next full frame, or for the end, where
 * compressing them holds up rec's exit (an image's blobs left 0.9 MB
 * there, 5-8 ms). Returns 0 or -1 (a write error). */
int rrk_writer_nudge(struct rrk_writer *w);
/* From now on a second thread (kept off avoid_cpu when it can be) hashes,
 * compresses and writes the frames. Only after the caller's last fork
 * that does not exec at once. Returns 0 or -1 (the writer goes on in the
 * caller's thread). */
int rrk_writer_background(struct rrk_writer *w, int avoid_cpu);
/* Appends END (digest filled in), flushes, frees. Returns 0, or -1 with
 * w kept for rrk_writer_error. */
int rrk_writer_close(struct rrk_writer *w, struct rrk_end *end,
		     const char *reason);
const char *rrk_writer_error(struct rrk_writer *w);
uint64_t rrk_writer_bytes(struct rrk_writer *w);

/* ---- reader ---- */
enum rrk_read_status {
	RRK_OK = 0,
	RRK_EOF = 1,        /* clean end: END record seen and nothing after */
	RRK_INCOMPLETE = 2, /* stream ends early: the writer died */
	RRK_CORRUPT = 3,    /* bad magic, checksum, size or structure */
	RRK_IOERR = 4,
	RRK_UNSUPPORTED = 5 /* newer format version or unknown required record */
};
struct rrk_record {
	unsigned type, flags;
	uint32_t size;
	const uint8_t *data; /* valid until the next call */
};
struct rrk_reader;
struct rrk_reader *rrk_reader_open(int fd, const char *name);
/* Next record. Returns RRK_OK or a status; rrk_reader_error explains. */
int rrk_read_record(struct rrk_reader *r, struct rrk_record *rec);
const char *rrk_reader_error(struct rrk_reader *r);
void rrk_reader_close(struct rrk_reader *r);
/* Calls fn with every record the reader returns, whoever asked for it
 * (rec --keyframe-interval copies what its replay reads). */
void rrk_reader_tap(struct rrk_reader *r, void (*fn)(void *ctx, const struct rrk_record *rec),
		    void *ctx);
/* Running SHA-256 over every record returned so far (decoded bytes). */
void rrk_reader_digest(struct rrk_reader *r, uint8_t out[32]);
/* Hashes frames in a second thread (call before the first record). The
 * digest then covers the records before the one read last, not that one. */
int rrk_reader_hash_background(struct rrk_reader *r);
/* Keeps that thread off cpu (the one play and its program run on), as
 * rec keeps its writer thread; no-op without the thread or another CPU. */
void rrk_reader_avoid_cpu(struct rrk_reader *r, int cpu);
uint64_t rrk_reader_comp_bytes(struct rrk_reader *r); /* bytes read from file */
uint64_t rrk_reader_raw_bytes(struct rrk_reader *r);  /* decoded record bytes */
uint64_t rrk_reader_frames(struct rrk_reader *r);

/* An event with its attachments, assembled by rrk_read_event. */
struct rrk_attach {
	unsigned type;
	uint32_t size;
	uint8_t *data;
};
struct rrk_ev {
	struct rrk_event hdr;
	uint8_t *body; /* hdr.body_size bytes, aligned */
	size_t nattach;
	struct rrk_attach *attach;
};
/* Reads records up to and including the next complete event. Records that
 * are not events (HEADER, BLOB, NOTE, END) are passed to on_other when it
 * is not NULL. Returns RRK_OK with *ev filled, RRK_EOF after END, or an
 * error status. ev's memory is reused on the next call. */
int rrk_read_event(struct rrk_reader *r, struct rrk_ev *ev,
		   void (*on_other)(void *ctx, const struct rrk_record *rec),
		   void *ctx);
void rrk_ev_free(struct rrk_ev *ev);
/* An END record's fixed part into *end and its reason text into reason
 * (NUL-terminated, cut to len). Returns 0, or -1 when rec is too short
 * to hold one (nothing changed). */
int rrk_end_parse(const struct rrk_record *rec, struct rrk_end *end, char *reason, size_t len);
/* A deep copy of src into dst (zeroed). */
void rrk_ev_copy(struct rrk_ev *dst, const struct rrk_ev *src);

/* ---- helpers ---- */
void rrk_sha256(const void *data, size_t len, uint8_t out[32]);
struct rrk_sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t fill;
};
void rrk_sha256_init(struct rrk_sha256 *s);
void rrk_sha256_update(struct rrk_sha256 *s, const void *data, size_t len);
void rrk_sha256_final(struct rrk_sha256 *s, uint8_t out[32]);
void rrk_hex(const uint8_t *d, size_t n, char *out); /* out: 2n+1 bytes */
uint32_t rrk_crc32c(uint32_t crc, const void *data, size_t len);

#endif
