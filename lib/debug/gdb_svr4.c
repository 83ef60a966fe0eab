/* qXfer:libraries-svr4:read: the dynamic linker's list of loaded objects
 * (r_debug, found through the program's DT_DEBUG), as gdb's XML. */
#include "gdb.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int rd(struct ptask *t, uint64_t addr, void *buf, size_t n)
{
	return tracee_read(&t->t, addr, buf, n);
}

/* r_debug's address, or 0 while the dynamic linker has not set it. */
static uint64_t r_debug_addr(struct ptask *t)
{
	uint64_t phdr = 0, phnum = 0, pair[2];
	for (uint64_t a = t->proc->auxv; a < t->proc->auxv + t->proc->auxv_len; a += 16) {
		if (rd(t, a, pair, 16) < 0)
			return 0;
		if (pair[0] == AT_PHDR)
			phdr = pair[1];
		else if (pair[0] == AT_PHNUM)
			phnum = pair[1];
	}
	if (!phdr || phnum > 256)
		return 0;
	uint64_t bias = 0, dyn = 0;
	for (uint64_t i = 0; i < phnum; i++) {
		Elf64_Phdr ph;
		if (rd(t, phdr + i * sizeof ph, &ph, sizeof ph) < 0)
			return 0;
		if (ph.p_type == PT_PHDR)
			bias = phdr - ph.p_vaddr;
		else if (ph.p_type == PT_DYNAMIC)
			dyn = ph.p_vaddr;
	}
	if (!dyn)
		return 0;
	for (uint64_t a = dyn + bias;; a += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;
		if (rd(t, a, &d, sizeof d) < 0 || d.d_tag == DT_NULL)
			return 0;
		if (d.d_tag == DT_DEBUG)
			return d.d_un.d_ptr;
	}
}

size_t gdb_xml_attr(char *out, size_t max, size_t k, const char *s)
{
	for (; *s && k + 8 < max; s++) {
		const char *e = *s == '<' ? "&lt;" : *s == '>' ? "&gt;" : *s == '&' ? "&amp;" :
			       *s == '"' ? "&quot;" : NULL;
		if (e) {
			memcpy(out + k, e, strlen(e));
			k += strlen(e);
		} else {
			out[k++] = *s;
		}
	}
	return k;
}

/* Appends with snprintf, never past max. */
static size_t add(char *out, size_t max, size_t k, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static size_t add(char *out, size_t max, size_t k, const char *fmt, ...)
{
	if (k >= max)
		return k;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out + k, max - k, fmt, ap);
	va_end(ap);
	if (n < 0)
		return k;
	return (size_t)n < max - k ? k + (size_t)n : max - 1;
}

size_t gdb_svr4_list(struct gdb_session *s, struct ptask *t, char *out, size_t max)
{
	(void)s;
	if (!t || !t->proc || !t->proc->auxv)
		return 0;
	uint64_t r = r_debug_addr(t), map = 0;
	size_t k = 0;
	if (!r || rd(t, r + 8, &map, 8) < 0 || !map)
		return add(out, max, 0, "<library-list-svr4 version=\"1.0\"/>");
	k = add(out, max, k, "<library-list-svr4 version=\"1.0\" main-lm=\"0x%llx\">",
		(unsigned long long)map);
	uint64_t lm, first = map;
	int n = 0;
	/* room for one more entry: a name can escape to 6 bytes a byte */
	for (lm = map; lm && n < 4096 && k + 6 * 512 + 256 < max; n++) {
		uint64_t f[5]; /* l_addr, l_name, l_ld, l_next, l_prev */
		if (rd(t, lm, f, sizeof f) < 0)
			break;
		char name[512] = "";
		if (f[1])
			tracee_read_str(&t->t, f[1], name, sizeof name);
		if (lm != first && name[0]) {
			k = add(out, max, k, "<library name=\"");
			k = gdb_xml_attr(out, max, k, name);
			k = add(out, max, k,
				"\" lm=\"0x%llx\" l_addr=\"0x%llx\" l_ld=\"0x%llx\" lmid=\"0x0\"/>",
				(unsigned long long)lm, (unsigned long long)f[0], (unsigned long long)f[2]);
		}
		lm = f[3];
	}
	return add(out, max, k, "</library-list-svr4>");
}
