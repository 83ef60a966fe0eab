/* Calls io_uring_setup, which the kernel completes behind rrkit's back
 * (a shared ring): rec must stop cleanly, naming it. */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	unsigned char params[120];
	memset(params, 0, sizeof params);
	printf("before io_uring_setup\n");
	fflush(stdout);
	long fd = syscall(SYS_io_uring_setup, 4, params);
	printf("io_uring_setup returned %ld\n", fd);
	return 0;
}
