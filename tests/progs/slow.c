/* Prints a line, sleeps, prints another: lets tests look at a trace while
 * rec is still writing it. Seconds to sleep in argv[1] (default 3). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 3;
	printf("tick\n");
	fflush(stdout);
	struct timespec ts = { secs, 0 };
	nanosleep(&ts, NULL);
	printf("tock\n");
	return 0;
}
