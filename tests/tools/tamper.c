/* tamper: copies a trace from stdin to stdout, changing one event, so tests
 * can show that play notices when a replay stops matching its recording.
 *   tamper --result N VALUE   syscall event N returns VALUE instead
 *   tamper --rbx N            event N's recorded rbx is flipped
 *   tamper --patch-addr N     event N's first rewritten instruction moves
 *                             one byte on
 *   tamper --cpuid-bit LEAF SUB REG BIT   the header's cpuid answer for
 *                             LEAF.SUB offers one more feature (REG 0-3:
 *                             eax, ebx, ecx, edx)
 * Every checksum and the digest are recomputed: only the content lies. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/trace.h"
#include "base/util.h"

int main(int argc, char **argv)
{
	rrk_prog = "tamper";
	if (argc < 3)
		rrk_die("usage: tamper --result N VALUE | --rbx N | --patch-addr N | --cpuid-bit LEAF SUB REG BIT");
	int set_result = !strcmp(argv[1], "--result");
	int patch_addr = !strcmp(argv[1], "--patch-addr");
	int cpuid_bit = !strcmp(argv[1], "--cpuid-bit") && argc > 5;
	uint32_t leaf = (uint32_t)strtoul(argv[2], NULL, 0), sub = cpuid_bit ? (uint32_t)strtoul(argv[3], NULL, 0) : 0;
	unsigned reg = cpuid_bit ? (unsigned)atoi(argv[4]) & 3 : 0, bit = cpuid_bit ? (unsigned)atoi(argv[5]) & 31 : 0;
	int patch_next = 0;
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
				rrk_die("nothing to change: no such event, syscall, rewritten instruction or cpuid leaf");
			return 0;
		}
		uint8_t *copy = rrk_xmalloc(rec.size + 1);
		memcpy(copy, rec.data, rec.size);
		if (cpuid_bit && rec.type == RRK_REC_HEADER) {
			for (size_t off = 0; off + 8 <= rec.size;) {
				uint16_t tag;
				uint32_t len;
				memcpy(&tag, copy + off, 2);
				memcpy(&len, copy + off + 4, 4);
				off += 8;
				for (size_t i = 0; tag == RRK_H_CPUID && i + sizeof(struct rrk_cpuid_leaf) <= len;
				     i += sizeof(struct rrk_cpuid_leaf)) {
					struct rrk_cpuid_leaf l;
					memcpy(&l, copy + off + i, sizeof l);
					if (l.leaf != leaf || l.subleaf != sub)
						continue;
					uint32_t *r = reg == 0 ? &l.eax : reg == 1 ? &l.ebx : reg == 2 ? &l.ecx : &l.edx;
					*r |= 1u << bit;
					memcpy(copy + off + i, &l, sizeof l);
					changed = 1;
				}
				off += len;
			}
		}
		if (patch_next && rec.type == RRK_REC_PATCH) {
			struct rrk_patch_site site;
			memcpy(&site, copy, sizeof site);
			site.addr++;
			memcpy(copy, &site, sizeof site);
			changed = 1;
			patch_next = 0;
		}
		if (rec.type == RRK_REC_EVENT) {
			struct rrk_event ev;
			memcpy(&ev, copy, sizeof ev);
			patch_next = patch_addr && ev.number == target;
			if (ev.number == target && !patch_addr && !cpuid_bit) {
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
