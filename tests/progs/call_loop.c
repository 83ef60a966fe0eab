/* A SIGALRM handler (setitimer, 1 ms) counts ticks while main calls tiny
 * functions in a loop without syscalls, directly and through a pointer,
 * with branches to just after the calls: the interrupted points lie on
 * calls, returns, indirect jumps and branch targets, which play's
 * register check in the program has to copy or emulate (doc/design.md,
 * "Without a stop per pass"). Prints the ticks, the loop count and a
 * digest of the values. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile sig_atomic_t ticks;

__attribute__((noinline)) static unsigned long mix(unsigned long x)
{
	return x * 0x9e3779b97f4a7c15ull + 1;
}

__attribute__((noinline)) static unsigned long fold(unsigned long x)
{
	return x ^ (x >> 29);
}

static unsigned long (*volatile indirect)(unsigned long) = fold;

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned long h = 1, n = 0;
	int seen; /* the count that ended the loop: a tick may still come
		   * before the timer is off */
	while ((seen = ticks) < 25) {
		h = mix(h);
		if (h & 1)
			h = indirect(h);
		else
			h = fold(mix(h));
		n++;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("ticks %d loops %lu digest %lx\n", seen, n, h);
	return 0;
}
