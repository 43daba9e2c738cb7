/* gdb_server.c - the gdb server's hooks into the replay loop: stops,
 * resumes, breakpoints and watchpoints (see gdb_server.h for the
 * invariants), and the listening socket. */
#include "gdb_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/inproc.h"

#define DR6_BS 0x4000ull
#define DR7_REPLAY 0x000f0003ull /* DR0's enable and condition bits: replay's own */

struct gdb_server *gdb_server_new(struct replay_session *s, int lfd, int ready, uint64_t goto_event)
{
	struct gdb_server *g = calloc(1, sizeof *g);
	if (!g)
		return NULL;
	g->s = s;
	g->fd = -1;
	g->lfd = lfd;
	g->ready = ready;
	g->goto_event = goto_event;
	g->regs = gdb_regs_features(&s->r.hdr);
	return g;
}

void gdb_server_pick(struct gdb_server *g, uint32_t pid, uint64_t event)
{
	g->pick_pid = pid;
	g->pick_event = event;
	if (g->goto_event < event)
		g->goto_event = event;
}

void gdb_server_rerun(struct gdb_server *g, bool reply)
{
	g->killed = g->ended = g->started = false;
	g->run = reply;
	g->goto_event = g->pick_event;
	g->seek.on = false;
	if (g->hits)
		g->hits->valid = false;
	g->step_tid = g->step_pending = 0;
	g->range_start = g->range_end = 0;
}

/* Takes gdb's connection (once); false (and g->closed) if there is none. */
static bool connect_gdb(struct gdb_server *g)
{
	if (g->c)
		return true;
	if (g->ready >= 0) {
		if (write(g->ready, "r", 1) != 1)
			msg("%s", "--gdb: cannot start gdb");
		close(g->ready);
		g->ready = -1;
	}
	g->fd = g->lfd >= 0 ? gdb_accept(g->lfd) : -EBADF;
	g->lfd = -1;
	if (g->fd >= 0 && !(g->c = gdb_conn_new(g->fd)))
		msg("%s", "gdb: out of memory");
	if (!g->c) {
		if (g->fd < 0)
			msg("gdb: no connection: %s", strerror(-g->fd));
		g->closed = true;
	}
	return g->c != NULL;
}

void gdb_server_free(struct gdb_server *g)
{
	if (!g)
		return;
	gdb_conn_free(g->c);
	if (g->fd >= 0)
		close(g->fd);
	if (g->lfd >= 0)
		close(g->lfd);
	if (g->ready >= 0)
		close(g->ready);
	free(g->bps);
	free(g->hits);
	gdb_cov_free(g);
	gdb_call_forget(g);
	gdb_procs_free(g);
	buf_free(&g->auxv);
	buf_free(&g->stop);
	buf_free(&g->out);
	free(g);
}

bool gdb_shown(struct gdb_server *g, const struct replay_task *t)
{
	return t && t->alive && g->pid && t->tgid == g->pid && !g->ended;
}

struct replay_task *gdb_task(struct gdb_server *g, uint32_t tid)
{
	if (!tid)
		tid = g->gthread ? g->gthread : g->cur;
	struct replay_task *t = replay_task_find(g->s, tid);
	if (!gdb_shown(g, t) && tid == g->cur) {
		/* the current thread is gone: any other of the process */
		for (t = g->s->tasks; t && !gdb_shown(g, t); t = t->next)
			;
	}
	return gdb_shown(g, t) ? t : NULL;
}

int gdb_put_tid(struct gdb_server *g, struct buf *b, uint32_t tid)
{
	return gdb_buf_tid(b, g->pid, tid, g->multiprocess);
}

/* Linux signal numbers 1..31 as gdb's (enum gdb_signal). */
static const uint8_t sig_gdb[32] = {0,  1,  2,  3,  4,  5,  6,  10, 8,  9,  30, 11, 31, 13, 14, 15,
				    143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12};

int gdb_sig_from_linux(int sig)
{
	if (sig > 0 && sig < 32)
		return sig_gdb[sig];
	if (sig == 32)
		return 77;
	if (sig == 33)
		return 45;
	if (sig >= 34 && sig <= 63)
		return 46 + sig - 34;
	return sig == 64 ? 78 : 143;
}

int gdb_sig_to_linux(int gsig)
{
	for (int s = 1; s <= 64; s++)
		if (gdb_sig_from_linux(s) == gsig)
			return s;
	return 0;
}

