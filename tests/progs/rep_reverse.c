/* For play --gdb: fill() runs a rep stosq of 32 iterations just before
 * the label ppos, called 20,000 times (so that a reverse-stepi at ppos
 * is deep in a run without events) and then 5 more, counted. Going back
 * one instruction from ppos lands on the last iteration of the rep stos
 * (rcx 1), one more on the one before (rcx 2). */
#include <stdio.h>

volatile unsigned long counter;
unsigned long buf[64];

__attribute__((noinline)) void fill(void)
{
	unsigned long n = 32, *d = buf, v = counter;
	__asm__ volatile("rep stosq\n.globl ppos\nppos: nop" : "+c"(n), "+D"(d) : "a"(v) : "memory");
}

int main(void)
{
	for (int i = 0; i < 20000; i++) {
		fill();
		counter++;
	}
	counter = 0;
	for (int i = 0; i < 5; i++) {
		fill();
		counter++;
	}
	printf("done %lu\n", buf[3]);
	return 0;
}
