/* Writes a lot to stdout; run as `prog | head -c1` it dies of SIGPIPE. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	char buf[4096];
	long total = 0;
	int i;

	memset(buf, 'y', sizeof buf);
	buf[sizeof buf - 1] = '\n';
	for (i = 0; i < 4096; i++) {
		ssize_t n = write(1, buf, sizeof buf);
		if (n < 0) {
			perror("write");
			return 1;
		}
		total += n;
	}
	fprintf(stderr, "wrote %ld bytes without SIGPIPE\n", total);
	return 0;
}