/* ---- breakpoints and watchpoints ---- */

static int hw_len_ok(int type, uint64_t addr, uint64_t len)
{
	if (type == 1)
		return 1; /* execution: one byte, any address */
	return (len == 1 || len == 2 || len == 4 || len == 8) && addr % len == 0;
}

int gdb_bp_insert(struct gdb_server *g, int type, uint64_t addr, uint64_t len)
{
	if (type == 0) {
		for (size_t i = 0; i < g->nbps; i++)
			if (g->bps[i].addr == addr)
				return 0;
		if (g->nbps == g->capbps) {
			size_t cap = g->capbps ? 2 * g->capbps : 16;
			if (cap > 4096)
				return -ENOSPC;
			struct gdb_bp *n = realloc(g->bps, cap * sizeof *n);
			if (!n)
				return -ENOMEM;
			g->bps = n;
			g->capbps = cap;
		}
		g->bps[g->nbps++] = (struct gdb_bp){.addr = addr};
		return 0;
	}
	if (type < 1 || type > 4 || !hw_len_ok(type, addr, len))
		return -EINVAL;
	for (int i = 1; i < GDB_NHW; i++)
		if (g->hw[i].used && g->hw[i].type == type && g->hw[i].addr == addr && g->hw[i].len == len)
			return 0;
	for (int i = 1; i < GDB_NHW; i++) {
		if (g->hw[i].used)
			continue;
		struct replay_task *t = gdb_task(g, 0);
		g->hw[i] = (struct gdb_hw){.used = true, .type = type, .addr = addr, .len = type == 1 ? 1 : len};
		if (t)
			mem_read(t->tid, addr, g->hw[i].old, g->hw[i].len);
		return 0;
	}
	return -ENOSPC;
}

int gdb_bp_remove(struct gdb_server *g, int type, uint64_t addr, uint64_t len)
{
	if (type == 0) {
		for (size_t i = 0; i < g->nbps; i++)
			if (g->bps[i].addr == addr) {
				g->bps[i] = g->bps[--g->nbps];
				return 0;
			}
		return 0;
	}
	for (int i = 1; i < GDB_NHW; i++)
		if (g->hw[i].used && g->hw[i].type == type && g->hw[i].addr == addr &&
		    (type == 1 || g->hw[i].len == len))
			g->hw[i].used = false;
	return 0;
}

static int dr_get(pid_t tid, int i, uint64_t *v)
{
	errno = 0;
	long x = ptrace(PTRACE_PEEKUSER, tid, offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long), 0);
	if (errno)
		return -errno;
	*v = (uint64_t)x;
	return 0;
}

static int dr_set(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, off, v) < 0 ? -errno : 0;
}

/* gdb's bits of DR7. */
static uint64_t dr7_bits(struct gdb_server *g)
{
	static const uint64_t rw[5] = {0, 0, 1, 3, 3}, lenbits[9] = {0, 0, 1, 0, 3, 0, 0, 0, 2};
	uint64_t v = 0;
	for (int i = 1; i < GDB_NHW; i++)
		if (g->hw[i].used)
			v |= (1ull << (2 * i)) | (rw[g->hw[i].type] << (16 + 4 * i)) |
			     ((g->hw[i].type == 1 ? 0 : lenbits[g->hw[i].len]) << (18 + 4 * i));
	return v;
}

struct replay_task *gdb_any_task(struct gdb_server *g)
{
	for (struct replay_task *t = g->s->tasks; t; t = t->next)
		if (gdb_shown(g, t) && t->memfd >= 0)
			return t;
	return NULL;
}

/* 1 if addr is inside (not at the start of) a jump replay put into the
 * program's code: a counting site's or a state-matching trampoline's. An
 * int3 there would break the jump: such a breakpoint stays unarmed. */
static int inside_replay_jump(const struct replay_task *t, uint64_t addr)
{
	if (t->patch_at && addr > t->patch_at && addr < t->patch_at + t->patch_len)
		return 1;
	const struct site_table *tab = t->space ? &t->space->sites : NULL;
	for (int i = 0; tab && i < tab->npages; i++)
		for (int k = 0; k < tab->page[i].n; k++)
			if (addr > tab->page[i].site[k] && addr < tab->page[i].site[k] + tab->page[i].len[k])
				return 1;
	const struct il_patch *p = t->space ? il_patch_at(&t->space->patches, addr, 1) : NULL;
	return p && addr > p->site.addr; /* a patched syscall site's */
}

