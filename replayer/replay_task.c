/* replay_task.c - the replayed threads and processes: creating them again
 * as the recording did (clone, fork, vfork re-run) and ending them. */
#include "replay.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

struct replay_task *replay_task_new(struct replay_session *s, uint32_t rec_tid)
{
	struct replay_task *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->rec_tid = rec_tid;
	t->tgid = rec_tid;
	t->memfd = -1;
	t->cookie = s->cookie;
	t->bound = &s->wait;
	t->gdb = s->gdb;
	t->unrecorded = s->r.hdr.version >= TRACE_VERSION_UNRECORDED;
	t->next = s->tasks;
	s->tasks = t;
	return t;
}

struct replay_task *replay_task_find(struct replay_session *s, uint32_t rec_tid)
{
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->rec_tid == rec_tid && t->alive)
			return t;
	return NULL;
}

int replay_space_new(struct replay_task *t, uint64_t brk)
{
	struct replay_space *sp = calloc(1, sizeof *sp);
	if (!sp)
		return -ENOMEM;
	sp->brk = brk;
	sp->refs = 1;
	if (t->space && --t->space->refs == 0)
		free(t->space);
	t->space = sp;
	return 0;
}

/* Re-runs p's clone-family call, which the program asks for with ca, up
 * to its clone event: the new task's id in *child. CLONE_UNTRACED is
 * dropped (every task replay makes stays traced). Returns 0, -EDOM after
 * reporting a divergence, or -errno. */
static int rerun_clone(struct replay_session *s, struct replay_task *p, long nr, const struct sc_clone *ca,
		       unsigned long *child)
{
	uint64_t args[6], traced = ca->flags & ~(uint64_t)CLONE_UNTRACED;
	int status, r;
	regs_syscall_args(&p->regs, args);
	if (nr == SYS_clone)
		args[0] = traced;
	else if (ca->flags_addr && traced != ca->flags && (r = mem_write(p->memfd, ca->flags_addr, &traced, 8)))
		return r;
	r = replay_inject_enter(p, p->regs.rip - 2, nr, args);
	if (!r && ptrace(PTRACE_SYSCALL, p->tid, 0, 0) < 0)
		r = -errno;
	if (!r)
		r = tracee_wait_stop(p->tid, &status, p->bound);
	if (ca->flags_addr && traced != ca->flags)
		(void)mem_write(p->memfd, ca->flags_addr, &ca->flags, 8);
	if (r == -EPROTO)
		return replay_diverged(s, p, "%s: something else ran instead of it", sc_lookup(nr)->name);
	if (r)
		return r;
	int ev = status >> 16;
	if (ev != PTRACE_EVENT_CLONE && ev != PTRACE_EVENT_FORK && ev != PTRACE_EVENT_VFORK) {
		struct __ptrace_syscall_info info;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80) &&
		    ptrace(PTRACE_GET_SYSCALL_INFO, p->tid, sizeof info, &info) > 0 && info.op == PTRACE_SYSCALL_INFO_EXIT)
			return replay_diverged(s, p, "%s failed in replay (%lld) where the recording made a new task",
					       sc_lookup(nr)->name, (long long)info.exit.rval);
		return replay_diverged(s, p, "%s created nothing (stop %#x)", sc_lookup(nr)->name, status);
	}
	return ptrace(PTRACE_GETEVENTMSG, p->tid, 0, child) < 0 ? -errno : 0;
}

