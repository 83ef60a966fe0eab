/* Fills two pipes that a child drains: one at the default size, one the
 * program made 8 KiB long. Prints what the child read and the sizes
 * F_GETPIPE_SZ gives afterwards (rec widens a default pipe that fills up;
 * it keeps a size the program chose). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long drain(int fd)
{
	char buf[16384];
	long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	return n < 0 ? -1 : total;
}

static int fill(int fd, long bytes)
{
	char buf[16384];
	memset(buf, 'x', sizeof buf);
	for (long done = 0; done < bytes; done += (long)sizeof buf)
		if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
			return -1;
	return 0;
}

int main(void)
{
	int wide[2], narrow[2];
	if (pipe(wide) || pipe(narrow) || fcntl(narrow[1], F_SETPIPE_SZ, 8192) < 0) {
		perror("pipe");
		return 1;
	}
	pid_t c = fork();
	if (c == 0) {
		close(wide[1]);
		close(narrow[1]);
		long a = drain(wide[0]), b = drain(narrow[0]);
		printf("child read %ld and %ld bytes\n", a, b);
		return 0;
	}
	close(wide[0]);
	close(narrow[0]);
	if (fill(wide[1], 4 << 20)) {
		perror("write");
		return 1;
	}
	int wide_size = fcntl(wide[1], F_GETPIPE_SZ);
	close(wide[1]);
	if (fill(narrow[1], 1 << 20)) {
		perror("write");
		return 1;
	}
	printf("pipe sizes %d and %d\n", wide_size, fcntl(narrow[1], F_GETPIPE_SZ));
	fflush(stdout);
	close(narrow[1]);
	int st;
	waitpid(c, &st, 0);
	printf("child status %d\n", WEXITSTATUS(st));
	return 0;
}
