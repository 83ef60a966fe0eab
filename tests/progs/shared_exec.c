/* Maps the file named by its argument shared and executable, and reads
 * it: rewriting an instruction there would change the file itself. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct stat st;
	int fd = argc > 1 ? open(argv[1], O_RDWR) : -1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		perror("open");
		return 1;
	}
	unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	unsigned sum = 0;
	for (off_t i = 0; i < st.st_size; i++)
		sum += m[i];
	printf("mapped %lld bytes shared, sum %u\n", (long long)st.st_size, sum);
	return 0;
}
