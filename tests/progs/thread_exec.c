/* A second thread calls execve while the first is blocked: the kernel
 * kills the other threads and the exec'ing thread takes the process id.
 * With an argument, instead exit_group runs while 8 threads are alive. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *execer(void *arg)
{
	(void)arg;
	char *argv[] = { "/bin/echo", "exec from a thread", NULL };
	execv(argv[0], argv);
	perror("execv");
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	(void)argv;
	printf("start\n");
	fflush(stdout);
	if (argc > 1) {
		for (int i = 0; i < 8; i++)
			pthread_create(&t, NULL, sleeper, NULL);
		usleep(10000);
		printf("exit with 8 threads alive\n");
		fflush(stdout);
		exit(5);
	}
	pthread_create(&t, NULL, execer, NULL);
	for (;;)
		pause();
}
