/* Prints rdtsc/rdtscp values and cpuid leaves 0, 1 and 7. */
#include <cpuid.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

int main(void)
{
	unsigned aux = 0;
	uint64_t t1 = __rdtsc();
	uint64_t t2 = __rdtscp(&aux);
	unsigned a, b, c, d;
	char vendor[13];

	printf("rdtsc %llu\n", (unsigned long long)t1);
	printf("rdtscp %llu aux %u\n", (unsigned long long)t2, aux);

	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	printf("cpuid 0: max %u vendor %s\n", a, vendor);

	__cpuid(1, a, b, c, d);
	printf("cpuid 1: eax %08x ebx %08x ecx %08x edx %08x\n", a, b, c, d);

	__cpuid_count(7, 0, a, b, c, d);
	printf("cpuid 7.0: eax %08x ebx %08x ecx %08x edx %08x\n", a, b, c, d);
	return 0;
}
