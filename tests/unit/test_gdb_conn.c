/* test_gdb_conn.c - the gdb remote protocol connection module: framing,
 * acks and no-ack mode, checksums, escapes, run lengths, the interrupt
 * byte, split feeds, the packet size bound, the fd helpers, and the
 * parsing of every request kind from packets as gdb sends them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../replayer/gdb_conn.h"

/* Frames a payload as gdb would (no escaping): "$payload#cs". */
static size_t frame(const char *payload, size_t n, char *out)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + (uint8_t)payload[i]);
	out[0] = '$';
	memcpy(out + 1, payload, n);
	return 1 + n + (size_t)sprintf(out + 1 + n, "#%02x", sum);
}

/* The events of a byte stream, payloads copied, in one printable line:
 * "P:qC|I|B:reason|E". */
struct evlog {
	char text[1 << 17];
	size_t len;
	int n;
};

static void log_event(struct evlog *l, const struct gdb_event *ev)
{
	char *o = l->text + l->len;
	size_t room = sizeof l->text - l->len;
	int k = 0;
	switch (ev->kind) {
	case GDB_EV_PACKET:
		k = snprintf(o, room, "P:");
		memcpy(o + k, ev->payload, ev->len);
		k += (int)ev->len;
		assert_int_equal(ev->payload[ev->len], 0);
		break;
	case GDB_EV_INTERRUPT: k = snprintf(o, room, "I"); break;
	case GDB_EV_BAD_PACKET: k = snprintf(o, room, "B:%s", ev->why); break;
	case GDB_EV_ERROR: k = snprintf(o, room, "E"); break;
	default: fail_msg("unexpected event %d", ev->kind);
	}
	o[k++] = '|';
	l->len += (size_t)k;
	l->text[l->len] = 0;
	l->n++;
}

/* Feeds n bytes in chunks of step bytes, logging every event. */
static void feed(struct gdb_conn *c, const void *bytes, size_t n, size_t step, struct evlog *l)
{
	const uint8_t *p = bytes;
	size_t off = 0;
	while (off < n) {
		size_t chunk = n - off < step ? n - off : step;
		while (chunk) {
			struct gdb_event ev;
			size_t used = gdb_conn_feed(c, p + off, chunk, &ev);
			assert_true(used > 0 && used <= chunk);
			off += used;
			chunk -= used;
			if (ev.kind != GDB_EV_NONE)
				log_event(l, &ev);
			else
				assert_int_equal(chunk, 0);
		}
	}
}

static struct evlog lg, lg2;

/* Empties an event log. */
static void reset(struct evlog *l)
{
	l->len = 0;
	l->n = 0;
	l->text[0] = 0;
}

/* The pending output as a string, then cleared. */
static const char *take_output(struct gdb_conn *c)
{
	static char out[1 << 17];
	size_t n;
	const uint8_t *p = gdb_conn_pending(c, &n);
	assert_true(n < sizeof out);
	memcpy(out, p, n);
	out[n] = 0;
	gdb_conn_consume(c, n);
	return out;
}

static void feed_str(struct gdb_conn *c, const char *s)
{
	feed(c, s, strlen(s), strlen(s) + 1, &lg);
}

static void test_framing_acks(void **state)
{
	(void)state;
	struct gdb_conn *c = gdb_conn_new(-1);
	reset(&lg);
	feed_str(c, "$qC#b4");
	assert_string_equal(lg.text, "P:qC|");
	assert_string_equal(take_output(c), "+");
	assert_int_equal(gdb_conn_send_str(c, "OK"), 0);
	assert_string_equal(take_output(c), "$OK#9a");
	/* gdb asks for a resend: the same packet again, twice */
	feed_str(c, "-");
	assert_string_equal(take_output(c), "$OK#9a");
	feed_str(c, "-");
	assert_string_equal(take_output(c), "$OK#9a");
	feed_str(c, "+");
	assert_string_equal(take_output(c), "");
	assert_int_equal(gdb_conn_send_str(c, ""), 0);
	assert_string_equal(take_output(c), "$#00");
	/* no-ack mode: no '+', and '-' resends nothing */
	assert_false(gdb_conn_noack(c));
	gdb_conn_set_noack(c, true);
	assert_true(gdb_conn_noack(c));
	reset(&lg);
	feed_str(c, "$g#67-+$?#3f");
	assert_string_equal(lg.text, "P:g|P:?|");
	assert_string_equal(take_output(c), "");
	gdb_conn_free(c);
}

static void test_nack_limit(void **state)
{
	(void)state;
	struct gdb_conn *c = gdb_conn_new(-1);
	gdb_conn_send_str(c, "OK");
	take_output(c);
	reset(&lg);
	for (int i = 0; i < GDB_CONN_MAX_NACKS; i++)
		feed_str(c, "-");
	assert_string_equal(lg.text, "");
	feed_str(c, "-");
	assert_string_equal(lg.text, "E|");
	gdb_conn_free(c);
}