int gdb_in_replay_code(const struct replay_task *t, uint64_t rip)
{
	if (t->patch_tramp && rip >= t->patch_tramp && rip < t->patch_tramp + 4096)
		return 1;
	if (t->space && t->space->il &&
	    ((rip >= IL_BASE && rip < IL_BASE + IL_TEXT_MAX) || il_patch_in_tramp(&t->space->patches, rip)))
		return 1;
	return t->space && site_page_of(&t->space->sites, rip) >= 0;
}

void gdb_overlay(struct gdb_server *g, uint64_t addr, uint8_t *p, size_t n)
{
	struct replay_task *t = gdb_any_task(g);
	if (!t)
		return;
	const struct site_table *tab = t->space ? &t->space->sites : NULL;
	for (int i = 0; tab && i < tab->npages; i++)
		for (int k = 0; k < tab->page[i].n; k++)
			for (uint64_t a = tab->page[i].site[k]; a < tab->page[i].site[k] + tab->page[i].len[k]; a++)
				if (a >= addr && a - addr < n)
					p[a - addr] = tab->page[i].code[k][a - tab->page[i].site[k]];
	for (uint32_t i = 0; t->space && i < t->space->patches.n; i++) {
		const struct il_site *ps = &t->space->patches.p[i].site;
		for (uint64_t a = ps->addr; a < ps->addr + ps->len; a++)
			if (a >= addr && a - addr < n)
				p[a - addr] = ps->code[a - ps->addr];
	}
	for (struct replay_task *o = g->s->tasks; o; o = o->next)
		for (uint64_t a = o->patch_at; gdb_shown(g, o) && a && a < o->patch_at + o->patch_len; a++)
			if (a >= addr && a - addr < n)
				p[a - addr] = o->patch_orig[a - o->patch_at];
}

/* Puts the program's bytes back through t's /proc/PID/mem, or, if t has
 * just ended, through another thread's of its process. */
static void disarm(struct gdb_server *g, struct replay_task *t)
{
	for (size_t i = g->nbps; i-- > 0;) {
		struct gdb_bp *b = &g->bps[i];
		if (b->armed && (t->memfd < 0 || mem_write(t->memfd, b->addr, &b->orig, 1)))
			for (struct replay_task *o = g->s->tasks; o; o = o->next)
				if (o != t && gdb_shown(g, o) && o->memfd >= 0 && !mem_write(o->memfd, b->addr, &b->orig, 1))
					break;
		/* b->armed stays: whether an int3 there was gdb's this time */
	}
	uint64_t dr7;
	if (t->alive && dr7_bits(g) && !dr_get(t->tid, 7, &dr7))
		dr_set(t->tid, 7, dr7 & DR7_REPLAY);
	g->armed = false;
}

int gdb_server_arm(struct gdb_server *g, struct replay_task *t, int *req)
{
	*req = PTRACE_SYSEMU;
	if (!g || !g->c || g->detached || g->closed || !gdb_shown(g, t)) {
		if (g && !g->c && gdb_shown(g, t))
			gdb_cov_resume(g, false, false);
		return 0;
	}
	if (g->seek.on) {
		int r = gdb_seek_arm(g, t);
		if (r < 0)
			return r;
	}
	if (g->step_tid == t->rec_tid) {
		*req = PTRACE_SYSEMU_SINGLESTEP;
		g->step_armed = true;
	}
	for (size_t i = 0; i < g->nbps; i++) {
		static const uint8_t int3 = 0xcc;
		struct gdb_bp *b = &g->bps[i];
		if (gdb_call_dummy(g, b->addr)) {
			b->armed = false;
			continue;
		}
		if (inside_replay_jump(t, b->addr)) {
			size_t w = 0;
			while (w < 8 && g->warned[w] && g->warned[w] != b->addr)
				w++;
			if (w == 8 || !g->warned[w])
				msg("thread %u: gdb's breakpoint at %#llx is inside code replay patched (a counting site): it cannot stop there",
				    t->rec_tid, (unsigned long long)b->addr);
			if (w < 8)
				g->warned[w] = b->addr;
			b->armed = false;
			continue;
		}
		/* Over an int3 already there (the program's, a site slot's trap)
		 * a stop is not gdb's: none is armed there. */
		b->armed = mem_read(t->tid, b->addr, &b->orig, 1) == 1 && b->orig != int3 &&
			   mem_write(t->memfd, b->addr, &int3, 1) == 0;
	}
	uint64_t bits = dr7_bits(g), dr7;
	bool hw_ok = true;
	if (bits) {
		int r = dr_get(t->tid, 7, &dr7);
		for (int i = 1; i < GDB_NHW && !r; i++)
			if (g->hw[i].used)
				r = dr_set(t->tid, i, g->hw[i].addr);
		if (!r)
			r = dr_set(t->tid, 6, 0);
		if (!r)
			r = dr_set(t->tid, 7, (dr7 & DR7_REPLAY) | bits);
		if (r)
			msg("thread %u: cannot set the debug registers for gdb's watchpoints: %s", t->rec_tid, strerror(-r));
		hw_ok = !r;
	}
	gdb_cov_resume(g, true, hw_ok);
	g->armed = true;
	g->armed_tid = t->tid;
	g->armed_ns = now_ns();
	return 0;
}

