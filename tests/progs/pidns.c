/* A child in a new PID namespace (needs root): it is pid 1 there, forks a
 * child (pid 2), reaps it and reports; the parent reaps the child. */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[256 * 1024];

static int inside(void *arg)
{
	int st;
	pid_t c;
	(void)arg;
	printf("inside: pid %d, parent %d\n", (int)getpid(), (int)getppid());
	fflush(stdout);
	c = fork();
	if (c == 0) {
		printf("grandchild: pid %d, parent %d\n", (int)getpid(), (int)getppid());
		fflush(stdout);
		_exit(3);
	}
	if (waitpid(c, &st, 0) != c)
		return 9;
	printf("inside: reaped pid %d, status %d\n", (int)c, WEXITSTATUS(st));
	fflush(stdout); /* the clone's function returns into _exit */
	return 5;
}

int main(void)
{
	int st;
	pid_t c = clone(inside, stack + sizeof stack, CLONE_NEWPID | SIGCHLD, NULL);

	if (c < 0) {
		perror("clone(CLONE_NEWPID)");
		return 1;
	}
	if (waitpid(c, &st, 0) != c)
		return 2;
	printf("outside: child status %d\n", WEXITSTATUS(st));
	return 0;
}
