/* gdb remote serial protocol framing: $data#ck, acknowledgements until
 * QStartNoAckMode, binary escapes, ^C. */
#include "gdb.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"

static int getbyte(struct gdb_conn *c)
{
	if (c->pos == c->len) {
		ssize_t n;
		do
			n = read(c->in, c->buf, sizeof c->buf);
		while (n < 0 && errno == EINTR);
		if (n <= 0)
			return -1;
		c->pos = 0;
		c->len = (size_t)n;
	}
	return c->buf[c->pos++];
}

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void send_raw(struct gdb_conn *c, const void *p, size_t n)
{
	if (rrk_write_all(c->out, p, n) < 0)
		rrk_die("the debugger connection closed");
}

long gdb_getpkt(struct gdb_conn *c, char *pkt, size_t max)
{
	for (;;) {
		int ch;
		do {
			ch = getbyte(c);
			if (ch < 0)
				return -1;
			if (ch == 3)
				c->interrupted = 1;
		} while (ch != '$');
		size_t n = 0;
		uint8_t sum = 0;
		int bad = 0;
		for (;;) {
			ch = getbyte(c);
			if (ch < 0)
				return -1;
			if (ch == '#')
				break;
			sum += (uint8_t)ch;
			if (ch == '}') {
				int e = getbyte(c);
				if (e < 0)
					return -1;
				sum += (uint8_t)e;
				ch = e ^ 0x20;
			}
			if (n + 1 < max)
				pkt[n++] = (char)ch;
			else
				bad = 1;
		}
		int h = getbyte(c), l = getbyte(c);
		if (h < 0 || l < 0)
			return -1;
		pkt[n] = 0;
		if (!c->noack) {
			int ok = !bad && hexval(h) >= 0 && hexval(l) >= 0 &&
				 (uint8_t)(hexval(h) * 16 + hexval(l)) == sum;
			send_raw(c, ok ? "+" : "-", 1);
			if (!ok)
				continue;
		}
		return (long)n;
	}
}

void gdb_putpkt(struct gdb_conn *c, const char *data, size_t len)
{
	char *out = c->frame;
	uint8_t sum = 0;
	if (len > 2 * GDB_PKT_MAX)
		len = 2 * GDB_PKT_MAX;
	out[0] = '$';
	for (size_t i = 0; i < len; i++)
		sum += (uint8_t)data[i];
	memcpy(out + 1, data, len);
	snprintf(out + 1 + len, 4, "#%02x", sum);
	for (;;) {
		send_raw(c, out, len + 4);
		if (c->noack)
			return;
		int ch;
		do {
			ch = getbyte(c);
			if (ch < 0)
				rrk_die("the debugger connection closed");
			if (ch == 3)
				c->interrupted = 1;
		} while (ch != '+' && ch != '-');
		if (ch == '+')
			return;
	}
}

void gdb_puts(struct gdb_conn *c, const char *s) { gdb_putpkt(c, s, strlen(s)); }

int gdb_poll_interrupt(struct gdb_conn *c)
{
	while (!c->interrupted) {
		if (c->pos == c->len) {
			struct pollfd p = { c->in, POLLIN, 0 };
			if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP)))
				break;
		}
		int ch = getbyte(c);
		if (ch < 0)
			break;
		if (ch == 3)
			c->interrupted = 1;
	}
	int r = c->interrupted;
	c->interrupted = 0;
	return r;
}

size_t gdb_escape(const uint8_t *in, size_t len, char *out)
{
	size_t k = 0;
	for (size_t i = 0; i < len; i++) {
		uint8_t b = in[i];
		if (b == '#' || b == '$' || b == '}' || b == '*') {
			out[k++] = '}';
			out[k++] = (char)(b ^ 0x20);
		} else {
			out[k++] = (char)b;
		}
	}
	return k;
}

void gdb_hex(const void *data, size_t len, char *out)
{
	static const char d[] = "0123456789abcdef";
	const uint8_t *p = data;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * len] = 0;
}

int gdb_unhex(const char *s, void *out, size_t len)
{
	uint8_t *p = out;
	for (size_t i = 0; i < len; i++) {
		int h = hexval(s[2 * i]), l = h < 0 ? -1 : hexval(s[2 * i + 1]);
		if (h < 0 || l < 0)
			return -1;
		p[i] = (uint8_t)(h * 16 + l);
	}
	return 0;
}
