/* gdb_reverse.c - reverse execution for gdb (bc, bs), monitor goto,
 * checkpoint and restart: the replay is deterministic, so any position it
 * went through is reached again by replaying the trace from the latest
 * checkpoint before it (replay_checkpoint.c), or from its start
 * (replay_main.c goes back when a hook returns GDB_RESTART, to
 * s->restore_at), and following the position's ops (struct gdb_pos) with
 * only what they need armed. Nothing of this is shown: no output (replay
 * shows each event's output once), no stop reported to gdb, until the target.
 *
 * reverse-continue: one run from the last checkpoint to the current
 * position with gdb's breakpoints and watchpoints armed notes every hit as
 * a position (a breakpoint: its arrival; a watchpoint: its trigger, one
 * step after the write); then a run to the last one (a watchpoint's: one
 * step before its trigger, where the write is about to happen, as gdb
 * expects in reverse). No hit: the same over the span before that
 * checkpoint, and so on back to the start, skipping the events known free
 * of every breakpoint and watchpoint set (gdb_cov.c).
 * reverse-stepi: one step before the current position: when the last op
 * is not a step, a run counting single steps from that op's start first. */
#include "gdb_int.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- forward: where gdb's stops are ---- */

void gdb_pos_op(struct gdb_server *g, int kind, uint64_t addr, int wtype, uint64_t wlen)
{
	struct gdb_pos *p = &g->pos;
	uint64_t ev = g->s->cur.rec.event;
	if (p->where != GDB_POS_IN || p->event != ev) {
		*p = (struct gdb_pos){.where = GDB_POS_IN, .event = ev};
	}
	struct gdb_op *last = p->nops ? &p->ops[p->nops - 1] : NULL;
	if (last && last->kind == kind && last->addr == addr && last->wtype == wtype && last->wlen == wlen) {
		last->n++;
	} else if (p->nops == GDB_MAX_OPS) {
		p->lost = 1;
	} else {
		p->ops[p->nops++] = (struct gdb_op){.kind = (uint8_t)kind, .addr = addr, .wtype = (uint8_t)wtype,
						    .wlen = (uint8_t)wlen, .n = 1};
	}
}

void gdb_pos_end(struct gdb_server *g)
{
	uint64_t ev = g->s->cur.rec.event, stops = g->pos.event == ev ? g->pos.stops : 0;
	g->pos = (struct gdb_pos){.where = GDB_POS_END, .event = ev, .stops = stops};
}

/* ---- seeking ---- */

static void counters_reset(struct gdb_seek *k)
{
	k->narr = 0;
	memset(k->trig, 0, sizeof k->trig);
	k->steps = 0;
	k->done = 0;
}

/* Starts a seek (the replay starts over): GDB_RESTART. gdb's breakpoints
 * and watchpoints are kept aside until the target. */
static int seek_start(struct gdb_server *g, enum gdb_seek_mode mode, const struct gdb_pos *target,
		      enum gdb_reply reply, uint64_t addr, int type)
{
	struct gdb_seek *k = &g->seek;
	if (!k->on) {
		k->nubps = 0;
		for (size_t i = 0; i < g->nbps && k->nubps < GDB_MAX_ANCHORS; i++)
			k->ubps[k->nubps++] = g->bps[i].addr;
		memcpy(k->uhw, g->hw, sizeof k->uhw);
	}
	k->on = true;
	k->mode = mode;
	if (&k->target != target)
		k->target = *target;
	k->reply = reply;
	k->reply_addr = addr;
	k->reply_type = type;
	k->event = k->prev_event = UINT64_MAX;
	k->op = 0;
	k->here = 0;
	k->span_end = false;
	counters_reset(k);
	g->ended = false;
	g->step_tid = g->step_pending = 0;
	g->range_start = g->range_end = 0;
	/* from the latest checkpoint before the target's event (a run to an
	 * event's end may start at that very event's) */
	bool at_end = mode == GDB_SEEK_GO && k->target.where == GDB_POS_END;
	g->s->restore_at = k->target.where == GDB_POS_BEGIN ? 0 : replay_ckpt_before(g->s, k->target.event, at_end);
	return GDB_RESTART;
}

