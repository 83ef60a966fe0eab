/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): the SSE4.2
 * crc32 instruction when the CPU has it (8 bytes a step), else a table. */
#include "trace.h"

#include <cpuid.h>
#include <pthread.h>
#include <string.h>

/* Computed once per process (pthread_once: a reader hashes in a thread). */
static uint32_t crc_table[256];
static int crc_kind; /* 1 table, 2 instruction */
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	unsigned a, b, c, d;
	crc_kind = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 20)) ? 2 : 1;
}

__attribute__((target("sse4.2"))) static uint32_t crc_insn(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
	}
	uint32_t c32 = (uint32_t)c;
	while (len--)
		c32 = __builtin_ia32_crc32qi(c32, *p++);
	return c32;
}

/* crc is the value returned by an earlier call (0 to start). */
uint32_t rrk_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	if (crc_kind == 2)
		return ~crc_insn(crc, p, len);
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
