/* For play --gdb: a long computation without system calls between its
 * start-up and its final printf. first() is called once near the start,
 * middle() once half way, to step back from there. The argument sets the
 * work per half (default 2 billion rounds: about 2.5 s here; tests use a
 * small one). */
#include <stdio.h>
#include <stdlib.h>

unsigned long midpoint;

__attribute__((noinline)) unsigned long first(unsigned long n)
{
	return n | 1;
}

__attribute__((noinline)) void middle(unsigned long v)
{
	midpoint = v;
}

__attribute__((noinline)) unsigned long crunch(unsigned long n, unsigned long seed)
{
	unsigned long acc = seed;
	for (unsigned long k = 0; k < n; k++)
		acc = acc * 6364136223846793005ul + (k ^ (acc >> 29));
	return acc;
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000000000ul;
	unsigned long s = first(n);
	unsigned long a = crunch(n, s);
	middle(a);
	unsigned long b = crunch(n, a);
	printf("result=%lu %lu\n", a, b);
	return 0;
}