static void test_checksum_errors(void **state)
{
	(void)state;
	struct gdb_conn *c = gdb_conn_new(-1);
	reset(&lg);
	/* wrong sum, non-hex sum: '-' each and no packet; then a good one */
	feed_str(c, "$qC#b5$qC#x4$qC#b4");
	assert_string_equal(lg.text, "P:qC|");
	assert_string_equal(take_output(c), "--+");
	/* a sum cut by a new packet: that packet is taken */
	feed_str(c, "$qC#b$g#67");
	assert_string_equal(lg.text, "P:qC|P:g|");
	assert_string_equal(take_output(c), "-+");
	/* upper-case checksum digits are accepted */
	feed_str(c, "$qOffsets#4B");
	assert_string_equal(lg.text, "P:qC|P:g|P:qOffsets|");
	/* no-ack mode: a bad sum is a bad packet (the server answers E01) */
	gdb_conn_set_noack(c, true);
	reset(&lg);
	feed_str(c, "$qC#00");
	assert_string_equal(lg.text, "B:bad checksum|");
	assert_string_equal(take_output(c), "+");
	gdb_conn_free(c);
}

static void test_escape_round_trip(void **state)
{
	(void)state;
	uint8_t all[512];
	for (int i = 0; i < 512; i++)
		all[i] = (uint8_t)(i * 7 + i / 256);
	struct gdb_conn *tx = gdb_conn_new(-1), *rx = gdb_conn_new(-1);
	assert_int_equal(gdb_conn_send(tx, all, sizeof all), 0);
	size_t n;
	const uint8_t *out = gdb_conn_pending(tx, &n);
	/* between $ and #cs: none of # $ * raw, every } an escape */
	assert_int_equal(out[0], '$');
	assert_int_equal(out[n - 3], '#');
	for (size_t i = 1; i < n - 3; i++) {
		assert_true(out[i] != '#' && out[i] != '$' && out[i] != '*');
		if (out[i] == '}')
			assert_non_null(memchr("\x03\x04\x5d\x0a", out[++i], 4));
	}
	assert_int_equal(n, sizeof all + 4 + 4 * 2); /* each byte value twice: 4 escaped */
	struct gdb_event ev;
	assert_int_equal(gdb_conn_feed(rx, out, n, &ev), n);
	assert_int_equal(ev.kind, GDB_EV_PACKET);
	assert_int_equal(ev.len, sizeof all);
	assert_memory_equal(ev.payload, all, sizeof all);
	/* gdb's X packet with escaped bytes */
	char pkt[64];
	size_t k = frame("X10,4:}\x03}\x04}]}\x0a", 14, pkt);
	assert_int_equal(gdb_conn_feed(rx, pkt, k, &ev), k);
	assert_int_equal(ev.kind, GDB_EV_PACKET);
	struct gdb_req *req = malloc(sizeof *req);
	assert_int_equal(gdb_req_parse(ev.payload, ev.len, req), GDB_REQ_WRITE_MEM);
	assert_int_equal(req->data_len, 4);
	assert_memory_equal(req->data, "#$}*", 4);
	/* an escape with nothing after it */
	k = frame("X10,1:}", 7, pkt);
	gdb_conn_feed(rx, pkt, k, &ev);
	assert_int_equal(ev.kind, GDB_EV_BAD_PACKET);
	free(req);
	gdb_conn_free(tx);
	gdb_conn_free(rx);
}

static void test_run_length(void **state)
{
	(void)state;
	struct gdb_conn *c = gdb_conn_new(-1);
	char pkt[64];
	size_t k;
	reset(&lg);
	/* ' ' = 3 more, '!' = 4 more, '~' = 97 more */
	k = frame("G0* 1*!", 7, pkt);
	feed(c, pkt, k, k, &lg);
	assert_string_equal(lg.text, "P:G000011111|");
	reset(&lg);
	k = frame("a*~", 3, pkt);
	feed(c, pkt, k, k, &lg);
	assert_int_equal(lg.len, 2 + 98 + 1);
	/* an escaped character repeated */
	reset(&lg);
	k = frame("}\x03* ", 4, pkt);
	feed(c, pkt, k, k, &lg);
	assert_string_equal(lg.text, "P:####|");
	/* invalid: nothing to repeat, no count, counts out of range */
	static const char *const bad[] = {"*!", "a*", "a*\x1f", "a*\x7f", "a*\x80"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		reset(&lg);
		k = frame(bad[i], strlen(bad[i]), pkt);
		feed(c, pkt, k, k, &lg);
		assert_true(!strncmp(lg.text, "B:", 2));
	}
	/* a run past PacketSize */
	static char big[GDB_CONN_PACKET_SIZE + 16];
	memset(big, 'a', GDB_CONN_PACKET_SIZE - 10);
	memcpy(big + GDB_CONN_PACKET_SIZE - 10, "*~", 2);
	static char bigpkt[GDB_CONN_PACKET_SIZE + 32];
	reset(&lg);
	k = frame(big, GDB_CONN_PACKET_SIZE - 8, bigpkt);
	feed(c, bigpkt, k, k, &lg);
	assert_true(!strncmp(lg.text, "B:", 2));
	assert_string_equal(take_output(c) + 8, "+"); /* acked all the same */
	gdb_conn_free(c);
}

