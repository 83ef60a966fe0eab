/* tracecut: write a smaller trace that still replays.
 *   tracecut [--from N] [--to M] [TRACE|-] > OUT
 * OUT holds events N..M with their numbers: a keyframe at N (the replayed
 * state there, made by replaying up to N), the events, the blobs they use
 * and an end record (man/tracecut.1). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/opts.h"
#include "replay/replay.h"
#include "format/trace.h"
#include "base/util.h"

static const char usage[] =
	"usage: tracecut [--from N] [--to M] [TRACE|-] > OUT\n"
	"Write a trace that still replays: the events N..M of TRACE with their\n"
	"numbers, a keyframe (the whole replayed state) at N, the files they use\n"
	"and an end record. Without --from it starts at the program's start,\n"
	"without --to it runs to the end.\n"
	"Reads standard input when TRACE is - or missing; writes standard output.\n"
	"  --from N    start at event N (see tracecat for the numbers)\n"
	"  --to M      end after event M\n"
	"  --keyframe-interval K  also write a keyframe before every K-th event,\n"
	"              so that play --goto and gdb's monitor goto start close by\n"
	"  -h, --help  show this help\n"
	"  --version   show the version\n";

static uint64_t number(const char *opt, const char *v)
{
	uint64_t n;
	if (!v || !*v)
		rrk_die("%s needs an event number; see tracecut --help", opt);
	if (rrk_opt_number(v, 1, UINT64_MAX, &n) < 0)
		rrk_die("%s %s: not an event number (1, 2, ...); see tracecut --help", opt, v);
	return n;
}

/* Digests of blobs a set of events uses (their MAP records). */
struct digests {
	uint8_t (*d)[32];
	size_t n;
};

static int has(const struct digests *s, const uint8_t *d)
{
	for (size_t i = 0; i < s->n; i++)
		if (!memcmp(s->d[i], d, 32))
			return 1;
	return 0;
}

static void add(struct digests *s, const uint8_t *d)
{
	if (has(s, d))
		return;
	s->d = rrk_xrealloc(s->d, (s->n + 1) * sizeof *s->d);
	memcpy(s->d[s->n++], d, 32);
}

/* Pass 1: checks the range and collects the blobs events from..to use;
 * says whether the input has a keyframe at `from`. */
static void scan(const char *name, int fd, uint64_t from, uint64_t to, struct digests *used,
		 int *kf_at_from)
{
	struct rrk_reader *rd = rrk_reader_open(fd, name);
	if (!rd)
		rrk_die("cannot read %s: %s", name, strerror(errno));
	struct rrk_record rec;
	uint64_t cur = 0, first = 0, last = 0;
	int st;
	*kf_at_from = 0;
	while ((st = rrk_read_record(rd, &rec)) == RRK_OK) {
		if (rec.type == RRK_REC_KEYFRAME && rec.size >= sizeof(struct rrk_keyframe)) {
			struct rrk_keyframe k;
			memcpy(&k, rec.data, sizeof k);
			if (k.event == from)
				*kf_at_from = 1;
			cur = k.event;
			if (!first)
				first = k.event;
		} else if (rec.type == RRK_REC_EVENT) {
			struct rrk_event e;
			memcpy(&e, rec.data, sizeof e);
			cur = last = e.number;
			if (!first)
				first = e.number;
		} else if (rec.type == RRK_REC_MAP && cur >= from && (!to || cur <= to)) {
			struct rrk_map mp;
			memcpy(&mp, rec.data, sizeof mp);
			if (mp.flags & RRK_MAP_FILE)
				add(used, mp.digest);
		}
	}
	if (st != RRK_EOF)
		rrk_die("%s", rrk_reader_error(rd));
	rrk_reader_close(rd);
	if (from && from < first)
		rrk_die("--from %llu: %s starts at event %llu; see tracecat", (unsigned long long)from, name,
			(unsigned long long)first);
	if (from > last || to > last)
		rrk_die("--%s %llu: %s has events %llu to %llu; see tracecat", from > last ? "from" : "to",
			(unsigned long long)(from > last ? from : to), name, (unsigned long long)first,
			(unsigned long long)last);
	if (lseek(fd, 0, SEEK_SET) < 0)
		rrk_die("cannot read %s again: %s", name, strerror(errno));
}