/* The time gdb held the replay does not count against the wait bound. */
int gdb_report(struct gdb_server *g, struct replay_task *t)
{
	uint64_t t0 = now_ns();
	gdb_call_forget(g);
	g->pos.stops++;
	g->pos.tid = t->rec_tid;
	g->cur = t->rec_tid;
	g->gthread = 0;
	g->step_tid = 0;
	g->step_pending = 0;
	g->range_start = g->range_end = 0;
	int r = gdb_conn_send_buf(g->c, &g->stop);
	if (r == -EPIPE || r == -ECONNRESET) {
		g->closed = true;
		return 0;
	}
	if (!r)
		r = gdb_serve(g);
	uint64_t held = now_ns() - t0;
	if (g->s->wait.deadline_ns)
		g->s->wait.deadline_ns += held;
	g->s->held_ns += held;
	return r;
}

void gdb_stop_begin(struct gdb_server *g, struct replay_task *t, int linux_sig)
{
	g->stop.len = 0;
	gdb_buf_printf(&g->stop, "T%02x", gdb_sig_from_linux(linux_sig) & 0xff);
	gdb_buf_printf(&g->stop, "thread:");
	gdb_put_tid(g, &g->stop, t->rec_tid);
	gdb_buf_printf(&g->stop, ";");
}

/* Whether gdb sent its interrupt (^C) while the replay ran; a closed
 * connection is noted. */
static bool interrupted(struct gdb_server *g)
{
	struct gdb_event ev;
	int r = gdb_conn_next(g->c, -1, 0, &ev);
	if (r || ev.kind == GDB_EV_CLOSED || ev.kind == GDB_EV_ERROR) {
		g->closed = true;
		return false;
	}
	return ev.kind == GDB_EV_INTERRUPT;
}

void gdb_server_disarm(struct gdb_server *g, struct replay_task *t)
{
	if (g && g->armed && g->armed_tid == t->tid)
		disarm(g, t);
}

