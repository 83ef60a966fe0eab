/* Writes 3 MB to stdout with write(2), in one call, retrying short writes. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void)
{
	size_t len = 3u << 20, off = 0, i;
	char *buf = malloc(len);

	if (!buf)
		return 1;
	for (i = 0; i < len; i++)
		buf[i] = (i % 64 == 63) ? '\n' : (char)('a' + (i / 64) % 26);
	while (off < len) {
		ssize_t n = write(1, buf + off, len - off);
		if (n <= 0) {
			perror("write");
			return 1;
		}
		off += n;
	}
	free(buf);
	return 0;
}
