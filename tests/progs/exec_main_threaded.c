/* The main thread calls execve while two other threads are busy: the
 * kernel ends them and the program goes on as the new image. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *busy(void *arg)
{
	volatile unsigned long n = 0;
	(void)arg;
	for (;;) {
		n++;
		if ((n & 0xfffff) == 0)
			usleep(100);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	char *argv[] = { "/bin/echo", "exec from the main thread", NULL };

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, busy, NULL) != 0)
			return 1;
	usleep(20000);
	execv(argv[0], argv);
	perror("execv");
	return 1;
}
