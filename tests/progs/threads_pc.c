/* Producer and consumers with a mutex, a condition variable and a
 * barrier; prints a checksum that depends on which consumer got what. */
#include <pthread.h>
#include <stdio.h>

#define ITEMS 2000
#define CONSUMERS 3

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t start;
static int queue[ITEMS], head, tail, done;
static unsigned long sums[CONSUMERS];
static int counts[CONSUMERS];

static void *consumer(void *arg)
{
	int id = (int)(long)arg;
	pthread_barrier_wait(&start);
	for (;;) {
		pthread_mutex_lock(&lock);
		while (head == tail && !done)
			pthread_cond_wait(&more, &lock);
		if (head == tail && done) {
			pthread_mutex_unlock(&lock);
			return NULL;
		}
		int v = queue[head++];
		pthread_mutex_unlock(&lock);
		sums[id] = sums[id] * 31 + (unsigned long)v;
		counts[id]++;
	}
}

int main(void)
{
	pthread_t t[CONSUMERS];
	pthread_barrier_init(&start, NULL, CONSUMERS + 1);
	for (long i = 0; i < CONSUMERS; i++)
		pthread_create(&t[i], NULL, consumer, (void *)i);
	pthread_barrier_wait(&start);
	for (int i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&lock);
		queue[tail++] = i;
		pthread_cond_signal(&more);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	done = 1;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);
	unsigned long check = 0;
	int total = 0;
	for (int i = 0; i < CONSUMERS; i++) {
		pthread_join(t[i], NULL);
		check = check * 1000003 + sums[i];
		total += counts[i];
		printf("consumer %d took %d items\n", i, counts[i]);
	}
	printf("total %d checksum %lu\n", total, check);
	return 0;
}