int gdb_server_stopped(struct gdb_server *g, struct replay_task *t, int status)
{
	if (!g || !g->armed || g->armed_tid != t->tid)
		return 0;
	disarm(g, t);
	bool stepped = g->step_armed;
	g->step_armed = false;
	if (stepped && g->s->wait.deadline_ns)
		g->s->wait.deadline_ns += now_ns() - g->armed_ns; /* gdb's steps take what they take */
	if (!t->alive || !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP || (status >> 16) != 0) {
		if (stepped)
			g->step_pending = t->rec_tid; /* a syscall, a fault: replay handles it first */
		return 0;
	}
	uint64_t dr6 = 0;
	siginfo_t si;
	int r = dr_get(t->tid, 6, &dr6);
	if (r || ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0 || (r = regs_get(t->tid, &t->regs)))
		return r ? r : -errno;
	if ((dr6 & 1) && si.si_code != SI_KERNEL) {
		/* replay's own DR0 (a state-matched point): its stop, whatever
		 * else came with it; a step ends after the event (an int3's
		 * stop shows DR6 as the last debug exception left it) */
		if (stepped)
			g->step_pending = t->rec_tid;
		return 0;
	}
	int hw = 0;
	bool sw = false, step = false;
	for (int i = 1; i < GDB_NHW && !hw; i++)
		if (g->hw[i].used && (dr6 & (1ull << i)))
			hw = i;
	if (!hw && si.si_code == SI_KERNEL) {
		for (size_t i = 0; i < g->nbps && !sw; i++)
			if (g->bps[i].armed && g->bps[i].addr == t->regs.rip - 1) {
				t->regs.rip--;
				if ((r = regs_set(t->tid, &t->regs)))
					return r;
				sw = true;
			}
	}
	/* A step's trap: DR6.BS, or the kernel's report of a step into a
	 * signal handler (TRAP_UNK or TRAP_BRKPT, no debug exception); an
	 * int3 (SI_KERNEL) is not the step's. */
	step = stepped && !sw && si.si_code != SI_KERNEL &&
	       ((dr6 & DR6_BS) || (!hw && (si.si_code == TRAP_BRKPT || si.si_code == TRAP_TRACE || si.si_code == TRAP_UNK)));
	if (dr6 & ~0xffff0ff0ull)
		dr_set(t->tid, 6, 0);
	gdb_cov_stop(g, t->regs.rip, hw);
	if (g->seek.on) {
		if (!hw && !sw && !step)
			return 0;
		return gdb_seek_stopped(g, t, hw, sw, step);
	}
	if (step && !gdb_in_replay_code(t, t->regs.rip))
		gdb_pos_op(g, GDB_OP_STEP, 0, 0, 0); /* (a step on through replay's code is part of one) */
	else if (sw || (hw && g->hw[hw].type == 1))
		gdb_pos_op(g, GDB_OP_ARRIVE, sw ? t->regs.rip : g->hw[hw].addr, 0, 0);
	else if (hw)
		gdb_pos_op(g, GDB_OP_WATCH, g->hw[hw].addr, g->hw[hw].type, g->hw[hw].len);
	gdb_stop_begin(g, t, SIGTRAP);
	bool ours = false;
	if (hw) {
		struct gdb_hw *h = &g->hw[hw];
		if (h->type == 1)
			gdb_buf_printf(&g->stop, "hwbreak:;");
		else
			gdb_buf_printf(&g->stop, "%s:%llx;", h->type == 2 ? "watch" : h->type == 3 ? "rwatch" : "awatch",
				       (unsigned long long)h->addr);
		if (h->type != 1)
			mem_read(t->tid, h->addr, h->old, h->len);
		ours = true;
	} else if (sw) {
		gdb_buf_printf(&g->stop, "swbreak:;");
		ours = true;
	}
	if (!ours && step) {
		if (gdb_in_replay_code(t, t->regs.rip) || (t->regs.rip >= g->range_start && t->regs.rip < g->range_end)) {
			/* a step into a site's slot or a trampoline: on through
			 * replay's code, back to the program's; a range step: on
			 * while in the range */
			g->step_tid = t->rec_tid;
			if (!interrupted(g))
				return 1;
			gdb_stop_begin(g, t, SIGINT);
			r = gdb_report(g, t);
			return r ? r : 1;
		}
		ours = true;
	}
	if (!ours) {
		if (stepped)
			g->step_pending = t->rec_tid;
		return 0;
	}
	r = gdb_report(g, t);
	return r ? r : 1;
}

/* Replay's emulation of a syscall writes memory directly: no debug
 * register sees it. */
int gdb_watch_changed(struct gdb_hw *hw, struct replay_task *t)
{
	for (int i = 1; i < GDB_NHW; i++) {
		struct gdb_hw *h = &hw[i];
		uint8_t now[8];
		if (!h->used || (h->type != 2 && h->type != 4) || mem_read(t->tid, h->addr, now, h->len) != (long)h->len)
			continue;
		if (memcmp(now, h->old, h->len)) {
			memcpy(h->old, now, h->len);
			return i;
		}
	}
	return 0;
}

/* gdb's first stop, at t, in g->stop: gdb asks for it ('?'), or it is the
 * answer to its vRun. */
static int first_stop(struct gdb_server *g, struct replay_task *t)
{
	if (!g->run)
		return gdb_serve(g);
	g->run = false;
	return gdb_report(g, t);
}

