/* Signals its own process group, which rec shares when a shell runs it
 * (kill(0, SIG), kill(-pgrp, SIG)), as a shell script's `trap 'kill 0'
 * EXIT` or an abort of the whole group does. The program ignores the
 * signals; rec must neither die of them nor take them for the user's.
 * Prints what it did. */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	signal(SIGABRT, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	printf("kill(0, SIGABRT) = %d\n", kill(0, SIGABRT));
	printf("kill(-pgrp, SIGUSR1) = %d\n", kill(-getpgrp(), SIGUSR1));
	printf("kill(0, SIGINT) = %d\n", kill(0, SIGINT));
	printf("kill(0, SIGINT) = %d\n", kill(0, SIGINT));
	printf("still here\n");
	return 0;
}
