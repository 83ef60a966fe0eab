/* Many system calls that bring data in (4 KiB of /dev/urandom each) and a
 * line of output now and then: a long trace whose last part is small
 * (tests/tracecut.bats). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	static unsigned char buf[4096];
	unsigned long sum = 0;
	int fd = open("/dev/urandom", O_RDONLY);
	if (fd < 0)
		return 1;
	for (int i = 1; i <= 8000; i++) {
		if (read(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return 1;
		for (size_t k = 0; k < sizeof buf; k++)
			sum += buf[k];
		if (i % 800 == 0) {
			printf("round %d sum %lu\n", i, sum);
			fflush(stdout);
		}
	}
	return 0;
}
