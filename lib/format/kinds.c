/* The names of the trace's event kinds and patch-site kinds, each list
 * written once (the event kinds in wire.h's RRK_EVENT_KINDS). */
#include "trace.h"

#include <stdio.h>

#include "base/opts.h"
#include "base/util.h"

#include <stddef.h>

#define RRK_EV_NAME_(name, num, text) [num] = text,
static const char *const event_names[RRK_EV_NKINDS] = { RRK_EVENT_KINDS(RRK_EV_NAME_) };
#undef RRK_EV_NAME_

#define RRK_EV_FITS_(name, num, text) \
	_Static_assert(num > 0 && num < RRK_EV_NKINDS, "RRK_EV_NKINDS is one more than the highest kind");
RRK_EVENT_KINDS(RRK_EV_FITS_)
#undef RRK_EV_FITS_

const char *rrk_event_kind_name(unsigned kind)
{
	if (kind == RRK_EV_KEYFRAME)
		return "keyframe";
	return kind < RRK_EV_NKINDS ? event_names[kind] : NULL;
}

const char *rrk_site_kind_name(unsigned kind)
{
	static const char *const names[] = {
		[RRK_PATCH_RDTSC] = "rdtsc",
		[RRK_PATCH_RDTSCP] = "rdtscp",
		[RRK_PATCH_CPUID] = "cpuid",
	};
	return kind < sizeof names / sizeof names[0] ? names[kind] : NULL;
}

int rrk_print_version(void)
{
	printf("%s (rrkit) %s, trace format %d\n", rrk_prog, RRK_VERSION, RRK_FORMAT_VERSION);
	return 0;
}

int rrk_help_or_version(int id, const char *usage)
{
	if (id == RRK_OPT_VERSION)
		return rrk_print_version();
	fputs(usage, stdout);
	return 0;
}
