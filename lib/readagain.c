/* Reading a trace more than once (tracecut, play --gdb). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int rrk_seekable(int fd, const char *name)
{
	if (lseek(fd, 0, SEEK_CUR) == 0)
		return fd;
	int m = memfd_create("rrkit-trace", MFD_CLOEXEC);
	if (m < 0)
		rrk_die("cannot keep a copy of %s: memfd_create: %s", name, strerror(errno));
	static char buf[1 << 16];
	long n;
	while ((n = rrk_read_full(fd, buf, sizeof buf)) > 0)
		if (rrk_write_all(m, buf, (size_t)n) < 0)
			rrk_die("cannot keep a copy of %s: %s", name, strerror(errno));
	if (n < 0)
		rrk_die("cannot read %s: %s", name, strerror((int)-n));
	lseek(m, 0, SEEK_SET);
	return m;
}

int rrk_reopen(int fd, const char *name)
{
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	int f = open(self, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		rrk_die("cannot read %s again: %s", name, strerror(errno));
	return f;
}
