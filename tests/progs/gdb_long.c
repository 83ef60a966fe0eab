/* For play --gdb: about a second of work with a syscall every so often,
 * and a function called once per round, to go back over with
 * reverse-continue. An argument sets the number of rounds (400). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

volatile unsigned long sink;
int rounds;

void marker(int round)
{
	rounds = round;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 400;
	for (int r = 1; r <= n; r++) {
		for (unsigned long k = 0; k < 2500000; k++)
			sink += k ^ (unsigned long)r;
		marker(r);
		if (getppid() < 0)
			return 1;
	}
	printf("rounds=%d\n", rounds);
	return 0;
}
