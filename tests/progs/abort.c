/* Prints a line, then abort(): killed by SIGABRT (status 134). */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("about to abort\n");
	fflush(stdout);
	abort();
}
