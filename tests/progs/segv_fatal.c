/* Prints, then dereferences NULL with no handler (status 139). */
#include <stdio.h>

int main(void)
{
	volatile int *volatile p = NULL;

	printf("about to crash\n");
	fflush(stdout);
	*p = 1;
	printf("not reached\n");
	return 0;
}
