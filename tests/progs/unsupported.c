/* Calls shmat, whose memory another process may change behind rrkit's
 * back: rec must stop cleanly, naming it. */
#include <stdio.h>
#include <sys/shm.h>

int main(void)
{
	printf("before shmat\n");
	fflush(stdout);
	void *p = shmat(-1, NULL, 0);
	printf("shmat returned %p\n", p);
	return 0;
}
