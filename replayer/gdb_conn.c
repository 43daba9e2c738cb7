/* gdb_conn.c - the gdb remote serial protocol's framing: a byte-fed
 * state machine (packets, acks, resends, the interrupt byte), decoding of
 * escapes and run lengths, reply framing, and thin fd helpers. The
 * payload parser is gdb_req.c. */
#include "gdb_conn.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum conn_state { ST_IDLE, ST_DATA, ST_CS1, ST_CS2 };

struct gdb_conn {
	int fd;
	bool noack;
	enum conn_state state;
	bool oversize;          /* the packet being read outgrew raw */
	uint8_t sum;            /* running checksum of the raw payload */
	uint8_t cs_hi;          /* first checksum digit's value */
	int nacks;              /* consecutive '-' */
	size_t raw_len;
	uint8_t raw[GDB_CONN_PACKET_SIZE];          /* as sent, between $ and # */
	size_t payload_len;
	uint8_t payload[GDB_CONN_PACKET_SIZE + 1];  /* decoded, NUL-terminated */
	struct buf out;         /* pending output */
	struct buf last;        /* the last packet sent, for '-' */
	size_t rx_pos, rx_len;
	uint8_t rx[4096];       /* read from fd, not yet fed */
};

struct gdb_conn *gdb_conn_new(int fd)
{
	struct gdb_conn *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->fd = fd;
	return c;
}

void gdb_conn_free(struct gdb_conn *c)
{
	if (!c)
		return;
	buf_free(&c->out);
	buf_free(&c->last);
	free(c);
}

int gdb_conn_fd(const struct gdb_conn *c) { return c->fd; }

void gdb_conn_set_noack(struct gdb_conn *c, bool on) { c->noack = on; }

bool gdb_conn_noack(const struct gdb_conn *c) { return c->noack; }

/* Undoes escapes and run lengths of raw into payload; NULL or a reason. */
static const char *decode_payload(struct gdb_conn *c)
{
	size_t o = 0;
	for (size_t i = 0; i < c->raw_len; i++) {
		uint8_t ch = c->raw[i];
		size_t rep = 1;
		if (ch == '}') {
			if (++i == c->raw_len)
				return "escape at the end of a packet";
			ch = c->raw[i] ^ 0x20;
		} else if (ch == '*') {
			if (o == 0)
				return "run length with no character to repeat";
			if (++i == c->raw_len)
				return "run length with no count";
			uint8_t n = c->raw[i];
			if (n < ' ' || n > '~' || n == '#' || n == '$')
				return "invalid run length count";
			ch = c->payload[o - 1];
			rep = (size_t)n - 29;
		}
		if (rep > GDB_CONN_PACKET_SIZE - o)
			return "packet longer than PacketSize once run lengths are expanded";
		memset(c->payload + o, ch, rep);
		o += rep;
	}
	c->payload[o] = 0;
	c->payload_len = o;
	return NULL;
}

static void event(struct gdb_event *ev, enum gdb_event_kind kind, const char *why)
{
	ev->kind = kind;
	ev->why = why;
	ev->payload = NULL;
	ev->len = 0;
}

/* The packet's checksum has been read: acks or nacks it, decodes it. */
static void packet_end(struct gdb_conn *c, bool sum_ok, struct gdb_event *ev)
{
	c->state = ST_IDLE;
	if (!sum_ok) {
		if (c->noack)
			event(ev, GDB_EV_BAD_PACKET, "bad checksum");
		else
			buf_u8(&c->out, '-');
		return;
	}
	if (!c->noack)
		buf_u8(&c->out, '+');
	if (c->oversize) {
		event(ev, GDB_EV_BAD_PACKET, "packet longer than PacketSize");
		return;
	}
	const char *why = decode_payload(c);
	if (why) {
		event(ev, GDB_EV_BAD_PACKET, why);
		return;
	}
	event(ev, GDB_EV_PACKET, NULL);
	ev->payload = c->payload;
	ev->len = c->payload_len;
}

