/* Four threads take a C11-atomics spin lock (no syscalls while spinning)
 * a million times in total; prints the counter and a per-thread split. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define THREADS 4
#define ROUNDS (1000000 / THREADS)

static atomic_int lock;
static long counter;
static unsigned long mix;
static long mine[THREADS];

static void *worker(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < ROUNDS; i++) {
		while (atomic_exchange_explicit(&lock, 1, memory_order_acquire))
			while (atomic_load_explicit(&lock, memory_order_relaxed))
				;
		counter++;
		mix = mix * 6364136223846793005ull + (unsigned long)id;
		mine[id]++;
		atomic_store_explicit(&lock, 0, memory_order_release);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld mix %lu\n", counter, mix);
	return counter == 1000000 ? 0 : 1;
}
