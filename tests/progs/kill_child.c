/* A parent and a child talk over a socketpair and a pipe; the parent
 * kills the child with SIGUSR1 (handled) and then SIGTERM, waits for it
 * with waitid, and prints what happened. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;
static void on_usr1(int s) { (void)s; got = 1; }

int main(void)
{
	int sv[2], p[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pipe(p);
	pid_t c = fork();
	if (c == 0) {
		signal(SIGUSR1, on_usr1);
		char buf[32];
		ssize_t n = read(sv[1], buf, sizeof buf);
		write(p[1], buf, (size_t)n); /* echo it back through the pipe */
		while (!got)
			pause();
		write(sv[1], "usr1", 4);
		for (;;)
			pause();
	}
	write(sv[0], "hello", 5);
	char buf[32] = "";
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	printf("pipe said %.*s\n", (int)n, buf);
	kill(c, SIGUSR1);
	n = read(sv[0], buf, sizeof buf - 1);
	printf("socket said %.*s\n", (int)n, buf);
	kill(c, SIGTERM);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	waitid(P_PID, (id_t)c, &si, WEXITED);
	printf("child killed by %s\n", si.si_status == SIGTERM ? "SIGTERM" : "something else");
	return 0;
}
