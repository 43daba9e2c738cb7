/* gdb_call.c - functions gdb calls in the replayed program (print f(1),
 * call): gdb writes the thread's registers (rip at the function, a return
 * address on the stack where it put a breakpoint) and continues. That
 * resume is not the replay's: the server runs the thread alone to that
 * breakpoint, with replay's own counting off (its state-matching debug
 * register, a preemption's perf counter), and answers gdb with the stop
 * there; gdb then writes the registers back. The call's effects last until
 * gdb resumes the replay for real: then the process's writable memory (the
 * stack the call used, what it wrote, the counting sites' counters) and the
 * thread's registers are put back as they were at the stop, as in rr, where
 * a call runs in a diversion: the replay goes on as recorded.
 *
 * A call that makes a syscall (replay decides every syscall: none runs),
 * faults, traps elsewhere or is interrupted (^C) is abandoned at once, put
 * back the same way, and gdb is told the thread got SIGSYS (SIGINT for ^C)
 * at the stop (not SIGSEGV: gdb takes a SIGSEGV at one of its breakpoints
 * for that breakpoint's hit). */
#include "gdb_int.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>

#define CALL_MEM_MAX (512ull << 20) /* writable memory kept aside for a call, at most */
#define DR7_DR0 0x3ull                /* replay's DR0 enable bits */

/* A writable mapping's bytes at the stop. */
struct call_region {
	uint64_t addr;
	size_t len;
	bool anon;
	uint8_t *data;
};

struct gdb_call {
	uint32_t tid;      /* the thread whose registers gdb wrote */
	bool ran;          /* a call ran since the stop */
	struct user_regs_struct gp; /* its state at the stop */
	uint8_t xs[4096];
	size_t xs_len;
	struct user_fpregs_struct fx;
	struct call_region *mem; /* the process's writable memory at the stop */
	int nmem;
	bool have_mem;
};

static void call_free(struct gdb_server *g)
{
	struct gdb_call *c = g->call;
	if (!c)
		return;
	for (int i = 0; i < c->nmem; i++)
		free(c->mem[i].data);
	free(c->mem);
	free(c);
	g->call = NULL;
}

void gdb_call_forget(struct gdb_server *g)
{
	call_free(g);
}

/* The full register state of tid into c (0 or -errno). */
static int state_get(pid_t tid, struct gdb_call *c)
{
	int r = regs_get(tid, &c->gp);
	if (r)
		return r;
	if (ptrace(PTRACE_GETFPREGS, tid, 0, &c->fx) < 0)
		return -errno;
	long n = xstate_get(tid, c->xs, sizeof c->xs);
	c->xs_len = n < 0 ? 0 : (size_t)n;
	return 0;
}

static int state_set(pid_t tid, struct gdb_call *c)
{
	int r = regs_set(tid, &c->gp);
	if (!r && ptrace(PTRACE_SETFPREGS, tid, 0, &c->fx) < 0)
		r = -errno;
	if (!r && c->xs_len)
		r = xstate_set(tid, c->xs, c->xs_len);
	return r;
}

/* Reads a region's bytes: pages never touched of anonymous memory as the
 * zeros they are, without reading them. */
static int region_read(pid_t tid, int pm, const struct call_region *m, uint8_t *dst)
{
	return (m->anon ? mem_read_anon(pm, tid, m->addr, dst, m->len) : mem_read(tid, m->addr, dst, m->len)) ==
	       (long)m->len ? 0 : -EFAULT;
}

/* Keeps the process's writable memory aside (once): 0, or -E2BIG (more
 * than CALL_MEM_MAX), -errno. */
static int mem_keep(struct gdb_call *c, struct replay_task *t)
{
	char path[64], line[512];
	size_t total = 0;
	int r = 0, pm = mem_pagemap_open(t->tid);
	if (c->have_mem)
		goto out;
	snprintf(path, sizeof path, "/proc/%d/maps", t->tid);
	FILE *f = fopen(path, "re");
	if (!f) {
		r = -errno;
		goto out;
	}
	while (!r && fgets(line, sizeof line, f)) {
		unsigned long long lo, hi, ino;
		char perms[8];
		int name = 0;
		if (sscanf(line, "%llx-%llx %7s %*s %*s %llu %n", &lo, &hi, perms, &ino, &name) < 4 || perms[1] != 'w')
			continue;
		if ((total += hi - lo) > CALL_MEM_MAX) {
			r = -E2BIG;
			break;
		}
		struct call_region *n = realloc(c->mem, (size_t)(c->nmem + 1) * sizeof *n), *m;
		if (!n) {
			r = -ENOMEM;
			break;
		}
		c->mem = n;
		m = &c->mem[c->nmem];
		*m = (struct call_region){.addr = lo, .len = (size_t)(hi - lo), .anon = ino == 0};
		if (!(m->data = malloc(m->len)))
			r = -ENOMEM;
		else if (region_read(t->tid, pm, m, m->data))
			free(m->data); /* unreadable (a guard page): left out */
		else
			c->nmem++;
	}
	fclose(f);
	c->have_mem = !r;
out:
	if (pm >= 0)
		close(pm);
	return r;
}

