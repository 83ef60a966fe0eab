/* Recovers from a NULL write with a SIGSEGV handler and siglongjmp. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static sigjmp_buf env;
static void *volatile fault_addr;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = si->si_addr;
	siglongjmp(env, 1);
}

int main(void)
{
	struct sigaction sa;
	volatile int *volatile p = NULL;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	printf("writing through NULL\n");
	fflush(stdout);
	if (sigsetjmp(env, 1) == 0) {
		*p = 42;
		printf("not reached\n");
		return 1;
	}
	printf("recovered, fault address %p\n", fault_addr);
	return 0;
}
