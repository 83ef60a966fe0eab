/* sites: lists the rdtsc/rdtscp/cpuid instructions rec would patch.
 *   sites [--skip] [--long] [--time] FILE...
 * prints "FILE VADDR KIND" for each (VADDR in hex without 0x, KIND one of
 * rdtsc, rdtscp, cpuid), in file order; --long adds the file offset (hex)
 * and the instruction's length: "FILE VADDR KIND OFF LEN". A file that is not a readable
 * 64-bit x86-64 ELF file gets "FILE error: WHY" and exit status 1, or is
 * passed over with --skip. --time adds "FILE time: N sites, U us, again
 * V us" lines on stderr: rrk_find_sites alone (the file already in
 * memory), first call and a second one. */
#include "ptrace/sites.h"
#include "format/trace.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* 0, or 1 after printing the error line (unless skip). */
static int one(const char *path, int skip, int lng, int timing)
{
	const char *why = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	const uint8_t *data = NULL;
	size_t size = why ? 0 : (size_t)st.st_size;
	if (!why && size) {
		void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m == MAP_FAILED)
			why = strerror(errno);
		else
			data = m;
	}
	if (fd >= 0)
		close(fd);
	struct rrk_site *s = NULL;
	long n = -1;
	if (!why) {
		/* With --time, fault the file in first: the finder alone. */
		volatile uint8_t sum = 0;
		for (size_t i = 0; timing && i < size; i += 4096)
			sum += data[i];
		uint64_t t0 = rrk_now_ns();
		n = data ? rrk_find_sites(data, size, RRK_SITE_ALL, &s) : -1;
		uint64_t t1 = rrk_now_ns();
		if (n < 0) {
			why = "not a 64-bit x86-64 ELF file";
		} else if (timing) {
			/* Once more, warm: the decoder's tables in the cache. */
			struct rrk_site *s2;
			uint64_t t2 = rrk_now_ns();
			free(rrk_find_sites(data, size, RRK_SITE_ALL, &s2) >= 0 ? s2 : NULL);
			uint64_t t3 = rrk_now_ns();
			fprintf(stderr, "%s time: %ld sites, %llu us, again %llu us\n", path, n,
				(unsigned long long)((t1 - t0) / 1000),
				(unsigned long long)((t3 - t2) / 1000));
		}
	}
	for (long i = 0; i < n; i++) {
		printf("%s %llx %s", path, (unsigned long long)s[i].vaddr, rrk_site_kind_name(s[i].kind));
		if (lng)
			printf(" %llx %u", (unsigned long long)s[i].off, s[i].len);
		putchar('\n');
	}
	free(s);
	if (data)
		munmap((void *)data, size);
	if (!why)
		return 0;
	if (!skip)
		printf("%s error: %s\n", path, why);
	return !skip;
}

int main(int argc, char **argv)
{
	rrk_prog = "sites";
	int skip = 0, lng = 0, timing = 0, i = 1, bad = 0;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--skip"))
			skip = 1;
		else if (!strcmp(argv[i], "--long"))
			lng = 1;
		else if (!strcmp(argv[i], "--time"))
			timing = 1;
		else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else {
			fputs("usage: sites [--skip] [--long] [--time] FILE...\n", stderr);
			return 2;
		}
	}
	for (; i < argc; i++)
		bad |= one(argv[i], skip, lng, timing);
	if (fflush(stdout) != 0)
		rrk_die("writing the list: %s", strerror(errno));
	return bad;
}