void gdb_call_note(struct gdb_server *g, struct replay_task *t)
{
	if (g->call || t->at_syscall || t->in_clone || t->exec_done)
		return;
	struct gdb_call *c = calloc(1, sizeof *c);
	if (!c || state_get(t->tid, c)) {
		free(c);
		return;
	}
	c->tid = t->rec_tid;
	g->call = c;
	int r = mem_keep(c, t);
	if (r)
		msg("thread %u: its memory cannot be kept aside for a call from gdb: %s", t->rec_tid, strerror(-r));
}

/* Puts back every page of the kept memory the call changed. */
static void mem_back(struct gdb_call *c, struct replay_task *t)
{
	int pm = mem_pagemap_open(t->tid);
	for (int i = 0; i < c->nmem; i++) {
		struct call_region *m = &c->mem[i];
		uint8_t *now = malloc(m->len);
		if (now && !region_read(t->tid, pm, m, now)) {
			for (size_t off = 0; off < m->len; off += 4096) {
				size_t n = m->len - off < 4096 ? m->len - off : 4096;
				if (memcmp(now + off, m->data + off, n))
					mem_write(t->memfd, m->addr + off, m->data + off, n);
			}
		}
		free(now);
	}
	if (pm >= 0)
		close(pm);
}

/* Everything of the thread and its memory back as it was at the stop. */
static int all_back(struct gdb_call *c, struct replay_task *t)
{
	int r = state_set(t->tid, c);
	mem_back(c, t);
	if (!r)
		t->regs = c->gp;
	return r;
}

/* Whether gdb set t up for a call: the stack pointer moved, and the
 * return address on the stack is one of gdb's breakpoints. */
static bool is_call(struct gdb_server *g, const struct gdb_call *c, struct replay_task *t, uint64_t *ret)
{
	if (t->regs.rsp == c->gp.rsp || mem_read(t->tid, t->regs.rsp, ret, 8) != 8)
		return false;
	for (size_t i = 0; i < g->nbps; i++)
		if (g->bps[i].addr == *ret)
			return true;
	return false;
}

/* Waits for t's stop, interrupting it if gdb sends ^C or goes; *intr then. */
static int call_wait(struct gdb_server *g, struct replay_task *t, int *status, bool *intr)
{
	for (;;) {
		pid_t p = waitpid(t->tid, status, __WALL | WNOHANG);
		if (p == t->tid)
			return 0;
		if (p < 0 && errno != EINTR)
			return -errno;
		struct gdb_event ev;
		if (!*intr && !g->closed) {
			int r = gdb_conn_next(g->c, -1, 10, &ev);
			if (r || ev.kind == GDB_EV_CLOSED || ev.kind == GDB_EV_ERROR)
				g->closed = true;
			if (g->closed || ev.kind == GDB_EV_INTERRUPT) {
				*intr = true;
				ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
			}
		}
	}
}

/* At a trap of a counting site's slot (its page's count ran out: the
 * thread was stopped on the way to a preemption replay counts there):
 * the count made large, t back at the site to run it. 1 if so. */
static bool site_trap_skip(struct replay_task *t)
{
	const struct site_table *tab = t->space ? &t->space->sites : NULL;
	uint64_t site, big = SITE_REM_INIT;
	int pg;
	if (!tab || regs_get(t->tid, &t->regs) || !site_is_trap(tab, t->regs.rip, &pg, &site) ||
	    mem_write(t->memfd, tab->page[pg].base, &big, 8))
		return false;
	t->regs.rip = site;
	return regs_set(t->tid, &t->regs) == 0;
}

/* Runs the call in t to its return breakpoint ret; the stop reply in
 * g->stop (sent). 0 or -errno. */
