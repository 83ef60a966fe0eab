/* Reads 32 bytes from /dev/urandom and prints them in hex. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	unsigned char buf[32];
	ssize_t n, i;
	int fd = open("/dev/urandom", O_RDONLY);

	if (fd < 0) {
		perror("open /dev/urandom");
		return 1;
	}
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n != (ssize_t)sizeof buf) {
		fprintf(stderr, "short read: %zd\n", n);
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}
