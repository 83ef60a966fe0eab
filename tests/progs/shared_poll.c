/* Waits, making syscalls, until another process changes a byte of a file
 * it maps shared: a change rec cannot record, so a replay runs on past
 * the recording (diverges). argv[1]: the file. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 2) return 2;
	int fd = open(argv[1], O_RDONLY);
	volatile const char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) return 1;
	unsigned long n = 0;
	printf("waiting\n");
	fflush(stdout);
	while (p[0] == '0') { usleep(1000); n++; }
	printf("changed: %s\n", n > 0 ? "yes" : "no");
	return 0;
}