/* gdb's breakpoints and watchpoints back, as gdb set them. */
static void restore_user(struct gdb_server *g, struct replay_task *t)
{
	struct gdb_seek *k = &g->seek;
	k->on = false;
	g->nbps = 0;
	for (int i = 0; i < k->nubps; i++)
		gdb_bp_insert(g, 0, k->ubps[i], 1);
	memcpy(g->hw, k->uhw, sizeof g->hw);
	for (int i = 1; i < GDB_NHW && t; i++)
		if (g->hw[i].used && g->hw[i].type != 1)
			mem_read(t->tid, g->hw[i].addr, g->hw[i].old, g->hw[i].len);
	g->step_tid = g->step_pending = 0;
	g->range_start = g->range_end = 0;
}

/* The target is reached with t stopped there: answer gdb. */
static int reach(struct gdb_server *g, struct replay_task *t)
{
	struct gdb_seek *k = &g->seek;
	restore_user(g, t);
	uint64_t ev = g->s->cur.rec.event;
	g->pos = k->target;
	g->pos.tid = t->rec_tid;
	g->pos.stops = 0;
	if (g->pos.where != GDB_POS_BEGIN && g->pos.event != ev)
		g->pos.lost = 1; /* not found again (see gdb_seek_event) */
	g->cur = t->rec_tid;
	g->started = true;
	if (g->hits && g->hits->pending) {
		g->hits->at = g->pos;
		g->hits->pending = false;
	}
	gdb_stop_begin(g, t, SIGTRAP);
	if (k->reply == GDB_REPLY_BEGIN)
		gdb_buf_printf(&g->stop, "replaylog:begin;");
	else if (k->reply == GDB_REPLY_SWBREAK)
		gdb_buf_printf(&g->stop, "swbreak:;");
	else if (k->reply == GDB_REPLY_WATCH)
		gdb_buf_printf(&g->stop, "%s:%" PRIx64 ";",
			       k->reply_type == 3 ? "rwatch" : k->reply_type == 4 ? "awatch" : "watch", k->reply_addr);
	if (k->reply != GDB_REPLY_MONITOR)
		return gdb_report(g, t);
	struct buf m = {0};
	gdb_buf_hex_str(&m, k->text);
	int r = gdb_conn_send_buf(g->c, &m);
	buf_free(&m);
	return r ? 0 : gdb_serve(g);
}

static bool op_active(struct gdb_server *g)
{
	const struct gdb_seek *k = &g->seek;
	return k->target.where == GDB_POS_IN && g->s->cur.rec.event == k->target.event && k->op < k->target.nops;
}

/* Whether this run single-steps t: a step op, the op (or event) COUNT
 * counts the steps of, or a step over an arrival just counted. */
static bool stepping(struct gdb_server *g)
{
	const struct gdb_seek *k = &g->seek;
	bool in_target = g->s->cur.rec.event == k->target.event;
	if (k->mode == GDB_SEEK_COUNT && in_target &&
	    (k->target.where == GDB_POS_END || (op_active(g) && k->op == k->target.nops - 1)))
		return true;
	return op_active(g) && k->target.ops[k->op].kind == GDB_OP_STEP;
}

/* The addresses whose arrivals count: gdb's breakpoints (SCAN) and the
 * current op's. */
static int anchors(struct gdb_server *g, uint64_t *a)
{
	const struct gdb_seek *k = &g->seek;
	int n = 0;
	for (int i = 0; k->mode == GDB_SEEK_SCAN && i < k->nubps; i++)
		a[n++] = k->ubps[i];
	for (int i = 1; k->mode == GDB_SEEK_SCAN && i < GDB_NHW; i++)
		if (k->uhw[i].used && k->uhw[i].type == 1 && n < GDB_MAX_ANCHORS)
			a[n++] = k->uhw[i].addr;
	if (op_active(g) && k->target.ops[k->op].kind == GDB_OP_ARRIVE && n < GDB_MAX_ANCHORS + 1)
		a[n++] = k->target.ops[k->op].addr;
	return n;
}

