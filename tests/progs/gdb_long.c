/* For play --gdb: about a second of work with a syscall every so often,
 * and a function called once per round, to go back over with
 * reverse-continue. */
#include <stdio.h>
#include <unistd.h>

volatile unsigned long sink;
int rounds;

void marker(int round)
{
	rounds = round;
}

int main(void)
{
	for (int r = 1; r <= 400; r++) {
		for (unsigned long k = 0; k < 2500000; k++)
			sink += k ^ (unsigned long)r;
		marker(r);
		if (getppid() < 0)
			return 1;
	}
	printf("rounds=%d\n", rounds);
	return 0;
}