/* One cut: its input, output and where it stands. */
struct cut {
	const char *name;     /* of the input */
	int fd;
	uint64_t from, to, every;
	struct rrk_writer *w;
	/* the blobs events from..to use, those written, and those the
	 * input's keyframe at `from` needs (written before it) */
	struct digests used, sent, pre;
	int kf_at_from;       /* the input has a keyframe at `from` */
	int copying;          /* past the cut's start */
	int cut;              /* stopped after `to` */
	int have_end;
	struct rrk_end end;
	char reason[256];
	uint64_t last, count; /* events written */
	/* --keyframe-interval: a second replay, kept just before the next
	 * event to snapshot */
	struct replayer *ix;
	struct replay_options ix_opts;
	int ix_started, ix_prepared, ix_done;
};


static void put(struct cut *c, unsigned type, unsigned flags, const void *a, size_t al, const void *b,
		size_t bl)
{
	if (rrk_write_record(c->w, type, flags, a, al, b, bl) < 0)
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(c->w));
}

/* A blob the replay read, as BLOB records of at most 4 MiB. */
static void put_blob(struct cut *c, const struct blob *b)
{
	uint64_t off = 0;
	do {
		struct rrk_blob h;
		memcpy(h.digest, b->digest, 32);
		h.total = b->total;
		h.offset = off;
		uint64_t n = b->total - off < (4u << 20) ? b->total - off : (4u << 20);
		put(c, RRK_REC_BLOB, 0, &h, sizeof h, b->data + off, n);
		off += n;
	} while (off < b->total);
}

/* Writes a keyframe before event e, from the second replay. */
static void interval_keyframe(struct cut *c, uint64_t e)
{
	if (c->ix_done)
		return;
	if (!c->ix_started) {
		c->ix_opts.trace_fd = rrk_reopen(c->fd, c->name);
		c->ix_opts.trace_name = c->name;
		c->ix_opts.quiet = 1;
		c->ix = rrk_rp_new();
		rrk_rp_begin(c->ix, &c->ix_opts);
		c->ix_started = 1;
	}
	if (c->ix_prepared) {
		c->ix_prepared = 0;
		if (rrk_rp_process(c->ix)) {
			c->ix_done = 1;
			return;
		}
	}
	while (rrk_rp_cur(c->ix)->hdr.number + 1 < e || rrk_rp_cur(c->ix)->hdr.kind == RRK_EV_KEYFRAME)
		if (rrk_rp_step(c->ix)) {
			c->ix_done = 1;
			return;
		}
	if (rrk_rp_prepare(c->ix)) {
		c->ix_done = 1;
		return;
	}
	c->ix_prepared = 1;
	if (rrk_rp_cur(c->ix)->hdr.number != e)
		return;
	char why[256] = "";
	if (rrk_kf_write(c->ix, c->w, e, why, sizeof why) == 0)
		return;
	if (!strncmp(why, "cannot write", 12))
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(c->w));
	rrk_warn("note: no keyframe before event %llu: %s", (unsigned long long)e, why);
}

/* Pass 2: replays up to c->from and writes the header, the blobs and the
 * keyframe there; the replay reads fd. */
