/* play: replay a recorded execution exactly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gdb_server.h"
#include "probe.h"
#include "replay.h"
#include "trace.h"
#include "util.h"

static const char usage[] =
	"usage: play [-q] [--goto N] [TRACE|-]\n"
	"       play --gdb[=:PORT|=-] [--goto N] TRACE [-- GDB-ARGS...]\n"
	"       play --check\n"
	"Replay a trace made by rec, re-emitting the program's output.\n"
	"Reads standard input when TRACE is - or missing.\n"
	"Exit status: the recorded program's, or 125 when the trace is bad or\n"
	"the replay diverges from the recording.\n"
	"  -q           do not re-emit the program's stdout and stderr\n"
	"  --gdb        debug the replay: start gdb connected to it (forward and\n"
	"               reverse execution, breakpoints, watchpoints, threads)\n"
	"  --gdb=:PORT  only serve gdb on 127.0.0.1:PORT (0: any free port) and\n"
	"               print the command that connects\n"
	"  --gdb=-      speak the gdb protocol on stdin/stdout, for\n"
	"               gdb -ex 'target remote | play --gdb=- TRACE'\n"
	"  --goto N     start at event N (see tracecat): a plain replay prints the\n"
	"               output of events N and after, and starts at the last\n"
	"               keyframe before N when the trace has one; under --gdb,\n"
	"               gdb starts just before event N\n"
	"  --check      say which of the machine's mechanisms play will use (the\n"
	"               instruction traps, debug registers) and what it does\n"
	"               instead of each missing one, as rec --check does; exit\n"
	"               status 0 when replaying is possible here\n"
	"  -h, --help   show this help\n"
	"  --version    show the version\n";

int main(int argc, char **argv)
{
	rrk_prog = "play";
	rrk_fail_status = 125;
	struct replay_options o;
	memset(&o, 0, sizeof o);
	const char *path = NULL;
	const char *gdb = NULL; /* --gdb: "", ":PORT" or "-" */
	char **gdb_args = NULL;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			o.quiet = 1;
		else if (!strcmp(a, "--gdb"))
			gdb = "";
		else if (!strncmp(a, "--gdb=", 6))
			gdb = a + 6;
		else if (!strcmp(a, "--goto") || !strncmp(a, "--goto=", 7)) {
			const char *v = a[6] == '=' ? a + 7 : i + 1 < argc ? argv[++i] : NULL;
			char *end;
			if (!v || !*v)
				rrk_die("--goto needs an event number; see play --help");
			o.goto_event = strtoull(v, &end, 10);
			if (*end || !o.goto_event)
				rrk_die("--goto %s: not an event number; see play --help", v);
		}
		else if (!strcmp(a, "--check")) {
			if (argc != 2)
				rrk_die("--check takes no trace and no other option; see play --help");
			struct rrk_caps caps;
			rrk_probe(&caps);
			return rrk_print_caps(&caps);
		}
		else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		} else if (!strcmp(a, "--version")) {
			printf("play (rrkit) %s, trace format %d\n", RRK_VERSION, RRK_FORMAT_VERSION);
			return 0;
		} else if (a[0] == '-' && a[1])
			rrk_die("unknown option %s; see play --help", a);
		else if (path)
			rrk_die("more than one trace given; see play --help");
		else
			path = a;
	}
	if (i < argc && gdb) {
		/* play --gdb TRACE -- GDB-ARGS */
		if (!path)
			path = argv[i++];
		gdb_args = argv + i;
	} else if (i < argc) {
		if (path || i + 1 < argc)
			rrk_die("more than one trace given; see play --help");
		path = argv[i];
	}
	if (!path || !strcmp(path, "-")) {
		o.trace_fd = 0;
		o.trace_name = "stdin";
	} else {
		o.trace_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (o.trace_fd < 0)
			rrk_die("cannot open %s: %s", path, strerror(errno));
		o.trace_name = path;
	}
	if (gdb) {
		if (!path || !strcmp(path, "-"))
			if (!strcmp(gdb, "-"))
				rrk_die("--gdb=- speaks to gdb on standard input: give the trace as a file");
		return rrk_replay_gdb(&o, gdb, gdb_args);
	}
	return rrk_replay(&o);
}
