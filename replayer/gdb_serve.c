/* gdb_serve.c - answers gdb's requests while the replay is stopped: what
 * each parsed request (gdb_req.c) means for the replay session. */
#include "gdb_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUPPORTED "PacketSize=" GDB_CONN_PACKET_SIZE_STR ";QStartNoAckMode+;qXfer:features:read+;" \
	"qXfer:auxv:read+;qXfer:exec-file:read+;qXfer:libraries-svr4:read+;qXfer:siginfo:read+;qXfer:threads:read+;multiprocess+;" \
	"hwbreak+;swbreak+;vContSupported+;QPassSignals+;QProgramSignals+;ReverseContinue+;ReverseStep+"

/* The thread a vCont action names: its recorded tid, or 0 for "all"/"any"
 * (the current thread for a step). */
static uint32_t action_tid(struct gdb_server *g, const struct gdb_action *a)
{
	if (!a->has_tid || a->tid.tid == GDB_ID_ALL || a->tid.tid == GDB_ID_ANY)
		return 0;
	if (a->tid.pid > 0 && (uint64_t)a->tid.pid != g->pid)
		return UINT32_MAX; /* another process: nothing of it is shown */
	return (uint32_t)a->tid.tid;
}

/* A resume: which thread (if any) steps. Signals gdb asks for are not
 * delivered: the program gets the recorded ones, and only those. */
static int resume(struct gdb_server *g, const struct gdb_req *req)
{
	g->step_tid = 0;
	g->step_pending = 0;
	g->range_start = g->range_end = 0;
	for (int i = 0; i < req->u.resume.n; i++) {
		const struct gdb_action *a = &req->u.resume.act[i];
		if (a->kind != GDB_ACT_STEP && a->kind != GDB_ACT_RANGE)
			continue;
		uint32_t tid = action_tid(g, a);
		if (tid == UINT32_MAX)
			continue;
		struct replay_task *t = gdb_task(g, tid);
		if (t) {
			g->step_tid = t->rec_tid;
			if (a->kind == GDB_ACT_RANGE) {
				g->range_start = a->start;
				g->range_end = a->end;
			}
			break;
		}
	}
	if (req->kind == GDB_REQ_CONT && req->u.resume.has_addr) {
		struct replay_task *t = gdb_task(g, 0);
		if (t && !regs_get(t->tid, &t->regs)) {
			t->regs.rip = req->u.resume.addr;
			regs_set(t->tid, &t->regs);
		}
	}
	return 0;
}

static int threads_list(struct gdb_server *g, struct buf *out)
{
	int n = 0;
	for (struct replay_task *t = g->s->tasks; t; t = t->next) {
		if (!gdb_shown(g, t))
			continue;
		gdb_buf_printf(out, "%s", n++ ? "," : "m");
		gdb_put_tid(g, out, t->rec_tid);
	}
	if (!n)
		gdb_buf_printf(out, "l");
	return 0;
}

static void monitor(struct gdb_server *g, const char *cmd, struct buf *out)
{
	char text[512];
	while (*cmd == ' ')
		cmd++;
	if (!strncmp(cmd, "when", 4) && (!cmd[4] || cmd[4] == ' ')) {
		snprintf(text, sizeof text, "Current event: %" PRIu64 "\nPosition: event %" PRIu64 ", stop %" PRIu64
			 " since it (thread %u)\n", g->s->cur.rec.event, g->pos.event, g->pos.stops, g->cur);
	} else if (!strncmp(cmd, "help", 4) || !*cmd) {
		snprintf(text, sizeof text, "monitor when: the current event (replay --dump numbers them)\n"
			 "monitor goto EVENT: to the end of that event\n"
			 "monitor checkpoint: remembers this position, says its number\n"
			 "monitor restart N: back (or on) to checkpoint N\n"
			 "monitor checkpoints: the replay's snapshots, where re-execution last began\n"
			 "(after goto and restart: maint flush register-cache)\n");
	} else {
		snprintf(text, sizeof text, "unknown monitor command: %.100s (monitor help lists them)\n", cmd);
	}
	gdb_buf_hex_str(out, text);
}

static int mem_reply(struct gdb_server *g, const struct gdb_req *req, struct buf *out)
{
	struct replay_task *t = gdb_task(g, 0);
	uint8_t data[GDB_REQ_READ_MAX];
	if (!t)
		return gdb_buf_printf(out, "E01");
	if (req->kind == GDB_REQ_WRITE_MEM) {
		if (!req->u.mem.len)
			return gdb_buf_printf(out, "OK");
		gdb_call_note(g, t);
		gdb_cov_taint(g);
		return gdb_buf_printf(out, mem_write(t->memfd, req->u.mem.addr, req->data, req->u.mem.len) ? "E01" : "OK");
	}
	long n = req->u.mem.len ? mem_read(t->tid, req->u.mem.addr, data, req->u.mem.len) : 0;
	if (n <= 0 && req->u.mem.len)
		return gdb_buf_printf(out, "E01");
	gdb_overlay(g, req->u.mem.addr, data, (size_t)(n > 0 ? n : 0));
	return gdb_buf_hex(out, data, (size_t)n);
}

