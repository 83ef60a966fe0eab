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

#include "opts.h"
#include "replay.h"
#include "trace.h"
#include "util.h"

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

static const char *name = "stdin";

static uint64_t number(const char *opt, const char *v)
{
	char *end;
	if (!v || !*v)
		rrk_die("%s needs an event number; see tracecut --help", opt);
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end || errno || !n || v[0] == '-')
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
static void scan(int fd, uint64_t from, uint64_t to, struct digests *used, int *kf_at_from)
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

static struct rrk_writer *w;

/* --keyframe-interval: a second replay, kept just before the next event
 * to snapshot. */
static struct replayer *ix;
static struct replay_options ix_opts;
static int ix_started, ix_prepared, ix_done;


static void put(unsigned type, unsigned flags, const void *a, size_t al, const void *b, size_t bl)
{
	if (rrk_write_record(w, type, flags, a, al, b, bl) < 0)
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(w));
}

/* A blob the replay read, as BLOB records of at most 4 MiB. */
static void put_blob(const struct blob *b)
{
	uint64_t off = 0;
	do {
		struct rrk_blob h;
		memcpy(h.digest, b->digest, 32);
		h.total = b->total;
		h.offset = off;
		uint64_t n = b->total - off < (4u << 20) ? b->total - off : (4u << 20);
		put(RRK_REC_BLOB, 0, &h, sizeof h, b->data + off, n);
		off += n;
	} while (off < b->total);
}

static void put(unsigned type, unsigned flags, const void *a, size_t al, const void *b, size_t bl);

/* Writes a keyframe before event e, from the second replay. */
static void interval_keyframe(int fd, uint64_t e)
{
	if (ix_done)
		return;
	if (!ix_started) {
		ix_opts.trace_fd = rrk_reopen(fd, name);
		ix_opts.trace_name = name;
		ix_opts.quiet = 1;
		ix = rrk_rp_new();
		rrk_rp_begin(ix, &ix_opts);
		ix_started = 1;
	}
	if (ix_prepared) {
		ix_prepared = 0;
		if (rrk_rp_process(ix)) {
			ix_done = 1;
			return;
		}
	}
	while (rrk_rp_cur(ix)->hdr.number + 1 < e || rrk_rp_cur(ix)->hdr.kind == RRK_EV_KEYFRAME)
		if (rrk_rp_step(ix)) {
			ix_done = 1;
			return;
		}
	if (rrk_rp_prepare(ix)) {
		ix_done = 1;
		return;
	}
	ix_prepared = 1;
	if (rrk_rp_cur(ix)->hdr.number != e)
		return;
	char why[256] = "";
	if (rrk_kf_write(ix, w, e, why, sizeof why) == 0)
		return;
	if (!strncmp(why, "cannot write", 12))
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(w));
	rrk_warn("note: no keyframe before event %llu: %s", (unsigned long long)e, why);
}

/* Pass 2: replays up to `from` and writes the header, the blobs and the
 * keyframe there. */
static void keyframe(int fd, uint64_t from, struct digests *used, struct digests *sent,
		     const void *header, size_t header_len)
{
	static struct replay_options o;
	struct replayer *rp = rrk_rp_new();
	o.trace_fd = fd;
	o.trace_name = name;
	o.quiet = 1;
	rrk_rp_begin(rp, &o);
	while (rrk_rp_cur(rp)->hdr.number + 1 < from || rrk_rp_cur(rp)->hdr.kind == RRK_EV_KEYFRAME) {
		int st = rrk_rp_step(rp);
		if (st)
			rrk_die("cannot replay %s up to event %llu (it ended at event %llu)", name,
				(unsigned long long)from, (unsigned long long)rrk_rp_last(rp));
	}
	int st = rrk_rp_prepare(rp);
	if (st || rrk_rp_cur(rp)->hdr.number != from)
		rrk_die("cannot replay %s up to event %llu", name, (unsigned long long)from);
	put(RRK_REC_HEADER, 0, header, header_len, NULL, 0);
	/* the blobs the state there maps, and those events from..to use */
	for (struct ptask *t = rrk_rp_tasks(rp); t; t = t->next)
		if (!t->dead && t->proc)
			for (size_t i = 0; i < t->proc->nfranges; i++)
				add(used, t->proc->franges[i].digest);
	for (size_t i = 0; i < used->n; i++) {
		const struct blob *b = rrk_rp_blob(rp, used->d[i]);
		if (b && !has(sent, b->digest)) {
			put_blob(b);
			add(sent, b->digest);
		}
	}
	char why[256];
	if (rrk_kf_write(rp, w, from, why, sizeof why) < 0) {
		rrk_rp_kill(rp);
		rrk_die("cannot cut at event %llu: %s; try a nearby event", (unsigned long long)from, why);
	}
	rrk_rp_reap(rp); /* so that no other replay waits on its ends */
	rrk_rp_free(rp);
}