int replay_newtask(struct replay_session *s, struct replay_task *p, const struct trace_newtask *n)
{
	long nr = (long)p->regs.orig_rax;
	const struct sc_desc *d = sc_lookup(nr);
	uint64_t args[6];
	struct sc_clone ca;
	int status, r;
	if (!d || d->cls != SCC_PROCESS)
		return replay_diverged(s, p, "expected a clone, fork or vfork, got %s", d ? d->name : "?");
	regs_syscall_args(&p->regs, args);
	if (sc_clone_args(nr, args, mem_read_pid, &p->tid, &ca))
		return replay_diverged(s, p, "%s: cannot read its arguments", d->name);
	uint64_t clear_tid = ca.flags & CLONE_CHILD_CLEARTID ? ca.ctid : 0;
	/* What kind of task it is (thread, process, shared memory) is what the
	 * program asks for now, and the recording must agree. */
	if (!(ca.flags & CLONE_PARENT_SETTID))
		ca.ptid = 0;
	if (!(ca.flags & CLONE_CHILD_SETTID))
		ca.ctid = 0;
	if (ca.flags != n->flags || ca.ptid != n->parent_tid_ptr || ca.ctid != n->child_tid_ptr)
		return replay_diverged(s, p, "%s asks for flags %#llx, the recording's new task was made with %#llx",
				       d->name, (unsigned long long)ca.flags, (unsigned long long)n->flags);
	unsigned long child = 0;
	if ((r = rerun_clone(s, p, nr, &ca, &child)))
		return r;
	p->in_clone = 1;
	p->at_syscall = 0;
	struct replay_task *c = replay_task_new(s, n->child);
	if (!c)
		return -ENOMEM;
	c->tid = (pid_t)child;
	c->alive = 1;
	s->nlive++;
	/* The child's first stop. */
	if ((r = tracee_wait_stop(c->tid, &status, c->bound)))
		return r;
	c->memfd = mem_open(c->tid);
	if (c->memfd < 0)
		return c->memfd;
	c->gadget = p->gadget;
	c->clear_tid = clear_tid;
	c->scratch = p->scratch;
	c->tgid = ca.flags & CLONE_THREAD ? p->tgid : n->child;
	if (ca.flags & CLONE_VM) {
		c->space = p->space;
		c->space->refs++;
	} else if ((r = replay_space_new(c, p->space->brk))) {
		return r;
	} else {
		c->space->sites = p->space->sites; /* a fork's copy has them too */
		c->space->il = p->space->il; /* and the library, its ring and patches */
		c->space->il_entry = p->space->il_entry;
		c->space->il_traced = p->space->il_traced;
		c->space->il_trap_ret = p->space->il_trap_ret;
		c->space->il_tsc_entry = p->space->il_tsc_entry;
		c->space->il_head = p->space->il_head;
		c->space->il_feeder = p->space->il_feeder;
		c->space->patches = p->space->patches;
	}
	/* The tids the kernel stored are live ones: store the recorded one. */
	if (ca.ctid && (r = mem_write(c->memfd, ca.ctid, &n->child, 4)))
		return r;
	if (ca.ptid && (r = mem_write(p->memfd, ca.ptid, &n->child, 4)))
		return r;
	return regs_get(c->tid, &c->regs);
}

int replay_clone_done(struct replay_session *s, struct replay_task *p, const struct trace_syscall *sc)
{
	int64_t real;
	int r = replay_inject_finish(p, (long)p->regs.orig_rax, &real);
	if (r == -EPROTO)
		return replay_diverged(s, p, "something else than the end of a re-run clone");
	if (r)
		return r;
	p->in_clone = 0;
	if ((r = regs_get(p->tid, &p->regs)))
		return r;
	for (uint32_t i = 0; i < sc->nregions; i++) {
		/* CLONE_PIDFD: the recorded fd number replaces replay's own
		 * pidfd, which is closed (the program's fds are emulated). */
		int32_t fd;
		int64_t res;
		if (sc->regions[i].len == 4 && mem_read(p->tid, sc->regions[i].addr, &fd, 4) == 4 && fd >= 0) {
			uint64_t args[6] = {(uint64_t)fd};
			if ((r = replay_inject(p, p->gadget, SYS_close, args, &res, 0)))
				return r;
		}
		if ((r = mem_write(p->memfd, sc->regions[i].addr, sc->regions[i].data, sc->regions[i].len)))
			return r;
	}
	p->regs.rax = (uint64_t)sc->result; /* the recorded child tid */
	return regs_set(p->tid, &p->regs);
}

/* Reaps the killed tasks one by one (snapshot processes, stopped children
 * of replay too, must not be waited for). */
static void reap_tasks(struct replay_session *s)
{
	for (int round = 0; round < 100000; round++) {
		int left = 0;
		for (struct replay_task *t = s->tasks; t; t = t->next) {
			int st;
			if (!t->alive || t->tid <= 0)
				continue;
			pid_t p = waitpid(t->tid, &st, __WALL | WNOHANG);
			if ((p < 0 && errno != EINTR) || (p == t->tid && (WIFEXITED(st) || WIFSIGNALED(st)))) {
				t->tid = -t->tid; /* reaped: not waited for again */
				continue;
			}
			if (p == t->tid)
				ptrace(PTRACE_CONT, t->tid, 0, 0);
			left++;
		}
		if (!left)
			break;
		usleep(50);
	}
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive && t->tid < 0)
			t->tid = -t->tid;
}

