/* Registers for gdb: the target description play announces and the g
 * packet in its order. General registers from PTRACE_GETREGS, x87/SSE
 * from the FXSAVE area, the upper halves of the AVX registers from the
 * XSAVE area. */
#include "gdb.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "base/util.h"

static const char *const gpr_names[] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *const fpctl_names[] = {
	"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop",
};

static size_t add(char *xml, size_t k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t add(char *xml, size_t k, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(xml + k, GDB_TDESC_MAX - k, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= GDB_TDESC_MAX - k)
		rrk_die("internal error: target description too long");
	return k + (size_t)n;
}

#define REG(name, bits, type) \
	k = add(xml, k, "<reg name=\"%s\" bitsize=\"%d\" type=\"%s\" regnum=\"%d\"/>", name, bits, type, n++)

size_t gdb_target_description(char *xml)
{
	size_t k = 0;
	int n = 0;
	char name[16];
	k = add(xml, k, "<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		   "<target><architecture>i386:x86-64</architecture><osabi>GNU/Linux</osabi>"
		   "<feature name=\"org.gnu.gdb.i386.core\">");
	for (int i = 0; i < 16; i++)
		REG(gpr_names[i], 64, i == 6 || i == 7 ? "data_ptr" : "int64");
	REG("rip", 64, "code_ptr");
	REG("eflags", 32, "int32");
	static const char *const segs[] = { "cs", "ss", "ds", "es", "fs", "gs" };
	for (int i = 0; i < 6; i++)
		REG(segs[i], 32, "int32");
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "st%d", i);
		REG(name, 80, "i387_ext");
	}
	for (int i = 0; i < 8; i++)
		REG(fpctl_names[i], 32, "int");
	k = add(xml, k, "</feature><feature name=\"org.gnu.gdb.i386.sse\">"
		   "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>"
		   "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>"
		   "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>"
		   "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>"
		   "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>"
		   "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>"
		   "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/>"
		   "<field name=\"v2_double\" type=\"v2d\"/><field name=\"v16_int8\" type=\"v16i8\"/>"
		   "<field name=\"v8_int16\" type=\"v8i16\"/><field name=\"v4_int32\" type=\"v4i32\"/>"
		   "<field name=\"v2_int64\" type=\"v2i64\"/><field name=\"uint128\" type=\"uint128\"/></union>");
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof name, "xmm%d", i);
		REG(name, 128, "vec128");
	}
	REG("mxcsr", 32, "int");
	k = add(xml, k, "</feature><feature name=\"org.gnu.gdb.i386.linux\">");
	REG("orig_rax", 64, "int");
	k = add(xml, k, "</feature><feature name=\"org.gnu.gdb.i386.segments\">");
	REG("fs_base", 64, "int");
	REG("gs_base", 64, "int");
	k = add(xml, k, "</feature><feature name=\"org.gnu.gdb.i386.avx\">");
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof name, "ymm%dh", i);
		REG(name, 128, "uint128");
	}
	k = add(xml, k, "</feature></target>");
	if (n != GDB_NREGS)
		rrk_die("internal error: %d registers described", n);
	return k;
}

/* The full x87 tag word from FXSAVE's abridged one. */
static uint16_t full_tag(const uint8_t *fx)
{
	uint16_t fsw, tag = 0;
	memcpy(&fsw, fx + 2, 2);
	int top = (fsw >> 11) & 7;
	for (int phys = 0; phys < 8; phys++) {
		int t = 3; /* empty */
		if (fx[4] & (1u << phys)) {
			const uint8_t *v = fx + 32 + 16 * ((phys - top) & 7);
			uint64_t mant;
			uint16_t exp;
			memcpy(&mant, v, 8);
			memcpy(&exp, v + 8, 2);
			exp &= 0x7fff;
			if (exp == 0x7fff)
				t = 2;
			else if (exp == 0)
				t = mant ? 2 : 1;
			else
				t = (mant >> 63) ? 0 : 2;
		}
		tag |= (uint16_t)(t << (2 * phys));
	}
	return tag;
}

size_t gdb_read_regs(struct tracee *t, int at_syscall, uint8_t *out, size_t offs[GDB_NREGS + 1])
{
	struct rrk_regs r;
	uint8_t fx[512];
	uint8_t xs[16384];
	memset(&r, 0, sizeof r);
	memset(fx, 0, sizeof fx);
	memset(xs, 0, 1024);
	tracee_getregs(t, &r);
	ptrace(PTRACE_GETFPREGS, t->tid, 0, fx);
	struct iovec iov = { xs, sizeof xs };
	int have_xs = ptrace(PTRACE_GETREGSET, t->tid, (void *)NT_X86_XSTATE, &iov) == 0 &&
		      iov.iov_len >= 576 + 256;
	if (at_syscall) {
		r.rip -= 2;
		r.rax = r.orig_rax;
	}
	const uint64_t gpr[16] = { r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
				   r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };
	size_t k = 0;
	int n = 0;
#define PUT(src, size) do { offs[n++] = k; memcpy(out + k, src, size); k += size; } while (0)
	for (int i = 0; i < 16; i++)
		PUT(&gpr[i], 8);
	PUT(&r.rip, 8);
	uint32_t v32 = (uint32_t)r.eflags;
	PUT(&v32, 4);
	const uint64_t segs[6] = { r.cs, r.ss, r.ds, r.es, r.fs, r.gs };
	for (int i = 0; i < 6; i++) {
		v32 = (uint32_t)segs[i];
		PUT(&v32, 4);
	}
	for (int i = 0; i < 8; i++)
		PUT(fx + 32 + 16 * i, 10);
	uint16_t w;
	memcpy(&w, fx, 2);
	v32 = w;
	PUT(&v32, 4); /* fctrl */
	memcpy(&w, fx + 2, 2);
	v32 = w;
	PUT(&v32, 4); /* fstat */
	v32 = full_tag(fx);
	PUT(&v32, 4);
	PUT(fx + 12, 4); /* fiseg: the upper half of the 64-bit FPU ip */
	PUT(fx + 8, 4);
	PUT(fx + 20, 4);
	PUT(fx + 16, 4);
	memcpy(&w, fx + 6, 2);
	v32 = w;
	PUT(&v32, 4); /* fop */
	for (int i = 0; i < 16; i++)
		PUT(fx + 160 + 16 * i, 16);
	PUT(fx + 24, 4); /* mxcsr */
	PUT(&r.orig_rax, 8);
	PUT(&r.fs_base, 8);
	PUT(&r.gs_base, 8);
	uint64_t bv = 0;
	if (have_xs)
		memcpy(&bv, xs + 512, 8);
	for (int i = 0; i < 16; i++) {
		static const uint8_t zero[16];
		PUT((bv & 4) ? xs + 576 + 16 * i : zero, 16);
	}
#undef PUT
	offs[n] = k;
	return k;
}
