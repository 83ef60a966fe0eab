/* The tools' option parser (opts.h). */
#include "opts.h"

#include <string.h>

/* The entry a names ("--name[=V]" or "-x[V]"), and in *v what follows
 * "=" or the letter (NULL: nothing). */
static const struct rrk_opt *lookup(const struct rrk_opt *t, const char *a, const char **v)
{
	if (a[1] == '-') {
		size_t n = strcspn(a + 2, "=");
		*v = a[2 + n] ? a + 3 + n : NULL;
		for (; t->name || t->shrt; t++)
			if (t->name && !strncmp(t->name, a + 2, n) && !t->name[n])
				return t;
		return NULL;
	}
	*v = a[2] ? a + 2 : NULL;
	for (; t->name || t->shrt; t++)
		if (t->shrt == a[1])
			return t;
	return NULL;
}

int rrk_opt_next(struct rrk_opts *st, int argc, char **argv, const struct rrk_opt *table,
		 const char **val)
{
	*val = NULL;
	if (st->ind < 1)
		st->ind = 1;
	if (st->ind >= argc)
		return RRK_OPT_END;
	const char *a = argv[st->ind];
	if (!st->rest && !strcmp(a, "--")) {
		st->rest = 1;
		st->ind++;
		if (st->in_order || st->ind >= argc)
			return RRK_OPT_END;
		a = argv[st->ind];
	}
	if (st->rest || a[0] != '-' || !a[1]) {
		if (st->in_order)
			return RRK_OPT_END;
		st->ind++;
		*val = a;
		return RRK_OPT_OPERAND;
	}
	st->ind++;
	const char *v;
	const struct rrk_opt *o = lookup(table, a, &v);
	if (!o || (v && o->arg == RRK_OPT_NONE)) {
		*val = a;
		return RRK_OPT_UNKNOWN;
	}
	if (!v && o->arg == RRK_OPT_REQ && st->ind < argc)
		v = argv[st->ind++];
	*val = v;
	return o->id;
}

int rrk_opt_number(const char *v, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	if (!v || !*v)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9' || n > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}
