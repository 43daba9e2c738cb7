/* replay_checkpoint.c - checkpoints of the replay, for gdb's reverse
 * execution: at event boundaries, a snapshot of the replayed process (a
 * fork of it, stopped and traced, that never runs) and a copy of replay's
 * own state (tasks, address-space record, trace reader position, counters).
 * Restoring one forks the snapshot again (it stays reusable), recreates the
 * other threads in the copy with their registers, FP/XSAVE state, signal
 * mask, alternate signal stack, robust list and clear-tid address, and puts
 * replay's state back: the replay goes on from there exactly as it went the
 * first time (memory hashes, preemption points and sites check that it does).
 *
 * Taken only under gdb, about every CKPT_INTERVAL_NS of replay time (or every
 * HEISEN_CKPT_EVERY events, a test hook), at most CKPT_MAX of them, thinned
 * far from the newest. A state that a fork does not copy faithfully is not
 * snapshotted (re-execution starts at an earlier checkpoint or the start):
 * several live processes, shared writable memory or a shared file copy,
 * memory a fork drops or wipes (MADV_DONTFORK, MADV_WIPEONFORK), a thread in
 * the middle of a clone, an exit, an exec or a signal delivery. */
#include "replay.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

#define CKPT_MAX 40
#define CKPT_INTERVAL_NS 200000000ull
#define CKPT_XSTATE_MAX 16384

/* What a thread is made of beyond its replay_task record. */
struct ckpt_thread {
	int task;                      /* its record in tasks[] */
	struct user_regs_struct regs;  /* its real registers (t->regs is replay's copy) */
	uint64_t sigmask, robust, robust_len;
	uint64_t dr[5];                /* DR0-DR3, DR7 */
	stack_t alt;
	uint8_t *xstate;
	size_t xlen;
};

struct ckpt {
	uint64_t event;                /* the last event applied */
	uint64_t cost_ns;              /* replay time from the start to here (estimated) */
	bool pinned;                   /* made by monitor checkpoint: never thinned */
	struct replay_task snap;       /* the snapshot process (one thread) */
	struct replay_task *tasks;     /* every task record, in list order */
	int ntasks;
	struct replay_space *space;    /* the live process's */
	struct ckpt_thread *th;        /* its live threads, th[0] its leader */
	int nth;
	struct replay_rec cur, next;
	struct trace_mark mark;
	int nlive, status, exit_sig;
	uint32_t leader;
	uint64_t events, npreempt[3];
};

struct replay_ckpts {
	struct ckpt *c[CKPT_MAX];      /* by event */
	int n;
	uint64_t last_event, last_ns, last_cost; /* the last checkpoint made or passed, or the start */
	uint64_t last_held;            /* s->held_ns then */
	long every;                    /* HEISEN_CKPT_EVERY, or 0 (< 0: none but pinned ones) */
	uint64_t restored;             /* the event of the checkpoint last gone back to (0: the start) */
};

static struct replay_ckpts *ckpts(struct replay_session *s)
{
	if (!s->ckpts && (s->ckpts = calloc(1, sizeof *s->ckpts))) {
		const char *e = getenv("HEISEN_CKPT_EVERY");
		s->ckpts->every = e && *e ? strtol(e, NULL, 10) : 0;
		s->ckpts->last_ns = now_ns();
		s->ckpts->last_held = s->held_ns;
	}
	return s->ckpts;
}

/* A task record to inject syscalls with into thread tid, from regs. */
static struct replay_task inj_task(pid_t tid, const struct user_regs_struct *regs, const struct replay_task *like)
{
	return (struct replay_task){.tid = tid, .alive = 1, .memfd = -1, .regs = *regs, .gadget = like->gadget,
				    .cookie = like->cookie, .scratch = like->scratch};
}

