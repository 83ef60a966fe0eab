/* Asks the kernel to make rdtsc and rdtscp (PR_SET_TSC) and cpuid
 * (ARCH_SET_CPUID) fault, runs each in a child of its own, and prints
 * whether it faulted: what rec --check's trap lines must agree with. */
#include <cpuid.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

enum { RDTSC, RDTSCP, CPUID };

static void faulted(int sig)
{
	(void)sig;
	_exit(3);
}

/* In a child: 3 when the instruction faulted, 0 when it ran, 1 when the
 * kernel refused to make it fault. */
static void child(int which)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = faulted;
	sigaction(SIGSEGV, &sa, NULL);
	if (which == CPUID) {
		if (syscall(SYS_arch_prctl, 0x1012 /* ARCH_SET_CPUID */, 0) != 0)
			_exit(1);
		unsigned a, b, c, d;
		__cpuid(0, a, b, c, d); /* volatile asm: runs though unused */
		(void)a, (void)b, (void)c, (void)d;
		_exit(0);
	}
	if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
		_exit(1);
	unsigned aux;
	volatile unsigned long long t = which == RDTSC ? __rdtsc() : __rdtscp(&aux);
	(void)t;
	_exit(0);
}

static const char *faults(int which)
{
	fflush(stdout);
	pid_t p = fork();
	if (p < 0) {
		perror("fork");
		_exit(2);
	}
	if (p == 0)
		child(which);
	int st;
	if (waitpid(p, &st, 0) != p) {
		perror("waitpid");
		_exit(2);
	}
	return WIFEXITED(st) && WEXITSTATUS(st) == 3 ? "yes" : "no";
}

int main(void)
{
	printf("rdtsc faults: %s\n", faults(RDTSC));
	printf("rdtscp faults: %s\n", faults(RDTSCP));
	printf("cpuid faults: %s\n", faults(CPUID));
	return 0;
}
