/* A second thread waits on a condition variable (a futex wait the syscall
 * buffer handles); the main thread wakes it and at once sends it a handled
 * SIGUSR1, as cargo's jobserver thread does: asynchronous signals to a
 * thread that is not its process's leader. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <stdlib.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, done;
static volatile sig_atomic_t hits;

static void on_usr1(int s) { (void)s; hits++; }

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		while (turn == 0 && !done)
			pthread_cond_wait(&cv, &mu);
		if (done)
			break;
		turn = 0;
	}
	pthread_mutex_unlock(&mu);
	return NULL;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 200;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	pthread_t a;
	pthread_create(&a, NULL, waiter, NULL);
	for (int i = 0; i < rounds; i++) {
		usleep(200); /* let A block in the futex */
		pthread_mutex_lock(&mu);
		turn = 1;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&mu);
		pthread_kill(a, SIGUSR1);
	}
	pthread_mutex_lock(&mu);
	done = 1;
	pthread_cond_signal(&cv);
	pthread_mutex_unlock(&mu);
	pthread_join(a, NULL);
	printf("rounds %d, handler ran %d times\n", rounds, (int)hits);
	return 0;
}
