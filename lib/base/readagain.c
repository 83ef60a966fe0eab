/* Reading a trace more than once (tracecut, play --gdb). */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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
	size_t len = 1 << 16;
	char *buf = rrk_xmalloc(len);
	long n;
	while ((n = rrk_read_full(fd, buf, len)) > 0)
		if (rrk_write_all(m, buf, (size_t)n) < 0)
			rrk_die("cannot keep a copy of %s: %s", name, strerror(errno));
	if (n < 0)
		rrk_die("cannot read %s: %s", name, strerror((int)-n));
	free(buf);
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
