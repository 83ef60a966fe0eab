/* A fork child's first traced system call is the one it makes: glibc's
 * fork registers the child's robust futex list, and the child reads it
 * back (a recorder that set the child up in place of that call made it
 * fail with ENOSYS). The child then calls uname. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	pid_t c;
	int st;

	printf("parent starts\n");
	fflush(stdout);
	c = fork();
	if (c == 0) {
		void *head = NULL;
		size_t len = 0;
		struct utsname u;
		long rc = syscall(SYS_get_robust_list, 0, &head, &len);
		printf("child: robust list %s (%ld)\n", rc == 0 && head ? "set" : "missing", rc);
		printf("child: uname %s\n", uname(&u) == 0 ? "works" : "fails");
		return 3;
	}
	waitpid(c, &st, 0);
	printf("parent: child status %d\n", WEXITSTATUS(st));
	return 0;
}