int main(int argc, char **argv)
{
	rrk_prog = "tracecut";
	rrk_fail_status = 2;
	uint64_t from = 0, to = 0, every = 0;
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
			from = number("--from", v);
			break;
		case 't':
			to = number("--to", v);
			break;
		case 'k':
			every = number("--keyframe-interval", v);
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
	if (from && to && to < from)
		rrk_die("--from %llu --to %llu: the range is empty; see tracecut --help",
			(unsigned long long)from, (unsigned long long)to);
	if (isatty(1))
		rrk_die("refusing to write a trace to a terminal; redirect it: tracecut ... > cut.trace");
	int fd = 0;
	if (path && strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			rrk_die("cannot open %s: %s", path, strerror(errno));
		name = path;
	}
	signal(SIGPIPE, SIG_IGN);
	int kf_at_from = 0;
	struct digests used = { NULL, 0 }, sent = { NULL, 0 }, pre = { NULL, 0 };
	if (from > 1 || every) {
		fd = rrk_seekable(fd, name);
		if (from > 1)
			scan(fd, from, to, &used, &kf_at_from);
	}
	struct rrk_reader *rd = rrk_reader_open(fd, name);
	w = rrk_writer_open(1, "standard output", 3);
	if (!rd || !w)
		rrk_die("cannot start: %s", !rd ? strerror(errno) : rrk_writer_error(NULL));
	struct rrk_record rec;
	struct rrk_end end;
	char reason[256] = "";
	int st, have_end = 0, cut = 0, copying = from <= 1;
	uint64_t last = 0, count = 0;
	while ((st = rrk_read_record(rd, &rec)) == RRK_OK) {
		if (rec.type == RRK_REC_END) {
			if (rec.size >= sizeof end) {
				memcpy(&end, rec.data, sizeof end);
				size_t n = rec.size - sizeof end < sizeof reason - 1 ? rec.size - sizeof end
										  : sizeof reason - 1;
				memcpy(reason, rec.data + sizeof end, n);
				reason[n] = 0;
				have_end = 1;
			}
			continue;
		}
		if (!copying) {
			/* before the cut: the header, then the keyframe made by
			 * replaying (or the input's own keyframe there) */
			if (rec.type == RRK_REC_HEADER && !kf_at_from) {
				/* its own open file: an offset of its own */
				int fd2 = rrk_reopen(fd, name);
				keyframe(fd2, from, &used, &sent, rec.data, rec.size);
				close(fd2);
				continue;
			}
			if (rec.type == RRK_REC_HEADER) {
				put(rec.type, rec.flags, rec.data, rec.size, NULL, 0);
				continue;
			}
			/* the input's keyframe is copied: so are the blobs before
			 * it that it and the events after it use */
			if (rec.type == RRK_REC_BLOB && rec.size >= sizeof(struct rrk_blob)) {
				struct rrk_blob h;
				memcpy(&h, rec.data, sizeof h);
				if (has(&used, h.digest) && !has(&sent, h.digest)) {
					put(rec.type, rec.flags, rec.data, rec.size, NULL, 0);
					add(&pre, h.digest);
				}
				continue;
			}
			int starts = 0;
			if (rec.type == RRK_REC_KEYFRAME) {
				struct rrk_keyframe k;
				memcpy(&k, rec.data, sizeof k);
				starts = kf_at_from && k.event == from;
			} else if (rec.type == RRK_REC_EVENT) {
				struct rrk_event e;
				memcpy(&e, rec.data, sizeof e);
				starts = e.number >= from;
			}
			if (!starts)
				continue;
			copying = 1;
			for (size_t i = 0; i < pre.n; i++)
				add(&sent, pre.d[i]);
		}
		if (rec.type == RRK_REC_BLOB && rec.size >= sizeof(struct rrk_blob)) {
			struct rrk_blob h;
			memcpy(&h, rec.data, sizeof h);
			if (has(&sent, h.digest))
				continue; /* sent before the keyframe */
		}
		if (rec.type == RRK_REC_EVENT && rec.size >= sizeof(struct rrk_event)) {
			struct rrk_event e;
			memcpy(&e, rec.data, sizeof e);
			if (to && e.number > to) {
				cut = 1; /* its attachments go with it */
				break;
			}
			if (every && count && e.number % every == 0)
				interval_keyframe(fd, e.number);
			last = e.number;
			count++;
		}
		put(rec.type, rec.flags, rec.data, rec.size, NULL, 0);
	}
	if (!cut && st != RRK_EOF)
		rrk_die("%s", rrk_reader_error(rd));
	if (!cut && to && to > last)
		rrk_die("--to %llu: %s has %llu events; see tracecat", (unsigned long long)to, name,
			(unsigned long long)last);
	if (!cut && !have_end)
		rrk_die("%s: the trace has no end record", name);
	if (cut) {
		memset(&end, 0, sizeof end);
		end.how = RRK_END_CUT;
		snprintf(reason, sizeof reason, "cut after event %llu by tracecut", (unsigned long long)last);
	}
	end.nevents = count;
	if (ix_started)
		rrk_rp_reap(ix);
	if (rrk_writer_close(w, &end, reason) < 0)
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(w));
	rrk_reader_close(rd);
	return 0;
}
