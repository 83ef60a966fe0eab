/* mkstemp, write, read back, fstat/stat, readdir of the directory, unlink. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	const char *dir = getenv("TMPDIR");
	char path[PATH_MAX], buf[64];
	static const char data[] = "rrkit files test\n";
	struct stat st;
	DIR *d;
	struct dirent *de;
	int fd, found = 0;
	ssize_t n;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof path, "%s/rrkit-files-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	n = write(fd, data, sizeof data - 1);
	printf("wrote %zd\n", n);
	if (lseek(fd, 0, SEEK_SET) != 0) {
		perror("lseek");
		return 1;
	}
	memset(buf, 0, sizeof buf);
	n = read(fd, buf, sizeof buf - 1);
	printf("read %zd: %s", n, buf);
	if (fstat(fd, &st) != 0) {
		perror("fstat");
		return 1;
	}
	printf("size %lld mode %o\n", (long long)st.st_size, (unsigned)(st.st_mode & 07777));
	close(fd);
	if (stat(path, &st) != 0) {
		perror("stat");
		return 1;
	}
	printf("stat size %lld\n", (long long)st.st_size);

	d = opendir(dir);
	if (!d) {
		perror("opendir");
		return 1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, strrchr(path, '/') + 1) == 0)
			found = 1;
	closedir(d);
	printf("found in directory listing: %s\n", found ? "yes" : "no");

	if (unlink(path) != 0) {
		perror("unlink");
		return 1;
	}
	printf("after unlink, stat %s\n", stat(path, &st) == 0 ? "succeeds" : "fails");
	return 0;
}
