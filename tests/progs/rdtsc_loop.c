/* Reads the time-stamp counter N times (default 1,000,000) and prints how
 * many reads went backwards and the last value's low bits: a replay must
 * print exactly the same. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	uint64_t prev = __rdtsc(), sum = 0;
	long back = 0;
	for (long i = 0; i < n; i++) {
		uint64_t t = __rdtsc();
		back += t < prev;
		sum += t & 0xffff;
		prev = t;
	}
	printf("reads %ld backwards %ld sum %llu last %llu\n", n, back, (unsigned long long)sum,
	       (unsigned long long)(prev & 0xffffff));
	return 0;
}