/* A byte outside a packet. */
static void idle_byte(struct gdb_conn *c, uint8_t ch, struct gdb_event *ev)
{
	switch (ch) {
	case '$':
		c->state = ST_DATA;
		c->raw_len = 0;
		c->sum = 0;
		c->oversize = false;
		break;
	case 0x03:
		event(ev, GDB_EV_INTERRUPT, NULL);
		break;
	case '+':
		c->nacks = 0;
		break;
	case '-':
		if (c->noack || !c->last.len)
			break;
		if (++c->nacks > GDB_CONN_MAX_NACKS) {
			event(ev, GDB_EV_ERROR, "gdb asked for too many resends");
			break;
		}
		buf_put(&c->out, c->last.p, c->last.len);
		break;
	default:
		break; /* noise between packets */
	}
}

size_t gdb_conn_feed(struct gdb_conn *c, const void *bytes, size_t n, struct gdb_event *ev)
{
	const uint8_t *p = bytes;
	size_t i = 0;
	event(ev, GDB_EV_NONE, NULL);
	while (i < n && ev->kind == GDB_EV_NONE) {
		uint8_t ch = p[i++];
		int v;
		switch (c->state) {
		case ST_IDLE:
			idle_byte(c, ch, ev);
			break;
		case ST_DATA:
			if (ch == '$') { /* a new packet: the one begun was lost */
				c->raw_len = 0;
				c->sum = 0;
				c->oversize = false;
			} else if (ch == '#') {
				c->state = ST_CS1;
			} else {
				c->sum = (uint8_t)(c->sum + ch);
				if (c->raw_len < sizeof c->raw)
					c->raw[c->raw_len++] = ch;
				else
					c->oversize = true;
			}
			break;
		case ST_CS1:
		case ST_CS2:
			v = gdb_hex_digit(ch);
			if (v < 0) {
				packet_end(c, false, ev);
				if (ch == '$') /* a packet begins: take it */
					idle_byte(c, ch, ev);
			} else if (c->state == ST_CS1) {
				c->cs_hi = (uint8_t)v;
				c->state = ST_CS2;
			} else {
				packet_end(c, (uint8_t)(c->cs_hi << 4 | v) == c->sum, ev);
			}
			break;
		}
	}
	return i;
}

static const char esc_chars[] = "#$}*";
static const char hex_digits[] = "0123456789abcdef";

int gdb_conn_send(struct gdb_conn *c, const void *payload, size_t len)
{
	const uint8_t *p = payload;
	size_t start = c->out.len;
	uint8_t sum = 0;
	if (len > (SIZE_MAX - 4) / 2)
		return -ENOMEM;
	int r = buf_reserve(&c->out, 2 * len + 4);
	if (r)
		return r;
	c->out.p[c->out.len++] = '$';
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = p[i];
		if (ch && strchr(esc_chars, ch)) {
			c->out.p[c->out.len++] = '}';
			sum = (uint8_t)(sum + '}');
			ch ^= 0x20;
		}
		c->out.p[c->out.len++] = ch;
		sum = (uint8_t)(sum + ch);
	}
	c->out.p[c->out.len++] = '#';
	c->out.p[c->out.len++] = (uint8_t)hex_digits[sum >> 4];
	c->out.p[c->out.len++] = (uint8_t)hex_digits[sum & 15];
	if (!c->noack) {
		c->last.len = 0;
		c->nacks = 0;
		if ((r = buf_put(&c->last, c->out.p + start, c->out.len - start)))
			return r;
	}
	return c->fd >= 0 ? gdb_conn_flush(c) : 0;
}

int gdb_conn_send_str(struct gdb_conn *c, const char *s)
{
	return gdb_conn_send(c, s, strlen(s));
}

int gdb_conn_send_buf(struct gdb_conn *c, const struct buf *b)
{
	return b->err ? b->err : gdb_conn_send(c, b->p, b->len);
}

