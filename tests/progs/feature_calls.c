/* Calls a program is written to do without (protection keys, bpf,
 * io_uring, AIO, perf events, userfaultfd, port I/O, secret memory) and
 * system call numbers no kernel has, an x32 one among them: each gets
 * the answer of a kernel without the feature, under rec and in replay,
 * and the program goes on. Prints each result. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void try(const char *name, long nr, long a0, long a1)
{
	errno = 0;
	long r = syscall(nr, a0, a1, 0, 0, 0, 0);
	printf("%s: %ld %s\n", name, r, r < 0 ? strerror(errno) : "ok");
}

int main(void)
{
	unsigned char params[120];
	memset(params, 0, sizeof params);
	try("pkey_alloc", SYS_pkey_alloc, 0, 0);
	try("pkey_free", SYS_pkey_free, 1, 0);
	try("bpf", SYS_bpf, 0, 0);
	try("io_uring_setup", SYS_io_uring_setup, 4, (long)params);
	try("io_setup", SYS_io_setup, 8, (long)params);
	try("perf_event_open", SYS_perf_event_open, (long)params, 0);
	try("userfaultfd", SYS_userfaultfd, 0, 0);
	try("iopl", SYS_iopl, 3, 0);
	try("memfd_secret", SYS_memfd_secret, 0, 0);
	try("syscall 1008", 1008, 0, 0);
	try("syscall 1009", 1009, 0, 0);
	try("syscall -1", -1, 0, 0);
	try("x32 getpid", 0x40000000 | SYS_getpid, 0, 0);
	printf("still running, pid matches: %s\n", getpid() == (pid_t)syscall(SYS_getpid) ? "yes" : "no");
	return 0;
}
