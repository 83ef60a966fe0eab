/* CPU-bound benchmark workload: generates a deterministic 50 MB buffer with
 * some redundancy and compresses it in memory with a small LZ77 compressor
 * (hash chains searched up to CHAIN_DEPTH candidates deep, LZ4-like token
 * format).
 * It then decompresses the result and checks that it round-trips.
 * Makes almost no system calls after start-up: a recorder's cost here is
 * its cost on plain user code.
 *
 * Usage: cpu_compress [MEGABYTES]   (default 50)
 * Prints: input size, compressed size, and a checksum of the output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BITS 16
#define MIN_MATCH 4
#define MAX_OFFSET 65535
#define WINDOW (1u << 16)
#define CHAIN_DEPTH 32

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Text-like data: words from a small vocabulary, occasionally a copy of an
 * earlier stretch, occasionally random bytes. */
static void generate(uint8_t *buf, size_t n)
{
	static const char *const words[] = {
		"record", "replay", "trace", "event", "syscall", "signal",
		"thread", "keyframe", "the", "a", "of", "and", "to", "in",
		"memory", "register", "breakpoint", "frame", "checksum",
		"compressed", "stream", "process", "fork", "exec", "clone",
		"mmap", "read", "write", "open", "close", "futex", "time",
	};
	const size_t nwords = sizeof words / sizeof words[0];
	size_t i = 0;
	while (i < n) {
		uint64_t r = rng();
		unsigned kind = (unsigned)(r % 100);
		if (kind < 80) {
			const char *w = words[(r >> 8) % nwords];
			size_t len = strlen(w);
			for (size_t k = 0; k < len && i < n; k++)
				buf[i++] = (uint8_t)w[k];
			if (i < n)
				buf[i++] = ((r >> 20) % 13 == 0) ? '\n' : ' ';
		} else if (kind < 95 && i > 4096) {
			size_t off = 64 + (size_t)((r >> 8) % 4000);
			size_t len = 8 + (size_t)((r >> 24) % 120);
			for (size_t k = 0; k < len && i < n; k++, i++)
				buf[i] = buf[i - off];
		} else {
			size_t len = 1 + (size_t)((r >> 8) % 16);
			for (size_t k = 0; k < len && i < n; k++)
				buf[i++] = (uint8_t)(rng() & 0xff);
		}
	}
}

static uint32_t read32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static uint32_t hash32(uint32_t v)
{
	return (v * 2654435761u) >> (32 - HASH_BITS);
}

static uint8_t *put_len(uint8_t *op, size_t len)
{
	while (len >= 255) {
		*op++ = 255;
		len -= 255;
	}
	*op++ = (uint8_t)len;
	return op;
}

/* Sequences: token (literal length << 4 | match length - MIN_MATCH, 15 means
 * more bytes follow), literal bytes, 2-byte offset. The last sequence has
 * literals only. Returns the compressed size. */
static size_t compress(const uint8_t *in, size_t n, uint8_t *out)
{
	/* head: the last position + 1 with each hash (0: none); chain: the
	 * previous position + 1 with the same hash, indexed modulo WINDOW. */
	static uint32_t head[1u << HASH_BITS];
	static uint32_t chain[WINDOW];
	memset(head, 0, sizeof head);
	memset(chain, 0, sizeof chain);
	const uint8_t *ip = in, *anchor = in, *end = in + n;
	const uint8_t *limit = n >= MIN_MATCH + 8 ? end - MIN_MATCH - 8 : in;
	uint8_t *op = out;

	while (ip < limit) {
		uint32_t pos = (uint32_t)(ip - in);
		uint32_t h = hash32(read32(ip));
		uint32_t cand = head[h];
		size_t best = 0, best_off = 0;
		for (int depth = 0; cand != 0 && depth < CHAIN_DEPTH; depth++) {
			uint32_t cpos = cand - 1;
			if (pos - cpos > MAX_OFFSET)
				break;
			const uint8_t *ref = in + cpos;
			if (ip + best < end && ref[best] == ip[best] &&
			    read32(ref) == read32(ip)) {
				size_t len = MIN_MATCH;
				while (ip + len < end && ip[len] == ref[len])
					len++;
				if (len > best) {
					best = len;
					best_off = pos - cpos;
				}
			}
			cand = chain[cpos % WINDOW];
		}
		chain[pos % WINDOW] = head[h];
		head[h] = pos + 1;
		if (best < MIN_MATCH) {
			ip++;
			continue;
		}
		size_t lit = (size_t)(ip - anchor);
		size_t ml = best - MIN_MATCH;
		uint8_t *token = op++;
		*token = (uint8_t)(((lit < 15 ? lit : 15) << 4) | (ml < 15 ? ml : 15));
		if (lit >= 15)
			op = put_len(op, lit - 15);
		memcpy(op, anchor, lit);
		op += lit;
		uint16_t off = (uint16_t)best_off;
		memcpy(op, &off, 2);
		op += 2;
		if (ml >= 15)
			op = put_len(op, ml - 15);
		/* Insert the matched positions into the chains too (cheaply:
		 * only every 4th, as fast LZ compressors do). */
		for (const uint8_t *q = ip + 1; q < ip + best && q < limit; q += 4) {
			uint32_t qp = (uint32_t)(q - in);
			uint32_t qh = hash32(read32(q));
			chain[qp % WINDOW] = head[qh];
			head[qh] = qp + 1;
		}
		ip += best;
		anchor = ip;
	}
	size_t lit = (size_t)(end - anchor);
	*op++ = (uint8_t)((lit < 15 ? lit : 15) << 4);
	if (lit >= 15)
		op = put_len(op, lit - 15);
	memcpy(op, anchor, lit);
	op += lit;
	return (size_t)(op - out);
}

static size_t get_len(const uint8_t **pp, size_t base)
{
	size_t len = base;
	if (base == 15) {
		uint8_t b;
		do {
			b = *(*pp)++;
			len += b;
		} while (b == 255);
	}
	return len;
}

static size_t decompress(const uint8_t *in, size_t n, uint8_t *out)
{
	const uint8_t *ip = in, *end = in + n;
	uint8_t *op = out;
	while (ip < end) {
		uint8_t token = *ip++;
		size_t lit = get_len(&ip, token >> 4);
		memcpy(op, ip, lit);
		op += lit;
		ip += lit;
		if (ip >= end)
			break;
		uint16_t off;
		memcpy(&off, ip, 2);
		ip += 2;
		size_t mlen = get_len(&ip, token & 15) + MIN_MATCH;
		const uint8_t *ref = op - off;
		for (size_t k = 0; k < mlen; k++)
			op[k] = ref[k];
		op += mlen;
	}
	return (size_t)(op - out);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int main(int argc, char **argv)
{
	size_t mb = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 50;
	size_t n = mb << 20;
	uint8_t *in = malloc(n);
	uint8_t *out = malloc(n + n / 255 + 64);
	uint8_t *back = malloc(n + 64);
	if (!in || !out || !back) {
		fprintf(stderr, "cpu_compress: out of memory\n");
		return 1;
	}
	generate(in, n);
	size_t clen = compress(in, n, out);
	size_t dlen = decompress(out, clen, back);
	if (dlen != n || memcmp(in, back, n) != 0) {
		fprintf(stderr, "cpu_compress: round trip failed\n");
		return 1;
	}
	printf("cpu_compress: %zu -> %zu bytes, checksum %016llx\n", n, clen,
	       (unsigned long long)fnv1a(out, clen));
	free(in);
	free(out);
	free(back);
	return 0;
}