static void test_interrupt(void **state)
{
	(void)state;
	struct gdb_conn *c = gdb_conn_new(-1);
	reset(&lg);
	feed_str(c, "\x03$?#3f\x03\x03");
	assert_string_equal(lg.text, "I|P:?|I|I|");
	/* inside a packet it is data */
	char pkt[32];
	size_t k = frame("X1,1:\x03", 6, pkt);
	reset(&lg);
	feed(c, pkt, k, k, &lg);
	assert_string_equal(lg.text, "P:X1,1:\x03|");
	gdb_conn_free(c);
}

static void test_split_feeds(void **state)
{
	(void)state;
	static char stream[8192];
	size_t n = 0;
	static const char *const payloads[] = {
		"qSupported:multiprocess+;swbreak+", "?", "Hgp0.0", "m401126,40", "vCont;c:p1a.-1",
	};
	for (int rep = 0; rep < 3; rep++) {
		for (size_t i = 0; i < sizeof payloads / sizeof *payloads; i++)
			n += frame(payloads[i], strlen(payloads[i]), stream + n);
		n += frame("X1,4:}\x03}]ab", 11, stream + n);
		n += frame("g0* ", 4, stream + n);
		memcpy(stream + n, "\x03+-junk$qC#00$qC#b4", 19);
		n += 19;
	}
	struct gdb_conn *a = gdb_conn_new(-1), *b = gdb_conn_new(-1);
	gdb_conn_send_str(a, "OK"); /* something for '-' to resend */
	gdb_conn_send_str(b, "OK");
	reset(&lg);
	reset(&lg2);
	feed(a, stream, n, n, &lg);
	feed(b, stream, n, 1, &lg2);
	assert_int_equal(lg.n, 3 * 9);
	assert_string_equal(lg.text, lg2.text);
	char out_a[4096];
	snprintf(out_a, sizeof out_a, "%s", take_output(a));
	assert_string_equal(out_a, take_output(b));
	/* and in chunks of 7 */
	struct gdb_conn *d = gdb_conn_new(-1);
	gdb_conn_send_str(d, "OK");
	reset(&lg2);
	feed(d, stream, n, 7, &lg2);
	assert_string_equal(lg.text, lg2.text);
	gdb_conn_free(a);
	gdb_conn_free(b);
	gdb_conn_free(d);
}

static void test_packet_size(void **state)
{
	(void)state;
	static char big[GDB_CONN_PACKET_SIZE + 2], pkt[GDB_CONN_PACKET_SIZE + 16];
	struct gdb_conn *c = gdb_conn_new(-1);
	memset(big, 'a', sizeof big);
	big[0] = 'G';
	size_t k = frame(big, GDB_CONN_PACKET_SIZE, pkt);
	struct gdb_event ev;
	assert_int_equal(gdb_conn_feed(c, pkt, k, &ev), k);
	assert_int_equal(ev.kind, GDB_EV_PACKET);
	assert_int_equal(ev.len, GDB_CONN_PACKET_SIZE);
	k = frame(big, GDB_CONN_PACKET_SIZE + 1, pkt);
	assert_int_equal(gdb_conn_feed(c, pkt, k, &ev), k);
	assert_int_equal(ev.kind, GDB_EV_BAD_PACKET);
	assert_non_null(strstr(ev.why, "PacketSize"));
	/* a megabyte without '#': bounded, then the next packet is fine */
	gdb_conn_feed(c, "$", 1, &ev);
	for (int i = 0; i < 64; i++)
		assert_int_equal(gdb_conn_feed(c, big, 1 << 14, &ev), 1 << 14);
	gdb_conn_feed(c, "#00", 3, &ev);
	take_output(c);
	reset(&lg);
	feed_str(c, "$?#3f");
	assert_string_equal(lg.text, "P:?|");
	/* the parser refuses a longer payload too */
	struct gdb_req *req = malloc(sizeof *req);
	assert_int_equal(gdb_req_parse((uint8_t *)big, GDB_CONN_PACKET_SIZE + 1, req), GDB_REQ_MALFORMED);
	free(req);
	gdb_conn_free(c);
}

