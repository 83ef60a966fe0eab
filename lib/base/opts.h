/* One option parser for the tools' mains (opts.c).
 *
 * Long options: "--name", "--name=V", and for RRK_OPT_REQ also
 * "--name V". Short ones: "-x", and for RRK_OPT_REQ also "-xV" and
 * "-x V". No abbreviations, no bundling ("-qh" is unknown). "--" ends the
 * options; a lone "-" is an operand. The caller prints its own messages:
 * the parser only says what it found. */
#ifndef RRK_OPTS_H
#define RRK_OPTS_H

#include <stdint.h>

enum {
	RRK_OPT_NONE, /* takes no value: "--name=V" is an unknown option */
	RRK_OPT_REQ,  /* takes a value, from "=V" or the next argument */
	RRK_OPT_OPT,  /* may take one, only as "--name=V" ("-xV") */
};

struct rrk_opt {
	const char *name; /* without "--"; NULL: short only */
	char shrt;        /* 0: long only */
	int arg;          /* RRK_OPT_NONE, _REQ or _OPT */
	int id;           /* returned when found; >= 0, or RRK_OPT_HELP/_VERSION */
};

/* Every tool's --help (-h) and --version: ids of their own, and the
 * entries that give them (end a table with RRK_OPT_STANDARD, { 0 }). */
#define RRK_OPT_HELP (-4)
#define RRK_OPT_VERSION (-5)
#define RRK_OPT_STANDARD { "help", 'h', RRK_OPT_NONE, RRK_OPT_HELP }, \
	{ "version", 0, RRK_OPT_NONE, RRK_OPT_VERSION }

/* What rrk_opt_next returns besides an option's id. */
#define RRK_OPT_END (-1)     /* no more options: see struct rrk_opts */
#define RRK_OPT_OPERAND (-2) /* *val is an operand */
#define RRK_OPT_UNKNOWN (-3) /* *val is an argument naming no option */

struct rrk_opts {
	int ind;      /* the next argument; 0 starts at 1 */
	int in_order; /* set by the caller: options end at the first operand,
		       * and RRK_OPT_END leaves ind there (rec PROG ARGS...) */
	int rest;     /* set once "--" was seen: the rest are operands; with
		       * in_order, "--" gives RRK_OPT_END with ind after it */
};

/* The next option of argv in table (ended by an entry with neither name
 * nor shrt). Returns its id with *val its value: NULL when it has none,
 * or when RRK_OPT_REQ found no next argument (the caller says what it
 * needs); or RRK_OPT_OPERAND, RRK_OPT_UNKNOWN or RRK_OPT_END. */
int rrk_opt_next(struct rrk_opts *st, int argc, char **argv, const struct rrk_opt *table,
		 const char **val);

/* An option's number, strictly: decimal digits only (no sign, space or
 * suffix), from min to max. 0, or -1 when v is anything else. */
int rrk_opt_number(const char *v, uint64_t min, uint64_t max, uint64_t *out);

#endif
