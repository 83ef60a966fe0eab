/* poll and recvmsg through the syscall buffer: a child sends messages
 * (one with a file descriptor) over a socketpair with pauses; the parent
 * polls, then receives them into two buffers (tests/syscallbuf.bats). */
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	int sv[2], p[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 || pipe(p) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		struct timespec ts = { 0, 3000000 };
		for (int i = 0; i < 5; i++) {
			nanosleep(&ts, NULL);
			char line[32];
			int n = snprintf(line, sizeof line, "message %d", i);
			struct iovec v = { line, (size_t)n };
			union {
				char buf[CMSG_SPACE(sizeof(int))];
				struct cmsghdr align;
			} u;
			struct msghdr m;
			memset(&m, 0, sizeof m);
			m.msg_iov = &v;
			m.msg_iovlen = 1;
			if (i == 2) { /* pass the pipe's read end along */
				m.msg_control = u.buf;
				m.msg_controllen = sizeof u.buf;
				struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
				cm->cmsg_level = SOL_SOCKET;
				cm->cmsg_type = SCM_RIGHTS;
				cm->cmsg_len = CMSG_LEN(sizeof(int));
				memcpy(CMSG_DATA(cm), &p[0], sizeof(int));
			}
			if (sendmsg(sv[1], &m, 0) != n)
				_exit(1);
		}
		if (write(p[1], "through the passed fd", 21) != 21)
			_exit(1);
		_exit(0);
	}
	int got_fd = -1;
	for (int i = 0; i < 5; i++) {
		struct pollfd pf = { sv[0], POLLIN, 0 };
		int r = poll(&pf, 1, 2000);
		char a[4], b[32];
		memset(a, 0, sizeof a);
		memset(b, 0, sizeof b);
		struct iovec v[2] = { { a, sizeof a }, { b, sizeof b - 1 } };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct msghdr m;
		memset(&m, 0, sizeof m);
		m.msg_iov = v;
		m.msg_iovlen = 2;
		m.msg_control = u.buf;
		m.msg_controllen = sizeof u.buf;
		ssize_t n = recvmsg(sv[0], &m, 0);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
		if (cm && cm->cmsg_type == SCM_RIGHTS)
			memcpy(&got_fd, CMSG_DATA(cm), sizeof got_fd);
		printf("poll %d revents %#x; recvmsg %zd: \"%.4s\" + \"%s\"%s\n", r, pf.revents, n, a, b,
		       cm ? " with an fd" : "");
	}
	int st;
	waitpid(c, &st, 0);
	char buf[64] = "";
	if (got_fd >= 0 && read(got_fd, buf, sizeof buf - 1) > 0)
		printf("%s\n", buf);
	return 0;
}
