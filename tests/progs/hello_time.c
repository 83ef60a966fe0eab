/* Prints the time from every clock interface, pids and a random value. */
#include <stdio.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	struct timespec rt, mono;
	struct timeval tv;
	unsigned long long rnd = 0;
	ssize_t n;

	printf("hello from rrkit\n");
	printf("time %lld\n", (long long)time(NULL));
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	printf("realtime_ns %lld\n", (long long)rt.tv_sec * 1000000000LL + rt.tv_nsec);
	printf("monotonic_ns %lld\n", (long long)mono.tv_sec * 1000000000LL + mono.tv_nsec);
	gettimeofday(&tv, NULL);
	printf("gettimeofday %lld.%06ld\n", (long long)tv.tv_sec, (long)tv.tv_usec);
	printf("pid %ld ppid %ld\n", (long)getpid(), (long)getppid());
	n = getrandom(&rnd, sizeof rnd, 0);
	printf("getrandom %zd %016llx\n", n, rnd);
	return 0;
}
