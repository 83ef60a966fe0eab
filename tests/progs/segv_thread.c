/* A second thread dereferences NULL with no handler while the main thread
 * waits: the whole process dies of SIGSEGV (status 139). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *crash(void *arg)
{
	volatile int *volatile p = arg;
	printf("thread about to crash\n");
	fflush(stdout);
	*p = 1;
	return NULL;
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, crash, NULL) != 0)
		return 1;
	pthread_join(t, NULL);
	printf("not reached\n");
	return 0;
}
