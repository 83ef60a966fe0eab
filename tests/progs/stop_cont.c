/* Job control: the parent stops its child with SIGSTOP, sees the stop with
 * WUNTRACED, continues it with SIGCONT, sees that with WCONTINUED; the
 * child also stops itself with SIGTSTP once. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, pid_t c, int opts)
{
	int st;
	if (waitpid(c, &st, opts) != c) {
		printf("%s: waitpid failed\n", what);
		return;
	}
	if (WIFSTOPPED(st))
		printf("%s: stopped by %d\n", what, WSTOPSIG(st));
	else if (WIFCONTINUED(st))
		printf("%s: continued\n", what);
	else if (WIFEXITED(st))
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
	else
		printf("%s: status %#x\n", what, st);
	fflush(stdout);
}

int main(void)
{
	int p[2];
	char b;
	pid_t c;

	if (pipe(p) < 0)
		return 1;
	c = fork();
	if (c == 0) {
		close(p[0]);
		raise(SIGTSTP);
		if (write(p[1], "x", 1) != 1)
			_exit(8);
		for (;;)
			pause();
	}
	close(p[1]);
	report("tstp", c, WUNTRACED);
	kill(c, SIGCONT);
	report("cont", c, WCONTINUED);
	if (read(p[0], &b, 1) != 1)
		return 2;
	kill(c, SIGSTOP);
	report("stop", c, WUNTRACED);
	kill(c, SIGCONT);
	report("cont", c, WCONTINUED);
	kill(c, SIGKILL);
	report("kill", c, 0);
	return 0;
}