int gdb_server_event(struct gdb_server *g, struct replay_task *t, const struct trace_rec *rec)
{
	if (!g || g->detached || g->closed)
		return 0;
	uint32_t rec_type = rec->type;
	gdb_cov_event(g, rec->event);
	if (g->seek.on)
		return gdb_seek_event(g, t, rec);
	gdb_procs_event(g, t, rec);
	if (g->goto_event) {
		/* --goto: gdb's first stop, at the end of that event */
		if (rec->event < g->goto_event)
			return 0;
		g->goto_event = 0;
		struct replay_task *at = gdb_shown(g, t) ? t : gdb_any_task(g);
		if (!at)
			return 0; /* nothing of the process left: gdb sees its end */
		if (g->pick_event)
			gdb_procs_show(g);
		if (g->ready < 0 && !g->s->opt->quiet && !g->c && rec->event != g->pick_event)
			msg("at event %llu: gdb may connect now", (unsigned long long)rec->event);
		if (!connect_gdb(g))
			return 0;
		g->cur = at->rec_tid;
		gdb_pos_end(g);
		if (g->pick_event == rec->event) /* (reverse execution ends there) */
			g->pos = (struct gdb_pos){.where = GDB_POS_BEGIN, .event = rec->event, .tid = at->rec_tid};
		g->started = true;
		gdb_stop_begin(g, at, SIGTRAP);
		return first_stop(g, at);
	}
	if (rec_type == TR_SYSCALL && gdb_shown(g, t))
		gdb_files_note_name(g, t, rec);
	if (rec_type == TR_EXEC && gdb_shown(g, t) && g->nbps) {
		msg("thread %u: the process gdb shows ran execve: its breakpoints are dropped", t->rec_tid);
		g->nbps = 0;
	}
	if (g->step_pending) {
		struct replay_task *st = replay_task_find(g->s, g->step_pending);
		if (!gdb_shown(g, st)) {
			g->step_pending = 0; /* it ended: gdb waits for the next stop */
			g->step_tid = 0;
		} else if (st == t && rec_type == TR_SIGNAL) {
			/* reported as the signal below */
		} else if (!st->at_syscall && !st->in_clone && !st->group_exiting) {
			gdb_stop_begin(g, st, SIGTRAP);
			gdb_pos_end(g);
			return gdb_report(g, st);
		}
	}
	if (rec_type == TR_SIGNAL && gdb_shown(g, t) && t->pending_sig) {
		int gs = gdb_sig_from_linux(t->pending_sig);
		if (g->step_pending == t->rec_tid || !(g->pass[gs / 64] & (1ull << (gs % 64)))) {
			gdb_stop_begin(g, t, t->pending_sig);
			gdb_pos_end(g);
			return gdb_report(g, t);
		}
	}
	if (rec_type == TR_SYSCALL && gdb_shown(g, t)) {
		int i = gdb_watch_changed(g->hw, t);
		if (i) {
			gdb_stop_begin(g, t, SIGTRAP);
			gdb_buf_printf(&g->stop, "%s:%llx;", g->hw[i].type == 2 ? "watch" : "awatch",
				       (unsigned long long)g->hw[i].addr);
			gdb_pos_end(g);
			return gdb_report(g, t);
		}
	}
	if (g->started && gdb_procs_exited(g, t, rec)) {
		int r = gdb_conn_send_buf(g->c, &g->stop);
		return r ? 0 : gdb_serve(g);
	}
	if (interrupted(g)) {
		struct replay_task *it = gdb_shown(g, t) ? t : gdb_task(g, 0);
		if (!it)
			it = gdb_any_task(g);
		if (it) {
			gdb_stop_begin(g, it, SIGINT);
			gdb_pos_end(g);
			return gdb_report(g, it);
		}
	}
	return 0;
}

