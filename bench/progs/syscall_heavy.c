/* Syscall-heavy benchmark workload: 1,000,000 small reads and writes in one
 * thread. Each round writes 16 bytes into a pipe and reads them back, then
 * appends a 16-byte record to a temporary file and preads a record back
 * from it: four system calls per round, 250,000 rounds.
 *
 * Usage: syscall_heavy [OPERATIONS]   (default 1000000, a multiple of 4)
 * The file is created in $TMPDIR (default /tmp) and removed at once.
 * Prints the number of operations and a checksum of the data read. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define REC 16

static void die(const char *what)
{
	fprintf(stderr, "syscall_heavy: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	long ops = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	long rounds = ops / 4;
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int p[2];

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/syscall_heavy.XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		die("mkstemp");
	unlink(path);
	if (pipe(p) < 0)
		die("pipe");

	uint64_t sum = 0;
	unsigned char buf[REC], got[REC];
	for (long i = 0; i < rounds; i++) {
		for (int k = 0; k < REC; k++)
			buf[k] = (unsigned char)(i * 31 + k);
		if (write(p[1], buf, REC) != REC)
			die("write pipe");
		if (read(p[0], got, REC) != REC)
			die("read pipe");
		for (int k = 0; k < REC; k++)
			sum = sum * 131 + got[k];
		if (write(fd, buf, REC) != REC)
			die("write file");
		/* Read back a record written earlier (pseudo-randomly chosen). */
		off_t at = (off_t)(((uint64_t)i * 2654435761u) % (uint64_t)(i + 1)) * REC;
		if (pread(fd, got, REC, at) != REC)
			die("pread file");
		for (int k = 0; k < REC; k++)
			sum = sum * 131 + got[k];
	}
	close(fd);
	printf("syscall_heavy: %ld operations, checksum %016llx\n", rounds * 4,
	       (unsigned long long)sum);
	return 0;
}
