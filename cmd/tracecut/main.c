/* tracecut: write a smaller trace that still replays.
 *   tracecut --to M [TRACE|-] > OUT
 * OUT holds events 1..M with their numbers, the blobs they use and an END
 * record that says where the cut is (man/tracecut.1). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"
#include "util.h"

static const char usage[] =
	"usage: tracecut [--to M] [TRACE|-] > OUT\n"
	"Write a trace that still replays: the events 1..M of TRACE (all of them\n"
	"without --to), with their numbers, the files they use and an end record.\n"
	"Reads standard input when TRACE is - or missing; writes standard output.\n"
	"  --to M      keep events 1 to M (see tracecat for the numbers)\n"
	"  -h, --help  show this help\n"
	"  --version   show the version\n";

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

int main(int argc, char **argv)
{
	rrk_prog = "tracecut";
	rrk_fail_status = 2;
	uint64_t to = 0;
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("tracecut (rrkit) %s, trace format %d\n", RRK_VERSION, RRK_FORMAT_VERSION);
			return 0;
		} else if (!strcmp(a, "--to")) {
			to = number("--to", i + 1 < argc ? argv[++i] : NULL);
		} else if (!strncmp(a, "--to=", 5)) {
			to = number("--to", a + 5);
		} else if (a[0] == '-' && a[1]) {
			rrk_die("unknown option %s; see tracecut --help", a);
		} else if (path) {
			rrk_die("more than one trace given; see tracecut --help");
		} else {
			path = a;
		}
	}
	if (isatty(1))
		rrk_die("refusing to write a trace to a terminal; redirect it: tracecut ... > cut.trace");
	int fd = 0;
	const char *name = "stdin";
	if (path && strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			rrk_die("cannot open %s: %s", path, strerror(errno));
		name = path;
	}
	signal(SIGPIPE, SIG_IGN);
	struct rrk_reader *rd = rrk_reader_open(fd, name);
	struct rrk_writer *w = rrk_writer_open(1, "standard output", 3);
	if (!rd || !w)
		rrk_die("cannot start: %s", !rd ? strerror(errno) : rrk_writer_error(NULL));
	struct rrk_record rec;
	struct rrk_end end;
	char reason[256] = "";
	int st, have_end = 0, cut = 0;
	uint64_t last = 0;
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
		if (rec.type == RRK_REC_EVENT && rec.size >= sizeof(struct rrk_event)) {
			struct rrk_event e;
			memcpy(&e, rec.data, sizeof e);
			if (to && e.number > to) {
				cut = 1; /* its attachments go with it */
				break;
			}
			last = e.number;
		}
		if (rrk_write_record(w, rec.type, rec.flags, rec.data, rec.size, NULL, 0) < 0)
			rrk_die("cannot write the cut trace: %s", rrk_writer_error(w));
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
	end.nevents = last;
	if (rrk_writer_close(w, &end, reason) < 0)
		rrk_die("cannot write the cut trace: %s", rrk_writer_error(w));
	rrk_reader_close(rd);
	return 0;
}
