/* Waits, making syscalls, until another process changes a byte of a file
 * it maps shared: a change rec cannot record, so a replay runs on past
 * the recording (diverges). argv[1]: the file, holding '0'. It says
 * "waiting" once it has seen the '0', so a change after that line is
 * one it sees happen. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2)
		return 2;
	int fd = open(argv[1], O_RDONLY);
	volatile const char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	if (p[0] != '0') {
		printf("the file does not start with 0\n");
		return 1;
	}
	usleep(1000);
	printf("waiting\n");
	fflush(stdout);
	unsigned long n = 0;
	while (p[0] == '0') {
		usleep(1000);
		n++;
	}
	printf("changed after %s\n", n > 0 ? "some polls" : "no poll");
	return 0;
}
