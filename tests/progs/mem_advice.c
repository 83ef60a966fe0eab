/* Address-space calls whose effect replay must reproduce: MADV_DONTNEED
 * zeroes private anonymous pages, mremap grows a mapping (moving it) with
 * its contents, PROT_NONE then PROT_READ keeps the bytes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static unsigned sum(const unsigned char *p, size_t n)
{
	unsigned s = 0;
	for (size_t i = 0; i < n; i++)
		s = s * 31 + p[i];
	return s;
}

int main(void)
{
	size_t pg = 4096, n = 16 * pg;
	/* a page after the mapping that stays in the way: growing moves it */
	unsigned char *a = mmap(NULL, n + pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (a == MAP_FAILED || mprotect(a + n, pg, PROT_NONE) < 0)
		return 1;
	for (size_t i = 0; i < n; i++)
		a[i] = (unsigned char)(i * 7 + 1);
	printf("filled: %08x\n", sum(a, n));
	madvise(a + 4 * pg, 4 * pg, MADV_DONTNEED);
	printf("after DONTNEED: %08x zero=%d\n", sum(a, n), a[5 * pg] == 0);
	unsigned char *b = mremap(a, n, 64 * pg, MREMAP_MAYMOVE);
	if (b == MAP_FAILED)
		return 2;
	printf("grown: moved=%d %08x\n", b != a, sum(b, n));
	memset(b + n, 0x5a, 48 * pg);
	printf("tail: %08x\n", sum(b, 64 * pg));
	b = mremap(b, 64 * pg, 8 * pg, 0);
	printf("shrunk: %08x\n", sum(b, 8 * pg));
	mprotect(b, 8 * pg, PROT_NONE);
	mprotect(b, 8 * pg, PROT_READ);
	printf("after PROT_NONE: %08x\n", sum(b, 8 * pg));
	return 0;
}
