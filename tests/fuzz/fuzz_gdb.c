/* fuzz_gdb.c - libFuzzer target for the gdb remote protocol connection
 * module (replayer/gdb_conn.c, replayer/gdb_req.c). An input's first byte
 * picks the mode (bit 0: no-ack mode; bits 1-3: the size of the chunks
 * fed), the rest is the byte stream gdb would send. Every packet is parsed
 * (from an exact-size copy, so a read past its end is caught), its fields
 * checked and turned into a reply as a server would; its payload, framed
 * by gdb_conn_send and fed to a second connection, must come back the
 * same. The whole input is also parsed as one payload. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../replayer/gdb_conn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct gdb_req req;

/* Checks the parsed fields and builds a reply from them, as a server would. */
static void answer(struct gdb_conn *c, const uint8_t *payload, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, payload, len);
	enum gdb_req_kind kind = gdb_req_parse(copy, len, &req);
	free(copy);
	if (kind >= GDB_REQ_KIND_COUNT || kind != req.kind)
		abort();
	struct buf b = {0};
	if (req.data)
		gdb_buf_hex(&b, req.data, req.data_len);
	if (req.str && strlen(req.str) != req.str_len)
		abort();
	switch (kind) {
	case GDB_REQ_MALFORMED:
		if (!req.why)
			abort();
		gdb_buf_printf(&b, "E01");
		break;
	case GDB_REQ_READ_MEM:
		if (req.u.mem.len > GDB_REQ_READ_MAX)
			abort();
		for (uint64_t i = 0; i < req.u.mem.len; i++)
			gdb_buf_hex(&b, &req.u.mem.addr, 1);
		break;
	case GDB_REQ_WRITE_MEM:
		if (req.data_len != req.u.mem.len)
			abort();
		break;
	case GDB_REQ_INSERT_BP:
	case GDB_REQ_REMOVE_BP:
		if (req.u.bp.type < 0 || req.u.bp.type > 4)
			abort();
		gdb_buf_printf(&b, "%d,%llx,%llx", req.u.bp.type, (unsigned long long)req.u.bp.addr,
			       (unsigned long long)req.u.bp.kind);
		break;
	case GDB_REQ_CONT:
	case GDB_REQ_VCONT:
		if (req.u.resume.n < 1 || req.u.resume.n > GDB_REQ_MAX_ACTIONS)
			abort();
		for (int i = 0; i < req.u.resume.n; i++) {
			const struct gdb_action *a = &req.u.resume.act[i];
			if (a->sig < -1 || a->sig > 255)
				abort();
			gdb_buf_printf(&b, "T%02xthread:", a->sig & 0xff);
			gdb_buf_tid(&b, a->tid.pid, a->tid.tid, true);
		}
		break;
	case GDB_REQ_SET_THREAD:
	case GDB_REQ_THREAD_ALIVE:
	case GDB_REQ_THREAD_EXTRA:
		gdb_buf_tid(&b, req.u.thread.tid.pid, req.u.thread.tid.tid, true);
		break;
	case GDB_REQ_SUPPORTED:
		for (int i = 0; i < req.u.supported.n; i++) {
			const struct gdb_feature *f = &req.u.supported.f[i];
			if (gdb_req_feature(&req, f->name) == NULL)
				abort();
			gdb_buf_printf(&b, "%s%c%s;", f->name, f->sign, f->value);
		}
		break;
	case GDB_REQ_XFER_READ:
		if (req.u.xfer.len > GDB_REQ_READ_MAX)
			abort();
		gdb_buf_printf(&b, "l%s:%s", req.u.xfer.name, req.u.xfer.annex);
		break;
	case GDB_REQ_PASS_SIGNALS:
	case GDB_REQ_PROGRAM_SIGNALS:
		for (int s = 0; s < 256; s++)
			if (gdb_req_has_signal(&req, s))
				gdb_buf_printf(&b, "%x;", s);
		break;
	case GDB_REQ_VFILE:
		if (req.u.vfile.count > GDB_REQ_READ_MAX)
			abort();
		gdb_buf_printf(&b, "F%llx;", (unsigned long long)req.u.vfile.fd);
		break;
	case GDB_REQ_RUN:
		if (req.u.run.argc < 1 || req.u.run.argc > GDB_REQ_MAX_ARGS)
			abort();
		for (int i = 0; i < req.u.run.argc; i++)
			gdb_buf_hex_str(&b, req.u.run.argv[i]);
		break;
	case GDB_REQ_MONITOR:
		gdb_buf_printf(&b, "O");
		gdb_buf_hex_str(&b, req.str);
		break;
	default:
		gdb_buf_printf(&b, "%s", gdb_req_kind_name(kind));
		break;
	}
	if (gdb_conn_send_buf(c, &b))
		abort();
	buf_free(&b);
}

/* The payload, framed and fed to a fresh connection, must come back. */
static void round_trip(const uint8_t *payload, size_t len)
{
	struct gdb_conn *tx = gdb_conn_new(-1), *rx = gdb_conn_new(-1);
	if (!tx || !rx || gdb_conn_send(tx, payload, len))
		abort();
	size_t n;
	const uint8_t *out = gdb_conn_pending(tx, &n);
	struct gdb_event ev;
	if (gdb_conn_feed(rx, out, n, &ev) != n || ev.kind != GDB_EV_PACKET || ev.len != len ||
	    memcmp(ev.payload, payload, len))
		abort();
	gdb_conn_free(tx);
	gdb_conn_free(rx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct gdb_conn *c = gdb_conn_new(-1);
	if (!c)
		abort();
	gdb_conn_set_noack(c, data[0] & 1);
	size_t step = (size_t)1 << ((data[0] >> 1) & 7) * 2; /* 1 to 16 K */
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	gdb_conn_send_str(c, "OK"); /* for '-' to resend */
	while (n) {
		struct gdb_event ev;
		size_t used = gdb_conn_feed(c, p, n < step ? n : step, &ev);
		if (used == 0 || used > n)
			abort();
		p += used;
		n -= used;
		if (ev.kind == GDB_EV_PACKET) {
			if (ev.len > GDB_CONN_PACKET_SIZE || ev.payload[ev.len] != 0)
				abort();
			answer(c, ev.payload, ev.len);
			if (ev.len)
				round_trip(ev.payload, ev.len);
		} else if (ev.kind == GDB_EV_BAD_PACKET || ev.kind == GDB_EV_ERROR) {
			if (!ev.why)
				abort();
		}
		size_t pend;
		gdb_conn_pending(c, &pend);
		gdb_conn_consume(c, pend);
	}
	answer(c, data + 1, size - 1);
	gdb_conn_free(c);
	return 0;
}
