/* Prints argc/argv, the environment's size, $RRKIT_TEST_VAR and the cwd. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
	char cwd[PATH_MAX];
	const char *v = getenv("RRKIT_TEST_VAR");
	int i, n = 0;

	printf("argc %d\n", argc);
	for (i = 0; i < argc; i++)
		printf("argv[%d] %s\n", i, argv[i]);
	for (i = 0; environ[i]; i++)
		n++;
	printf("environ count %d\n", n);
	printf("RRKIT_TEST_VAR %s\n", v ? v : "(unset)");
	printf("cwd %s\n", getcwd(cwd, sizeof cwd) ? cwd : "(error)");
	return 0;
}