int gdb_seek_arm(struct gdb_server *g, struct replay_task *t)
{
	struct gdb_seek *k = &g->seek;
	uint64_t ev = g->s->cur.rec.event, a[GDB_MAX_ANCHORS + 1];
	if (ev != k->event) {
		k->event = ev;
		k->op = 0;
		k->here = 0;
		counters_reset(k);
	}
	if (k->target.where == GDB_POS_IN && ev == k->target.event && k->op >= k->target.nops) {
		/* the start of the event's code (no op) */
		int r = k->mode == GDB_SEEK_GO ? reach(g, t) : 0;
		if (r || k->on)
			return r ? r : 0;
		return 0;
	}
	bool step = stepping(g) || (k->here && k->here == t->regs.rip);
	int n = anchors(g, a);
	g->nbps = 0;
	for (int i = 0; i < n && !step; i++)
		gdb_bp_insert(g, 0, a[i], 1);
	memset(g->hw, 0, sizeof g->hw);
	int slot = 1;
	for (int i = 1; k->mode == GDB_SEEK_SCAN && i < GDB_NHW; i++)
		if (k->uhw[i].used && k->uhw[i].type != 1)
			g->hw[slot++] = k->uhw[i];
	if (op_active(g) && k->target.ops[k->op].kind == GDB_OP_WATCH) {
		const struct gdb_op *o = &k->target.ops[k->op];
		bool have = false;
		for (int i = 1; i < slot; i++)
			have |= g->hw[i].type == o->wtype && g->hw[i].addr == o->addr && g->hw[i].len == o->wlen;
		if (!have && slot < GDB_NHW)
			g->hw[slot++] = (struct gdb_hw){.used = true, .type = o->wtype, .addr = o->addr, .len = o->wlen};
	}
	for (int i = 0; k->mode == GDB_SEEK_WRITER && op_active(g) && k->op == k->target.nops - 1 && i < k->ncand; i++)
		if (slot < GDB_NHW && !(step && k->cand[i] == t->regs.rip))
			g->hw[slot++] = (struct gdb_hw){.used = true, .type = 1, .addr = k->cand[i], .len = 1};
	g->step_tid = step ? t->rec_tid : 0;
	g->range_start = g->range_end = 0;
	return 0;
}

/* The position t is at, in the run: the ops done so far in the target's
 * event (none in an earlier one), then one of kind with count n. */
static void pos_here(struct gdb_server *g, struct replay_task *t, struct gdb_pos *p, int kind, uint64_t addr,
		     int wtype, uint64_t wlen, uint64_t n)
{
	const struct gdb_seek *k = &g->seek;
	*p = (struct gdb_pos){.where = GDB_POS_IN, .event = g->s->cur.rec.event, .tid = t->rec_tid};
	if (op_active(g)) {
		p->nops = k->op;
		memcpy(p->ops, k->target.ops, (size_t)k->op * sizeof p->ops[0]);
	}
	p->ops[p->nops++] = (struct gdb_op){.kind = (uint8_t)kind, .addr = addr, .wtype = (uint8_t)wtype,
					    .wlen = (uint8_t)wlen, .n = n};
}

static void note_hit(struct gdb_server *g, const struct gdb_pos *p, enum gdb_reply reply, uint64_t addr, int type,
		     uint64_t rip)
{
	struct gdb_hits *h = g->hits;
	h->h[h->n++ % GDB_MAX_HITS] = (struct gdb_hit){.pos = *p, .reply = reply, .addr = addr, .rip = rip, .type = type};
}

/* p, one single step earlier, if its last op is a step (true). */
static bool step_back(struct gdb_pos *p)
{
	if (p->where != GDB_POS_IN || !p->nops || p->ops[p->nops - 1].kind != GDB_OP_STEP)
		return false;
	if (--p->ops[p->nops - 1].n == 0)
		p->nops--;
	return true;
}

/* The instructions (with a memory operand if mem: the data breakpoint
 * traps after the write) that end right at rip: up to GDB_NHW - 2, longest
 * first, into k->cand; *fixed: the only one that writes w's bytes at a
 * fixed address (rip-relative or absolute), or 0. x86 code does not decode backwards uniquely: the
 * wrong ones are never executed, their execution breakpoints never fire. */