int gdb_server_begin(struct gdb_server *g)
{
	struct replay_task *t = replay_task_find(g->s, g->s->leader);
	if (!t)
		return -ESRCH;
	gdb_cov_restart(g);
	g->pid = g->pick_pid ? g->pick_pid : t->tgid;
	g->cur = t->rec_tid;
	gdb_call_forget(g);
	if (!g->pick_event || !g->seek.on) {
		/* (a seek in a -p process keeps what gdb was shown of it) */
		g->auxv.len = 0;
		gdb_procs_free(g);
		int r = gdb_files_auxv(g, t);
		if (r)
			msg("thread %u: the recorded auxiliary vector cannot be read: %s", t->rec_tid, strerror(-r));
		if (g->pick_event)
			gdb_procs_begin(g, t);
	}
	if (g->goto_event > g->s->cur.rec.event)
		return 0; /* gdb comes at that event */
	if (g->seek.on) {
		if (g->pick_event && g->seek.target.where == GDB_POS_BEGIN) {
			/* the -p process's beginning is where it appeared */
			g->seek.target = (struct gdb_pos){.where = GDB_POS_END, .event = g->pick_event, .tid = g->pick_pid};
		}
		return gdb_seek_begin(g, t);
	}
	g->goto_event = 0;
	if (!connect_gdb(g))
		return 0;
	gdb_stop_begin(g, t, SIGTRAP);
	g->pos = (struct gdb_pos){.where = GDB_POS_BEGIN, .event = g->s->cur.rec.event, .tid = t->rec_tid};
	g->started = true;
	return first_stop(g, t);
}

int gdb_server_resume(struct gdb_server *g)
{
	gdb_cov_restart(g);
	return g->seek.on ? gdb_seek_resume(g) : 0;
}

bool gdb_server_active(const struct gdb_server *g)
{
	return g->c && g->started && !g->detached && !g->closed;
}

int gdb_server_end(struct gdb_server *g, int r)
{
	if (!g || g->detached || g->closed || !connect_gdb(g))
		return 0;
	g->ended = true;
	g->stop.len = 0;
	if (r) {
		struct buf m = {0};
		gdb_buf_printf(&m, "O");
		gdb_buf_hex_str(&m, "replay: the replay stopped with an error (see replay's messages)\n");
		gdb_conn_send_buf(g->c, &m);
		buf_free(&m);
		gdb_buf_printf(&g->stop, "W%02x", EXIT_DIVERGED);
	} else if (g->s->exit_sig) {
		gdb_buf_printf(&g->stop, "X%02x", gdb_sig_from_linux(g->s->exit_sig) & 0xff);
	} else {
		gdb_buf_printf(&g->stop, "W%02x", g->s->status & 0xff);
	}
	if (g->multiprocess && g->pid)
		gdb_buf_printf(&g->stop, ";process:%x", g->pid);
	/* Before the first stop gdb has not resumed anything: it gets the
	 * exit as the answer to its '?'; a monitor goto past the end gets its
	 * answer, the exit comes at gdb's next resume. */
	bool send = g->started;
	if (g->seek.on) {
		bool mon = g->seek.reply == GDB_REPLY_MONITOR;
		gdb_seek_end(g);
		if (mon) {
			struct buf m = {0};
			gdb_buf_hex_str(&m, "The recording ends before that point\n");
			gdb_conn_send_buf(g->c, &m);
			buf_free(&m);
			send = false;
		}
	}
	for (;; send = true) {
		int k = send ? gdb_conn_send_buf(g->c, &g->stop) : 0;
		if (k || (k = gdb_serve(g)) || g->detached || g->closed)
			return k == GDB_KILLED || k == -EPIPE || k == -ECONNRESET ? 0 : k; /* GDB_RESTART too */
	}
}

/* ---- the socket ---- */

int gdb_listen(const char *spec, int *port)
{
	char host[256] = "127.0.0.1";
	const char *colon = strrchr(spec, ':');
	const char *ps = colon ? colon + 1 : spec;
	if (colon && colon != spec) {
		size_t n = (size_t)(colon - spec);
		if (n >= sizeof host)
			return -EINVAL;
		memcpy(host, spec, n);
		host[n] = 0;
	}
	char *end;
	long p = strtol(ps, &end, 10);
	if (!*ps || *end || p < 0 || p > 65535)
		return -EINVAL;
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *ai;
	char pbuf[16];
	snprintf(pbuf, sizeof pbuf, "%ld", p);
	if (getaddrinfo(host, pbuf, &hints, &ai))
		return -EADDRNOTAVAIL;
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -e;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage sa;
	socklen_t len = sizeof sa;
	if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		close(fd);
		return -errno;
	}
	*port = ntohs(sa.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&sa)->sin6_port
					       : ((struct sockaddr_in *)&sa)->sin_port);
	return fd;
}

int gdb_accept(int lfd)
{
	int fd;
	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0 && errno == EINTR)
		;
	int e = errno;
	close(lfd);
	if (fd < 0)
		return -e;
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
	return fd;
}
