/* For play --gdb: five globals and a 16-byte struct written in turn,
 * then read, and at the end the struct copied whole by the C library
 * (tests/gdb.bats: more watchpoints than debug registers, one of 16
 * bytes, a read of a field inside a wider access). */
#include <stdio.h>
#include <string.h>

long a, b, c, d, e;
struct pair {
	long lo, hi;
} pr;
long seen;
struct pair saved;
volatile size_t pair_size = sizeof(struct pair);

static void done(void)
{
	printf("done: seen=%ld\n", seen);
	memcpy(&saved, &pr, pair_size);
	printf("saved: hi=%ld\n", saved.hi);
}

int main(void)
{
	for (long i = 1; i <= 2; i++) {
		a = i;
		b = 2 * i;
		c = 3 * i;
		d = 4 * i;
		e = 5 * i;
		pr.hi = -i;
		seen += e + pr.lo;
		printf("round %ld: a=%ld e=%ld hi=%ld\n", i, a, e, pr.hi);
	}
	done();
	return 0;
}