static int dr_get(pid_t tid, int i, uint64_t *v)
{
	errno = 0;
	long x = ptrace(PTRACE_PEEKUSER, tid, offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long), 0);
	*v = (uint64_t)x;
	return errno ? -errno : 0;
}

static int dr_set(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, off, v) < 0 ? -errno : 0;
}

static const int dr_index[5] = {0, 1, 2, 3, 7};

/* Runs clone(flags, 0, 0, ctid, 0) in t (its registers are put back); *child:
 * the new task, at its first stop. 0 or -errno. */
static int clone_in(struct replay_task *t, uint64_t flags, uint64_t ctid, pid_t *child)
{
	uint64_t args[6] = {flags, 0, 0, ctid, 0, 0};
	unsigned long msg = 0;
	int64_t res;
	int status, r = replay_inject_enter(t, t->gadget, SYS_clone, args);
	if (!r && ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		r = -errno;
	if (!r)
		r = tracee_wait_stop(t->tid, &status, NULL);
	if (r)
		return r;
	int ev = status >> 16;
	if ((ev != PTRACE_EVENT_FORK && ev != PTRACE_EVENT_CLONE) || ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &msg) < 0)
		return -EPROTO;
	*child = (pid_t)msg;
	if ((r = replay_inject_finish(t, SYS_clone, &res)) || (r = regs_set(t->tid, &t->regs)))
		return r;
	if ((r = tracee_wait_stop(*child, &status, NULL)))
		return r;
	return res == (int64_t)msg ? 0 : -EPROTO;
}

/* Kills a snapshot process and reaps it. */
static void snap_kill(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	ptrace(PTRACE_CONT, pid, 0, 0);
	for (int i = 0; i < 1000; i++) {
		pid_t p = waitpid(pid, &st, __WALL);
		if (p < 0 && errno != EINTR)
			return;
		if (p == pid && (WIFEXITED(st) || WIFSIGNALED(st)))
			return;
		if (p == pid)
			ptrace(PTRACE_CONT, pid, 0, 0);
	}
}

static void ckpt_free(struct ckpt *c)
{
	if (!c)
		return;
	if (c->snap.tid > 0)
		snap_kill(c->snap.tid);
	for (int i = 0; i < c->nth; i++)
		free(c->th[i].xstate);
	free(c->th);
	free(c->tasks);
	free(c->space);
	buf_free(&c->cur.data);
	buf_free(&c->next.data);
	trace_mark_free(&c->mark);
	free(c);
}