void replay_kill_all(struct replay_session *s)
{
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive) {
			kill(t->tid, SIGKILL);
			/* a stop already reported (e.g. PTRACE_EVENT_EXIT) is not ended by SIGKILL */
			ptrace(PTRACE_CONT, t->tid, 0, 0);
		}
	if (replay_ckpt_count(s)) {
		reap_tasks(s);
		return;
	}
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive) {
			tracee_kill_all(t->tid);
			break;
		}
}

void replay_free_tasks(struct replay_session *s)
{
	for (struct replay_shared *f = s->shared, *n; f; f = n) {
		n = f->next;
		close(f->fd);
		free(f);
	}
	s->shared = NULL;
	for (struct replay_task *t = s->tasks, *n; t; t = n) {
		n = t->next;
		if (t->memfd >= 0)
			close(t->memfd);
		if (t->space && --t->space->refs == 0)
			free(t->space);
		free(t);
	}
	s->tasks = NULL;
}

/* The task of the first thread of t's process (its recorded tid is the
 * process's), live or ended; NULL if none. */
static struct replay_task *first_thread(struct replay_session *s, struct replay_task *t)
{
	for (struct replay_task *o = s->tasks; o; o = o->next) /* (the newest first) */
		if (o->tgid == t->tgid && o->rec_tid == t->tgid)
			return o;
	return NULL;
}

int replay_exec_threads(struct replay_session *s, struct replay_task *t)
{
	if (t->rec_tid != t->tgid)
		return 1;
	for (struct replay_task *o = s->tasks; o; o = o->next)
		if (o != t && o->alive && o->tgid == t->tgid)
			return 1;
	return 0;
}

/* Waits until the other threads of t's process are gone, and for the
 * exec stop of t (which comes under the tid of the first thread, lt).
 * Returns 0 or -errno. */
static int exec_reap(struct replay_session *s, struct replay_task *t, struct replay_task *l, pid_t lt)
{
	int exec_seen = 0;
	for (int i = 0; i < 200000; i++) {
		int busy = 0, st;
		for (struct replay_task *o = s->tasks; o; o = o->next) {
			if (!o->alive || o == t || o->tgid != t->tgid || o->tid == lt)
				continue;
			busy = 1;
			pid_t p = waitpid(o->tid, &st, __WALL | WNOHANG);
			if (p < 0 && errno == ECHILD)
				p = o->tid, st = 0; /* (reaped by the exec: ended as the kernel ends them, status 0) */
			else if (p < 0 && errno != EINTR)
				return -errno;
			if (p != o->tid)
				continue;
			if (WIFEXITED(st) || WIFSIGNALED(st)) {
				o->exec_killed = 1;
				o->exec_status = st;
				replay_task_gone(s, o);
			} else if (ptrace(PTRACE_CONT, o->tid, 0, 0) < 0 && errno != ESRCH) {
				return -errno; /* (its exit stop: it dies) */
			}
		}
		pid_t p = exec_seen ? 0 : waitpid(lt, &st, __WALL | WNOHANG);
		if (p < 0 && errno != EINTR)
			return -errno;
		if (p == lt && (st >> 16) == PTRACE_EVENT_EXEC) {
			exec_seen = 1;
		} else if (p == lt && (st >> 16) == PTRACE_EVENT_EXIT && l != t) {
			/* The first thread's end, which no wait status reports: t
			 * goes on under its tid. */
			if (ptrace(PTRACE_CONT, lt, 0, 0) < 0)
				return -errno;
			if (l->alive)
				replay_task_gone(s, l);
		} else if (p == lt) {
			return -EPROTO;
		}
		if (exec_seen && !busy) {
			if (l != t && l->alive)
				replay_task_gone(s, l); /* (its exit stop not seen) */
			return 0;
		}
		if (!p)
			usleep(50);
	}
	return -ETIMEDOUT;
}

int replay_exec_kill(struct replay_session *s, struct replay_task *t, const uint64_t args[6], int64_t *res)
{
	struct replay_task *l = first_thread(s, t);
	if (!l)
		return -ESRCH;
	pid_t lt = l->tid;
	int r = replay_inject_enter(t, t->gadget, SYS_execve, args);
	if (r)
		return r;
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	if ((r = exec_reap(s, t, l, lt)))
		return r;
	t->tid = lt;
	/* From its exec stop to the execve's end. */
	if ((r = replay_inject_finish(t, SYS_execve, res)))
		return r;
	return regs_get(t->tid, &t->regs);
}
