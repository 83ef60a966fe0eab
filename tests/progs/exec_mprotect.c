/* Maps a copy of its own code from its executable file read-only, makes
 * it executable with mprotect, and calls the copies of two functions that
 * run rdtsc and cpuid: a recorder must find instructions in code that
 * becomes executable after it was mapped. */
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

int main(void)
{
	/* a PIE's text lies at its file offset from the load address */
	uintptr_t off_tsc = (uintptr_t)((char *)read_tsc - __executable_start);
	uintptr_t off_id = (uintptr_t)((char *)vendor_ebx - __executable_start);
	uintptr_t lo = (off_tsc < off_id ? off_tsc : off_id) & ~(uintptr_t)4095;
	uintptr_t hi = (off_tsc > off_id ? off_tsc : off_id) + 4096;
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	char *m = mmap(NULL, hi - lo, PROT_READ, MAP_PRIVATE, fd, (off_t)lo);
	if (m == MAP_FAILED || mprotect(m, hi - lo, PROT_READ | PROT_EXEC) != 0) {
		perror("mmap/mprotect");
		return 1;
	}
	uint64_t (*tsc)(void) = (uint64_t (*)(void))(m + (off_tsc - lo));
	uint32_t (*id)(void) = (uint32_t (*)(void))(m + (off_id - lo));
	uint64_t t1 = tsc(), t2 = tsc();
	printf("copied rdtsc %llu %llu\n", (unsigned long long)t1, (unsigned long long)t2);
	printf("copied cpuid vendor ebx %08x (own %08x)\n", id(), vendor_ebx());
	return 0;
}
