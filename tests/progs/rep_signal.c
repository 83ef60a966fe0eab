/* SIGALRM (20 ms) while the program spends its time in rep stos / rep movs:
 * rec finishes an interrupted string instruction before naming the point. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/time.h>
static volatile sig_atomic_t ticks;
static void h(int s) { (void)s; ticks++; }
int main(void) {
	size_t n = 4 << 20; char *a = malloc(n), *b = malloc(n);
	struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = h; sa.sa_flags = SA_RESTART; sigaction(SIGALRM, &sa, 0);
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }; setitimer(ITIMER_REAL, &it, 0);
	unsigned long sum = 0;
	for (int r = 0; r < 1500; r++) {
		__asm__ volatile("rep stosb" : "+D"(a), "+c"(n) : "a"(r) : "memory"); a -= 4 << 20; n = 4 << 20;
		char *d = b, *s2 = a; size_t m = n;
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s2), "+c"(m) : : "memory");
		sum += (unsigned char)b[(12345 * r) % n];
	}
	struct itimerval off; memset(&off, 0, sizeof off); setitimer(ITIMER_REAL, &off, 0);
	printf("sum %lu ticks>0 %d\n", sum, ticks > 0);
	return 0;
}