static void before_candidates(struct gdb_server *g, uint64_t rip, bool mem_only, const struct gdb_hw *w, uint64_t *fixed)
{
	struct gdb_seek *k = &g->seek;
	struct replay_task *t = gdb_any_task(g);
	uint8_t code[15];
	csh h;
	k->ncand = 0;
	if (!t || rip < sizeof code || mem_read(t->tid, rip - sizeof code, code, sizeof code) != (long)sizeof code ||
	    cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
		return;
	cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
	gdb_overlay(g, rip - sizeof code, code, sizeof code);
	int nfixed = 0;
	for (size_t len = sizeof code; len > 0; len--) {
		cs_insn *insn;
		uint64_t at = rip - len;
		if (cs_disasm(h, code + sizeof code - len, len, at, 1, &insn) != 1)
			continue;
		bool mem = !mem_only, fix = false;
		for (int i = 0; insn->size == len && insn->detail && i < insn->detail->x86.op_count; i++) {
			const cs_x86_op *o = &insn->detail->x86.operands[i];
			if (o->type != X86_OP_MEM)
				continue;
			mem = true;
			/* a rip-relative or absolute operand: the same address each time */
			uint64_t ea = (uint64_t)o->mem.disp + (o->mem.base == X86_REG_RIP ? rip : 0);
			fix |= w && o->mem.segment == X86_REG_INVALID && o->mem.index == X86_REG_INVALID &&
			       (o->mem.base == X86_REG_RIP || o->mem.base == X86_REG_INVALID) && ea < w->addr + w->len &&
			       ea + o->size > w->addr;
		}
		if (mem && insn->size == len && k->ncand < GDB_NHW - 2)
			k->cand[k->ncand++] = at;
		if (fix && insn->size == len && nfixed++ == 0)
			*fixed = at;
		cs_free(insn, 1);
	}
	cs_close(&h);
	if (nfixed != 1 && fixed)
		*fixed = 0;
}

/* To hit i of the last scan (a watchpoint's: one step before it). */
static int go_to_hit(struct gdb_server *g, uint64_t i)
{
	struct gdb_hits *hs = g->hits;
	const struct gdb_hit *hit = &hs->h[i % GDB_MAX_HITS];
	struct gdb_pos h = hit->pos;
	hs->cur = i;
	hs->valid = hs->pending = true;
	if (hit->reply == GDB_REPLY_WATCH && h.where == GDB_POS_END) {
		/* a syscall's write: at its syscall instruction, before it ran
		 * (the steps of its event's code counted) */
		return seek_start(g, GDB_SEEK_COUNT, &h, hit->reply, hit->addr, hit->type);
	}
	if (hit->reply == GDB_REPLY_WATCH && h.where == GDB_POS_IN && !hit->before && !step_back(&h)) {
		/* the write is one step before: the instruction that made it */
		before_candidates(g, hit->rip, true, NULL, NULL);
		return seek_start(g, g->seek.ncand ? GDB_SEEK_WRITER : GDB_SEEK_COUNT, &h, hit->reply, hit->addr,
				  hit->type);
	}
	return seek_start(g, GDB_SEEK_GO, &h, hit->reply, hit->addr, hit->type);
}

static int to_begin(struct gdb_server *g)
{
	struct gdb_pos begin = {.where = GDB_POS_BEGIN};
	if (g->hits)
		g->hits->valid = false;
	return seek_start(g, GDB_SEEK_GO, &begin, GDB_REPLY_BEGIN, 0, 0);
}

/* The scan from the last checkpoint found nothing before where gdb is:
 * a scan of the span before it, from the checkpoint before that one (or
 * the start) to that checkpoint's event, inclusive. */
static int scan_span_before(struct gdb_server *g)
{
	struct gdb_hits *h = g->hits;
	/* not the events known free of every breakpoint and watchpoint set
	 * (gdb_cov.c): from the latest one not known so */
	uint64_t last = gdb_cov_unknown(g, h->ubps, h->nubps, h->uhw, h->from);
	gdb_cov_skipped(g, h->from - last);
	if (!last)
		return to_begin(g);
	struct gdb_pos p = {.where = GDB_POS_END, .event = last, .tid = g->cur};
	int r = seek_start(g, GDB_SEEK_SCAN, &p, GDB_REPLY_STOP, 0, 0);
	g->seek.span_end = true;
	h->n = 0;
	h->valid = h->pending = false;
	h->from = g->s->restore_at;
	return r;
}

/* SCAN reached the position gdb reverse-continued from: on to the last hit. */
static int after_scan(struct gdb_server *g)
{
	if (g->hits && !g->hits->n && g->hits->from)
		return scan_span_before(g);
	if (!g->hits || !g->hits->n)
		return to_begin(g);
	return go_to_hit(g, g->hits->n - 1);
}

static bool pos_same(const struct gdb_pos *a, const struct gdb_pos *b)
{
	if (a->where != b->where || a->event != b->event || a->nops != b->nops || a->lost || b->lost)
		return false;
	for (int i = 0; i < a->nops; i++)
		if (a->ops[i].kind != b->ops[i].kind || a->ops[i].addr != b->ops[i].addr || a->ops[i].n != b->ops[i].n ||
		    a->ops[i].wtype != b->ops[i].wtype || a->ops[i].wlen != b->ops[i].wlen)
			return false;
	return true;
}

/* Whether gdb's breakpoints and watchpoints are those of the last scan. */
static bool same_config(struct gdb_server *g)
{
	const struct gdb_hits *h = g->hits;
	if ((int)g->nbps != h->nubps)
		return false;
	for (size_t i = 0; i < g->nbps; i++) {
		bool in = false;
		for (int j = 0; j < h->nubps && !in; j++)
			in = h->ubps[j] == g->bps[i].addr;
		if (!in)
			return false;
	}
	for (int i = 1; i < GDB_NHW; i++) {
		bool in = !g->hw[i].used;
		for (int j = 1; j < GDB_NHW && !in; j++)
			in = h->uhw[j].used && h->uhw[j].type == g->hw[i].type && h->uhw[j].addr == g->hw[i].addr &&
			     h->uhw[j].len == g->hw[i].len;
		if (!in)
			return false;
	}
	return true;
}

/* reverse-continue: from where the last one went, the hit before it (or the
 * start); else a scan. */
static int reverse_continue(struct gdb_server *g)
{
	struct gdb_hits *h = g->hits;
	if (h && h->valid && !h->pending && pos_same(&g->pos, &h->at) && same_config(g)) {
		if (h->cur > 0 && h->cur - 1 + GDB_MAX_HITS >= h->n)
			return go_to_hit(g, h->cur - 1);
		if (h->cur == 0)
			return h->from ? scan_span_before(g) : to_begin(g);
	}
	if (!h && !(h = g->hits = malloc(sizeof *h)))
		return gdb_buf_printf(&g->out, "E01");
	int r = seek_start(g, GDB_SEEK_SCAN, &g->pos, GDB_REPLY_STOP, 0, 0);
	h->n = 0;
	h->valid = h->pending = false;
	h->from = g->s->restore_at;
	h->nubps = g->seek.nubps;
	memcpy(h->ubps, g->seek.ubps, sizeof h->ubps);
	memcpy(h->uhw, g->seek.uhw, sizeof h->uhw);
	return r;
}

/* COUNT reached its target after m single steps (of its last op, or of
 * its event): on to one step before it. */
static int after_count(struct gdb_server *g, uint64_t m, bool fault)
{
	struct gdb_seek *k = &g->seek;
	struct gdb_pos p = k->target;
	if (p.where == GDB_POS_END) {
		if (fault && m)
			m--; /* the faulting instruction did not run: the one before it */
		if (!m) {
			/* no code of it ran in that event: back to the previous one's end */
			p = (struct gdb_pos){.where = k->prev_event == UINT64_MAX ? GDB_POS_BEGIN : GDB_POS_END,
					     .event = k->prev_event};
		} else {
			p = (struct gdb_pos){.where = GDB_POS_IN, .event = p.event, .nops = 1,
					     .ops[0] = {.kind = GDB_OP_STEP, .n = m}};
		}
	} else {
		p.nops--;
		if (m > 1)
			p.ops[p.nops++] = (struct gdb_op){.kind = GDB_OP_STEP, .n = m - 1};
	}
	return seek_start(g, GDB_SEEK_GO, &p, p.where == GDB_POS_BEGIN ? GDB_REPLY_BEGIN : k->reply, k->reply_addr,
			  k->reply_type);
}

static bool is_user_bp(const struct gdb_seek *k, uint64_t a)
{
	for (int i = 0; i < k->nubps; i++)
		if (k->ubps[i] == a)
			return true;
	for (int i = 1; i < GDB_NHW; i++)
		if (k->uhw[i].used && k->uhw[i].type == 1 && k->uhw[i].addr == a)
			return true;
	return false;
}

static int user_watch(const struct gdb_seek *k, const struct gdb_hw *h)
{
	for (int i = 1; i < GDB_NHW; i++)
		if (k->uhw[i].used && k->uhw[i].type == h->type && k->uhw[i].addr == h->addr && k->uhw[i].len == h->len)
			return i;
	return 0;
}

int gdb_seek_stopped(struct gdb_server *g, struct replay_task *t, int hw, bool sw, bool step)
{
	struct gdb_seek *k = &g->seek;
	uint64_t rip = t->regs.rip, a[GDB_MAX_ANCHORS + 1], arr = 0, ca = 0, ct = 0;
	bool active = op_active(g);
	struct gdb_op *o = active ? &k->target.ops[k->op] : NULL;
	struct gdb_hw *wh = hw ? &g->hw[hw] : NULL;
	uint64_t was_here = k->here;
	k->here = 0;
	if (wh && wh->type == 1) {
		sw = true; /* a WRITER candidate's execution breakpoint: an arrival */
		wh = NULL;
	}
	if (step && gdb_in_replay_code(t, rip))
		step = false; /* on through replay's code: part of the step that comes out */
	if (step) {
		k->steps++;
		if (o && o->kind == GDB_OP_STEP)
			k->done++;
	}
	if (sw) {
		arr = rip;
	} else if (step) {
		int n = anchors(g, a);
		for (int i = 0; i < n && !arr; i++)
			if (a[i] == rip)
				arr = rip;
	}
	if (arr) {
		int i = 0;
		while (i < k->narr && k->arr[i].addr != arr)
			i++;
		if (i == k->narr && k->narr < GDB_MAX_ANCHORS)
			k->arr[k->narr++] = (typeof(k->arr[0])){.addr = arr};
		ca = i < GDB_MAX_ANCHORS ? ++k->arr[i].n : 0;
		k->here = arr;
		if (o && o->kind == GDB_OP_ARRIVE && o->addr == arr)
			k->done++;
	}
	if (wh) {
		ct = ++k->trig[hw];
		if (o && o->kind == GDB_OP_WATCH && o->addr == wh->addr && o->wtype == wh->type && o->wlen == wh->len)
			k->done++;
	}
	bool final = o && k->op == k->target.nops - 1 && k->done >= o->n;
	if (k->mode == GDB_SEEK_SCAN) {
		struct gdb_pos p;
		bool stepop = o && o->kind == GDB_OP_STEP;
		if (arr && !final && is_user_bp(k, arr)) {
			pos_here(g, t, &p, stepop ? GDB_OP_STEP : GDB_OP_ARRIVE, stepop ? 0 : arr, 0, 0, stepop ? k->done : ca);
			note_hit(g, &p, GDB_REPLY_SWBREAK, 0, 0, rip);
		}
		int u = wh ? user_watch(k, wh) : 0;
		if (u)
			mem_read(t->tid, k->uhw[u].addr, k->uhw[u].old, k->uhw[u].len); /* for syscalls' writes */
		uint64_t w = 0;
		if (u && !stepop && (!active || k->op + 2 < GDB_MAX_OPS))
			before_candidates(g, rip, true, wh, &w);
		if (u && w) {
			/* every run of w writes there: the write is w's first
			 * arrival after the trigger before */
			pos_here(g, t, &p, GDB_OP_WATCH, wh->addr, wh->type, wh->len, ct - 1);
			if (ct == 1)
				p.nops--;
			p.ops[p.nops++] = (struct gdb_op){.kind = GDB_OP_ARRIVE, .addr = w, .n = 1};
			note_hit(g, &p, GDB_REPLY_WATCH, wh->addr, wh->type, rip);
			g->hits->h[(g->hits->n - 1) % GDB_MAX_HITS].before = true;
		} else if (u) {
			pos_here(g, t, &p, stepop ? GDB_OP_STEP : GDB_OP_WATCH, stepop ? 0 : wh->addr, stepop ? 0 : wh->type,
				 stepop ? 0 : wh->len, stepop ? k->done : ct);
			note_hit(g, &p, GDB_REPLY_WATCH, wh->addr, wh->type, rip);
		}
	}
	if (final && k->mode == GDB_SEEK_WRITER) {
		int c = 0;
		while (c < k->ncand && !(step && k->cand[c] == was_here))
			c++;
		if (c == k->ncand)
			return seek_start(g, GDB_SEEK_COUNT, &k->target, k->reply, k->reply_addr, k->reply_type);
		/* the writer was stepped over right before: its arrival */
		int i = 0;
		while (i < k->narr && k->arr[i].addr != was_here)
			i++;
		struct gdb_pos p;
		pos_here(g, t, &p, GDB_OP_ARRIVE, was_here, 0, 0, i < k->narr ? k->arr[i].n : 1);
		return seek_start(g, GDB_SEEK_GO, &p, k->reply, k->reply_addr, k->reply_type);
	}
	if (final) {
		if (k->mode == GDB_SEEK_SCAN)
			return after_scan(g);
		if (k->mode == GDB_SEEK_COUNT)
			return after_count(g, k->steps, false);
		int r = reach(g, t);
		return r ? r : 1;
	}
	if (o && k->done >= o->n) {
		k->op++;
		counters_reset(k);
	}
	return 1;
}

int gdb_seek_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec)
{
	struct gdb_seek *k = &g->seek;
	g->step_pending = 0;
	g->step_tid = 0;
	if (k->mode == GDB_SEEK_SCAN && rec->type == TR_SYSCALL && gdb_shown(g, t) &&
	    (rec->event < k->target.event || (k->span_end && rec->event == k->target.event))) {
		int i = gdb_watch_changed(k->uhw, t);
		if (i) {
			struct gdb_pos p = {.where = GDB_POS_END, .event = rec->event, .tid = t->rec_tid};
			note_hit(g, &p, GDB_REPLY_WATCH, k->uhw[i].addr, k->uhw[i].type, 0);
		}
	}
	if (rec->event < k->target.event || k->target.where == GDB_POS_BEGIN) {
		k->prev_event = rec->event;
		return 0;
	}
	struct replay_task *at = gdb_task(g, k->target.tid);
	if (!at)
		at = gdb_shown(g, t) ? t : gdb_any_task(g);
	if (k->target.where == GDB_POS_IN || rec->event > k->target.event)
		msg("gdb: event %" PRIu64 ": the position sought in event %" PRIu64 " was not found again",
		    rec->event, k->target.event);
	else if (k->mode == GDB_SEEK_SCAN)
		return after_scan(g);
	else if (k->mode == GDB_SEEK_COUNT)
		return after_count(g, k->event == rec->event ? k->steps : 0, rec->type == TR_SIGNAL);
	if (!at) {
		restore_user(g, NULL);
		return 0; /* the process is gone: gdb sees its end */
	}
	return reach(g, at);
}

