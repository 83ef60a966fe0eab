/* Signals that arrive while the program is inside buffered syscalls: a
 * 1 ms interval timer interrupts a loop of small pipe reads and writes
 * (tests/syscallbuf.bats). What the handler saw must replay exactly. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int s)
{
	(void)s;
	ticks++;
}

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned long sum = 0, seen = 0;
	char buf[16];
	for (int i = 0; i < 20000000 && ticks < 40; i++) {
		buf[0] = (char)i;
		if (write(p[1], buf, 8) != 8 || read(p[0], buf, 8) != 8)
			return 1;
		sum += (unsigned char)buf[0] + (unsigned long)ticks;
		seen = (unsigned long)i;
	}
	it.it_value.tv_usec = it.it_interval.tv_usec = 0;
	setitimer(ITIMER_REAL, &it, NULL);
	printf("%lu rounds, %d ticks, sum %lu\n", seen, (int)ticks, sum);
	return 0;
}
