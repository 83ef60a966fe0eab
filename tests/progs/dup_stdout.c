/* Output through descriptors that are stdout again: a dup, a dup2 and
 * /dev/stdout; play must show all of it (writes to the recorded stdout
 * are not buffered). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		_exit(1);
}

int main(void)
{
	say(1, "plain\n");
	int d = dup(1);
	say(d, "through dup\n");
	dup2(1, 7);
	say(7, "through dup2\n");
	close(d);
	int o = open("/dev/stdout", O_WRONLY);
	if (o >= 0)
		say(o, "through /dev/stdout\n");
	int null = open("/dev/null", O_WRONLY);
	say(null, "not shown\n");
	say(2, "on stderr\n");
	return 0;
}