static int call_run(struct gdb_server *g, struct gdb_call *c, struct replay_task *t, uint64_t ret)
{
	static const uint8_t int3 = 0xcc;
	uint8_t orig;
	uint64_t dr7 = 0;
	size_t dr7_off = offsetof(struct user, u_debugreg) + 7 * sizeof(long);
	int status = 0, sig = 0, r;
	bool intr = false, done = false;
	errno = 0;
	dr7 = (uint64_t)ptrace(PTRACE_PEEKUSER, t->tid, dr7_off, 0);
	bool dr0 = !errno && (dr7 & DR7_DR0);
	if (dr0)
		ptrace(PTRACE_POKEUSER, t->tid, dr7_off, dr7 & ~DR7_DR0);
	if (t->counting)
		ioctl(t->count_fd, PERF_EVENT_IOC_DISABLE, 0);
	if (!c->have_mem) {
		r = -E2BIG;
		goto out;
	}
	if (mem_read(t->tid, ret, &orig, 1) != 1 || mem_write(t->memfd, ret, &int3, 1)) {
		r = -EFAULT;
		goto out;
	}
	c->ran = true;
	g->call_rets[g->ncall_rets++ % GDB_CALL_RETS] = ret;
	for (;;) {
		if (ptrace(PTRACE_SYSEMU, t->tid, 0, 0) < 0) {
			r = -errno;
			break;
		}
		if ((r = call_wait(g, t, &status, &intr)))
			break;
		if (!WIFSTOPPED(status)) {
			r = -ESRCH;
			break;
		}
		siginfo_t si = {0};
		int stop = WSTOPSIG(status);
		ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si);
		if (intr) {
			sig = SIGINT;
		} else if ((status >> 16) == 0 && !regs_get(t->tid, &t->regs) &&
			   ((stop == SIGTRAP && si.si_code == SI_KERNEL && t->regs.rip == ret + 1) ||
			    (stop == SIGSEGV && t->regs.rip == ret))) {
			/* the return breakpoint's int3, or (gdb's return address on a
			 * stack that cannot run code) the fault of going there */
			t->regs.rip = ret;
			done = !regs_set(t->tid, &t->regs);
			sig = done ? 0 : SIGSYS;
		} else if ((status >> 16) != 0 || (stop != SIGTRAP && stop != (SIGTRAP | 0x80) && si.si_code <= 0)) {
			continue; /* an event or a signal sent to it: not the call's */
		} else if (stop == SIGTRAP && site_trap_skip(t)) {
			continue; /* a counting site's count ran out (put back after) */
		} else {
			sig = SIGSYS; /* a syscall, a fault, a trap of replay's */
			long il = stop == SIGTRAP ? replay_inproc_trap_call(t) : -1; /* one the in-process library would make */
			if (!regs_get(t->tid, &t->regs) && (stop == (SIGTRAP | 0x80) || il >= 0))
				msg("thread %u: the function gdb called makes a syscall (%lld): abandoned, the thread is as it was",
				    t->rec_tid, il >= 0 ? (long long)il : (long long)t->regs.orig_rax);
			else
				msg("thread %u: the function gdb called stopped with signal %d at %#llx: abandoned, the thread is as it was",
				    t->rec_tid, stop, (unsigned long long)t->regs.rip);
		}
		break;
	}
	mem_write(t->memfd, ret, &orig, 1);
out:
	if (t->counting)
		ioctl(t->count_fd, PERF_EVENT_IOC_ENABLE, 0);
	if (dr0)
		ptrace(PTRACE_POKEUSER, t->tid, dr7_off, dr7);
	if (!done) {
		int k = all_back(c, t);
		if (!r)
			r = k;
		sig = sig ? sig : SIGSYS;
	}
	if (r)
		return r;
	g->cur = t->rec_tid;
	g->gthread = 0;
	gdb_stop_begin(g, t, done ? SIGTRAP : sig);
	if (done)
		gdb_buf_printf(&g->stop, "swbreak:;");
	if (!g->closed && gdb_conn_send_buf(g->c, &g->stop))
		g->closed = true;
	return 0;
}

bool gdb_call_dummy(const struct gdb_server *g, uint64_t addr)
{
	for (int i = 0; i < GDB_CALL_RETS && i < g->ncall_rets; i++)
		if (g->call_rets[i] == addr)
			return true;
	return false;
}

int gdb_call_resume(struct gdb_server *g)
{
	struct gdb_call *c = g->call;
	if (!c)
		return 0;
	struct replay_task *t = gdb_task(g, c->tid);
	uint64_t ret;
	if (t && t->rec_tid == c->tid && !regs_get(t->tid, &t->regs) && !g->step_tid && is_call(g, c, t, &ret)) {
		int r = call_run(g, c, t, ret);
		if (r) {
			/* the thread is as it was: gdb hears of a signal there */
			msg("thread %u: the function gdb called cannot run: %s", t->rec_tid, strerror(-r));
			gdb_stop_begin(g, t, SIGSYS);
			if (gdb_conn_send_buf(g->c, &g->stop))
				g->closed = true;
		}
		return 1;
	}
	gdb_call_undo(g);
	return 0;
}

void gdb_call_undo(struct gdb_server *g)
{
	struct gdb_call *c = g->call;
	struct replay_task *t = c ? gdb_task(g, c->tid) : NULL;
	if (t && t->rec_tid == c->tid && c->ran)
		all_back(c, t); /* a call ran: the replay goes on from the stop, as recorded */
	call_free(g);
}
