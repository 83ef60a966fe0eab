/* tracesum: content digests and summaries of rrkit traces.
 * The digest covers the decoded record stream (END included), so it does
 * not change when a trace is recompressed or split into frames differently. */
#include "base/opts.h"
#include "sys/systable.h"
#include "format/trace.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXIT_BAD 2
#define EXIT_INCOMPLETE 3

static void usage(FILE *f)
{
	fputs("usage: tracesum [TRACE...]        print the digest of each trace (- or none: stdin)\n"
	      "       tracesum -c LIST           check digests listed by an earlier run\n"
	      "       tracesum --stats TRACE     print a summary of a trace\n"
	      "       tracesum --help | --version\n"
	      "\n"
	      "The digest is the SHA-256 of the decoded records, so it is the same\n"
	      "however the trace is compressed or framed.\n"
	      "Exit status: 0 ok, 1 a check failed, 2 bad or corrupt trace or usage,\n"
	      "3 incomplete trace.\n",
	      f);
}

static int status_exit(int st)
{
	return st == RRK_INCOMPLETE ? EXIT_INCOMPLETE : EXIT_BAD;
}

/* Opens name ("-" is stdin). Returns fd or -1 after printing the error. */
static int open_input(const char *name)
{
	if (strcmp(name, "-") == 0)
		return 0;
	int fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		rrk_warn("%s: %s", name, strerror(errno));
	return fd;
}

/* Digest of the whole decoded stream. Returns 0, or an exit status after
 * printing one line of error. */
static int digest_file(const char *name, char hex[65])
{
	int fd = open_input(name);
	if (fd < 0)
		return EXIT_BAD;
	struct rrk_reader *r = rrk_reader_open(fd, strcmp(name, "-") ? name : "stdin");
	if (!r)
		rrk_die("out of memory");
	struct rrk_record rec;
	int st;
	while ((st = rrk_read_record(r, &rec)) == RRK_OK)
		;
	int rc = 0;
	if (st == RRK_EOF) {
		uint8_t d[32];
		rrk_reader_digest(r, d);
		rrk_hex(d, 32, hex);
	} else {
		rrk_warn("%s", rrk_reader_error(r));
		rc = status_exit(st);
	}
	rrk_reader_close(r);
	if (fd > 0)
		close(fd);
	return rc;
}

static int do_sums(int n, char *const *names)
{
	static char *const stdin_only[] = { "-" };
	if (n == 0) {
		n = 1;
		names = stdin_only;
	}
	int worst = 0;
	for (int i = 0; i < n; i++) {
		char hex[65];
		int rc = digest_file(names[i], hex);
		if (rc == 0) {
			printf("%s  %s\n", hex, names[i]);
			fflush(stdout);
		} else if (worst != EXIT_BAD) {
			worst = rc;
		}
	}
	return worst;
}

static int do_check(const char *list)
{
	FILE *f = strcmp(list, "-") == 0 ? stdin : fopen(list, "r");
	if (!f) {
		rrk_warn("%s: %s", list, strerror(errno));
		return EXIT_BAD;
	}
	char line[4200];
	int failed = 0, good = 0, badlines = 0;
	unsigned long lineno = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		size_t len = strlen(line);
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0)
			continue;
		int ok = len > 66 && line[64] == ' ' && line[65] == ' ';
		for (int i = 0; ok && i < 64; i++)
			ok = strchr("0123456789abcdefABCDEF", line[i]) != NULL;
		if (!ok) {
			rrk_warn("%s: line %lu: not a 'DIGEST  NAME' line", list, lineno);
			badlines++;
			continue;
		}
		line[64] = 0;
		const char *name = line + 66;
		char hex[65];
		int rc = digest_file(name, hex);
		good++;
		if (rc == 0 && strcasecmp(hex, line) == 0) {
			printf("%s: OK\n", name);
		} else {
			printf("%s: FAILED\n", name);
			failed++;
		}
		fflush(stdout);
	}
	if (ferror(f)) {
		/* a directory, an I/O error: that one line says it all */
		rrk_warn("%s: cannot read the list of digests: %s", list, strerror(errno));
		if (f != stdin)
			fclose(f);
		return EXIT_BAD;
	}
	if (f != stdin)
		fclose(f);
	if (failed)
		rrk_warn("WARNING: %d of %d traces did not match", failed, good);
	if (good == 0) {
		rrk_warn("%s: no properly formatted digest lines found", list);
		return 1;
	}
	return failed || badlines ? 1 : 0;
}

