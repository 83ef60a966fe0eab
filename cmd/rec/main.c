/* rec: record a program's execution into a trace. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ptrace/cpufeat.h"
#include "keyframe/keyframer.h"
#include "base/opts.h"
#include "ptrace/probe.h"
#include "record/record.h"
#include "format/trace.h"
#include "base/util.h"

static const char usage[] =
	"usage: rec [-o FILE] [--no-syscallbuf] [--keyframe-interval N] [--timeslice MS]\n"
	"           [--cpu-features=host|baseline] [--cpus N] [--] PROG [ARGS...]\n"
	"       rec --check\n"
	"Record PROG's execution. The trace goes to stdout (or FILE with -o);\n"
	"when it goes to stdout, PROG's stdout is rec's stderr.\n"
	"Exit status: PROG's, 128+N if PROG died of signal N, 125 if recording\n"
	"failed, 126/127 if PROG cannot be executed or found.\n"
	"  -o FILE     write the trace to FILE\n"
	"  --no-syscallbuf  stop at every syscall: no in-process syscall buffer\n"
	"              (about 10x slower on syscall-heavy programs)\n"
	"  --keyframe-interval N  also write a keyframe before every N-th event,\n"
	"              made by replaying the trace as it is written, so that\n"
	"              play --goto and gdb jump close by (costs a replay's CPU)\n"
	"  --timeslice MS  let a thread run MS milliseconds before another\n"
	"              thread of its process gets a turn (default 10, or 8 times\n"
	"              what the last switch cost, for programs with much memory);\n"
	"              each such switch in code without syscalls is an execution\n"
	"              point, slow to replay in hot loops: raise it for CPU-bound\n"
	"              threads that do not wait on each other (1-60000)\n"
	"  --cpu-features=LEVEL  the CPU the program is told it runs on: host\n"
	"              (default: this CPU's features) or baseline (x86-64-v2: no\n"
	"              AVX, no AVX-512, no XSAVE), for a trace that replays on any\n"
	"              x86-64-v2 CPU\n"
	"  --cpus N    the number of CPUs the program is told it may run on\n"
	"              (sched_getaffinity: nproc, thread pools); default: the\n"
	"              CPUs rec may run on, as natively (1-1024)\n"
	"  --check     try what recording needs on this machine (ptrace, seccomp,\n"
	"              instruction traps, ...), print one line for each, and\n"
	"              exit 0 when rec can record here, else 1; takes no PROG\n"
	"  -h, --help  show this help\n"
	"  --version   show the version\n";

/* Finds prog the way execvp would; returns a malloc'd path or NULL with
 * errno set. */