static void test_fd_helpers(void **state)
{
	(void)state;
	int sv[2], extra[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(extra), 0);
	struct gdb_conn *c = gdb_conn_new(sv[0]);
	assert_int_equal(gdb_conn_fd(c), sv[0]);
	struct gdb_event ev;
	assert_int_equal(gdb_conn_next(c, extra[0], 10, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_TIMEOUT);
	/* two packets in one write: two events, the acks reach the peer */
	assert_int_equal(write(sv[1], "$?#3f$g#67", 10), 10);
	assert_int_equal(gdb_conn_next(c, extra[0], 1000, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_PACKET);
	assert_string_equal((const char *)ev.payload, "?");
	assert_int_equal(gdb_conn_next(c, extra[0], 1000, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_PACKET);
	assert_string_equal((const char *)ev.payload, "g");
	assert_int_equal(gdb_conn_send_str(c, "S05"), 0);
	char got[64] = {0};
	assert_int_equal(read(sv[1], got, sizeof got - 1), 2 + 7);
	assert_string_equal(got, "++$S05#b8");
	/* the extra fd */
	assert_int_equal(write(extra[1], "x", 1), 1);
	assert_int_equal(gdb_conn_next(c, extra[0], 1000, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_FD);
	/* ^C, then the peer closes */
	assert_int_equal(write(sv[1], "\x03", 1), 1);
	close(sv[1]);
	assert_int_equal(gdb_conn_next(c, -1, 1000, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_INTERRUPT);
	assert_int_equal(gdb_conn_next(c, -1, 1000, &ev), 0);
	assert_int_equal(ev.kind, GDB_EV_CLOSED);
	/* writing to a closed peer: an error, not SIGPIPE */
	assert_int_equal(gdb_conn_send_str(c, "OK"), -EPIPE);
	gdb_conn_free(c);
	close(sv[0]);
	close(extra[0]);
	close(extra[1]);
}

static void test_buf_helpers(void **state)
{
	(void)state;
	struct buf b = {0};
	assert_int_equal(gdb_buf_printf(&b, "T%02xthread:", 5), 0);
	assert_int_equal(gdb_buf_tid(&b, 0x1a, 0x1b, true), 0);
	assert_int_equal(gdb_buf_printf(&b, ";"), 0);
	assert_int_equal(gdb_buf_tid(&b, 0x1a, GDB_ID_ALL, true), 0);
	assert_int_equal(gdb_buf_printf(&b, ";"), 0);
	assert_int_equal(gdb_buf_tid(&b, 0, 0x1b, false), 0);
	assert_int_equal(gdb_buf_hex(&b, "\x00\xff\x10", 3), 0);
	assert_int_equal(gdb_buf_hex_str(&b, "ok"), 0);
	assert_int_equal(buf_u8(&b, 0), 0);
	assert_string_equal((char *)b.p, "T05thread:p1a.1b;p1a.-1;1b00ff106f6b");
	uint8_t out[3];
	assert_int_equal(gdb_hex_decode("00fF10", 3, out), 0);
	assert_memory_equal(out, "\x00\xff\x10", 3);
	assert_int_equal(gdb_hex_decode("0g", 1, out), -EINVAL);
	struct gdb_conn *c = gdb_conn_new(-1);
	b.len = 3;
	assert_int_equal(gdb_conn_send_buf(c, &b), 0);
	assert_string_equal(take_output(c), "$T05#b9");
	gdb_conn_free(c);
	buf_free(&b);
}

/* Parses a NUL-terminated payload. */
static struct gdb_req *parse(const char *s)
{
	static struct gdb_req req;
	gdb_req_parse((const uint8_t *)s, strlen(s), &req);
	return &req;
}

#define KIND(s, k) assert_string_equal(gdb_req_kind_name(parse(s)->kind), gdb_req_kind_name(k))

static void test_parse_simple(void **state)
{
	(void)state;
	KIND("?", GDB_REQ_HALT_REASON);
	KIND("!", GDB_REQ_EXTENDED);
	KIND("g", GDB_REQ_READ_REGS);
	KIND("k", GDB_REQ_KILL);
	KIND("R00", GDB_REQ_RESTART);
	KIND("R", GDB_REQ_RESTART);
	KIND("bc", GDB_REQ_REVERSE_CONT);
	KIND("bs", GDB_REQ_REVERSE_STEP);
	KIND("vCont?", GDB_REQ_VCONT_QUERY);
	KIND("qfThreadInfo", GDB_REQ_THREAD_FIRST);
	KIND("qsThreadInfo", GDB_REQ_THREAD_NEXT);
	KIND("qC", GDB_REQ_CURRENT_THREAD);
	KIND("qOffsets", GDB_REQ_OFFSETS);
	KIND("qTStatus", GDB_REQ_TSTATUS);
	KIND("QStartNoAckMode", GDB_REQ_START_NOACK);
	KIND("vMustReplyEmpty", GDB_REQ_MUST_REPLY_EMPTY);
	/* what the server does not serve: unknown, answered empty */
	static const char *const unknown[] = {
		"", "qCRC:401000,10", "qSearch:other:1", "qXfer:siginfo:write::0:ab",
		"vFile:pwrite:5,0,ab", "QNonStop:0", "vCtrlC", "b", "qCx", "QThreadEvents:1",
		"jThreadsInfo", "vContSupported",
	};
	for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
		KIND(unknown[i], GDB_REQ_UNKNOWN);
}

static void test_parse_regs_mem(void **state)
{
	(void)state;
	struct gdb_req *r = parse("G00112233445566778899aabbccddeeff");
	assert_int_equal(r->kind, GDB_REQ_WRITE_REGS);
	assert_int_equal(r->data_len, 16);
	assert_memory_equal(r->data, "\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff", 16);
	r = parse("p10");
	assert_int_equal(r->kind, GDB_REQ_READ_REG);
	assert_int_equal(r->u.reg, 16);
	r = parse("P10=2611400000000000");
	assert_int_equal(r->kind, GDB_REQ_WRITE_REG);
	assert_int_equal(r->u.reg, 16);
	assert_int_equal(r->data_len, 8);
	assert_memory_equal(r->data, "\x26\x11\x40\0\0\0\0\0", 8);
	r = parse("m7ffff7fe3000,40");
	assert_int_equal(r->kind, GDB_REQ_READ_MEM);
	assert_int_equal(r->u.mem.addr, 0x7ffff7fe3000ull);
	assert_int_equal(r->u.mem.len, 0x40);
	r = parse("mffffffffffffffff,100000");
	assert_int_equal(r->kind, GDB_REQ_READ_MEM);
	assert_int_equal(r->u.mem.addr, UINT64_MAX);
	assert_int_equal(r->u.mem.len, GDB_REQ_READ_MAX);
	r = parse("M404028,4:2a000000");
	assert_int_equal(r->kind, GDB_REQ_WRITE_MEM);
	assert_int_equal(r->u.mem.addr, 0x404028);
	assert_int_equal(r->data_len, 4);
	assert_memory_equal(r->data, "\x2a\0\0\0", 4);
	struct gdb_req *x = malloc(sizeof *x);
	assert_int_equal(gdb_req_parse((const uint8_t *)"X404028,3:\0#\xff", 13, x), GDB_REQ_WRITE_MEM);
	assert_int_equal(x->u.mem.len, 3);
	assert_memory_equal(x->data, "\0#\xff", 3);
	assert_int_equal(gdb_req_parse((const uint8_t *)"X404028,0:", 10, x), GDB_REQ_WRITE_MEM);
	assert_int_equal(x->data_len, 0);
	free(x);
}

static void test_parse_breakpoints(void **state)
{
	(void)state;
	struct gdb_req *r = parse("Z0,401126,1");
	assert_int_equal(r->kind, GDB_REQ_INSERT_BP);
	assert_int_equal(r->u.bp.type, 0);
	assert_int_equal(r->u.bp.addr, 0x401126);
	assert_int_equal(r->u.bp.kind, 1);
	r = parse("z2,404028,4");
	assert_int_equal(r->kind, GDB_REQ_REMOVE_BP);
	assert_int_equal(r->u.bp.type, 2);
	assert_int_equal(r->u.bp.kind, 4);
	for (int t = 0; t <= 4; t++) {
		char s[32];
		snprintf(s, sizeof s, "Z%d,1000,8", t);
		assert_int_equal(parse(s)->u.bp.type, t);
		assert_int_equal(parse(s)->kind, GDB_REQ_INSERT_BP);
	}
	/* conditions and commands are ignored, not refused */
	r = parse("Z0,401126,1;X2,2001;cmds:0,X3,220a01");
	assert_int_equal(r->kind, GDB_REQ_INSERT_BP);
	assert_int_equal(r->u.bp.addr, 0x401126);
}

static void test_parse_resume(void **state)
{
	(void)state;
	struct gdb_req *r = parse("c");
	assert_int_equal(r->kind, GDB_REQ_CONT);
	assert_int_equal(r->u.resume.n, 1);
	assert_int_equal(r->u.resume.act[0].kind, GDB_ACT_CONT);
	assert_int_equal(r->u.resume.act[0].sig, -1);
	assert_false(r->u.resume.has_addr);
	r = parse("s401126");
	assert_int_equal(r->u.resume.act[0].kind, GDB_ACT_STEP);
	assert_true(r->u.resume.has_addr);
	assert_int_equal(r->u.resume.addr, 0x401126);
	r = parse("C0b");
	assert_int_equal(r->u.resume.act[0].kind, GDB_ACT_CONT);
	assert_int_equal(r->u.resume.act[0].sig, 11);
	r = parse("S05;401126");
	assert_int_equal(r->kind, GDB_REQ_CONT);
	assert_int_equal(r->u.resume.act[0].kind, GDB_ACT_STEP);
	assert_int_equal(r->u.resume.act[0].sig, 5);
	assert_int_equal(r->u.resume.addr, 0x401126);

	r = parse("vCont;s:p1a.1b;C0b:p1a.1c;r401126,401130:1d;t:p1a.-1;c");
	assert_int_equal(r->kind, GDB_REQ_VCONT);
	assert_int_equal(r->u.resume.n, 5);
	const struct gdb_action *a = r->u.resume.act;
	assert_int_equal(a[0].kind, GDB_ACT_STEP);
	assert_true(a[0].has_tid);
	assert_int_equal(a[0].tid.pid, 0x1a);
	assert_int_equal(a[0].tid.tid, 0x1b);
	assert_int_equal(a[1].kind, GDB_ACT_CONT);
	assert_int_equal(a[1].sig, 11);
	assert_int_equal(a[1].tid.tid, 0x1c);
	assert_int_equal(a[2].kind, GDB_ACT_RANGE);
	assert_int_equal(a[2].start, 0x401126);
	assert_int_equal(a[2].end, 0x401130);
	assert_int_equal(a[2].tid.pid, GDB_ID_ANY);
	assert_int_equal(a[2].tid.tid, 0x1d);
	assert_int_equal(a[3].kind, GDB_ACT_STOP);
	assert_int_equal(a[3].tid.tid, GDB_ID_ALL);
	assert_int_equal(a[4].kind, GDB_ACT_CONT);
	assert_false(a[4].has_tid);
	assert_int_equal(a[4].sig, -1);

	/* the action bound */
	char s[2048] = "vCont";
	for (int i = 0; i < GDB_REQ_MAX_ACTIONS; i++)
		strcat(s, ";s:p1.2");
	assert_int_equal(parse(s)->kind, GDB_REQ_VCONT);
	assert_int_equal(parse(s)->u.resume.n, GDB_REQ_MAX_ACTIONS);
	strcat(s, ";c");
	assert_int_equal(parse(s)->kind, GDB_REQ_MALFORMED);
}

static void test_parse_threads(void **state)
{
	(void)state;
	struct gdb_req *r = parse("Hgp1a.1b");
	assert_int_equal(r->kind, GDB_REQ_SET_THREAD);
	assert_int_equal(r->u.thread.op, 'g');
	assert_int_equal(r->u.thread.tid.pid, 0x1a);
	assert_int_equal(r->u.thread.tid.tid, 0x1b);
	r = parse("Hc-1");
	assert_int_equal(r->u.thread.op, 'c');
	assert_int_equal(r->u.thread.tid.pid, GDB_ID_ANY);
	assert_int_equal(r->u.thread.tid.tid, GDB_ID_ALL);
	r = parse("Hg0");
	assert_int_equal(r->kind, GDB_REQ_SET_THREAD);
	assert_int_equal(r->u.thread.tid.tid, GDB_ID_ANY);
	r = parse("Hgp0.0");
	assert_int_equal(r->u.thread.tid.pid, GDB_ID_ANY);
	assert_int_equal(r->u.thread.tid.tid, GDB_ID_ANY);
	r = parse("Hgp-1.-1");
	assert_int_equal(r->u.thread.tid.pid, GDB_ID_ALL);
	assert_int_equal(r->u.thread.tid.tid, GDB_ID_ALL);
	r = parse("Hcp1a");
	assert_int_equal(r->u.thread.tid.pid, 0x1a);
	assert_int_equal(r->u.thread.tid.tid, GDB_ID_ALL);
	r = parse("Tp1a.1c");
	assert_int_equal(r->kind, GDB_REQ_THREAD_ALIVE);
	assert_int_equal(r->u.thread.tid.tid, 0x1c);
	r = parse("T7fffffff");
	assert_int_equal(r->u.thread.tid.tid, 0x7fffffff);
	r = parse("qThreadExtraInfo,p1a.1b");
	assert_int_equal(r->kind, GDB_REQ_THREAD_EXTRA);
	assert_int_equal(r->u.thread.tid.tid, 0x1b);
}

static void test_parse_queries(void **state)
{
	(void)state;
	struct gdb_req *r = parse("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;"
				  "vfork-events-;exec-events?;xmlRegisters=i386;junk");
	assert_int_equal(r->kind, GDB_REQ_SUPPORTED);
	assert_int_equal(r->u.supported.n, 8);
	assert_int_equal(gdb_req_feature(r, "multiprocess")->sign, '+');
	assert_int_equal(gdb_req_feature(r, "vfork-events")->sign, '-');
	assert_int_equal(gdb_req_feature(r, "exec-events")->sign, '?');
	assert_int_equal(gdb_req_feature(r, "xmlRegisters")->sign, '=');
	assert_string_equal(gdb_req_feature(r, "xmlRegisters")->value, "i386");
	assert_null(gdb_req_feature(r, "junk"));
	assert_null(gdb_req_feature(r, "QStartNoAckMode"));
	assert_int_equal(parse("qSupported")->kind, GDB_REQ_SUPPORTED);
	assert_int_equal(parse("qSupported")->u.supported.n, 0);

	r = parse("qXfer:features:read:target.xml:0,3ffb");
	assert_int_equal(r->kind, GDB_REQ_XFER_READ);
	assert_int_equal(r->u.xfer.object, GDB_XFER_FEATURES);
	assert_string_equal(r->u.xfer.annex, "target.xml");
	assert_int_equal(r->u.xfer.offset, 0);
	assert_int_equal(r->u.xfer.len, GDB_REQ_READ_MAX < 0x3ffb ? GDB_REQ_READ_MAX : 0x3ffb);
	r = parse("qXfer:auxv:read::140,200");
	assert_int_equal(r->u.xfer.object, GDB_XFER_AUXV);
	assert_string_equal(r->u.xfer.annex, "");
	assert_int_equal(r->u.xfer.offset, 0x140);
	assert_int_equal(r->u.xfer.len, 0x200);
	assert_int_equal(parse("qXfer:exec-file:read:1a:0,fff")->u.xfer.object, GDB_XFER_EXEC_FILE);
	assert_string_equal(parse("qXfer:exec-file:read:1a:0,fff")->u.xfer.annex, "1a");
	assert_int_equal(parse("qXfer:exec-file:read:1a:0,fff")->u.xfer.pid, 0x1a);
	assert_int_equal(parse("qXfer:exec-file:read::0,fff")->u.xfer.pid, 0);
	assert_int_equal(parse("qXfer:siginfo:read::0,80")->u.xfer.object, GDB_XFER_SIGINFO);
	assert_int_equal(parse("qXfer:libraries-svr4:read:start=1;prev=2:0,fff")->u.xfer.object,
			 GDB_XFER_LIBRARIES_SVR4);
	assert_string_equal(parse("qXfer:libraries-svr4:read:start=1;prev=2:0,fff")->u.xfer.annex,
			    "start=1;prev=2");
	assert_int_equal(parse("qXfer:threads:read::0,fff")->u.xfer.object, GDB_XFER_THREADS);
	r = parse("qXfer:btrace:read:all:0,fff");
	assert_int_equal(r->kind, GDB_REQ_XFER_READ);
	assert_int_equal(r->u.xfer.object, GDB_XFER_OTHER);
	assert_string_equal(r->u.xfer.name, "btrace");

	r = parse("qGetTLSAddr:p1a.1b,10,7ffff7ff2000");
	assert_int_equal(r->kind, GDB_REQ_TLS_ADDR);
	assert_int_equal(r->u.tls.tid.tid, 0x1b);
	assert_int_equal(r->u.tls.offset, 0x10);
	assert_int_equal(r->u.tls.lm, 0x7ffff7ff2000ull);
	r = parse("qSearch:memory:401000;2000;}\x03" "ab");
	assert_int_equal(r->kind, GDB_REQ_SEARCH_MEM);
	assert_int_equal(r->u.mem.addr, 0x401000);
	assert_int_equal(r->u.mem.len, 0x2000);
	assert_int_equal(r->data_len, 4); /* payloads are unescaped by the framing */
	assert_memory_equal(r->data, "}\x03" "ab", 4);

	r = parse("qAttached:1a");
	assert_int_equal(r->kind, GDB_REQ_ATTACHED);
	assert_true(r->u.pid.has_pid);
	assert_int_equal(r->u.pid.pid, 0x1a);
	r = parse("qAttached");
	assert_int_equal(r->kind, GDB_REQ_ATTACHED);
	assert_false(r->u.pid.has_pid);

	r = parse("qRcmd,676f746f203132");
	assert_int_equal(r->kind, GDB_REQ_MONITOR);
	assert_string_equal(r->str, "goto 12");
	assert_int_equal(r->str_len, 7);
	assert_string_equal(parse("qRcmd,")->str, "");

	r = parse("qSymbol::");
	assert_int_equal(r->kind, GDB_REQ_SYMBOL);
	assert_false(r->u.symbol.has_value);
	assert_string_equal(r->str, "");
	r = parse("qSymbol:7ffff7dd1000:6e70746c5f76657273696f6e");
	assert_true(r->u.symbol.has_value);
	assert_int_equal(r->u.symbol.value, 0x7ffff7dd1000ull);
	assert_string_equal(r->str, "nptl_version");
	r = parse("qSymbol::6e70746c5f76657273696f6e");
	assert_false(r->u.symbol.has_value);
	assert_string_equal(r->str, "nptl_version");

	r = parse("QPassSignals:e;10;14;17;1a;1b;1c;21;24;25;2c;4c;97;");
	assert_int_equal(r->kind, GDB_REQ_PASS_SIGNALS);
	assert_true(gdb_req_has_signal(r, 0xe));
	assert_true(gdb_req_has_signal(r, 0x97));
	assert_true(gdb_req_has_signal(r, 0x4c));
	assert_false(gdb_req_has_signal(r, 0xb));
	assert_false(gdb_req_has_signal(r, 0));
	r = parse("QProgramSignals:0;1;3;ff");
	assert_int_equal(r->kind, GDB_REQ_PROGRAM_SIGNALS);
	assert_true(gdb_req_has_signal(r, 0));
	assert_true(gdb_req_has_signal(r, 255));
	assert_false(gdb_req_has_signal(r, 2));
	assert_false(gdb_req_has_signal(r, 256));
	assert_int_equal(parse("QPassSignals:")->kind, GDB_REQ_PASS_SIGNALS);
}

static void test_parse_processes_files(void **state)
{
	(void)state;
	struct gdb_req *r = parse("vFile:open:2f746d702f61,0,1c0");
	assert_int_equal(r->kind, GDB_REQ_VFILE);
	assert_int_equal(r->u.vfile.op, GDB_VFILE_OPEN);
	assert_string_equal(r->str, "/tmp/a");
	assert_int_equal(r->u.vfile.flags, 0);
	assert_int_equal(r->u.vfile.mode, 0700);
	r = parse("vFile:pread:5,3fff,1000");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_PREAD);
	assert_int_equal(r->u.vfile.fd, 5);
	assert_int_equal(r->u.vfile.count, GDB_REQ_READ_MAX < 0x3fff ? GDB_REQ_READ_MAX : 0x3fff);
	assert_int_equal(r->u.vfile.offset, 0x1000);
	r = parse("vFile:close:5");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_CLOSE);
	assert_int_equal(r->u.vfile.fd, 5);
	r = parse("vFile:fstat:6");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_FSTAT);
	assert_int_equal(r->u.vfile.fd, 6);
	r = parse("vFile:setfs:1a");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_SETFS);
	assert_int_equal(r->u.vfile.pid, 0x1a);
	r = parse("vFile:readlink:2f70726f632f312f657865");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_READLINK);
	assert_string_equal(r->str, "/proc/1/exe");
	r = parse("vFile:unlink:2f746d702f61");
	assert_int_equal(r->u.vfile.op, GDB_VFILE_UNLINK);

	r = parse("vRun;2f746d702f61;61726731;;6220c3a9");
	assert_int_equal(r->kind, GDB_REQ_RUN);
	assert_int_equal(r->u.run.argc, 4);
	assert_string_equal(r->u.run.argv[0], "/tmp/a");
	assert_string_equal(r->u.run.argv[1], "arg1");
	assert_string_equal(r->u.run.argv[2], "");
	assert_string_equal(r->u.run.argv[3], "b \xc3\xa9");
	r = parse("vRun;");
	assert_int_equal(r->kind, GDB_REQ_RUN);
	assert_int_equal(r->u.run.argc, 1);
	assert_string_equal(r->u.run.argv[0], "");

	r = parse("vKill;1a");
	assert_int_equal(r->kind, GDB_REQ_VKILL);
	assert_int_equal(r->u.pid.pid, 0x1a);
	r = parse("vAttach;2b");
	assert_int_equal(r->kind, GDB_REQ_ATTACH);
	assert_int_equal(r->u.pid.pid, 0x2b);
	r = parse("D;1a");
	assert_int_equal(r->kind, GDB_REQ_DETACH);
	assert_true(r->u.pid.has_pid);
	assert_int_equal(r->u.pid.pid, 0x1a);
	r = parse("D");
	assert_int_equal(r->kind, GDB_REQ_DETACH);
	assert_false(r->u.pid.has_pid);
}

