/* Writes code into anonymous memory that is writable and executable at
 * once, as a JIT does, and runs it: a recorder cannot search such code
 * for instructions to rewrite, and says so. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	/* mov eax, 42; ret */
	static const unsigned char code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memcpy(m, code, sizeof code);
	int (*f)(void) = (int (*)(void))m;
	printf("jit code returned %d\n", f());
	return 0;
}
