/* ioctls that rrkit's table does not know: one with an _IOR encoding
 * (rec can record it from the size in the number) and unencoded ones
 * (rec runs them and records the kernel's answer: ENOTTY on /dev/null,
 * EBADF on fd -1). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void report(const char *what, int r, int e, int val)
{
	printf("%s: result %d errno %s value %d\n", what, r, r < 0 ? strerror(e) : "-", val);
}

int main(void)
{
	int fd = open("/dev/null", O_RDONLY);
	int val, r;

	if (fd < 0) {
		perror("/dev/null");
		return 1;
	}
	val = 12345;
	errno = 0;
	r = ioctl(fd, _IOR('x', 0x42, int), &val);
	report("_IOR('x', 0x42, int) on /dev/null", r, errno, val);

	val = 12345;
	errno = 0;
	r = ioctl(fd, 0x89ff, &val);
	report("0x89ff on /dev/null", r, errno, val);

	val = 12345;
	errno = 0;
	r = ioctl(1, _IOR('x', 0x42, int), &val);
	report("_IOR('x', 0x42, int) on fd 1", r, errno, val);

	errno = 0;
	r = ioctl(-1, 0x2400, 0);
	report("0x2400 on fd -1", r, errno, 0);
	close(fd);
	return 0;
}
