/* Eight threads take one pthread mutex in turn, with a little work
 * inside and outside it (argv[1] rounds each, default 20000); prints the
 * counter and a digest of the order the threads took the lock in. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 8

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter, rounds = 20000;
static unsigned long order;

static unsigned long work(unsigned long x)
{
	for (int i = 0; i < 200; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	return x;
}

static void *worker(void *arg)
{
	unsigned long id = (unsigned long)arg, x = id;
	for (long i = 0; i < rounds; i++) {
		x = work(x);
		pthread_mutex_lock(&lock);
		counter++;
		order = order * 31 + id;
		x ^= work(order);
		pthread_mutex_unlock(&lock);
	}
	return (void *)(x & 1);
}

int main(int argc, char **argv)
{
	pthread_t t[THREADS];
	if (argc > 1)
		rounds = atol(argv[1]);
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld order %lx\n", counter, order);
	return counter == THREADS * rounds ? 0 : 1;
}
