/* tamper: copies a trace from stdin to stdout, changing one event, so tests
 * can show that play notices when a replay stops matching its recording.
 *   tamper --result N VALUE   syscall event N returns VALUE instead
 *   tamper --rbx N            event N's recorded rbx is flipped
 * Every checksum and the digest are recomputed: only the content lies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"
#include "util.h"

int main(int argc, char **argv)
{
	rrk_prog = "tamper";
	if (argc < 3)
		rrk_die("usage: tamper --result N VALUE | --rbx N");
	int set_result = !strcmp(argv[1], "--result");
	uint64_t target = strtoull(argv[2], NULL, 10);
	int64_t value = set_result && argc > 3 ? strtoll(argv[3], NULL, 0) : 0;
	struct rrk_reader *r = rrk_reader_open(0, "stdin");
	struct rrk_writer *w = rrk_writer_open(1, "stdout", 3);
	if (!r || !w)
		rrk_die("out of memory");
	struct rrk_record rec;
	int st, changed = 0;
	while ((st = rrk_read_record(r, &rec)) == RRK_OK) {
		if (rec.type == RRK_REC_END) {
			struct rrk_end end;
			memcpy(&end, rec.data, sizeof end);
			char reason[256] = "";
			size_t n = rec.size - sizeof end < 255 ? rec.size - sizeof end : 255;
			memcpy(reason, rec.data + sizeof end, n);
			reason[n] = 0;
			if (rrk_writer_close(w, &end, n ? reason : NULL) < 0)
				rrk_die("%s", rrk_writer_error(w));
			if (!changed)
				rrk_die("event %llu not found or not a syscall", (unsigned long long)target);
			return 0;
		}
		uint8_t *copy = rrk_xmalloc(rec.size + 1);
		memcpy(copy, rec.data, rec.size);
		if (rec.type == RRK_REC_EVENT) {
			struct rrk_event ev;
			memcpy(&ev, copy, sizeof ev);
			if (ev.number == target) {
				if (set_result && ev.kind == RRK_EV_SYSCALL) {
					struct rrk_ev_syscall b;
					memcpy(&b, copy + sizeof ev, sizeof b);
					b.result = value;
					memcpy(copy + sizeof ev, &b, sizeof b);
					changed = 1;
				} else if (!set_result) {
					ev.regs.rbx ^= 0x1000;
					memcpy(copy, &ev, sizeof ev);
					changed = 1;
				}
			}
		}
		if (rrk_write_record(w, rec.type, rec.flags, copy, rec.size, NULL, 0) < 0)
			rrk_die("%s", rrk_writer_error(w));
		free(copy);
	}
	rrk_die("%s", rrk_reader_error(r));
}
