/* Exits with the status given as argv[1] (0 without arguments). */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int st = argc > 1 ? atoi(argv[1]) : 0;

	printf("exiting with %d\n", st);
	return st;
}
