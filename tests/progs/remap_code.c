/* Maps a copy of its own code (as exec_mprotect does), made executable
 * one byte at a time (the kernel rounds to pages), and calls its rdtsc
 * and cpuid there; then shrinks the mapping by less than a page and moves
 * it with mremap, calling them again each time: a recorder must follow
 * rewritten instructions as the kernel moves the pages. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

extern char __executable_start[];

__attribute__((noinline, aligned(64))) uint64_t read_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

__attribute__((noinline, aligned(64))) uint32_t vendor_ebx(void)
{
	uint32_t a = 0, b, c = 0, d;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b;
}

static void call(const char *what, char *m, uintptr_t lo, uintptr_t off_tsc, uintptr_t off_id)
{
	uint64_t (*tsc)(void) = (uint64_t (*)(void))(m + (off_tsc - lo));
	uint32_t (*id)(void) = (uint32_t (*)(void))(m + (off_id - lo));
	uint64_t t = tsc();
	printf("%s: rdtsc %llu cpuid ebx %08x\n", what, (unsigned long long)t, id());
}

int main(void)
{
	uintptr_t off_tsc = (uintptr_t)((char *)read_tsc - __executable_start);
	uintptr_t off_id = (uintptr_t)((char *)vendor_ebx - __executable_start);
	uintptr_t lo = (off_tsc < off_id ? off_tsc : off_id) & ~(uintptr_t)4095;
	uintptr_t hi = ((off_tsc > off_id ? off_tsc : off_id) + 4096) & ~(uintptr_t)4095;
	size_t len = hi - lo + 4096; /* a page more, to shrink away */
	int fd = open("/proc/self/exe", O_RDONLY);
	char *m = fd < 0 ? MAP_FAILED : mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, (off_t)lo);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	for (uintptr_t p = 0; p < len; p += 4096)
		if (mprotect(m + p, 1, PROT_READ | PROT_EXEC) != 0) {
			perror("mprotect");
			return 1;
		}
	call("mapped", m, lo, off_tsc, off_id);
	m = mremap(m, len, len - 4095, 0); /* keeps len - 4096 + 1 bytes: whole pages */
	if (m == MAP_FAILED) {
		perror("mremap");
		return 1;
	}
	call("shrunk", m, lo, off_tsc, off_id);
	char *to = mmap(NULL, 2 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m = to == MAP_FAILED ? MAP_FAILED : mremap(m, len - 4096, len - 4096, MREMAP_MAYMOVE | MREMAP_FIXED, to + len);
	if (m == MAP_FAILED) {
		perror("mremap");
		return 1;
	}
	call("moved", m, lo, off_tsc, off_id);
	return 0;
}
