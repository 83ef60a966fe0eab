/* A SIGALRM lands in a loop that makes no system call, after about
 * argv[1] passes (default 1,000,000): replaying the signal means finding
 * its execution point, a breakpoint hit per pass since the timer was set.
 * Prints the passes made when the signal came. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

static volatile sig_atomic_t rang;

static void on_alarm(int sig)
{
	(void)sig;
	rang = 1;
}

int main(int argc, char **argv)
{
	long want = argc > 1 ? atol(argv[1]) : 1000000;
	/* about 9 ns a pass here: the timer is set to ring after `want` of them */
	long us = want / 110 > 0 ? want / 110 : 1;
	struct itimerval it = { { 0, 0 }, { us / 1000000, us % 1000000 } };
	unsigned long x = 1, passes = 0;
	signal(SIGALRM, on_alarm);
	setitimer(ITIMER_REAL, &it, NULL);
	/* straight-line passes: each instruction runs once a pass */
#define STEP x = x * 6364136223846793005ull + 1442695040888963407ull
	while (!rang) {
		STEP; STEP; STEP; STEP; STEP; STEP; STEP; STEP;
		passes++;
	}
	printf("passes %lu x %lx\n", passes, x);
	return 0;
}