int gdb_conn_flush(struct gdb_conn *c)
{
	size_t done = 0;
	int r = 0;
	while (done < c->out.len) {
		ssize_t w = send(c->fd, c->out.p + done, c->out.len - done, MSG_NOSIGNAL);
		if (w < 0 && errno == ENOTSOCK)
			w = write(c->fd, c->out.p + done, c->out.len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		done += (size_t)w;
	}
	gdb_conn_consume(c, done);
	return r;
}

const uint8_t *gdb_conn_pending(const struct gdb_conn *c, size_t *len)
{
	*len = c->out.len;
	return c->out.p;
}

void gdb_conn_consume(struct gdb_conn *c, size_t n)
{
	if (n > c->out.len)
		n = c->out.len;
	if (!n)
		return;
	memmove(c->out.p, c->out.p + n, c->out.len - n);
	c->out.len -= n;
}

int gdb_conn_next(struct gdb_conn *c, int extra_fd, int timeout_ms, struct gdb_event *ev)
{
	uint64_t deadline = timeout_ms >= 0 ? now_ns() + (uint64_t)timeout_ms * 1000000 : 0;
	for (;;) {
		c->rx_pos += gdb_conn_feed(c, c->rx + c->rx_pos, c->rx_len - c->rx_pos, ev);
		int r = c->out.len ? gdb_conn_flush(c) : 0;
		if (r == -EPIPE || r == -ECONNRESET) {
			event(ev, GDB_EV_CLOSED, "the peer closed the connection");
			return 0;
		}
		if (r)
			return r;
		if (ev->kind != GDB_EV_NONE)
			return 0;
		c->rx_pos = c->rx_len = 0;

		int wait = -1;
		if (timeout_ms >= 0) {
			uint64_t now = now_ns();
			wait = now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
		}
		struct pollfd pfd[2] = {{.fd = c->fd, .events = POLLIN},
					{.fd = extra_fd, .events = POLLIN}};
		int np = poll(pfd, extra_fd >= 0 ? 2 : 1, wait);
		if (np < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (np == 0) {
			event(ev, GDB_EV_TIMEOUT, NULL);
			return 0;
		}
		if (pfd[0].revents) {
			ssize_t n = read(c->fd, c->rx, sizeof c->rx);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n == 0 || (n < 0 && errno == ECONNRESET)) {
				event(ev, GDB_EV_CLOSED, "the peer closed the connection");
				return 0;
			}
			if (n < 0)
				return -errno;
			c->rx_len = (size_t)n;
			continue;
		}
		if (extra_fd >= 0 && pfd[1].revents) {
			event(ev, GDB_EV_FD, NULL);
			return 0;
		}
	}
}

int gdb_buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	int r = buf_reserve(b, (size_t)n + 1);
	if (r)
		return r;
	va_start(ap, fmt);
	vsnprintf((char *)b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int gdb_buf_hex(struct buf *b, const void *p, size_t n)
{
	const uint8_t *q = p;
	if (n > SIZE_MAX / 2)
		return -ENOMEM;
	int r = buf_reserve(b, 2 * n);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		b->p[b->len++] = (uint8_t)hex_digits[q[i] >> 4];
		b->p[b->len++] = (uint8_t)hex_digits[q[i] & 15];
	}
	return 0;
}

int gdb_buf_hex_str(struct buf *b, const char *s)
{
	return gdb_buf_hex(b, s, strlen(s));
}

/* One part of a thread id: -1, or hex. */
static int buf_id(struct buf *b, int64_t id)
{
	return id < 0 ? gdb_buf_printf(b, "-1") : gdb_buf_printf(b, "%llx", (unsigned long long)id);
}

int gdb_buf_tid(struct buf *b, int64_t pid, int64_t tid, bool multiprocess)
{
	int r = 0;
	if (multiprocess) {
		r = gdb_buf_printf(b, "p");
		r = r ? r : buf_id(b, pid);
		r = r ? r : gdb_buf_printf(b, ".");
	}
	return r ? r : buf_id(b, tid);
}