static char *resolve(const char *prog)
{
	if (strchr(prog, '/')) {
		if (access(prog, F_OK) < 0)
			return NULL;
		return rrk_xstrdup(prog);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	int saw_eacces = 0;
	while (*path) {
		size_t n = strcspn(path, ":");
		char buf[PATH_MAX];
		if (n == 0)
			snprintf(buf, sizeof buf, "%s", prog);
		else
			snprintf(buf, sizeof buf, "%.*s/%s", (int)n, path, prog);
		struct stat st;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode)) {
			if (access(buf, X_OK) == 0)
				return rrk_xstrdup(buf);
			saw_eacces = 1;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	errno = saw_eacces ? EACCES : ENOENT;
	return NULL;
}

/* An option's number, min to max: what it is ("a number of events"),
 * and its range as the message says it (" (1, 2, ...)"). */
static uint64_t opt_num(const char *opt, const char *v, uint64_t min, uint64_t max, const char *what,
			const char *range)
{
	uint64_t n;
	if (!v || !*v)
		rrk_die("%s needs %s; see rec --help", opt, what);
	if (rrk_opt_number(v, min, max, &n) < 0)
		rrk_die("%s %s: not %s%s; see rec --help", opt, v, what, range);
	return n;
}

static pid_t recorder;
static void forward(int sig)
{
	if (recorder > 0)
		kill(recorder, sig);
}

/* rec --keyframe-interval: the recorder writes into a pipe; a second
 * process replays what arrives and writes the trace with keyframes. rec
 * waits for both: neither may be the other's child, since each waits for
 * any child of its own (its tracees). */
static int record_with_keyframes(struct rec_options *o, uint64_t every)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		rrk_die("cannot start the keyframe writer: pipe: %s", strerror(errno));
	pid_t kf = fork();
	if (kf < 0)
		rrk_die("cannot start the keyframe writer: fork: %s", strerror(errno));
	if (kf == 0) {
		close(p[1]);
		setpgid(0, 0); /* ^C is for the recording; this copies to the end */
		exit(rrk_keyframer(p[0], o->trace_fd, o->trace_name, every, o->level));
	}
	close(p[0]);
	recorder = fork();
	if (recorder < 0) {
		kill(kf, SIGKILL);
		rrk_die("cannot start the recorder: fork: %s", strerror(errno));
	}
	if (recorder == 0) {
		close(o->trace_fd);
		o->trace_fd = p[1];
		o->via_keyframer = 1;
		exit(rrk_record(o));
	}
	close(p[1]);
	close(o->trace_fd);
	/* This process only waits. The terminal's ^C reaches the recorder
	 * too, and what the program sends its process group (kill(0, sig))
	 * must not end it: every signal that would is ignored here but
	 * SIGTERM and SIGHUP, passed on to the recorder. */
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGCONT && sig != SIGURG &&
		    sig != SIGWINCH && sig != SIGTERM && sig != SIGHUP && sig != SIGSEGV && sig != SIGBUS &&
		    sig != SIGFPE && sig != SIGILL && sig != SIGTRAP)
			signal(sig, SIG_IGN);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int rs, ks;
	while (waitpid(recorder, &rs, 0) < 0)
		if (errno != EINTR)
			rrk_die("cannot wait for the recorder: %s", strerror(errno));
	while (waitpid(kf, &ks, 0) < 0)
		if (errno != EINTR)
			rrk_die("cannot wait for the keyframe writer: %s", strerror(errno));
	if (WIFSIGNALED(rs))
		rrk_die("the recorder died of signal %d; the trace holds the events written so far",
			WTERMSIG(rs));
	if (WIFSIGNALED(ks))
		rrk_die("the keyframe writer died of signal %d; the trace holds the events written so far",
			WTERMSIG(ks));
	if (WEXITSTATUS(ks))
		return 125; /* it has said why */
	return WEXITSTATUS(rs);
}

enum { O_OUT, O_NO_SB, O_INTERVAL, O_TIMESLICE, O_CPU, O_CPUS, O_CHECK };
static const struct rrk_opt options[] = {
	{ NULL, 'o', RRK_OPT_REQ, O_OUT }, { "no-syscallbuf", 0, RRK_OPT_NONE, O_NO_SB },
	{ "keyframe-interval", 0, RRK_OPT_REQ, O_INTERVAL }, { "timeslice", 0, RRK_OPT_REQ, O_TIMESLICE },
	{ "cpu-features", 0, RRK_OPT_REQ, O_CPU }, { "cpus", 0, RRK_OPT_REQ, O_CPUS },
	{ "check", 0, RRK_OPT_NONE, O_CHECK },
	RRK_OPT_STANDARD, { 0 },
};