static void test_parse_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"?x", "gx", "kk", "!!", "G", "G0", "G0g", "p", "p10000", "pz", "P10", "P10=", "P10=zz",
		"P10=1", "m", "m401126", "m401126,", "mz,1", "m10000000000000000,1", "m1,10000000000000000",
		"m1,1x", "M404028,4:2a00", "M404028,2:2a0", "M404028,1:zz", "M404028,1", "X404028,4:ab",
		"X404028,1", "Z5,401126,1", "Z0,401126", "Z0,,1", "Z", "z0,1,1;X", "Z0,1,100000000",
		"C", "C100", "Cxx", "C0b;", "C0b;zz", "cz", "s1,",
		"Hx0", "Hg", "Hgp", "Hgp1.", "Hgpz", "Hg-2", "Tq", "T-2", "Tp80000000.1", "T80000000",
		"vCont;", "vCont;x", "vCont;c:", "vCont;C", "vCont;Cz", "vCont;r1", "vCont;r1,",
		"vCont;c:p1.-2", "vCont;cc", "vCont;c;",
		"qXfer:features:read:target.xml", "qXfer:features:read:target.xml:0",
		"qXfer:features:read:target.xml:0,", "qXfer:features:read:x:z,1", "qXfer:auxv:read::0,1x",
		"qRcmd,7", "qRcmd,zz", "qRcmd,0077",
		"vFile:open:2f,0", "vFile:open:2g,0,0", "vFile:open:2f,0,0,", "vFile:open:2f00,0,0",
		"vFile:pread:5,10", "vFile:pread:-1,10,0", "vFile:close:", "vFile:close:5x",
		"vFile:setfs:", "vFile:readlink:2", "vFile:fstat:80000000",
		"vRun", "vRun;1", "vRun;zz", "vKill;", "vKill;-1", "vKill;0", "vAttach;x", "D;", "D;0",
		"Dx", "D;1x", "QPassSignals:100", "QPassSignals:e;zz", "QPassSignals:e,f",
		"QProgramSignals:1:2", "qAttached:", "qAttached:x", "qSupported;x",
		"qThreadExtraInfo,", "qThreadExtraInfo,p1.2x", "qGetTLSAddr:p1.2,0", "qGetTLSAddr:x,0,0",
		"qSearch:memory:1;2;", "qSearch:memory:1;2", "qXfer:exec-file:read:zz:0,1",
		"qXfer:exec-file:read:-1:0,1", "qSymbol:zz:", "qSymbol:1", "qSymbol:1:6",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct gdb_req *r = parse(bad[i]);
		if (r->kind != GDB_REQ_MALFORMED)
			fail_msg("'%s' parsed as %s", bad[i], gdb_req_kind_name(r->kind));
		assert_non_null(r->why);
	}
	/* the vRun argument bound */
	char s[1024] = "vRun";
	for (int i = 0; i < GDB_REQ_MAX_ARGS; i++)
		strcat(s, ";61");
	assert_int_equal(parse(s)->kind, GDB_REQ_RUN);
	strcat(s, ";61");
	assert_int_equal(parse(s)->kind, GDB_REQ_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framing_acks),
		cmocka_unit_test(test_nack_limit),
		cmocka_unit_test(test_checksum_errors),
		cmocka_unit_test(test_escape_round_trip),
		cmocka_unit_test(test_run_length),
		cmocka_unit_test(test_interrupt),
		cmocka_unit_test(test_split_feeds),
		cmocka_unit_test(test_packet_size),
		cmocka_unit_test(test_fd_helpers),
		cmocka_unit_test(test_buf_helpers),
		cmocka_unit_test(test_parse_simple),
		cmocka_unit_test(test_parse_regs_mem),
		cmocka_unit_test(test_parse_breakpoints),
		cmocka_unit_test(test_parse_resume),
		cmocka_unit_test(test_parse_threads),
		cmocka_unit_test(test_parse_queries),
		cmocka_unit_test(test_parse_processes_files),
		cmocka_unit_test(test_parse_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
