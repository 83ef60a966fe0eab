/* play: replay a recorded execution exactly. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debug/gdb_server.h"
#include "base/opts.h"
#include "ptrace/probe.h"
#include "replay/replay.h"
#include "format/trace.h"
#include "base/util.h"

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

enum { O_QUIET, O_GDB, O_GOTO, O_CHECK };
static const struct rrk_opt options[] = {
	{ "quiet", 'q', RRK_OPT_NONE, O_QUIET }, { "gdb", 0, RRK_OPT_OPT, O_GDB },
	{ "goto", 0, RRK_OPT_REQ, O_GOTO }, { "check", 0, RRK_OPT_NONE, O_CHECK },
	RRK_OPT_STANDARD, { 0 },
};

int main(int argc, char **argv)
{
	rrk_prog = "play";
	rrk_fail_status = 125;
	struct replay_options o;
	memset(&o, 0, sizeof o);
	const char *path = NULL;
	const char *gdb = NULL; /* --gdb: "", ":PORT" or "-" */
	char **gdb_args = NULL;
	struct rrk_opts st = { 0 };
	const char *v;
	int id;
	while (!gdb_args && (id = rrk_opt_next(&st, argc, argv, options, &v)) != RRK_OPT_END) {
		switch (id) {
		case O_QUIET:
			o.quiet = 1;
			break;
		case O_GDB:
			gdb = v ? v : "";
			break;
		case O_GOTO:
			if (!v || !*v)
				rrk_die("--goto needs an event number; see play --help");
			if (rrk_opt_number(v, 1, UINT64_MAX, &o.goto_event) < 0)
				rrk_die("--goto %s: not an event number (1, 2, ...); see play --help", v);
			break;
		case O_CHECK: {
			if (argc != 2)
				rrk_die("--check takes no trace and no other option; see play --help");
			struct rrk_caps caps;
			rrk_probe(&caps);
			return rrk_print_caps(&caps);
		}
		case RRK_OPT_HELP:
		case RRK_OPT_VERSION:
			return rrk_help_or_version(id, usage);
		case RRK_OPT_UNKNOWN:
			rrk_die("unknown option %s; see play --help", v);
		default: /* RRK_OPT_OPERAND */
			if (st.rest && gdb) {
				/* play --gdb TRACE -- GDB-ARGS: the rest is gdb's */
				if (path)
					st.ind--;
				else
					path = v;
				gdb_args = argv + st.ind;
			} else if (path) {
				rrk_die("more than one trace given; see play --help");
			} else {
				path = v;
			}
		}
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
