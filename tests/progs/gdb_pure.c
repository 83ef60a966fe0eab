/* For play --gdb against gdb's own "record full": the loop calls only
 * plain functions (no libc), so gdb can record it natively as the oracle
 * of where reverse-step, reverse-next and reverse-finish land. */
#include <stdio.h>

int counter;
long total = 100;

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
	}
	printf("counter=%d total=%ld\n", counter, total);
	return 0;
}
