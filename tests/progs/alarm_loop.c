/* A SIGALRM handler (setitimer, 1 ms) counts ticks while main computes in
 * a loop without syscalls; prints the count and where the loop was at the
 * first ticks. Each iteration is a long straight-line computation: without
 * a branch counter, replay finds each interrupted point by stopping at
 * every execution of its instruction, so a tight loop would replay slowly
 * (doc/design.md, "Execution points"). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#define ITERS 40000

#define S(k) h = (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ull + (k);
#define S4(k) S(k) S(k + 1) S(k + 2) S(k + 3)
#define S16(k) S4(k) S4(k + 4) S4(k + 8) S4(k + 12)
#define S64(k) S16(k) S16(k + 16) S16(k + 32) S16(k + 48)

static volatile sig_atomic_t ticks;
static volatile long where[8];
static volatile long i;

static void on_alarm(int sig)
{
	(void)sig;
	if (ticks < 8)
		where[ticks] = i;
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
	unsigned long h = 1;
	for (i = 0; i < ITERS; i++) {
		S64(1) S64(2) S64(3) S64(4) S64(5) S64(6) S64(7) S64(8)
	}
	struct itimerval off;
	memset(&off, 0, sizeof off);
	setitimer(ITIMER_REAL, &off, NULL);
	printf("hash %lu ticks %d\n", h, (int)ticks);
	for (int k = 0; k < 8 && k < ticks; k++)
		printf("tick %d at i=%ld\n", k, where[k]);
	return 0;
}