static void keyframe(struct cut *c, int fd, const void *header, size_t header_len)
{
	struct replay_options o;
	memset(&o, 0, sizeof o);
	struct replayer *rp = rrk_rp_new();
	o.trace_fd = fd;
	o.trace_name = c->name;
	o.quiet = 1;
	rrk_rp_begin(rp, &o);
	while (rrk_rp_cur(rp)->hdr.number + 1 < c->from || rrk_rp_cur(rp)->hdr.kind == RRK_EV_KEYFRAME) {
		int st = rrk_rp_step(rp);
		if (st)
			rrk_die("cannot replay %s up to event %llu (it ended at event %llu)", c->name,
				(unsigned long long)c->from, (unsigned long long)rrk_rp_last(rp));
	}
	int st = rrk_rp_prepare(rp);
	if (st || rrk_rp_cur(rp)->hdr.number != c->from)
		rrk_die("cannot replay %s up to event %llu", c->name, (unsigned long long)c->from);
	put(c, RRK_REC_HEADER, 0, header, header_len, NULL, 0);
	/* the blobs the state there maps, and those events from..to use */
	for (struct ptask *t = rrk_rp_tasks(rp); t; t = t->next)
		if (!t->dead && t->proc)
			for (size_t i = 0; i < t->proc->nfranges; i++)
				add(&c->used, t->proc->franges[i].digest);
	for (size_t i = 0; i < c->used.n; i++) {
		const struct blob *b = rrk_rp_blob(rp, c->used.d[i]);
		if (b && !has(&c->sent, b->digest)) {
			put_blob(c, b);
			add(&c->sent, b->digest);
		}
	}
	char why[256];
	if (rrk_kf_write(rp, c->w, c->from, why, sizeof why) < 0) {
		rrk_rp_kill(rp);
		rrk_die("cannot cut at event %llu: %s; try a nearby event", (unsigned long long)c->from, why);
	}
	rrk_rp_reap(rp); /* so that no other replay waits on its ends */
	rrk_rp_free(rp);
}

/* A record before the cut's start: the header, then the keyframe made by
 * replaying (or the input's own keyframe there). Returns 1 when rec
 * starts the copy. */
static int before_cut(struct cut *c, const struct rrk_record *rec)
{
	if (rec->type == RRK_REC_HEADER && !c->kf_at_from) {
		/* its own open file: an offset of its own */
		int fd2 = rrk_reopen(c->fd, c->name);
		keyframe(c, fd2, rec->data, rec->size);
		close(fd2);
		return 0;
	}
	if (rec->type == RRK_REC_HEADER) {
		put(c, rec->type, rec->flags, rec->data, rec->size, NULL, 0);
		return 0;
	}
	/* the input's keyframe is copied: so are the blobs before it that it
	 * and the events after it use */
	if (rec->type == RRK_REC_BLOB && rec->size >= sizeof(struct rrk_blob)) {
		struct rrk_blob h;
		memcpy(&h, rec->data, sizeof h);
		if (has(&c->used, h.digest) && !has(&c->sent, h.digest)) {
			put(c, rec->type, rec->flags, rec->data, rec->size, NULL, 0);
			add(&c->pre, h.digest);
		}
		return 0;
	}
	int starts = 0;
	if (rec->type == RRK_REC_KEYFRAME) {
		struct rrk_keyframe k;
		memcpy(&k, rec->data, sizeof k);
		starts = c->kf_at_from && k.event == c->from;
	} else if (rec->type == RRK_REC_EVENT) {
		struct rrk_event e;
		memcpy(&e, rec->data, sizeof e);
		starts = e.number >= c->from;
	}
	if (starts)
		for (size_t i = 0; i < c->pre.n; i++)
			add(&c->sent, c->pre.d[i]);
	return starts;
}

/* A record from the cut's start on. Returns 1 at the first event after
 * c->to (its attachments go with it). */
static int copy_record(struct cut *c, const struct rrk_record *rec)
{
	if (rec->type == RRK_REC_BLOB && rec->size >= sizeof(struct rrk_blob)) {
		struct rrk_blob h;
		memcpy(&h, rec->data, sizeof h);
		if (has(&c->sent, h.digest))
			return 0; /* sent before the keyframe */
	}
	if (rec->type == RRK_REC_EVENT && rec->size >= sizeof(struct rrk_event)) {
		struct rrk_event e;
		memcpy(&e, rec->data, sizeof e);
		if (c->to && e.number > c->to)
			return 1;
		if (c->every && c->count && e.number % c->every == 0)
			interval_keyframe(c, e.number);
		c->last = e.number;
		c->count++;
	}
	put(c, rec->type, rec->flags, rec->data, rec->size, NULL, 0);
	return 0;
}

