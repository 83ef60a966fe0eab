/* For play --gdb: a function called in a loop, locals, a global that
 * changes, output through write. Built with -O0 so gdb sees every local. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int counter;
long total = 100;
static char message[64];

int square(int x)
{
	int result = x * x;
	counter++;
	return result;
}

int add_to_total(int v)
{
	long before = total;
	total = before + v;
	return (int)(total - before);
}

int main(void)
{
	for (int i = 1; i <= 5; i++) {
		int sq = square(i);
		add_to_total(sq);
		snprintf(message, sizeof message, "i=%d sq=%d total=%ld\n", i, sq, total);
		if (write(1, message, strlen(message)) < 0)
			return 1;
	}
	printf("counter=%d total=%ld pid-independent\n", counter, total);
	return 0;
}