void gdb_seek_end(struct gdb_server *g)
{
	restore_user(g, NULL);
}

int gdb_seek_begin(struct gdb_server *g, struct replay_task *t)
{
	for (int i = 1; i < GDB_NHW; i++)
		if (g->seek.uhw[i].used)
			mem_read(t->tid, g->seek.uhw[i].addr, g->seek.uhw[i].old, g->seek.uhw[i].len);
	return g->seek.target.where == GDB_POS_BEGIN ? reach(g, t) : 0;
}

int gdb_seek_resume(struct gdb_server *g)
{
	struct gdb_seek *k = &g->seek;
	struct replay_task *t = gdb_any_task(g);
	uint64_t ev = g->s->cur.rec.event;
	for (int i = 1; i < GDB_NHW && t; i++)
		if (k->uhw[i].used)
			mem_read(t->tid, k->uhw[i].addr, k->uhw[i].old, k->uhw[i].len);
	k->prev_event = ev;
	if (k->mode != GDB_SEEK_GO || k->target.where != GDB_POS_END || k->target.event != ev)
		return 0;
	/* the checkpoint is the target (monitor restart, goto) */
	struct replay_task *at = gdb_task(g, k->target.tid);
	if (!at)
		at = t;
	if (!at) {
		restore_user(g, NULL);
		return 0;
	}
	return reach(g, at);
}