int main(int argc, char **argv)
{
	rrk_prog = "rec";
	rrk_fail_status = 125;
	const char *out = NULL;
	uint64_t every = 0;
	unsigned slice = 0, ncpus = 0;
	int check = 0, level = RRK_CPU_HOST;
	const char *env_nosb = getenv("RRK_NO_SYSCALLBUF");
	int no_sb = env_nosb && *env_nosb && strcmp(env_nosb, "0");
	/* options end at PROG: what follows is its arguments */
	struct rrk_opts st = { .in_order = 1 };
	const char *v;
	int id;
	while ((id = rrk_opt_next(&st, argc, argv, options, &v)) != RRK_OPT_END) {
		switch (id) {
		case O_OUT:
			if (!v)
				rrk_die("-o needs a file name; see rec --help");
			out = v;
			break;
		case O_NO_SB:
			no_sb = 1;
			break;
		case O_INTERVAL:
			every = opt_num("--keyframe-interval", v, 1, UINT64_MAX, "a number of events", " (1, 2, ...)");
			break;
		case O_TIMESLICE:
			slice = (unsigned)opt_num("--timeslice", v, 1, 60000, "a number of milliseconds", " from 1 to 60000");
			break;
		case O_CPU:
			if (!v)
				v = "";
			if ((level = rrk_cpu_level_parse(v)) < 0)
				rrk_die("--cpu-features %s: not a CPU level (host, baseline); see rec --help", v);
			break;
		case O_CPUS:
			ncpus = (unsigned)opt_num("--cpus", v, 1, 1024, "a number of CPUs", " from 1 to 1024");
			break;
		case O_CHECK:
			check = 1;
			break;
		case RRK_OPT_HELP:
		case RRK_OPT_VERSION:
			return rrk_help_or_version(id, usage);
		default: /* RRK_OPT_UNKNOWN */
			rrk_die("unknown option %s; see rec --help", v);
		}
	}
	int i = st.ind;
	if (check) {
		if (i < argc)
			rrk_die("--check takes no program; see rec --help");
		struct rrk_caps caps;
		rrk_probe(&caps);
		return rrk_print_caps(&caps);
	}
	if (i >= argc)
		rrk_die("no program given; usage: rec [-o FILE] [--no-syscallbuf] [--keyframe-interval N] [--timeslice MS] [--] PROG [ARGS...]");

	struct rec_options o;
	memset(&o, 0, sizeof o);
	o.argv = argv + i;
	o.no_syscallbuf = no_sb;
	o.timeslice_ms = slice;
	o.cpu_level = (unsigned)level;
	o.cpus = ncpus;
	o.level = 3;
	char opts[512], kfo[64] = "", tso[32] = "", cpo[32] = "";
	const char *cfo = level == RRK_CPU_BASELINE ? " --cpu-features=baseline" : "";
	if (every)
		snprintf(kfo, sizeof kfo, " --keyframe-interval=%llu", (unsigned long long)every);
	if (slice)
		snprintf(tso, sizeof tso, " --timeslice=%u", slice);
	if (ncpus)
		snprintf(cpo, sizeof cpo, " --cpus=%u", ncpus);
	snprintf(opts, sizeof opts, "%s%s%s%s%s%s%s", out ? "-o " : "", out ? out : "", kfo,
		 no_sb ? " --no-syscallbuf" : "", tso, cfo, cpo);
	if (opts[0] == ' ')
		memmove(opts, opts + 1, strlen(opts));
	o.options_text = opts;

	char *path = resolve(argv[i]);
	if (!path) {
		int e = errno;
		rrk_fail_status = e == EACCES ? 126 : 127;
		rrk_die("%s: %s", argv[i], e == ENOENT ? "command not found" : strerror(e));
	}
	o.path = path;

	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0)
			rrk_die("cannot create %s: %s", out, strerror(errno));
		if (isatty(fd))
			rrk_die("refusing to write a trace to the terminal %s; give a file name", out);
		o.trace_fd = fd;
		o.trace_name = out;
		o.program_stdout = 1;
	} else {
		if (isatty(1))
			rrk_die("refusing to write a trace to a terminal; redirect stdout or use -o FILE");
		/* Keep the trace on a descriptor the program does not get. */
		int fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			rrk_die("cannot use stdout for the trace: %s", strerror(errno));
		o.trace_fd = fd;
		o.trace_name = "stdout";
		o.program_stdout = 2;
	}
	int rc = every ? record_with_keyframes(&o, every) : rrk_record(&o);
	free(path);
	return rc;
}
