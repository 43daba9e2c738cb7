/* rec_sched.c - one virtual core: at most one traced thread runs user code
 * at a time, across every process of the recording. The order of records
 * is the schedule; replay follows it. */
#include "rec.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "../common/ptrace_util.h"


struct rec_task *rec_task_get(struct rec_session *s, pid_t tid)
{
	for (struct rec_task *t = s->tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	struct rec_task *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->tid = tid;
	t->tgid = tid; /* (a thread's is set at its clone event) */
	t->state = T_NEW;
	t->restart_nr = -1;
	t->ctr_fd = -1;
	t->sched_fd = -1;
	t->next = s->tasks;
	s->tasks = t;
	return t;
}

void rec_task_free(struct rec_task *t)
{
	rec_space_put(t->space);
	if (t->sched_fd >= 0)
		close(t->sched_fd);
	free(t->filt_saved);
	free(t->filt_prog);
	rec_filters_put(t->filters);
	free(t);
}

/* Whether t is inside a syscall whose entry has no place in the trace yet.
 * A held one (it returned a restart code, rec_syscall_exit) is inside it
 * still: its record waits for the thread's next stop, but other threads'
 * records may come first, and its entry goes before them: the user code it
 * ran up to the entry (a futex word it read as 0) ran before theirs. */
static int unmarked(const struct rec_session *s, const struct rec_task *t)
{
	return s->started && !t->marked &&
	       (t->state == T_KERNEL || (t->held && t->enter_seq) ||
		(t->state == T_EXITING && !t->exit_recorded && t->enter_seq));
}

void rec_mark(struct rec_session *s, pid_t tid)
{
	/* What the in-process library recorded for this thread goes first. */
	struct rec_task *self = NULL;
	for (struct rec_task *t = s->tasks; t && !self; t = t->next)
		self = t->tid == tid ? t : NULL;
	if (self && self->space && self->space->il && (s->running == self || (!s->running && s->last == self)))
		rec_inproc_flush(s, self); /* (an error fails the recording) */
	/* Threads inside syscalls get their sysenter records in the order
	 * they entered: that is the order their turns ended. The thread the
	 * coming record is about needs none if it entered last. */
	for (;;) {
		struct rec_task *first = NULL, *self = NULL;
		int others = 0;
		for (struct rec_task *t = s->tasks; t; t = t->next) {
			if (!unmarked(s, t))
				continue;
			if (t->tid == tid)
				self = t;
			else
				others++;
			if (!first || t->enter_seq < first->enter_seq)
				first = t;
		}
		if (!first || (first == self && !others))
			return;
		struct trace_sysenter e = {(uint32_t)first->tid, (uint32_t)first->nr};
		trace_put_sysenter(&s->w, &e);
		first->marked = 1;
	}
}

/* The next ready thread after `after` in task order, wrapping around. */
static struct rec_task *next_ready(struct rec_session *s, struct rec_task *after)
{
	struct rec_task *start = after && after->next ? after->next : s->tasks;
	for (struct rec_task *t = start; t; t = t->next)
		if (rec_runnable(t))
			return t;
	for (struct rec_task *t = s->tasks; t && t != start; t = t->next)
		if (rec_runnable(t))
			return t;
	return NULL;
}

/* Whether tid's process has a handler for sig (/proc: SigCgt). */
static int caught(pid_t tid, int sig)
{
	return (proc_status_hex(tid, "SigCgt:") >> (sig - 1)) & 1;
}

/* Resumes t with req (PTRACE_CONT, PTRACE_SINGLESTEP) and signal sig. */
static int resume(struct rec_session *s, struct rec_task *t, int req, int sig)
{
	if (ptrace(req, t->tid, 0, sig) < 0) {
		if (errno == ESRCH) {
			t->state = T_EXITING; /* killed: its wait status follows */
			return 0;
		}
		return -errno;
	}
	t->state = T_RUNNING;
	s->running = s->last = t;
	return 0;
}

int rec_schedule(struct rec_session *s)
{
	if (s->running)
		return 0;
	struct rec_task *t = s->last;
	uint64_t now = now_ns();
	if (s->chaos) {
		if (!(t = rec_chaos_pick(s, now)))
			return 0;
	} else if (!t || !rec_runnable(t) || t->turn_preempted || now - t->slice_start_ns > REC_SLICE_NS) {
		/* The last thread goes on while its slice lasts; then the next
		 * one. Not after a preemption point, which ended its slice (a
		 * first one of 100 us): race_counter's threads were preempted
		 * in their loops and went on, unless rec's own work at the point
		 * (a slow memory snapshot) had outlasted REC_SLICE_NS. */
		struct rec_task *n = next_ready(s, t);
		if (!n)
			return 0;
		if (n != t)
			n->slice_start_ns = now;
		t = n;
	}
	/* Out of any syscall from here on: if it is killed before its next
	 * one, its end gets no sysenter record (replay would wait for a
	 * syscall the thread never made). Not one whose syscall is held: it
	 * restarts it or takes a signal first, running none of its code. */
	if (!t->held)
		t->enter_seq = 0;
	t->turn_preempted = 0;
	int sig = t->resume_sig;
	t->resume_sig = 0;
	t->delivered_sig = sig;
	if (t->redeliver) {
		/* a held-back signal goes out with its own siginfo */
		t->redeliver = 0;
		ptrace(PTRACE_SETSIGINFO, t->tid, 0, &t->deferred_info);
	}
	int due = t->frame_due;
	t->frame_due = 0;
	if (sig && due == sig && caught(t->tid, sig)) {
		/* stopped again at its handler's entry, before any of it runs */
		t->frame_step = sig;
		return resume(s, t, PTRACE_SINGLESTEP, sig);
	}
	return rec_resume(s, t, sig);
}

int rec_resume(struct rec_session *s, struct rec_task *t, int sig)
{
	rec_preempt_arm(s, t);
	return resume(s, t, PTRACE_CONT, sig);
}

int rec_sigframe(struct rec_session *s, struct rec_task *t, int sig)
{
	struct user_regs_struct regs;
	uint64_t fp = 0, end;
	uint32_t sw[2] = {0, 0}; /* the XSAVE area's software bytes: magic, size */
	uint8_t *data = NULL;
	int r = regs_get(t->tid, &regs);
	if (r)
		goto out;
	/* rdx: the frame's ucontext; its fpregs: the XSAVE area, at the top */
	end = regs.rdx + sizeof(ucontext_t);
	if (mem_read(t->tid, regs.rdx + offsetof(ucontext_t, uc_mcontext.fpregs), &fp, 8) == 8 && fp > regs.rsp &&
	    mem_read(t->tid, fp + 464, sw, sizeof sw) == sizeof sw)
		end = fp + (sw[0] == 0x46505853u ? sw[1] : 512u);
	if (end <= regs.rsp || end - regs.rsp > TRACE_SIGFRAME_MAX) {
		rec_fail(s, "thread %d: the frame of SIG%s at %#llx is %#llx bytes long", t->tid,
			 sigabbrev_np(sig) ?: "?", regs.rsp, (unsigned long long)(end - regs.rsp));
		r = -E2BIG;
		goto out;
	}
	struct trace_sigframe f = {.tid = (uint32_t)t->tid, .signo = (uint32_t)sig, .addr = regs.rsp,
				   .len = (uint32_t)(end - regs.rsp)};
	if (!(data = malloc(f.len))) {
		r = -ENOMEM;
		goto out;
	}
	if (mem_read(t->tid, f.addr, data, f.len) != (long)f.len) {
		rec_fail(s, "thread %d: the frame of SIG%s at %#llx cannot be read", t->tid, sigabbrev_np(sig) ?: "?",
			 regs.rsp);
		r = -EFAULT;
		goto out;
	}
	f.data = data;
	rec_mark(s, t->tid);
	if (!(r = trace_put_sigframe(&s->w, &f)))
		r = rec_resume(s, t, 0);
out:
	free(data);
	return r;
}

/* clone's and clone3's arguments that say where tids go. */
int rec_newtask(struct rec_session *s, struct rec_task *t, int event)
{
	unsigned long child;
	(void)event;
	if (ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &child) < 0)
		return -errno;
	int r = rec_clone_restore(t);
	if (r)
		return r;
	struct rec_task *c = rec_task_get(s, (pid_t)child);
	if (!c)
		return -ENOMEM;
	struct trace_newtask n = {.parent = (uint32_t)t->tid, .child = (uint32_t)child};
	struct sc_clone ca;
	r = sc_clone_args(t->nr, t->args, mem_read_pid, &t->tid, &ca);
	n.flags = ca.flags;
	n.parent_tid_ptr = ca.ptid;
	n.child_tid_ptr = ca.ctid;
	if (r)
		return r;
	if (!(n.flags & CLONE_PARENT_SETTID))
		n.parent_tid_ptr = 0;
	if (!(n.flags & CLONE_CHILD_SETTID))
		n.child_tid_ptr = 0;
	c->start_rsp = ca.stack ? ca.stack : t->entry_regs.rsp;
	if (n.flags & CLONE_VFORK)
		t->vfork_child = (pid_t)child;
	c->filtered = t->filtered; /* the kernel copies the filters to every child */
	rec_filters_put(c->filters);
	c->filters = rec_filters_get(t->filters);
	memcpy(c->filt_deny, t->filt_deny, sizeof c->filt_deny);
	c->tgid = n.flags & CLONE_THREAD ? t->tgid : (pid_t)child;
	if (t->space && !c->space) {
		/* threads share the address space and its sites; a fork's child
		 * has a copy of both */
		c->space = n.flags & CLONE_VM ? t->space : rec_space_new(t->space);
		if (!c->space)
			return -ENOMEM;
		if (n.flags & CLONE_VM)
			t->space->refs++;
		else if ((r = rec_inproc_fork(c)))
			return r;
		if ((r = rec_inproc_newproc(t, c, n.flags)))
			return r;
	}
	if (s->chaos && c->state == T_NEW && !c->first_stop && (r = rec_chaos_first_stop(s, c)))
		return r;
	rec_mark(s, t->tid);
	trace_put_newtask(&s->w, &n);
	c->announced = 1;
	if (c->state == T_NEW && c->first_stop)
		c->state = T_READY;
	t->marked = 1; /* the newtask record placed its syscall's entry */
	s->nthreads++;
	return ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0 ? -errno : 0;
}

int rec_vfork_release(struct rec_session *s, pid_t tid)
{
	for (struct rec_task *p = s->tasks; p; p = p->next)
		if (p->vfork_child == tid) {
			p->vfork_child = 0;
			if (p->vfork_waiting) {
				p->vfork_waiting = 0;
				return rec_syscall_exit(s, p);
			}
		}
	return 0;
}
