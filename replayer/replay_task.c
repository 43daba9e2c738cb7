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

int replay_newtask(struct replay_session *s, struct replay_task *p, const struct trace_newtask *n)
{
	const struct sc_desc *d = sc_lookup((long)p->regs.orig_rax);
	int status, r;
	if (!d || d->cls != SCC_PROCESS)
		return replay_diverged(s, p, "expected a clone, fork or vfork, got %s", d ? d->name : "?");
	/* Run the program's own syscall again, up to its clone event. */
	p->regs.rax = p->regs.orig_rax;
	p->regs.rip -= 2;
	if ((r = regs_set(p->tid, &p->regs)))
		return r;
	unsigned long child = 0;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, p->tid, 0, 0) < 0)
			return -errno;
		if ((r = tracee_wait_stop(p->tid, &status)))
			return r;
		int ev = status >> 16;
		if (ev == PTRACE_EVENT_CLONE || ev == PTRACE_EVENT_FORK || ev == PTRACE_EVENT_VFORK) {
			if (ptrace(PTRACE_GETEVENTMSG, p->tid, 0, &child) < 0)
				return -errno;
			break;
		}
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			continue; /* the emulated syscall's exit, then the re-run's entry */
		if (ev == 0 && WSTOPSIG(status) == SIGCHLD)
			continue;
		return replay_diverged(s, p, "%s created nothing (stop %#x)", d->name, status);
	}
	p->in_clone = 1;
	p->at_syscall = 0;
	struct replay_task *c = replay_task_new(s, n->child);
	if (!c)
		return -ENOMEM;
	c->tid = (pid_t)child;
	c->alive = 1;
	s->nlive++;
	/* The child's first stop. */
	if ((r = tracee_wait_stop(c->tid, &status)))
		return r;
	c->memfd = mem_open(c->tid);
	if (c->memfd < 0)
		return c->memfd;
	c->gadget = p->gadget;
	c->scratch = p->scratch;
	c->tgid = n->flags & CLONE_THREAD ? p->tgid : n->child;
	if (n->flags & CLONE_VM) {
		c->space = p->space;
		c->space->refs++;
	} else if ((r = replay_space_new(c, p->space->brk))) {
		return r;
	}
	/* The tids the kernel stored are live ones: store the recorded one. */
	if (n->child_tid_ptr && (r = mem_write(c->memfd, n->child_tid_ptr, &n->child, 4)))
		return r;
	if (n->parent_tid_ptr && (r = mem_write(p->memfd, n->parent_tid_ptr, &n->child, 4)))
		return r;
	return regs_get(c->tid, &c->regs);
}

int replay_clone_done(struct replay_session *s, struct replay_task *p, const struct trace_syscall *sc)
{
	int status, r;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, p->tid, 0, 0) < 0)
			return -errno;
		if ((r = tracee_wait_stop(p->tid, &status)))
			return r;
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			break;
		if ((status >> 16) == 0 && WSTOPSIG(status) != SIGCHLD)
			return replay_diverged(s, p, "signal %d inside a re-run clone", WSTOPSIG(status));
	}
	p->in_clone = 0;
	if ((r = regs_get(p->tid, &p->regs)))
		return r;
	for (uint32_t i = 0; i < sc->nregions; i++) {
		/* CLONE_PIDFD: the recorded fd number replaces replay's own
		 * pidfd, which is closed (the program's fds are emulated). */
		int32_t real;
		int64_t res;
		if (sc->regions[i].len == 4 && mem_read(p->tid, sc->regions[i].addr, &real, 4) == 4 && real >= 0) {
			uint64_t args[6] = {(uint64_t)real};
			if ((r = replay_inject(p, p->gadget, SYS_close, args, &res, 0)))
				return r;
		}
		if ((r = mem_write(p->memfd, sc->regions[i].addr, sc->regions[i].data, sc->regions[i].len)))
			return r;
	}
	p->regs.rax = (uint64_t)sc->result; /* the recorded child tid */
	return regs_set(p->tid, &p->regs);
}

void replay_kill_all(struct replay_session *s)
{
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive) {
			kill(t->tid, SIGKILL);
			/* a stop already reported (e.g. PTRACE_EVENT_EXIT) is not ended by SIGKILL */
			ptrace(PTRACE_CONT, t->tid, 0, 0);
		}
	for (struct replay_task *t = s->tasks; t; t = t->next)
		if (t->alive) {
			tracee_kill_all(t->tid);
			break;
		}
}
