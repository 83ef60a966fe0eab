/* rec --keyframe-interval: the recorder's trace flows through a replay of
 * itself on its way out, and the replay writes a keyframe before every
 * K-th event (doc/design.md "Keyframes while recording"). The replay runs
 * in its own process, so that a replay failure only ends the keyframes:
 * every record the recorder wrote is still copied out. */
#include "keyframer.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyframe.h"
#include "replay.h"
#include "replay_int.h"
#include "trace.h"
#include "util.h"

/* Records read but not yet written out: those of the event the replay is
 * at and of the one it has read ahead. */
struct queued {
	unsigned type, flags;
	uint32_t size;
	uint8_t *data;
	uint64_t event; /* its number, for an EVENT record; else 0 */
};
static struct queued *queue;
static size_t q_head, q_len, q_cap;

static struct rrk_writer *w;
static uint64_t last_flush, last_seen;
static struct rrk_end end;
static char end_reason[256];
static int have_end;
static struct replayer rp;
static int replaying;
static jmp_buf broke;
static char broke_why[1024];

static void out_failed(void) __attribute__((noreturn));
static void out_failed(void)
{
	rrk_die_hook = NULL;
	if (replaying)
		rrk_rp_kill(&rp);
	rrk_die("%s; the trace holds the events written so far", rrk_writer_error(w));
}

static void tap(void *ctx, const struct rrk_record *rec)
{
	(void)ctx;
	if (rec->type == RRK_REC_END) {
		/* written again at the end, with this stream's digest */
		if (rec->size >= sizeof end) {
			memcpy(&end, rec->data, sizeof end);
			size_t n = rec->size - sizeof end;
			if (n > sizeof end_reason - 1)
				n = sizeof end_reason - 1;
			memcpy(end_reason, rec->data + sizeof end, n);
			end_reason[n] = 0;
			have_end = 1;
		}
		return;
	}
	if (q_head + q_len == q_cap) {
		if (q_head) {
			memmove(queue, queue + q_head, q_len * sizeof *queue);
			q_head = 0;
		} else {
			queue = rrk_xrealloc(queue, (q_cap = q_cap * 2 + 64) * sizeof *queue);
		}
	}
	struct queued *q = &queue[q_head + q_len++];
	q->type = rec->type;
	q->flags = rec->flags;
	q->size = rec->size;
	q->data = rrk_xmalloc(rec->size);
	memcpy(q->data, rec->data, rec->size);
	q->event = 0;
	if (rec->type == RRK_REC_EVENT && rec->size >= sizeof(struct rrk_event)) {
		struct rrk_event e;
		memcpy(&e, rec->data, sizeof e);
		q->event = last_seen = e.number;
	}
}

/* Writes out the queued records before event `until` (0: all of them). */
static void write_until(uint64_t until)
{
	while (q_len) {
		struct queued *q = &queue[q_head];
		if (until && q->event >= until)
			break;
		if (rrk_write_record(w, q->type, q->flags, q->data, q->size, NULL, 0) < 0)
			out_failed();
		free(q->data);
		q_head++;
		q_len--;
	}
	if (!q_len)
		q_head = 0;
	/* stream as the recorder does: a reader behind a pipe sees events
	 * within a fraction of a second */
	uint64_t now = rrk_now_ns();
	if (now - last_flush > 200000000ull) {
		if (rrk_writer_flush(w) < 0)
			out_failed();
		last_flush = now;
	}
}

static void on_die(const char *msg)
{
	snprintf(broke_why, sizeof broke_why, "%s", msg);
	longjmp(broke, 1);
}

int rrk_keyframer(int in_fd, int out_fd, const char *name, uint64_t every, int level)
{
	static struct replay_options o;
	w = rrk_writer_open(out_fd, name, level);
	if (!w || strcmp(rrk_writer_error(w), "no error"))
		rrk_die("%s", rrk_writer_error(w));
	last_flush = rrk_now_ns();
	o.trace_fd = in_fd;
	o.trace_name = "the trace being recorded";
	o.quiet = 1;
	o.tap = tap;
	rrk_die_hook = on_die;
	if (setjmp(broke) == 0) {
		rrk_rp_begin(&rp, &o);
		replaying = 1;
		uint64_t first = rrk_rp_cur(&rp)->hdr.number;
		while (rrk_rp_prepare(&rp) == 0) {
			uint64_t e = rrk_rp_cur(&rp)->hdr.number;
			write_until(e);
			char why[256] = "";
			if (e != first && e % every == 0 && rrk_kf_write(&rp, w, e, why, sizeof why) < 0) {
				if (!strncmp(why, "cannot write", 12))
					out_failed();
				/* (nothing to say when only exits follow) */
				if (strncmp(why, "the program is only exiting", 27))
					rrk_warn("note: no keyframe before event %llu: %s",
						 (unsigned long long)e, why);
			}
			if (rrk_rp_process(&rp))
				break;
		}
	} else if (!have_end || rp.last < last_seen) {
		/* the replay failed part way: keep copying */
		rrk_warn("note: no keyframes after event %llu: replaying the recording failed (%s); "
			 "the trace itself is complete",
			 (unsigned long long)rp.last, broke_why);
	}
	rrk_die_hook = NULL;
	if (replaying)
		rrk_rp_kill(&rp);
	struct rrk_reader *rd = rp.rd;
	if (!rd) {
		rd = rrk_reader_open(in_fd, o.trace_name);
		if (!rd)
			rrk_die("cannot read the trace being recorded");
		rrk_reader_tap(rd, tap, NULL);
	}
	struct rrk_record rec;
	while (rrk_read_record(rd, &rec) == RRK_OK)
		write_until(0);
	write_until(0);
	if (!have_end) {
		/* the recorder died: keep what it wrote, without an end record */
		if (rrk_writer_flush(w) < 0)
			out_failed();
		return 0;
	}
	if (rrk_writer_close(w, &end, end_reason[0] ? end_reason : NULL) < 0)
		out_failed();
	return 0;
}
