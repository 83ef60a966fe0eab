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

#include "replay/replay.h"
#include "format/trace.h"
#include "base/util.h"

/* Records read but not yet written out: those of the event the replay is
 * at and of the one it has read ahead. */
struct queued {
	unsigned type, flags;
	uint32_t size;
	uint8_t *data;
	uint64_t event; /* its number, for an EVENT record; else 0 */
};
/* One keyframer: the tap's and the die hook's context. */
struct keyframer {
	struct queued *queue;
	size_t q_head, q_len, q_cap;
	struct rrk_writer *w;
	uint64_t last_flush, last_seen;
	struct rrk_end end;
	char end_reason[256];
	int have_end;
	struct replayer *rp;
	struct replay_options o;
	int replaying;
	jmp_buf broke;
	char broke_why[1024];
};

static void out_failed(struct keyframer *k) __attribute__((noreturn));
static void out_failed(struct keyframer *k)
{
	rrk_set_die_hook(NULL, NULL);
	if (k->replaying)
		rrk_rp_kill(k->rp);
	rrk_die("%s; the trace holds the events written so far", rrk_writer_error(k->w));
}

static void tap(void *ctx, const struct rrk_record *rec)
{
	struct keyframer *k = ctx;
	if (rec->type == RRK_REC_END) {
		/* written again at the end, with this stream's digest */
		if (rrk_end_parse(rec, &k->end, k->end_reason, sizeof k->end_reason) == 0)
			k->have_end = 1;
		return;
	}
	if (k->q_head + k->q_len == k->q_cap) {
		if (k->q_head) {
			memmove(k->queue, k->queue + k->q_head, k->q_len * sizeof *k->queue);
			k->q_head = 0;
		} else {
			k->queue = rrk_xrealloc(k->queue, (k->q_cap = k->q_cap * 2 + 64) * sizeof *k->queue);
		}
	}
	struct queued *q = &k->queue[k->q_head + k->q_len++];
	q->type = rec->type;
	q->flags = rec->flags;
	q->size = rec->size;
	q->data = rrk_xmalloc(rec->size);
	memcpy(q->data, rec->data, rec->size);
	q->event = 0;
	if (rec->type == RRK_REC_EVENT && rec->size >= sizeof(struct rrk_event)) {
		struct rrk_event e;
		memcpy(&e, rec->data, sizeof e);
		q->event = k->last_seen = e.number;
	}
}

/* Writes out the queued records before event `until` (0: all of them). */
static void write_until(struct keyframer *k, uint64_t until)
{
	while (k->q_len) {
		struct queued *q = &k->queue[k->q_head];
		if (until && q->event >= until)
			break;
		if (rrk_write_record(k->w, q->type, q->flags, q->data, q->size, NULL, 0) < 0)
			out_failed(k);
		free(q->data);
		k->q_head++;
		k->q_len--;
	}
	if (!k->q_len)
		k->q_head = 0;
	/* stream as the recorder does: a reader behind a pipe sees events
	 * within a fraction of a second */
	uint64_t now = rrk_now_ns();
	if (now - k->last_flush > 200000000ull) {
		if (rrk_writer_flush(k->w) < 0)
			out_failed(k);
		k->last_flush = now;
	}
}

static void on_die(void *ctx, const char *msg)
{
	struct keyframer *k = ctx;
	snprintf(k->broke_why, sizeof k->broke_why, "%s", msg);
	longjmp(k->broke, 1);
}

int rrk_keyframer(int in_fd, int out_fd, const char *name, uint64_t every, int level)
{
	/* on the heap: the replay's die hook longjmps back here */
	struct keyframer *k = rrk_xcalloc(1, sizeof *k);
	k->rp = rrk_rp_new();
	k->w = rrk_writer_open(out_fd, name, level);
	if (!k->w || strcmp(rrk_writer_error(k->w), "no error"))
		rrk_die("%s", rrk_writer_error(k->w));
	k->last_flush = rrk_now_ns();
	k->o.trace_fd = in_fd;
	k->o.trace_name = "the trace being recorded";
	k->o.quiet = 1;
	k->o.tap = tap;
	k->o.tap_ctx = k;
	rrk_set_die_hook(on_die, k);
	if (setjmp(k->broke) == 0) {
		rrk_rp_begin(k->rp, &k->o);
		k->replaying = 1;
		uint64_t first = rrk_rp_cur(k->rp)->hdr.number;
		while (rrk_rp_prepare(k->rp) == 0) {
			uint64_t e = rrk_rp_cur(k->rp)->hdr.number;
			write_until(k, e);
			char why[256] = "";
			if (e != first && e % every == 0 && rrk_kf_write(k->rp, k->w, e, why, sizeof why) < 0) {
				if (!strncmp(why, "cannot write", 12))
					out_failed(k);
				/* (nothing to say when only exits follow) */
				if (strncmp(why, "the program is only exiting", 27))
					rrk_warn("note: no keyframe before event %llu: %s",
						 (unsigned long long)e, why);
			}
			if (rrk_rp_process(k->rp))
				break;
		}
	} else if (!k->have_end || rrk_rp_last(k->rp) < k->last_seen) {
		/* the replay failed part way: keep copying */
		rrk_warn("note: no keyframes after event %llu: replaying the recording failed (%s); "
			 "the trace itself is complete",
			 (unsigned long long)rrk_rp_last(k->rp), k->broke_why);
	}
	rrk_set_die_hook(NULL, NULL);
	if (k->replaying)
		rrk_rp_kill(k->rp);
	struct rrk_reader *rd = rrk_rp_reader(k->rp);
	if (!rd) {
		rd = rrk_reader_open(in_fd, k->o.trace_name);
		if (!rd)
			rrk_die("cannot read the trace being recorded");
		rrk_reader_tap(rd, tap, k);
	}
	struct rrk_record rec;
	while (rrk_read_record(rd, &rec) == RRK_OK)
		write_until(k, 0);
	write_until(k, 0);
	if (!k->have_end) {
		/* the recorder died: keep what it wrote, without an end record */
		if (rrk_writer_flush(k->w) < 0)
			out_failed(k);
	} else if (rrk_writer_close(k->w, &k->end, k->end_reason[0] ? k->end_reason : NULL) < 0) {
		out_failed(k);
	}
	free(k->queue);
	free(k);
	return 0;
}
