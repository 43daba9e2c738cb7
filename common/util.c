/* util.c - messages, growable buffers, bounds-checked cursors, clocks. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *msg_prog = "heisen";

void msg_set_prog(const char *name)
{
	msg_prog = name;
}

size_t str_printable(const unsigned char *p)
{
	unsigned c = p[0];
	if (c < 0x80)
		return c >= 0x20 && c != 0x7f;
	unsigned lo = 0x80, hi = 0xbf;
	size_t len;
	if (c == 0xc2) { /* U+0080-U+009F are the C1 controls */
		len = 2;
		lo = 0xa0;
	} else if (c > 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf; /* no surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

char *str_escape(const char *s, char *out, size_t n)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && n) {
		char e[8];
		size_t k = str_printable(p), elen = k;
		const char *src = (const char *)p;
		if (*p == '\\' || !k) {
			static const char *const named = "\n\t\r\\";
			const char *nm = strchr(named, *p);
			elen = (size_t)(nm ? snprintf(e, sizeof e, "\\%c", "ntr\\"[nm - named])
					   : snprintf(e, sizeof e, "\\x%02x", *p));
			src = e;
			k = 1;
		}
		if (o + elen >= n)
			break;
		memcpy(out + o, src, elen);
		o += elen;
		p += k;
	}
	if (n)
		out[o] = 0;
	return out;
}

void msg(const char *fmt, ...)
{
	char line[4096], esc[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	/* Messages carry names from the command line and the trace: a
	 * terminal sees no control byte of theirs. */
	int n = snprintf(esc, sizeof esc, "%s: ", msg_prog);
	str_escape(line, esc + n, sizeof esc - (size_t)n - 1);
	size_t len = strlen(esc);
	esc[len++] = '\n';
	(void)write_all(2, esc, len);
}

int buf_reserve(struct buf *b, size_t n)
{
	if (b->err)
		return b->err;
	if (b->len + n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n)
		cap *= 2;
	uint8_t *p = realloc(b->p, cap);
	if (!p)
		return b->err = -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int buf_put(struct buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);
	if (r)
		return r;
	if (n)
		memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_u8(struct buf *b, uint8_t v) { return buf_put(b, &v, 1); }
int buf_u16(struct buf *b, uint16_t v) { return buf_put(b, &v, 2); }
int buf_u32(struct buf *b, uint32_t v) { return buf_put(b, &v, 4); }
int buf_u64(struct buf *b, uint64_t v) { return buf_put(b, &v, 8); }

int buf_str(struct buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	int r = buf_u32(b, (uint32_t)n + 1);
	if (!r && n)
		r = buf_put(b, s, n);
	return r ? r : buf_u8(b, 0);
}

int buf_varint(struct buf *b, uint64_t v)
{
	uint8_t out[10];
	size_t n = 0;
	do {
		out[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			out[n] |= 0x80;
		n++;
	} while (v);
	return buf_put(b, out, n);
}

int buf_zigzag(struct buf *b, int64_t v)
{
	return buf_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

const uint8_t *cur_bytes(struct cursor *c, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		return NULL;
	}
	const uint8_t *p = c->p;
	c->p += n;
	return p;
}

#define CUR_GET(T, name)                                  \
	T name(struct cursor *c)                          \
	{                                                 \
		T v = 0;                                  \
		const uint8_t *p = cur_bytes(c, sizeof v); \
		if (p)                                    \
			memcpy(&v, p, sizeof v);          \
		return v;                                 \
	}
CUR_GET(uint8_t, cur_u8)
CUR_GET(uint16_t, cur_u16)
CUR_GET(uint32_t, cur_u32)
CUR_GET(uint64_t, cur_u64)

uint64_t cur_varint(struct cursor *c)
{
	uint64_t v = 0;
	for (int i = 0; i < 10; i++) {
		const uint8_t *p = cur_bytes(c, 1);
		if (!p)
			return 0;
		/* the 10th byte holds bit 63 only */
		if ((i == 9 && *p > 1) || (i > 0 && *p == 0))
			break;
		v |= (uint64_t)(*p & 0x7f) << (7 * i);
		if (!(*p & 0x80))
			return v;
	}
	c->bad = 1;
	return 0;
}

int64_t cur_zigzag(struct cursor *c)
{
	uint64_t u = cur_varint(c);
	return (int64_t)((u >> 1) ^ (0 - (u & 1)));
}

const char *cur_cstr(struct cursor *c)
{
	uint32_t n = cur_u32(c);
	const uint8_t *p = cur_bytes(c, n);
	if (!p || n == 0 || p[n - 1] != 0 || memchr(p, 0, n) != p + n - 1) {
		c->bad = 1;
		return NULL;
	}
	return (const char *)p;
}

char *cur_str(struct cursor *c)
{
	const char *s = cur_cstr(c);
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		c->bad = 1;
	return d;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t now_ns(void) { return clock_ns(CLOCK_MONOTONIC); }
uint64_t realtime_ns(void) { return clock_ns(CLOCK_REALTIME); }

int write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		q += w;
		n -= (size_t)w;
	}
	return 0;
}
