#include "maps.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/util.h"

long rrk_read_maps(pid_t pid, struct mapping **out)
{
	char path[64], line[1024];
	snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = 0, cap = 64;
	struct mapping *m = rrk_xmalloc(cap * sizeof *m);
	while (fgets(line, sizeof line, f)) {
		unsigned long long s, e, off, ino;
		char perms[8];
		unsigned dmaj, dmin;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &s, &e, perms,
			   &off, &dmaj, &dmin, &ino, &pos) < 7)
			continue;
		if (n == cap)
			m = rrk_xrealloc(m, (cap *= 2) * sizeof *m);
		struct mapping *x = &m[n++];
		memset(x, 0, sizeof *x);
		x->start = s;
		x->end = e;
		x->offset = off;
		x->inode = ino;
		x->prot = (perms[0] == 'r' ? PROT_READ : 0) |
			  (perms[1] == 'w' ? PROT_WRITE : 0) |
			  (perms[2] == 'x' ? PROT_EXEC : 0);
		x->shared = perms[3] == 's';
		char *name = line + pos;
		name[strcspn(name, "\n")] = 0;
		snprintf(x->name, sizeof x->name, "%s", name);
	}
	fclose(f);
	*out = m;
	return (long)n;
}
