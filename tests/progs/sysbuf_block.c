/* Buffered syscalls that wait for another task: a thread blocks reading
 * a pipe until a second thread writes (after some work), threads wait on
 * a condition variable (futex), and a child process feeds the parent
 * through a pipe with pauses. None may deadlock the recording
 * (tests/syscallbuf.bats). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tp[2];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;

static void *writer(void *a)
{
	volatile unsigned long x = 0;
	for (int round = 0; round < 50; round++) {
		for (int k = 0; k < 200000; k++)
			x += (unsigned long)k;
		char b = (char)('a' + round % 26);
		if (write(tp[1], &b, 1) != 1)
			return NULL;
		pthread_mutex_lock(&mu);
		while (turn != 2 * round + 1)
			pthread_cond_wait(&cv, &mu);
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&mu);
	}
	return a;
}

int main(void)
{
	if (pipe(tp) < 0)
		return 1;
	pthread_t t;
	pthread_create(&t, NULL, writer, NULL);
	char got[51] = "";
	for (int round = 0; round < 50; round++) {
		if (read(tp[0], &got[round], 1) != 1)
			return 1;
		pthread_mutex_lock(&mu);
		turn++;
		pthread_cond_broadcast(&cv);
		while (turn != 2 * round + 2)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
	}
	pthread_join(t, NULL);
	printf("thread said %s\n", got);

	int cp[2];
	if (pipe(cp) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		close(cp[0]);
		struct timespec ts = { 0, 2000000 };
		for (int i = 0; i < 20; i++) {
			char line[32];
			int n = snprintf(line, sizeof line, "chunk %d;", i);
			if (write(cp[1], line, (size_t)n) != n)
				_exit(1);
			nanosleep(&ts, NULL);
		}
		_exit(0);
	}
	close(cp[1]);
	char all[512];
	size_t len = 0;
	ssize_t n;
	while ((n = read(cp[0], all + len, sizeof all - 1 - len)) > 0)
		len += (size_t)n;
	all[len] = 0;
	int st;
	waitpid(c, &st, 0);
	printf("child said %s (%zu bytes), status %d\n", all, len, WEXITSTATUS(st));
	return 0;
}