static int regs_reply(struct gdb_server *g, const struct gdb_req *req, struct buf *out)
{
	struct replay_task *t = gdb_task(g, 0);
	int r;
	if (!t)
		return gdb_buf_printf(out, "E01");
	switch (req->kind) {
	case GDB_REQ_READ_REGS: r = gdb_regs_read_all(g->regs, t->tid, out); break;
	case GDB_REQ_READ_REG: r = gdb_regs_read_one(g->regs, t->tid, req->u.reg, out); break;
	case GDB_REQ_WRITE_REGS:
		gdb_call_note(g, t);
		gdb_cov_taint(g);
		r = gdb_regs_write_all(g->regs, t->tid, req->data, req->data_len, &t->regs); break;
	default:
		gdb_call_note(g, t);
		gdb_cov_taint(g);
		r = gdb_regs_write_one(g->regs, t->tid, req->u.reg, req->data, req->data_len, &t->regs); break;
	}
	if (r) {
		out->len = 0;
		return gdb_buf_printf(out, "E01");
	}
	return req->kind == GDB_REQ_WRITE_REGS || req->kind == GDB_REQ_WRITE_REG ? gdb_buf_printf(out, "OK") : 0;
}

static int answer(struct gdb_server *g, const struct gdb_req *req);

/* After a detach: what gdb still asks right after it (it closes the
 * files it read) is answered while the replay waits, up to 100 ms of
 * quiet; then the replay goes on alone. */
static void linger(struct gdb_server *g)
{
	struct gdb_req *req = malloc(sizeof *req);
	for (int i = 0; req && i < 256; i++) {
		struct gdb_event ev;
		if (gdb_conn_next(g->c, -1, 100, &ev) || ev.kind != GDB_EV_PACKET)
			break;
		gdb_req_parse(ev.payload, ev.len, req);
		g->out.len = 0;
		if (req->kind == GDB_REQ_DETACH)
			gdb_buf_printf(&g->out, "OK");
		else if (answer(g, req))
			continue; /* a resume or a kill: no longer gdb's to decide */
		if (gdb_conn_send_buf(g->c, &g->out))
			break;
	}
	free(req);
}

/* Answers one request into g->out; returns 1 if gdb resumed, 0, or
 * GDB_KILLED. */
