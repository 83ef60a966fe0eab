/* Says whether this machine has a usable hardware performance counter:
 * tries to open a retired-instructions counter on itself with
 * perf_event_open. Used by bench/run.sh for the machine details.
 * Prints "yes", or "no (REASON)"; always exits 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.size = sizeof attr;
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_INSTRUCTIONS;
	attr.exclude_kernel = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd >= 0) {
		close((int)fd);
		printf("yes\n");
	} else if (errno == EACCES || errno == EPERM) {
		printf("unknown (perf_event_open: %s; see "
		       "/proc/sys/kernel/perf_event_paranoid)\n",
		       strerror(errno));
	} else {
		printf("no (perf_event_open: %s)\n", strerror(errno));
	}
	return 0;
}
