/* The main thread ends with pthread_exit while another thread calls
 * exit_group a little later: the process ends with that thread's status. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void *ender(void *arg)
{
	(void)arg;
	usleep(50000);
	printf("second thread ends the process\n");
	fflush(stdout);
	exit(7);
}

int main(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, ender, NULL) != 0)
		return 1;
	printf("main thread exits first\n");
	fflush(stdout);
	pthread_exit(NULL);
}