/* ---- gdb's requests ---- */

int gdb_reverse(struct gdb_server *g, char back)
{
	struct gdb_pos p = g->pos;
	struct replay_task *t = gdb_task(g, g->cur);
	if (p.lost || !t)
		return gdb_buf_printf(&g->out, "E01");
	if (p.where == GDB_POS_BEGIN) {
		g->out.len = 0;
		gdb_stop_begin(g, t, SIGTRAP);
		gdb_buf_printf(&g->stop, "replaylog:begin;");
		return buf_put(&g->out, g->stop.p, g->stop.len);
	}
	if (back == 'c')
		return reverse_continue(g);
	if (step_back(&p))
		return seek_start(g, GDB_SEEK_GO, &p, GDB_REPLY_STOP, 0, 0);
	g->seek.ncand = 0;
	if (p.where == GDB_POS_IN && p.ops[p.nops - 1].kind == GDB_OP_ARRIVE) {
		/* most often the instruction before it in memory ran just before */
		before_candidates(g, p.ops[p.nops - 1].addr, false, NULL, NULL);
	}
	return seek_start(g, g->seek.ncand ? GDB_SEEK_WRITER : GDB_SEEK_COUNT, &p, GDB_REPLY_STOP, 0, 0);
}

int gdb_reverse_monitor(struct gdb_server *g, const char *cmd, struct buf *out, int *r)
{
	char text[256];
	unsigned long long n;
	*r = 0;
	if (sscanf(cmd, "goto %llu", &n) == 1) {
		struct gdb_pos p = {.where = GDB_POS_END, .event = n, .tid = g->cur};
		snprintf(g->seek.text, sizeof g->seek.text, "At the end of event %llu\n", n);
		*r = seek_start(g, GDB_SEEK_GO, &p, GDB_REPLY_MONITOR, 0, 0);
		return 1;
	}
	if (sscanf(cmd, "restart %llu", &n) == 1) {
		if (n < 1 || n > (unsigned long long)g->nckpt) {
			snprintf(text, sizeof text, "no checkpoint %llu (monitor checkpoint makes one)\n", n);
			gdb_buf_hex_str(out, text);
			return 1;
		}
		snprintf(g->seek.text, sizeof g->seek.text, "At checkpoint %llu (event %" PRIu64 ")\n", n,
			 g->ckpt[n - 1].event);
		*r = seek_start(g, GDB_SEEK_GO, &g->ckpt[n - 1], GDB_REPLY_MONITOR, 0, 0);
		return 1;
	}
	if (!strcmp(cmd, "checkpoints")) {
		char list[1024];
		int len = gdb_cov_describe(g, list, sizeof list);
		if (len > 0 && (size_t)len < sizeof list)
			replay_ckpt_describe(g->s, list + len, sizeof list - (size_t)len);
		gdb_buf_hex_str(out, list);
		return 1;
	}
	if (!strncmp(cmd, "checkpoint", 10) && (!cmd[10] || cmd[10] == ' ')) {
		if (g->pos.lost || g->nckpt == GDB_MAX_CKPT)
			snprintf(text, sizeof text, "cannot make a checkpoint here\n");
		else {
			/* at an event's end: a snapshot of the replay right here */
			bool snap = g->pos.where == GDB_POS_END && g->pos.event == g->s->cur.rec.event &&
				    !replay_ckpt_after_event(g->s, true);
			g->ckpt[g->nckpt++] = g->pos;
			snprintf(text, sizeof text, "Checkpoint %d at event %" PRIu64 "%s\n", g->nckpt, g->pos.event,
				 snap ? " (a snapshot of the replay)" : "");
		}
		gdb_buf_hex_str(out, text);
		return 1;
	}
	return 0;
}
