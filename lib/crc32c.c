/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one table. */
#include "trace.h"

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

/* crc is the value returned by an earlier call (0 to start). */
uint32_t rrk_crc32c(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}