/* Why the state cannot be snapshotted faithfully, or NULL. */
static const char *refusal(struct replay_session *s, struct replay_task **leader)
{
	struct replay_task *lead = NULL, *any = NULL;
	if (s->shared)
		return "a file is mapped shared";
	for (struct replay_task *t = s->tasks; t; t = t->next) {
		if (!t->alive)
			continue;
		if (any && (t->tgid != any->tgid || t->space != any->space))
			return "several processes run";
		any = t;
		if (t->rec_tid == t->tgid)
			lead = t;
		if (t->in_clone || t->group_exiting || t->group_dead || t->exec_done || t->pending_sig || t->raised_sig ||
		    t->entry_sig || t->exit_stopped || t->unconfined || t->memfd < 0 || !t->space)
			return "a thread is in the middle of a clone, an exit, an exec or a signal";
	}
	if (!any)
		return "no process runs";
	if (!lead)
		return "the process's first thread has ended";
	*leader = lead;
	/* fork shares MAP_SHARED memory and drops or wipes some */
	char path[64], line[512];
	snprintf(path, sizeof path, "/proc/%d/smaps", lead->tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return "its memory map cannot be read";
	const char *why = NULL;
	while (!why && fgets(line, sizeof line, f)) {
		if (strncmp(line, "VmFlags:", 8))
			continue;
		if (strstr(line, " dc") || strstr(line, " wf"))
			why = "memory that a fork drops or wipes (MADV_DONTFORK, MADV_WIPEONFORK)";
		else if (strstr(line, " sh") && strstr(line, " wr"))
			why = "shared writable memory";
	}
	fclose(f);
	return why;
}

/* Saves thread t's state (registers, FP/XSAVE, mask, robust list,
 * alternate stack, debug registers) into th; 0 or -errno. */
static int thread_save(struct replay_task *t, struct ckpt_thread *th)
{
	uint8_t xs[CKPT_XSTATE_MAX];
	size_t rlen = 0;
	int r = regs_get(t->tid, &th->regs);
	if (r)
		return r;
	long xlen = xstate_get(t->tid, xs, sizeof xs);
	if (xlen < 0)
		return (int)xlen;
	if (ptrace(PTRACE_GETSIGMASK, t->tid, sizeof th->sigmask, &th->sigmask) < 0 ||
	    syscall(SYS_get_robust_list, t->tid, &th->robust, &rlen) < 0)
		return -errno;
	th->robust_len = rlen;
	if (!(th->xstate = malloc((size_t)xlen)))
		return -ENOMEM;
	memcpy(th->xstate, xs, (size_t)xlen);
	th->xlen = (size_t)xlen;
	for (int i = 0; i < 5 && !r; i++)
		r = dr_get(t->tid, dr_index[i], &th->dr[i]);
	/* sigaltstack(NULL, buf) in it: no other way to read it. buf: below
	 * its stack's red zone (the stub's scratch page is not writable to the
	 * kernel), its bytes put back after */
	uint64_t buf = ((th->regs.rsp - 512) & ~(uint64_t)15);
	uint8_t keep[sizeof th->alt];
	struct replay_task it = inj_task(t->tid, &th->regs, t);
	uint64_t args[6] = {0, buf};
	int64_t res = 0;
	if (!r && mem_read(t->tid, buf, keep, sizeof keep) != (long)sizeof keep)
		r = -EFAULT;
	if (!r)
		r = replay_inject(&it, t->gadget, SYS_sigaltstack, args, &res, 0);
	if (!r && res)
		r = (int)res;
	if (!r && mem_read(t->tid, buf, &th->alt, sizeof th->alt) != (long)sizeof th->alt)
		r = -EIO;
	if (!r)
		r = mem_write(t->memfd, buf, keep, sizeof keep);
	return r;
}

/* Gives the new thread tid (at a stop) what th saved, t's records aside;
 * clear_tid: set its clear-tid address (a clone already did otherwise). */
static int thread_restore(pid_t tid, const struct ckpt_thread *th, const struct replay_task *t, int memfd,
			  bool clear_tid)
{
	struct user_regs_struct base = th->regs;
	base.rsp = 0; /* sigaltstack refuses a change while on the old one */
	struct replay_task it = inj_task(tid, &base, t);
	int64_t res;
	stack_t alt = th->alt;
	alt.ss_flags &= ~SS_ONSTACK;
	uint64_t a_tid[6] = {t->clear_tid}, a_rob[6] = {th->robust, th->robust_len}, a_alt[6] = {t->scratch, 0};
	int r = 0;
	if (clear_tid)
		r = replay_inject(&it, t->gadget, SYS_set_tid_address, a_tid, &res, 0);
	if (!r && th->robust)
		r = replay_inject(&it, t->gadget, SYS_set_robust_list, a_rob, &res, 0);
	if (!r && !(r = mem_write(memfd, t->scratch, &alt, sizeof alt)))
		r = replay_inject(&it, t->gadget, SYS_sigaltstack, a_alt, &res, 0);
	if (!r && res)
		r = (int)res;
	if (!r && ptrace(PTRACE_SETSIGMASK, tid, sizeof th->sigmask, &th->sigmask) < 0)
		r = -errno;
	if (!r)
		r = xstate_set(tid, th->xstate, th->xlen);
	for (int i = 0; i < 5 && !r; i++)
		if (th->dr[i] && dr_index[i] != 7)
			r = dr_set(tid, dr_index[i], th->dr[i]);
	if (!r && th->dr[4])
		r = dr_set(tid, 7, th->dr[4]);
	return r ? r : regs_set(tid, &th->regs);
}

static int rec_copy(struct replay_rec *to, const struct replay_rec *from)
{
	to->valid = from->valid;
	to->rec = from->rec;
	to->data.len = 0;
	if (from->valid && buf_put(&to->data, from->rec.data, from->rec.len))
		return -ENOMEM;
	to->rec.data = to->data.p;
	return 0;
}

/* Snapshots the replay as it is now (after event s->cur); NULL with *why
 * if it cannot be. */
static struct ckpt *take(struct replay_session *s, const char **why)
{
	struct replay_task *lead = NULL;
	if ((*why = refusal(s, &lead)))
		return NULL;
	struct ckpt *c = calloc(1, sizeof *c);
	int r = c ? 0 : -ENOMEM;
	for (struct replay_task *t = s->tasks; c && t; t = t->next) {
		c->ntasks++;
		c->nth += t->alive;
	}
	if (!r && (!(c->tasks = calloc((size_t)c->ntasks, sizeof *c->tasks)) ||
		   !(c->th = calloc((size_t)c->nth, sizeof *c->th)) || !(c->space = malloc(sizeof *c->space))))
		r = -ENOMEM;
	int i = 0, k = 1;
	for (struct replay_task *t = s->tasks; !r && t; t = t->next, i++) {
		c->tasks[i] = *t;
		if (!t->alive)
			continue;
		struct ckpt_thread *th = &c->th[t == lead ? 0 : k++];
		th->task = i;
		r = thread_save(t, th);
	}
	if (!r) {
		*c->space = *lead->space;
		struct replay_task in = inj_task(lead->tid, &c->th[0].regs, lead);
		pid_t pid = 0;
		r = clone_in(&in, CLONE_PARENT | SIGCHLD, 0, &pid);
		c->snap = inj_task(pid, &c->th[0].regs, lead);
		if (!r)
			r = regs_get(pid, &c->snap.regs);
	}
	if (!r && !(r = rec_copy(&c->cur, &s->cur)) && !(r = rec_copy(&c->next, &s->next)))
		r = trace_reader_mark(&s->r, &c->mark);
	if (r) {
		*why = strerror(-r);
		ckpt_free(c);
		return NULL;
	}
	c->event = s->cur.rec.event;
	c->nlive = s->nlive;
	c->status = s->status;
	c->exit_sig = s->exit_sig;
	c->leader = s->leader;
	c->events = s->events;
	memcpy(c->npreempt, s->npreempt, sizeof c->npreempt);
	return c;
}

/* Makes room: drops the unpinned checkpoint whose loss widens the gaps
 * least, gaps far from the newest weighing less. */
static void thin(struct replay_ckpts *cs, uint64_t now_cost)
{
	int best = -1;
	double best_score = 0;
	for (int i = 0; i < cs->n; i++) {
		if (cs->c[i]->pinned)
			continue;
		uint64_t before = i ? cs->c[i - 1]->cost_ns : 0;
		uint64_t after = i + 1 < cs->n ? cs->c[i + 1]->cost_ns : now_cost;
		double age = now_cost > cs->c[i]->cost_ns ? (double)(now_cost - cs->c[i]->cost_ns) : 0;
		double score = (double)(after - before) / (age + 1e9);
		if (best < 0 || score < best_score)
			best = i, best_score = score;
	}
	if (best < 0)
		best = 0;
	ckpt_free(cs->c[best]);
	memmove(&cs->c[best], &cs->c[best + 1], (size_t)(cs->n - best - 1) * sizeof cs->c[0]);
	cs->n--;
}

static int find(struct replay_ckpts *cs, uint64_t event)
{
	for (int i = 0; cs && i < cs->n; i++)
		if (cs->c[i]->event == event)
			return i;
	return -1;
}

int replay_ckpt_after_event(struct replay_session *s, bool pin)
{
	struct replay_ckpts *cs = ckpts(s);
	if (!cs)
		return -ENOMEM;
	uint64_t ev = s->cur.rec.event, now = now_ns(), held = s->held_ns;
	uint64_t cost = cs->last_cost + (now - cs->last_ns) - (held - cs->last_held);
	int have = find(cs, ev);
	if (cs->every < 0 && !pin)
		return 0;
	if (have >= 0) {
		cs->c[have]->pinned |= pin;
	} else {
		bool due = cs->every > 0 ? ev >= cs->last_event + (uint64_t)cs->every
					 : now - cs->last_ns - (held - cs->last_held) >= CKPT_INTERVAL_NS;
		if (!due && !pin)
			return 0;
		const char *why;
		struct ckpt *c = take(s, &why);
		if (!c) {
			if (pin) /* else quietly: a later boundary will do */
				msg("event %llu: no snapshot of the replay here: %s", (unsigned long long)ev, why);
			cs->last_event = ev; /* tried again after the interval */
			cs->last_ns = now_ns();
			cs->last_held = held;
			cs->last_cost = cost;
			return pin ? -EPERM : 0;
		}
		c->cost_ns = cost;
		c->pinned = pin;
		if (cs->n == CKPT_MAX)
			thin(cs, cost);
		int i = cs->n;
		while (i > 0 && cs->c[i - 1]->event > ev) {
			cs->c[i] = cs->c[i - 1];
			i--;
		}
		cs->c[i] = c;
		cs->n++;
	}
	cs->last_event = ev;
	cs->last_ns = now_ns();
	cs->last_held = held;
	cs->last_cost = cost;
	return 0;
}

void replay_ckpt_started(struct replay_session *s)
{
	struct replay_ckpts *cs = s->ckpts;
	if (!cs)
		return;
	cs->restored = 0;
	cs->last_event = cs->last_cost = 0;
	cs->last_ns = now_ns();
	cs->last_held = s->held_ns;
}

uint64_t replay_ckpt_before(struct replay_session *s, uint64_t event, bool inclusive)
{
	struct replay_ckpts *cs = s->ckpts;
	uint64_t best = 0;
	for (int i = 0; cs && i < cs->n; i++)
		if (cs->c[i]->event < event || (inclusive && cs->c[i]->event == event))
			best = cs->c[i]->event;
	return best;
}

void replay_ckpt_describe(struct replay_session *s, char *buf, size_t n)
{
	struct replay_ckpts *cs = s->ckpts;
	size_t len = (size_t)snprintf(buf, n, "Snapshots of the replay: %d", cs ? cs->n : 0);
	for (int i = 0; cs && i < cs->n && len < n; i++)
		len += (size_t)snprintf(buf + len, n - len, "%s%llu%s", i ? " " : " at events ",
					(unsigned long long)cs->c[i]->event, cs->c[i]->pinned ? "*" : "");
	if (len < n && cs && cs->restored)
		snprintf(buf + len, n - len, "\nThe last re-execution began at the snapshot of event %llu\n",
			 (unsigned long long)cs->restored);
	else if (len < n)
		snprintf(buf + len, n - len, "\nThe last re-execution began at the start\n");
}

int replay_ckpt_count(struct replay_session *s)
{
	return s->ckpts ? s->ckpts->n : 0;
}

int replay_ckpt_restore(struct replay_session *s, uint64_t event)
{
	struct replay_ckpts *cs = s->ckpts;
	int i = find(cs, event), r;
	if (i < 0)
		return -ENOENT;
	struct ckpt *c = cs->c[i];
	if (s->nlive)
		replay_kill_all(s);
	replay_free_tasks(s);
	s->nlive = 0;
	struct replay_space *sp = malloc(sizeof *sp);
	struct replay_task **tasks = calloc((size_t)c->ntasks, sizeof *tasks);
	r = sp && tasks ? 0 : -ENOMEM;
	for (int k = 0; !r && k < c->ntasks; k++)
		if (!(tasks[k] = malloc(sizeof *tasks[k])))
			r = -ENOMEM;
	if (r) {
		for (int k = 0; tasks && k < c->ntasks; k++)
			free(tasks[k]);
		free(tasks);
		free(sp);
		return r;
	}
	/* the records as they were, in list order */
	for (int k = c->ntasks - 1; k >= 0; k--) {
		*tasks[k] = c->tasks[k];
		tasks[k]->gdb = s->gdb;
		tasks[k]->bound = &s->wait;
		tasks[k]->memfd = -1;
		tasks[k]->alive = 0;
		tasks[k]->space = NULL;
		tasks[k]->next = s->tasks;
		s->tasks = tasks[k];
	}
	*sp = *c->space;
	sp->refs = 0;
	/* the process: a fresh fork of the snapshot; its other threads: clones */
	struct replay_task *lead = tasks[c->th[0].task];
	for (int k = 0; k < c->nth; k++)
		tasks[c->th[k].task]->tid = 0;
	r = clone_in(&c->snap, CLONE_PARENT | SIGCHLD, 0, &lead->tid);
	for (int k = 0; k < c->nth; k++) {
		struct replay_task *t = tasks[c->th[k].task];
		if (k > 0 && !r) {
			struct replay_task in = inj_task(lead->tid, &c->th[0].regs, lead);
			uint64_t fl = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
				      (t->clear_tid ? CLONE_CHILD_CLEARTID : 0);
			r = clone_in(&in, fl, t->clear_tid, &t->tid);
		}
		if (t->tid <= 0)
			continue;
		t->alive = 1; /* killed with the others if the rest fails */
		s->nlive++;
		t->space = sp;
		sp->refs++;
		t->memfd = mem_open(t->tid);
		if (!r && t->memfd < 0)
			r = t->memfd;
	}
	/* each thread's own state, the leader's last (the clones ran in it) */
	for (int k = c->nth - 1; k >= 0 && !r; k--) {
		struct replay_task *t = tasks[c->th[k].task];
		r = thread_restore(t->tid, &c->th[k], t, t->memfd, k == 0);
	}
	free(tasks);
	if (!sp->refs)
		free(sp);
	if (!r && (r = rec_copy(&s->cur, &c->cur)) == 0 && (r = rec_copy(&s->next, &c->next)) == 0)
		r = trace_reader_seek(&s->r, &c->mark);
	if (r)
		return r;
	s->leader = c->leader;
	s->status = c->status;
	s->exit_sig = c->exit_sig;
	s->events = c->events;
	memcpy(s->npreempt, c->npreempt, sizeof s->npreempt);
	s->wait_reported = 0;
	s->resumed = 1;
	cs->restored = c->event;
	cs->last_event = c->event;
	cs->last_ns = now_ns();
	cs->last_held = s->held_ns;
	cs->last_cost = c->cost_ns;
	return s->nlive == c->nlive ? 0 : -EPROTO;
}

void replay_ckpt_drop(struct replay_session *s, uint64_t event)
{
	struct replay_ckpts *cs = s->ckpts;
	int i = find(cs, event);
	if (i < 0)
		return;
	ckpt_free(cs->c[i]);
	memmove(&cs->c[i], &cs->c[i + 1], (size_t)(cs->n - i - 1) * sizeof cs->c[0]);
	cs->n--;
}

void replay_ckpt_free(struct replay_session *s)
{
	struct replay_ckpts *cs = s->ckpts;
	for (int i = 0; cs && i < cs->n; i++)
		ckpt_free(cs->c[i]);
	free(cs);
	s->ckpts = NULL;
}
