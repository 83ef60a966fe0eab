/* Instruction-count benchmark workload, for comparing gdb's `record full`
 * with rec. spin() runs a loop of exactly 4 instructions per iteration and
 * calls nothing (in particular no libc string function, whose AVX-512 code
 * gdb's record full cannot record).
 *
 * Usage: loop [ITERATIONS]   (default 250000: 1,000,000 instructions)
 * Prints the result of the loop. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((noinline)) unsigned long spin(unsigned long n)
{
	unsigned long acc = 0x12345;
	if (n == 0)
		return acc;
	/* 4 instructions per iteration: add, xor, dec, jnz. */
	__asm__ volatile("1:\n\t"
			 "add %1, %0\n\t"
			 "xor $0x55, %0\n\t"
			 "dec %1\n\t"
			 "jnz 1b"
			 : "+r"(acc), "+r"(n)
			 :
			 : "cc");
	return acc;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 250000;
	printf("loop: %lu iterations, result %lx\n", n, spin(n));
	return 0;
}
