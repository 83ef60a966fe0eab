/* A SIGUSR1 handler run by raise(): prints in the handler and after. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t count;

static void handler(int sig)
{
	static const char msg[] = "in handler\n";

	ssize_t r;

	(void)sig;
	count++;
	r = write(1, msg, sizeof msg - 1);
	(void)r;
}

int main(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	printf("before raise\n");
	fflush(stdout);
	if (raise(SIGUSR1) != 0) {
		perror("raise");
		return 1;
	}
	printf("after raise: handler ran %d time(s)\n", (int)count);
	return 0;
}
