/* A child forks a grandchild that runs four threads; each waits for its
 * own children. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *work(void *arg)
{
	long i = (long)arg;
	volatile unsigned long n = 0;
	for (long k = 0; k < 200000 * (i + 1); k++)
		n += (unsigned long)k;
	return (void *)(n & 0xff);
}

static int grandchild(void)
{
	pthread_t t[4];
	unsigned long total = 0;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		total += (unsigned long)r;
	}
	printf("grandchild: threads done, %lu\n", total);
	return 4;
}

static int waited(pid_t p)
{
	int st;
	return waitpid(p, &st, 0) == p ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0)
			return grandchild();
		printf("child: grandchild status %d\n", waited(g));
		return 2;
	}
	printf("parent: child status %d\n", waited(c));
	return 0;
}
