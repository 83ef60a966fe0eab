/* mmaps argv[1] read-only and prints its size and a checksum; then uses
 * an anonymous mapping. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/passwd";
	struct stat st;
	unsigned char *p;
	uint64_t sum = 0;
	unsigned char *anon;
	size_t i, anon_len = 1 << 20;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		return 1;
	}
	if (st.st_size > 0) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		for (i = 0; i < (size_t)st.st_size; i++)
			sum = sum * 31 + p[i];
		munmap(p, st.st_size);
	}
	close(fd);
	printf("%s: size %lld checksum %016llx\n", path, (long long)st.st_size,
	       (unsigned long long)sum);

	anon = mmap(NULL, anon_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED) {
		perror("mmap anonymous");
		return 1;
	}
	for (i = 0; i < anon_len; i += 4096)
		anon[i] = (unsigned char)(i >> 12);
	sum = 0;
	for (i = 0; i < anon_len; i++)
		sum += anon[i];
	printf("anonymous: first byte %u, sum %llu\n", anon[0], (unsigned long long)sum);
	munmap(anon, anon_len);
	return 0;
}