/* Copies the input from rd, cut; then ends the output. */
static void run_cut(struct cut *c, struct rrk_reader *rd)
{
	struct rrk_record rec;
	int st;
	while ((st = rrk_read_record(rd, &rec)) == RRK_OK) {
		if (rec.type == RRK_REC_END) {
			/* kept for the cut's own end */
			if (rrk_end_parse(&rec, &c->end, c->reason, sizeof c->reason) == 0)
				c->have_end = 1;
			continue;
		}
		if (!c->copying)
			c->copying = before_cut(c, &rec);
		if (c->copying && copy_record(c, &rec)) {
			c->cut = 1;
			break;
		}
	}
	if (!c->cut && st != RRK_EOF)
		rrk_die("%s", rrk_reader_error(rd));
	if (!c->cut && c->to && c->to > c->last)
		rrk_die("--to %llu: %s has %llu events; see tracecat", (unsigned long long)c->to, c->name,
			(unsigned long long)c->last);
	if (!c->cut && !c->have_end)
		rrk_die("%s: the trace has no end record", c->name);
	if (c->cut) {
		memset(&c->end, 0, sizeof c->end);
		c->end.how = RRK_END_CUT;
		snprintf(c->reason, sizeof c->reason, "cut after event %llu by tracecut",
			 (unsigned long long)c->last);
	}
	c->end.nevents = c->count;
	if (c->ix_started)
		rrk_rp_reap(c->ix);
	if (rrk_writer_close(c->w, &c->end, c->reason) < 0)
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(c->w));
}

int main(int argc, char **argv)
{
	rrk_prog = "tracecut";
	rrk_fail_status = 2;
	struct cut cut = { .name = "stdin" }, *c = &cut;
	const char *path = NULL;
	static const struct rrk_opt options[] = {
		{ "from", 0, RRK_OPT_REQ, 'f' }, { "to", 0, RRK_OPT_REQ, 't' },
		{ "keyframe-interval", 0, RRK_OPT_REQ, 'k' }, RRK_OPT_STANDARD, { 0 },
	};
	struct rrk_opts opts = { 0 };
	const char *v;
	int id;
	while ((id = rrk_opt_next(&opts, argc, argv, options, &v)) != RRK_OPT_END) {
		switch (id) {
		case 'f':
			c->from = number("--from", v);
			break;
		case 't':
			c->to = number("--to", v);
			break;
		case 'k':
			c->every = number("--keyframe-interval", v);
			break;
		case RRK_OPT_HELP:
		case RRK_OPT_VERSION:
			return rrk_help_or_version(id, usage);
		case RRK_OPT_UNKNOWN:
			rrk_die("unknown option %s; see tracecut --help", v);
		default: /* RRK_OPT_OPERAND */
			if (path)
				rrk_die("more than one trace given; see tracecut --help");
			path = v;
		}
	}
	if (c->from && c->to && c->to < c->from)
		rrk_die("--from %llu --to %llu: the range is empty; see tracecut --help",
			(unsigned long long)c->from, (unsigned long long)c->to);
	if (isatty(1))
		rrk_die("refusing to write a trace to a terminal; redirect it: tracecut ... > cut.trace");
	if (path && strcmp(path, "-")) {
		c->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (c->fd < 0)
			rrk_die("cannot open %s: %s", path, strerror(errno));
		c->name = path;
	}
	signal(SIGPIPE, SIG_IGN);
	c->copying = c->from <= 1;
	/* a range is checked before anything is written (a pipe is read
	 * into memory first) */
	if (c->from > 1 || c->to || c->every) {
		c->fd = rrk_seekable(c->fd, c->name);
		if (c->from > 1 || c->to)
			scan(c->name, c->fd, c->from, c->to, &c->used, &c->kf_at_from);
	}
	struct rrk_reader *rd = rrk_reader_open(c->fd, c->name);
	c->w = rrk_writer_open(1, "standard output", 3);
	if (!rd || !c->w)
		rrk_die("cannot start: %s", !rd ? strerror(errno) : rrk_writer_error(NULL));
	run_cut(c, rd);
	rrk_reader_close(rd);
	return 0;
}
