/* Interleaved writes to stdout and stderr, then dup2(1, 5) and a write
 * to fd 5 (which is stdout too). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void put(int fd, const char *s)
{
	size_t len = strlen(s);

	if (write(fd, s, len) != (ssize_t)len)
		_exit(1);
}

int main(void)
{
	int i;
	char line[64];

	for (i = 0; i < 5; i++) {
		snprintf(line, sizeof line, "stdout line %d\n", i);
		put(1, line);
		snprintf(line, sizeof line, "stderr line %d\n", i);
		put(2, line);
	}
	if (dup2(1, 5) != 5) {
		perror("dup2");
		return 1;
	}
	put(5, "written to fd 5, a dup of stdout\n");
	close(5);
	put(1, "stdout done\n");
	put(2, "stderr done\n");
	return 0;
}
