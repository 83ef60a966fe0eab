/* Memory shared between processes: a POSIX shared memory file that parent
 * and child each map by name, and a memfd the child inherits mapped. Both
 * add to counters in them under a process-shared mutex, the child leaves
 * a message there, and the parent prints what it reads. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

struct shared {
	pthread_mutex_t lock;
	long counter;
	char message[64];
};

static void add(struct shared *s, long *other, int n)
{
	for (int i = 0; i < n; i++) {
		pthread_mutex_lock(&s->lock);
		s->counter++;
		(*other)++;
		pthread_mutex_unlock(&s->lock);
	}
}

static struct shared *map_name(const char *name, int create)
{
	int fd = shm_open(name, O_RDWR | (create ? O_CREAT | O_EXCL : 0), 0600);
	if (fd < 0 || (create && ftruncate(fd, sizeof(struct shared)) < 0))
		return NULL;
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

int main(void)
{
	char name[64];
	snprintf(name, sizeof name, "/rrkit-shm-procs-%d", (int)getpid());
	struct shared *s = map_name(name, 1);
	int mfd = memfd_create("counter", 0);
	long *inherited = mfd >= 0 && ftruncate(mfd, 4096) == 0
				  ? mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0)
				  : MAP_FAILED;
	if (!s || inherited == MAP_FAILED) {
		perror("shared memory");
		return 1;
	}
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(&s->lock, &a);
	pid_t c = fork();
	if (c == 0) {
		struct shared *mine = map_name(name, 0); /* a mapping of its own */
		if (!mine)
			_exit(2);
		add(mine, inherited, 20000);
		pthread_mutex_lock(&mine->lock);
		strcpy(mine->message, "written by the child");
		pthread_mutex_unlock(&mine->lock);
		_exit(0);
	}
	add(s, inherited, 20000);
	int st;
	waitpid(c, &st, 0);
	shm_unlink(name);
	printf("child status %d\n", WEXITSTATUS(st));
	printf("counter %ld, memfd counter %ld\n", s->counter, *inherited);
	printf("message: %s\n", s->message);
	return 0;
}
