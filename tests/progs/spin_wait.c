/* The main thread spins (no syscalls) until a worker, computing without
 * syscalls, sets a flag: only preemption lets the worker run. The worker's
 * loop body is long straight-line code, so its preemption points replay
 * quickly (doc/design.md, "Execution points"). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#define S(k) h = (h ^ (h >> 31)) * 0x94d049bb133111ebull + (k);
#define S4(k) S(k) S(k + 1) S(k + 2) S(k + 3)
#define S16(k) S4(k) S4(k + 4) S4(k + 8) S4(k + 12)
#define S64(k) S16(k) S16(k + 16) S16(k + 32) S16(k + 48)

static atomic_int ready;
static unsigned long result;

static void *worker(void *arg)
{
	(void)arg;
	unsigned long h = 7;
	for (long i = 0; i < 100000; i++) {
		S64(1) S64(2) S64(3) S64(4) S64(5) S64(6) S64(7) S64(8)
	}
	result = h;
	atomic_store(&ready, 1);
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	/* Stationary: the same registers and memory on every pass, so a
	 * preemption here replays with a single breakpoint stop. */
	while (!atomic_load(&ready))
		;
	pthread_join(t, NULL);
	printf("worker result %lu\n", result);
	return 0;
}
