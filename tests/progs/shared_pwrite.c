/* Writes a file through a MAP_SHARED mapping and then with pwrite: each
 * shows through the other at once. In replay the pwrite is not made,
 * so rec must record what it did to the mapping (the syscall buffer
 * once took the pwrite, and the replay's mapping kept the old bytes). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	char path[] = "/tmp/rrkit-shared-pwrite-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || ftruncate(fd, 4096) < 0)
		return 1;
	unlink(path);
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return 1;
	strcpy(p, "through the mapping");
	char buf[32] = { 0 };
	if (pread(fd, buf, 19, 0) != 19)
		return 1;
	printf("read back: %s\n", buf);
	if (pwrite(fd, "WRITE", 5, 0) != 5)
		return 1;
	printf("mapping sees: %.19s\n", p);
	return 0;
}