static int answer(struct gdb_server *g, const struct gdb_req *req)
{
	struct buf *out = &g->out;
	struct replay_task *t;
	int r;
	switch (req->kind) {
	case GDB_REQ_HALT_REASON: buf_put(out, g->stop.p, g->stop.len); break;
	case GDB_REQ_EXTENDED: gdb_buf_printf(out, "OK"); break;
	case GDB_REQ_SUPPORTED: {
		const struct gdb_feature *f = gdb_req_feature(req, "multiprocess");
		g->multiprocess = f && f->sign == '+';
		gdb_buf_printf(out, SUPPORTED);
		break;
	}
	case GDB_REQ_READ_REGS: case GDB_REQ_WRITE_REGS: case GDB_REQ_READ_REG: case GDB_REQ_WRITE_REG:
		regs_reply(g, req, out);
		break;
	case GDB_REQ_READ_MEM: case GDB_REQ_WRITE_MEM: mem_reply(g, req, out); break;
	case GDB_REQ_INSERT_BP: case GDB_REQ_REMOVE_BP:
		r = req->kind == GDB_REQ_INSERT_BP ? gdb_bp_insert(g, req->u.bp.type, req->u.bp.addr, req->u.bp.kind)
						   : gdb_bp_remove(g, req->u.bp.type, req->u.bp.addr, req->u.bp.kind);
		gdb_buf_printf(out, r == -EINVAL && req->u.bp.type != 0 ? "" : r ? "E01" : "OK");
		break;
	case GDB_REQ_CONT: case GDB_REQ_VCONT:
		if (g->killed)
			return GDB_KILLED;
		if (g->ended)
			return 1;
		resume(g, req);
		return gdb_call_resume(g) ? 2 : 1; /* a call: its stop was the answer */
	case GDB_REQ_VCONT_QUERY: gdb_buf_printf(out, "vCont;c;C;s;S;t;r"); break;
	case GDB_REQ_REVERSE_CONT: case GDB_REQ_REVERSE_STEP:
		if (g->ended) {
			gdb_buf_printf(out, "E01");
			break;
		}
		if (g->pick_event && g->pos.where == GDB_POS_END && g->pos.event == g->pick_event)
			g->pos.where = GDB_POS_BEGIN; /* where the -p process appeared: its history begins */
		r = gdb_reverse(g, req->kind == GDB_REQ_REVERSE_CONT ? 'c' : 's');
		if (r == GDB_RESTART)
			return r;
		break;
	case GDB_REQ_SET_THREAD: {
		uint32_t tid = req->u.thread.tid.tid > 0 ? (uint32_t)req->u.thread.tid.tid : 0;
		if (tid && !gdb_task(g, tid)) {
			gdb_buf_printf(out, "E01");
			break;
		}
		if (req->u.thread.op == 'g')
			g->gthread = tid;
		gdb_buf_printf(out, "OK");
		break;
	}
	case GDB_REQ_THREAD_ALIVE:
		t = req->u.thread.tid.tid > 0 ? gdb_task(g, (uint32_t)req->u.thread.tid.tid) : NULL;
		gdb_buf_printf(out, t && t->rec_tid == req->u.thread.tid.tid ? "OK" : "E01");
		break;
	case GDB_REQ_THREAD_FIRST: threads_list(g, out); break;
	case GDB_REQ_THREAD_NEXT: gdb_buf_printf(out, "l"); break;
	case GDB_REQ_CURRENT_THREAD:
		if ((t = gdb_task(g, g->cur))) {
			gdb_buf_printf(out, "QC");
			gdb_put_tid(g, out, t->rec_tid);
		}
		break;
	case GDB_REQ_THREAD_EXTRA: {
		char name[64] = "";
		t = req->u.thread.tid.tid > 0 ? gdb_task(g, (uint32_t)req->u.thread.tid.tid) : NULL;
		gdb_buf_hex_str(out, t ? gdb_thread_name(g, t, name, sizeof name) : "");
		break;
	}
	case GDB_REQ_ATTACHED: gdb_buf_printf(out, "1"); break;
	case GDB_REQ_XFER_READ: gdb_files_xfer(g, req); break;
	case GDB_REQ_START_NOACK:
		gdb_buf_printf(out, "OK");
		gdb_conn_send_buf(g->c, out);
		gdb_conn_set_noack(g->c, true);
		out->len = 0;
		return 2;
	case GDB_REQ_PASS_SIGNALS:
		memcpy(g->pass, req->u.signals, sizeof g->pass);
		gdb_buf_printf(out, "OK");
		break;
	case GDB_REQ_PROGRAM_SIGNALS: gdb_buf_printf(out, "OK"); break;
	case GDB_REQ_VFILE: gdb_files_vfile(g, req); break;
	case GDB_REQ_RUN: case GDB_REQ_RESTART:
		/* from the start again; vRun is answered with the first stop */
		gdb_server_rerun(g, req->kind == GDB_REQ_RUN);
		return GDB_RESTART;
	case GDB_REQ_ATTACH: gdb_buf_printf(out, "E01"); break;
	case GDB_REQ_VKILL:
		/* gdb's `kill`, or the first half of its `run`: the replay
		 * ends when gdb goes, unless a vRun comes first */
		gdb_buf_printf(out, "OK");
		gdb_conn_send_buf(g->c, out);
		out->len = 0;
		g->killed = g->ended = true;
		return 2;
	case GDB_REQ_KILL: return GDB_KILLED;
	case GDB_REQ_DETACH:
		gdb_buf_printf(out, "OK");
		gdb_conn_send_buf(g->c, out);
		out->len = 0;
		if (g->killed)
			return GDB_KILLED;
		gdb_call_undo(g);
		g->detached = true;
		linger(g);
		return 1;
	case GDB_REQ_MONITOR: {
		unsigned long long ev;
		char text[128];
		if (g->pick_event && sscanf(req->str + strspn(req->str, " "), "goto %llu", &ev) == 1 && ev < g->pick_event) {
			snprintf(text, sizeof text, "the process shown appears at event %llu\n",
				 (unsigned long long)g->pick_event);
			gdb_buf_hex_str(out, text);
			break;
		}
		if (gdb_reverse_monitor(g, req->str + strspn(req->str, " "), out, &r)) {
			if (r == GDB_RESTART)
				return r;
			break;
		}
		monitor(g, req->str, out);
		break;
	}
	case GDB_REQ_SYMBOL: gdb_buf_printf(out, "OK"); break;
	case GDB_REQ_MALFORMED: gdb_buf_printf(out, "E01"); break;
	default: break; /* the empty packet: not supported */
	}
	return 0;
}

int gdb_serve(struct gdb_server *g)
{
	for (;;) {
		struct gdb_event ev;
		int r = gdb_conn_next(g->c, -1, -1, &ev);
		if (r || ev.kind == GDB_EV_CLOSED || ev.kind == GDB_EV_ERROR) {
			g->closed = true;
			return g->killed ? GDB_KILLED : 0;
		}
		if (ev.kind == GDB_EV_BAD_PACKET) {
			gdb_conn_send_str(g->c, "E01");
			continue;
		}
		if (ev.kind != GDB_EV_PACKET)
			continue; /* an interrupt while stopped: nothing to stop */
		gdb_req_parse(ev.payload, ev.len, &g->req);
		g->out.len = 0;
		r = answer(g, &g->req);
		if (r == 1 || r == GDB_KILLED || r == GDB_RESTART)
			return r == 1 ? 0 : r;
		if (r == 2)
			continue;
		if (g->out.err) {
			g->out.err = 0;
			g->out.len = 0;
			gdb_buf_printf(&g->out, "E01");
		}
		r = gdb_conn_send_buf(g->c, &g->out);
		if (r) {
			g->closed = true;
			return g->killed ? GDB_KILLED : 0;
		}
	}
}
