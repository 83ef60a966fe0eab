/* Starts a thread and execs at once: the thread never runs while
 * recorded (the exec ends it first); in replay it must not run either
 * (it printed "worker ran", and made its system calls for real). */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *worker(void *a)
{
	(void)a;
	usleep(100000);
	if (write(1, "worker ran\n", 11) < 0)
		return NULL;
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	execl("/bin/echo", "echo", "exec'd", (char *)NULL);
	return 1;
}