/* ---- --stats ---- */

struct tidset {
	uint32_t *slot; /* 0 = empty; tid 0 stored as a flag */
	size_t cap, n;
	int has_zero;
};

static void tid_add(struct tidset *s, uint32_t tid)
{
	if (tid == 0) {
		s->n += !s->has_zero;
		s->has_zero = 1;
		return;
	}
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;
		uint32_t *ns = rrk_xcalloc(ncap, sizeof *ns);
		for (size_t i = 0; i < s->cap; i++) {
			uint32_t t = s->slot[i];
			if (!t)
				continue;
			size_t j = (t * 2654435761u) & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = t;
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	size_t j = (tid * 2654435761u) & (s->cap - 1);
	while (s->slot[j]) {
		if (s->slot[j] == tid)
			return;
		j = (j + 1) & (s->cap - 1);
	}
	s->slot[j] = tid;
	s->n++;
}

#define NSYS 1024
struct stats {
	char *recorder, *argv, *arch;
	size_t argv_len;
	struct rrk_hdr_traps mech; /* as the header says (5.1) */
	uint32_t hflags, level;
	int have_mech;
	uint64_t patched; /* instructions rec rewrote, over the events */
	uint64_t kinds[RRK_EV_NKINDS];
	uint64_t events;
	uint64_t first_event, last_event, keyframes;
	uint64_t sys[NSYS + 1]; /* last: numbers outside the table */
	struct tidset tids;
	uint64_t blobs, blob_bytes, blob_pieces;
	uint64_t notes, other;
	int have_end;
	struct rrk_end end;
	char *reason;
};

static char *dupmem(const uint8_t *p, size_t n)
{
	char *s = rrk_xmalloc(n + 1);
	memcpy(s, p, n);
	s[n] = 0;
	return s;
}

static void on_other(void *ctx, const struct rrk_record *rec)
{
	struct stats *st = ctx;
	switch (rec->type) {
	case RRK_REC_HEADER:
		for (uint32_t pos = 0; pos + 8 <= rec->size;) {
			uint16_t tag;
			uint32_t len;
			memcpy(&tag, rec->data + pos, 2);
			memcpy(&len, rec->data + pos + 4, 4);
			const uint8_t *v = rec->data + pos + 8;
			if (tag == RRK_H_RECORDER && !st->recorder)
				st->recorder = dupmem(v, len);
			else if (tag == RRK_H_ARCH && !st->arch)
				st->arch = dupmem(v, len);
			else if (tag == RRK_H_TRAPS && len == sizeof st->mech && !st->have_mech) {
				memcpy(&st->mech, v, len);
				st->have_mech = 1;
			} else if (tag == RRK_H_FLAGS && len == 4)
				memcpy(&st->hflags, v, 4);
			else if (tag == RRK_H_CPU_LEVEL && len == 4)
				memcpy(&st->level, v, 4);
			else if (tag == RRK_H_ARGV && !st->argv) {
				st->argv = dupmem(v, len);
				st->argv_len = len;
			}
			pos += 8 + len; /* the reader checked the lengths */
		}
		break;
	case RRK_REC_BLOB: {
		struct rrk_blob b;
		memcpy(&b, rec->data, sizeof b);
		if (b.offset == 0)
			st->blobs++;
		st->blob_pieces++;
		st->blob_bytes += rec->size - sizeof b;
		break;
	}
	case RRK_REC_END:
		st->have_end = 1;
		memcpy(&st->end, rec->data, sizeof st->end);
		if (rec->size > sizeof st->end)
			st->reason = dupmem(rec->data + sizeof st->end, rec->size - sizeof st->end);
		break;
	case RRK_REC_NOTE:
		st->notes++;
		break;
	default:
		st->other++;
		break;
	}
}

/* Prints s with control characters escaped. */
static void print_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			fputs("\\\\", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

/* qsort_r order for syscall numbers: most frequent first, then by number;
 * ctx is the counts. */
static int cmp_sys(const void *a, const void *b, void *ctx)
{
	const uint64_t *counts = ctx;
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
	if (counts[x] != counts[y])
		return counts[x] < counts[y] ? 1 : -1;
	return (x > y) - (x < y);
}

/* Reads the trace to its end into st; returns the reader's status. */
static int read_stats(struct rrk_reader *r, struct stats *st)
{
	struct rrk_ev ev;
	memset(&ev, 0, sizeof ev);
	int s;
	while ((s = rrk_read_event(r, &ev, on_other, st)) == RRK_OK) {
		if (ev.hdr.kind == RRK_EV_KEYFRAME) {
			st->keyframes++;
			continue;
		}
		if (!st->first_event)
			st->first_event = ev.hdr.number;
		st->last_event = ev.hdr.number;
		st->events++;
		if (ev.hdr.kind < RRK_EV_NKINDS)
			st->kinds[ev.hdr.kind]++;
		for (size_t i = 0; i < ev.nattach; i++)
			if (ev.attach[i].type == RRK_REC_PATCH)
				st->patched += ev.attach[i].size / sizeof(struct rrk_patch_site);
		tid_add(&st->tids, ev.hdr.tid);
		if (ev.hdr.kind == RRK_EV_SYSCALL) {
			struct rrk_ev_syscall sc;
			memcpy(&sc, ev.body, sizeof sc);
			st->sys[sc.nr < NSYS ? sc.nr : NSYS]++;
		}
	}
	rrk_ev_free(&ev);
	return s;
}

/* What the header says: the recorder, the machine, the program. */
static void print_recording(const struct stats *st, const char *shown)
{
	printf("trace:           %s\n", shown);
	printf("format version:  %d\n", RRK_FORMAT_VERSION);
	printf("recorder:        %s\n", st->recorder ? st->recorder : "(not recorded)");
	if (st->arch)
		printf("architecture:    %s\n", st->arch);
	struct rrk_hdr_traps mech = st->mech;
	if (!st->have_mech) { /* (a trace from before the TRAPS field) */
		mech.rdtsc = RRK_MECH_FAULT;
		mech.cpuid = st->hflags & RRK_HF_CPUID_TRAPPED ? RRK_MECH_FAULT : RRK_MECH_NONE;
	}
	const char *tm = rrk_mech_text(mech.rdtsc), *cm = rrk_mech_text(mech.cpuid);
	printf("rdtsc, rdtscp:   %s\n", tm ? tm : "(unknown)");
	printf("cpuid:           %s\n", cm ? cm : "(unknown)");
	printf("cpu features:    %s\n", st->level == RRK_CPU_BASELINE ? "baseline (x86-64-v2)" : "host");
	printf("rewritten sites: %llu\n", (unsigned long long)st->patched);
	printf("argv:           ");
	if (st->argv) {
		size_t i = 0;
		while (i < st->argv_len) {
			size_t l = strnlen(st->argv + i, st->argv_len - i);
			putchar(' ');
			print_text(st->argv + i, l);
			i += l + 1;
		}
	} else {
		fputs(" (not recorded)", stdout);
	}
	putchar('\n');
}

/* The ten most frequent syscalls. */
static void print_top_syscalls(const struct stats *st)
{
	unsigned idx[NSYS + 1];
	unsigned nidx = 0;
	for (unsigned i = 0; i <= NSYS; i++)
		if (st->sys[i])
			idx[nidx++] = i;
	qsort_r(idx, nidx, sizeof idx[0], cmp_sys, (void *)st->sys);
	printf("top syscalls:\n");
	if (nidx == 0)
		printf("  (none)\n");
	for (unsigned i = 0; i < nidx && i < 10; i++) {
		char buf[32];
		const char *nm = NULL;
		if (idx[i] < NSYS)
			nm = rrk_syscall_name(idx[i]);
		if (!nm) {
			if (idx[i] < NSYS)
				snprintf(buf, sizeof buf, "syscall_%u", idx[i]);
			else
				snprintf(buf, sizeof buf, "(nr >= %u)", NSYS);
			nm = buf;
		}
		printf("  %-14s %llu\n", nm, (unsigned long long)st->sys[idx[i]]);
	}
}

/* The events and records counted. */
static void print_counts(const struct stats *st)
{
	printf("events:          %llu\n", (unsigned long long)st->events);
	if (st->events)
		printf("event range:     %llu to %llu\n", (unsigned long long)st->first_event,
		       (unsigned long long)st->last_event);
	printf("keyframe count:  %llu\n", (unsigned long long)st->keyframes);
	for (unsigned k = 0; k < RRK_EV_NKINDS; k++)
		if (rrk_event_kind_name(k))
			printf("  %-14s %llu\n", rrk_event_kind_name(k),
			       (unsigned long long)st->kinds[k]);
	print_top_syscalls(st);
	printf("threads:         %zu\n", st->tids.n);
	printf("blobs:           %llu (%llu bytes in %llu records)\n",
	       (unsigned long long)st->blobs, (unsigned long long)st->blob_bytes,
	       (unsigned long long)st->blob_pieces);
	if (st->notes)
		printf("notes:           %llu\n", (unsigned long long)st->notes);
	if (st->other)
		printf("unknown records: %llu (skipped)\n", (unsigned long long)st->other);
}

/* How the recording ended, from its END record. */
static void print_end(const struct stats *st)
{
	printf("end:             ");
	switch (st->end.how) {
	case RRK_END_EXITED:
		printf("exited with status %d\n", st->end.code);
		break;
	case RRK_END_SIGNALED: {
		const char *sn = rrk_signal_name(st->end.code);
		printf("killed by signal %d%s%s%s\n", st->end.code, sn ? " (" : "",
		       sn ? sn : "", sn ? ")" : "");
		break;
	}
	case RRK_END_ABORTED:
	case RRK_END_CUT:
		printf(st->end.how == RRK_END_CUT ? "cut: " : "recording aborted: ");
		if (st->reason)
			print_text(st->reason, strlen(st->reason));
		putchar('\n');
		break;
	default:
		printf("unknown (how=%u, code=%d)\n", st->end.how, st->end.code);
	}
	if (st->end.nevents != st->events)
		printf("warning:         the end record counts %llu events\n",
		       (unsigned long long)st->end.nevents);
}

static int do_stats(const char *name)
{
	int fd = open_input(name);
	if (fd < 0)
		return EXIT_BAD;
	const char *shown = strcmp(name, "-") ? name : "stdin";
	struct rrk_reader *r = rrk_reader_open(fd, shown);
	if (!r)
		rrk_die("out of memory");
	struct stats *st = rrk_xcalloc(1, sizeof *st);
	int s = read_stats(r, st);
	int rc = 0;
	if (s != RRK_EOF) {
		rrk_warn("%s", rrk_reader_error(r));
		rc = status_exit(s);
	} else {
		uint8_t d[32];
		char hex[65];
		rrk_reader_digest(r, d);
		rrk_hex(d, 32, hex);
		print_recording(st, shown);
		print_counts(st);
		printf("raw bytes:       %llu\n", (unsigned long long)rrk_reader_raw_bytes(r));
		printf("file bytes:      %llu\n", (unsigned long long)rrk_reader_comp_bytes(r));
		printf("frames:          %llu\n", (unsigned long long)rrk_reader_frames(r));
		print_end(st);
		printf("digest:          %s\n", hex);
	}
	free(st->recorder);
	free(st->arch);
	free(st->argv);
	free(st->reason);
	free(st->tids.slot);
	free(st);
	rrk_reader_close(r);
	if (fd > 0)
		close(fd);
	return rc;
}

enum { O_CHECK, O_STATS };
static const struct rrk_opt options[] = {
	{ "check", 'c', RRK_OPT_NONE, O_CHECK }, { "stats", 0, RRK_OPT_NONE, O_STATS },
	RRK_OPT_STANDARD, { 0 },
};

int main(int argc, char **argv)
{
	rrk_prog = "tracesum";
	rrk_fail_status = EXIT_BAD;
	/* Only the first argument may be an option: -c and --stats take
	 * the rest as they are, and so does a list of traces. */
	struct rrk_opts st = { .in_order = 1 };
	const char *v;
	switch (rrk_opt_next(&st, argc, argv, options, &v)) {
	case RRK_OPT_HELP:
		usage(stdout);
		return 0;
	case RRK_OPT_VERSION:
		return rrk_print_version();
	case O_CHECK:
		if (argc != 3) {
			rrk_warn("-c takes exactly one LIST file (try --help)");
			return EXIT_BAD;
		}
		return do_check(argv[2]);
	case O_STATS:
		if (argc > 3) {
			rrk_warn("--stats takes one TRACE (try --help)");
			return EXIT_BAD;
		}
		return do_stats(argc == 3 ? argv[2] : "-");
	case RRK_OPT_UNKNOWN:
		rrk_warn("unknown option '%s' (try --help)", v);
		return EXIT_BAD;
	default: /* RRK_OPT_END: the traces start at st.ind */
		return do_sums(argc - st.ind, argv + st.ind);
	}
}
