/* For play --gdb: four threads that name themselves, each running its
 * own function. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long sums[4];

static long work(int id, int n)
{
	char name[16];
	snprintf(name, sizeof name, "worker%d", id);
	pthread_setname_np(pthread_self(), name);
	long s = 0;
	for (int i = 0; i < n; i++)
		s += (long)i * (id + 1);
	return s;
}

static void *worker0(void *a) { sums[0] = work(0, 1000); return a; }
static void *worker1(void *a) { sums[1] = work(1, 2000); return a; }
static void *worker2(void *a) { sums[2] = work(2, 3000); return a; }

static void *worker3(void *a)
{
	pthread_mutex_lock(&lock);
	sums[3] = work(3, 4000);
	pthread_mutex_unlock(&lock);
	return a;
}

int main(void)
{
	void *(*fns[4])(void *) = { worker0, worker1, worker2, worker3 };
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		if (pthread_create(&th[i], NULL, fns[i], NULL))
			return 1;
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++)
		printf("sum%d=%ld\n", i, sums[i]);
	return 0;
}
