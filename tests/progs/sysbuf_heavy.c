/* Many small syscalls the syscall buffer handles: pipe and file reads and
 * writes, fstat, lseek, clock_gettime, getpid, through stdio and directly
 * (tests/syscallbuf.bats). Prints a checksum of what it read. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	char path[] = "/tmp/rrkit-sbufXXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	unlink(path);
	unsigned long sum = 0;
	char buf[64];
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(buf, sizeof buf, "record %d\n", i);
		if (write(p[1], buf, (size_t)n) != n || read(p[0], buf, sizeof buf) != n)
			return 1;
		if (pwrite(fd, buf, (size_t)n, (off_t)i * 16) != n)
			return 1;
		for (int k = 0; k < n; k++)
			sum = sum * 31 + (unsigned char)buf[k];
	}
	struct stat st;
	fstat(fd, &st);
	lseek(fd, 0, SEEK_SET);
	FILE *f = fdopen(fd, "r");
	int c, lines = 0;
	while ((c = getc(f)) != EOF)
		lines += c == '\n';
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("size %lld lines %d sum %lu pid-known %d\n", (long long)st.st_size, lines, sum,
	       getpid() > 0);
	return 0;
}
