/* Ignores SIGTERM and SIGHUP and waits for ever: the first SIGTERM sent
 * to rec reaches it and changes nothing; rec must end on the second,
 * keeping the trace and leaving no process behind. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	printf("started\n");
	fflush(stdout);
	for (;;)
		pause();
}
