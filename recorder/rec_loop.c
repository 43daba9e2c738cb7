/* rec_loop.c - the recorder's event loop: waits for ptrace stops and
 * dispatches syscalls, exec, signals and exits. */
#include "rec.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

void rec_fail(struct rec_session *s, const char *fmt, ...)
{
	va_list ap;
	if (s->failed)
		return;
	s->failed = 1;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof s->reason, fmt, ap);
	va_end(ap);
}

static void task_remove(struct rec_session *s, struct rec_task *t)
{
	if (s->running == t)
		s->running = NULL;
	if (s->last == t)
		s->last = NULL;
	for (struct rec_task **p = &s->tasks; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			rec_task_free(t);
			return;
		}
}

/* rdtsc and rdtscp fault (PR_SET_TSC); emulate them and record the value.
 * Returns 1 if the fault was one of them, 0 if not, -errno on error. */
static int emulate_tsc(struct rec_session *s, struct rec_task *t, const siginfo_t *si)
{
	struct user_regs_struct r;
	if (si->si_signo != SIGSEGV || si->si_code != SI_KERNEL || regs_get(t->tid, &r))
		return 0;
	return rec_tsc_emulate(s, t, &r);
}

int rec_sig_is_sync(const siginfo_t *si)
{
	int sig = si->si_signo;
	/* (SI_KERNEL too: an int3's SIGTRAP, a general protection fault's
	 * SIGSEGV; held as asynchronous, the int3's came at a later point) */
	return si->si_code > 0 &&
	       (sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP);
}

/* A signal stop: an rdtsc to emulate, a preemption reaching its counted
 * point, a fault to record, or an asynchronous signal to hold until the
 * thread is preempted at a point replay can find. */
static int on_signal(struct rec_session *s, struct rec_task *t, int sig)
{
	siginfo_t si;
	if (t->state == T_NEW && sig == SIGSTOP) {
		if (t->announced || t->tid == s->leader)
			t->state = T_READY; /* a new thread's first stop */
		else
			t->first_stop = 1;
		return 0;
	}
	int was_running = t->state == T_RUNNING;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0 || !s->started) {
		if (s->running == t)
			s->running = NULL;
		t->state = T_READY;
		t->resume_sig = sig;
		return 0;
	}
	int frame_sig = t->frame_step;
	t->frame_step = 0;
	if (frame_sig && sig == SIGTRAP && si.si_code == SIGTRAP)
		return rec_sigframe(s, t, frame_sig); /* at the handler's entry */
	if (sig == SIGTRAP && si.si_code == TRAP_HWBKPT) {
		if (t->leave_bp && t->to_syscall)
			return rec_preempt_stop(s, t); /* back from the library, to be preempted */
		if (t->spin_checking)
			return rec_preempt_spin_trap(s, t);
		/* The spin check's breakpoint, hit just before the check was
		 * called off (the program cannot set debug registers): dropped. */
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
	}
	if (sig == SIGTRAP && si.si_code == SI_KERNEL && t->space && t->space->sites.npages) {
		/* int3: a site's trap, when rec set its counter to end the turn */
		struct user_regs_struct tr;
		uint64_t page, count;
		int r = regs_get(t->tid, &tr);
		if (!r)
			r = rec_site_catch_hit(t, &tr, &page, &count);
		if (r < 0) {
			rec_fail(s, "thread %d: a counting site's trap at %#llx: %s", t->tid, tr.rip, strerror(-r));
			return r;
		}
		if (r == 1)
			return rec_preempt_site_caught(s, t, page, count);
	}
	if (sig == REC_CATCH_SIG && t->catching) {
		int r = rec_preempt_caught(s, t);
		if (r)
			return r < 0 ? r : 0;
		rec_preempt_disarm(t);
		return rec_preempt_stop(s, t);
	}
	int r = emulate_tsc(s, t, &si);
	if (r < 0)
		return r;
	if (r == 1) {
		rec_preempt_reset(t);
		return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
	}
	if (sig == SIGSYS && t->trap_raised) {
		/* a program filter's SECCOMP_RET_TRAP (rec_seccomp_raise) */
		si = t->trap_info;
		t->trap_raised = 0;
		if (ptrace(PTRACE_SETSIGINFO, t->tid, 0, &si) < 0)
			return -errno;
	} else if (sig == t->reraised_sig) {
		/* held back at a preemption and raised again: its own siginfo */
		si = t->reraised_info;
		t->reraised_sig = 0;
		if (ptrace(PTRACE_SETSIGINFO, t->tid, 0, &si) < 0)
			return -errno;
	}
	/* Delivered on return from a syscall (restart pending: orig_rax is
	 * the syscall), or right after the frame of the signal it was resumed
	 * with (at that handler's entry): points replay finds. */
	struct user_regs_struct sr;
	int got = !regs_get(t->tid, &sr);
	/* (not the in-process library's untraced syscall: no record has it) */
	int at_syscall_return = got && (long long)sr.orig_rax >= 0 && sr.rip != s->untraced_ip;
	int chained = got && t->delivered_sig && sr.rdi == (unsigned long long)t->delivered_sig && sr.rdx == sr.rsp + 8;
	if (got && t->exit_regs_valid) {
		/* Pending when its syscall returned (after rt_sigreturn, whose
		 * orig_rax is -1): no instruction ran since. */
		struct user_regs_struct a = sr, b = t->exit_regs;
		a.orig_rax = b.orig_rax = 0;
		a.eflags &= ~0x10000ull;
		b.eflags &= ~0x10000ull;
		chained |= !memcmp(&a, &b, sizeof a);
	}
	t->exit_regs_valid = 0;
	if (was_running && !at_syscall_return && !chained && !rec_hold_async(t, sig, &si)) {
		/* held (a second one is raised again after the first) */
		if (t->catching || t->site_catching || t->spin_delay || t->to_syscall)
			return ptrace(PTRACE_CONT, t->tid, 0, 0) < 0 ? -errno : 0;
		return rec_preempt_stop(s, t);
	}
	rec_preempt_disarm(t);
	if (s->running == t)
		s->running = NULL;
	t->state = T_READY;
	t->resume_sig = sig;
	t->frame_due = sig;
	struct user_regs_struct regs;
	struct trace_signal rec = {.tid = (uint32_t)t->tid, .signo = (uint32_t)sig, .code = si.si_code};
	if (!regs_get(t->tid, &regs))
		rec.rip = regs.rip;
	memcpy(rec.siginfo, &si, sizeof rec.siginfo);
	/* A restart code the signal's delivery turns into what the program
	 * sees (-EINTR, or the call again after the handler), in replay too. */
	int r2 = rec_syscall_unhold(s, t);
	if (r2)
		return r2;
	s->nsignals++;
	rec_mark(s, t->tid);
	return trace_put_signal(&s->w, &rec);
}

/* Records t's end. At its PTRACE_EVENT_EXIT stop, before the kernel
 * clears its CLONE_CHILD_CLEARTID word and wakes joiners: other threads
 * must not see the end before the trace has it. */
static void record_exit(struct rec_session *s, struct rec_task *t, int status)
{
	struct trace_exit x = {.tid = (uint32_t)t->tid};
	if (WIFEXITED(status)) {
		x.how = EXIT_HOW_EXITED;
		x.code = WEXITSTATUS(status);
	} else {
		x.how = EXIT_HOW_SIGNALED;
		x.code = WTERMSIG(status);
	}
	if (s->started && !t->exit_recorded && !rec_exec_victim(s, t, status)) {
		if (s->nexec_dead)
			rec_exec_flush(s, t->tgid, 0); /* killed in its execve: the others' ends first */
		rec_mark(s, t->tid);
		trace_put_exit(&s->w, &x);
	}
	t->exit_recorded = 1;
	rec_ptrace_gone(s, t); /* (its tracees go on, as the kernel detaches them) */
	if (t->tid == s->leader)
		s->status = x.how == EXIT_HOW_EXITED ? x.code : 128 + x.code;
}

static void on_gone(struct rec_session *s, struct rec_task *t, int status)
{
	record_exit(s, t, status);
	pid_t tid = t->tid;
	if (tid == s->leader)
		s->leader_gone = 1;
	task_remove(s, t);
	rec_vfork_release(s, tid);
}

static int cont(pid_t tid, int req)
{
	return ptrace(req, tid, 0, 0) < 0 ? -errno : 0;
}

/* A signal held for a preemption point (it came while t ran) whose thread
 * reached a syscall first: raised again now, with its own siginfo (see
 * on_signal), so the kernel delivers it as this syscall returns (a
 * blocking one is interrupted), a point replay finds. Without this it
 * waited for a preemption that a thread blocked in read or futex, or one
 * computing alone, never gets: a SIGTERM to rec was never acted on.
 * Returns 0 or -errno. */
static int raise_held(struct rec_task *t)
{
	if (!t->deferred_sig || t->reraised_sig)
		return 0;
	t->reraised_sig = t->deferred_sig;
	t->reraised_info = t->deferred_info;
	t->deferred_sig = t->extra_sig; /* a second one: at the next syscall */
	t->deferred_info = t->extra_info;
	t->extra_sig = 0;
	return syscall(SYS_tkill, t->tid, t->reraised_sig) < 0 ? -errno : 0;
}

/* The execve of thread `former`, not its process's first: the kernel
 * gave it the first thread's tid, at whose PTRACE_EVENT_EXEC stop rec is
 * (l: that thread's task, ended, its exit stop taken, no end reported).
 * former's task goes on as l (the same struct: rec_run and dispatch hold
 * it), its exec record naming former. Returns 0 or -errno. */
static int take_over(struct rec_session *s, struct rec_task *l, pid_t former)
{
	struct rec_task *x = s->tasks;
	while (x && x->tid != former)
		x = x->next;
	if (!x || x == l) {
		rec_fail(s, "thread %d: execve: the exec'ing thread %d is unknown to rec: recording stopped", l->tid, former);
		return -ESRCH;
	}
	pid_t tid = l->tid;
	struct rec_task *next = l->next;
	rec_space_put(l->space);
	if (l->sched_fd >= 0)
		close(l->sched_fd);
	if (x->sched_fd >= 0)
		close(x->sched_fd); /* (/proc/TID of its former tid) */
	rec_filters_put(l->filters); /* (what l owned; x's pointers move to l) */
	free(l->filt_saved);
	free(l->filt_prog);
	*l = *x;
	l->next = next;
	l->tid = tid;
	l->exec_former = former;
	l->sched_fd = -1;
	x->space = NULL;
	x->sched_fd = -1;
	x->filters = NULL;
	x->filt_saved = NULL;
	x->filt_prog = NULL;
	if (s->running == x)
		s->running = l;
	if (s->last == x)
		s->last = l;
	task_remove(s, x);
	return 0;
}

/* Dispatches one ptrace stop of t; returns 0 or -errno. */
static int on_stop(struct rec_session *s, struct rec_task *t, int status)
{
	int sig = WSTOPSIG(status), ev = status >> 16;
	char buf[64];
	switch (ev) {
	case 0:
		if (sig == (SIGTRAP | 0x80) && s->nexec_dead && (t->nr == SYS_execve || t->nr == SYS_execveat)) {
			/* (its failure: none of the others was killed by it) */
			int r = rec_exec_flush(s, t->tgid, 0);
			if (r)
				return r;
		}
		if (sig == (SIGTRAP | 0x80))
			return rec_syscall_exit(s, t);
		return on_signal(s, t, sig);
	case PTRACE_EVENT_SECCOMP: {
		unsigned long data = 0;
		if (!ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &data) && data == REC_BADARCH && !rec_syscall_x86_64(t)) {
			/* (the filter refuses int 0x80 itself: not seen here) */
			rec_fail(s, "thread %d: a syscall of another ABI than x86-64: cannot be recorded", t->tid);
			return -ENOSYS;
		}
		rec_preempt_disarm(t);
		int r = raise_held(t);
		return r ? r : rec_syscall_entry(s, t, data);
	}
	case PTRACE_EVENT_EXEC: {
		unsigned long former = (unsigned long)t->tid;
		int r = 0;
		if (s->started && !ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &former) && former != (unsigned long)t->tid)
			r = take_over(s, t, (pid_t)former);
		if (!r && !s->started)
			r = rec_unblock_program(s, t->tid);
		s->started = 1;
		if (!r)
			r = rec_exec_snapshot(s, t);
		t->exec_former = 0;
		if (!r && s->nexec_dead)
			r = rec_exec_flush(s, t->tid, 1); /* the ends of the threads it killed */
		if (!r)
			r = rec_vfork_release(s, t->tid);
		if (r)
			return r;
		trace_flush(&s->w);
		if (t->exec_ended) {
			/* its execve's end, taken to map the library: as it came */
			t->exec_ended = 0;
			return rec_syscall_exit(s, t);
		}
		return cont(t->tid, PTRACE_SYSCALL);
	}
	case PTRACE_EVENT_EXIT: {
		unsigned long code = 0;
		if (s->running == t)
			s->running = NULL;
		rec_preempt_disarm(t);
		t->state = T_EXITING;
		t->held = 0; /* killed before its syscall restarted: the program saw nothing */
		rec_kill_untraced(t->tid, 8); /* orphaned, they would outlive the recording */
		if (!ptrace(PTRACE_GETEVENTMSG, t->tid, 0, &code))
			record_exit(s, t, (int)code);
		int r = cont(t->tid, PTRACE_CONT), st = -1;
		/* Nothing runs until it is gone: its CLONE_CHILD_CLEARTID word
		 * and wake-ups belong to this point of the trace. */
		if (!r && tracee_wait_dead(t->tid, &st))
			on_gone(s, t, st);
		else if (!r && st != -1 && WIFSTOPPED(st))
			r = rec_hold(s, t->tid, st); /* a first thread killed by an execve: the exec stop, its tid's now */
		return r;
	}
	case PTRACE_EVENT_STOP:
		if (t->state == T_NEW) {
			/* A new thread's first stop: it runs once its creation is in the trace. */
			if (t->announced || t->tid == s->leader)
				t->state = T_READY;
			else
				t->first_stop = 1;
			return 0;
		}
		if (t->interrupting) {
			t->interrupting = 0;
			/* Held: before its syscall restarts, no point to preempt at.
			 * Resumed as rec_schedule resumed it: under PTRACE_SYSCALL the
			 * restart's entry stops as SIGTRAP|0x80, taken for a syscall's
			 * end (a nanosleep recorded as returning -ENOSYS). */
			if (t->held)
				return cont(t->tid, PTRACE_CONT);
			if (t->state == T_RUNNING)
				return rec_preempt_stop(s, t);
			/* it reached a syscall first: carry on as before */
			return cont(t->tid, t->state == T_KERNEL ? PTRACE_SYSCALL : PTRACE_LISTEN);
		}
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
			/* Job control stopped its process: it waits for SIGCONT like
			 * a thread blocked in a syscall, holding no core. */
			if (s->running == t)
				s->running = NULL;
			rec_preempt_disarm(t);
			if (t->state == T_RUNNING || t->state == T_READY)
				t->state = T_STOPPED;
			return cont(t->tid, PTRACE_LISTEN);
		}
		if (t->state == T_STOPPED) {
			t->state = T_READY; /* SIGCONT ended the stop: its turn comes */
			return 0;
		}
		return cont(t->tid, PTRACE_CONT);
	case PTRACE_EVENT_CLONE:
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
		return rec_newtask(s, t, ev);
	case PTRACE_EVENT_VFORK_DONE:
		return cont(t->tid, PTRACE_SYSCALL);
	default:
		rec_fail(s, "thread %d: unexpected ptrace stop: %s", t->tid, wait_describe(status, buf, sizeof buf));
		return -EINVAL;
	}
}

/* Waits for the next stop. While the program is quiet (blocked or
 * computing), pending records are flushed within FLUSH_IDLE_MS, so a
 * killed recorder loses at most that much. */
#define FLUSH_IDLE_MS 100
#define LIVENESS_MS 500 /* how often rec looks around while all is quiet */
static pid_t wait_next(struct rec_session *s, int *status)
{
	for (;;) {
		if (rec_signal_pending()) {
			/* Came while rec was not blocked: no EINTR told of it. */
			errno = EINTR;
			return -1;
		}
		pid_t tid = waitpid(-1, status, __WALL | WNOHANG);
		if (tid != 0)
			return tid;
		int64_t due = rec_preempt_due_ns(s);
		if (due == 0) {
			rec_preempt_start(s); /* a thread that is gone reports itself */
			continue;
		}
		int64_t wait = s->w.rec.len ? FLUSH_IDLE_MS * 1000000LL : -1;
		if (due > 0 && (wait < 0 || due < wait))
			wait = due;
		if (s->stop_deadline_ns) {
			int64_t left = (int64_t)(s->stop_deadline_ns - now_ns());
			if (left <= 0) {
				errno = EINTR; /* rec_run ends the recording */
				return -1;
			}
			if (wait < 0 || left < wait)
				wait = left;
		}
		if (wait < 0)
			wait = LIVENESS_MS * 1000000LL; /* a bound: a signal may come just before it blocks */
		sigset_t chld;
		sigemptyset(&chld);
		sigaddset(&chld, SIGCHLD);
		struct timespec ts = {wait / 1000000000LL, wait % 1000000000LL};
		if (sigtimedwait(&chld, NULL, &ts) < 0) {
			if (errno == EINTR)
				return -1;
			if (errno == EAGAIN && due < 0)
				trace_flush(&s->w);
			if (errno == EAGAIN && s->running && !tracee_alive(s->running->tid)) {
				/* Killed without a stop of its own (a group exit while it
				 * ran): its end is reported once the others are gone. */
				s->running->state = T_EXITING;
				s->running = NULL;
				errno = EINTR;
				return -1;
			}
		}
	}
}

/* Handles one wait status of t; returns 0 or -errno. */
/* Whether thread tid is being killed: a SIGKILL pending for it or its
 * process, or past the start of its exit (PF_EXITING). */
static int rec_task_dying(pid_t tid)
{
	uint64_t sigkill = 1ull << (SIGKILL - 1), flags = 0;
	if ((proc_status_hex(tid, "SigPnd:") | proc_status_hex(tid, "ShdPnd:")) & sigkill)
		return 1;
	char buf[512];
	/* after the state: ppid, pgrp, session, tty, tpgid, flags */
	const char *st = tracee_stat(tid, buf, sizeof buf);
	if (st && sscanf(st, "%*c %*d %*d %*d %*d %*d %" SCNu64, &flags) == 1 && (flags & 0x4)) /* PF_EXITING */
		return 1;
	return kill(tid, 0) < 0 && errno == ESRCH;
}

static int dispatch(struct rec_session *s, struct rec_task *t, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_gone(s, t, status);
		return 0;
	}
	/* What the in-process library recorded goes into the trace before
	 * the records of the thread that made it (rec_mark), and at the end of
	 * its turn (a syscall entry, which may block while another thread of
	 * its process runs); not at the stops a running thread goes on from. */
	int was_running = s->running == t, r = 0;
	pid_t tid = t->tid;
	if ((status >> 16) == PTRACE_EVENT_SECCOMP && (was_running || !s->running)) {
		/* (the getpid rec's notify asked for: replay's library makes it
		 * after the drain's last call) */
		s->il_notify_drain = rec_inproc_at_notify(s, t);
		r = rec_inproc_flush(s, t);
		if (!r && s->il_notify_drain) {
			rec_fail(s, "thread %d: getpid: the in-process library's stop for rec came with no buffered call before it: recording stopped",
				 t->tid);
			r = -EPROTO;
		}
		s->il_notify_drain = 0;
	}
	if (!r)
		r = on_stop(s, t, status);
	if (!r && was_running && s->running != t) {
		struct rec_task *o = s->tasks;
		while (o && o->tid != tid)
			o = o->next;
		if (o == t && t->soft_preempted) /* (still there: not gone at this stop) */
			t->soft_preempted = 0;
		else if (o == t)
			r = rec_inproc_flush(s, t);
	}
	siginfo_t si;
	if (r == -EPROTO && !ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) && si.si_code >> 8 == PTRACE_EVENT_EXIT) {
		/* Killed (a group exit: SIGTERM...) while rec stepped it to a
		 * preemption point, which took its exit stop: that stop now. */
		return on_stop(s, t, 0x7f | SIGTRAP << 8 | PTRACE_EVENT_EXIT << 16);
	}
	if (r == -EIO && rec_task_dying(t->tid))
		return 0; /* its memory went as rec read it: killed, as below */
	return r == -ESRCH ? 0 : r; /* killed under us: its exit status follows */
}

/* Stops of other threads wait while one runs user code: what they record
 * (memory a syscall wrote, a thread's end) must not be read mid-turn. */
int rec_hold(struct rec_session *s, pid_t tid, int status)
{
	if (s->nheld == s->capheld) {
		size_t cap = s->capheld ? s->capheld * 2 : 16;
		void *n = realloc(s->held, cap * sizeof *s->held);
		if (!n)
			return -ENOMEM;
		s->held = n;
		s->capheld = cap;
	}
	s->held[s->nheld].tid = tid;
	s->held[s->nheld++].status = status;
	return 0;
}

static int drain(struct rec_session *s)
{
	for (size_t i = 0; i < s->nheld; i++) {
		struct rec_task *t = rec_task_get(s, s->held[i].tid);
		if (!t)
			return -ENOMEM;
		if (s->running && !rec_exec_stop_of(s->running, t))
			continue; /* (but the execve of the running thread goes on) */
		int r = dispatch(s, t, s->held[i].status);
		if (r)
			return r;
		memmove(&s->held[i], &s->held[i + 1], (s->nheld - i - 1) * sizeof *s->held);
		s->nheld--;
		i--;
	}
	return 0;
}

/* A signal sent to rec: passed on to the program once it runs (before its
 * exec the child is rec's), and the program gets REC_STOP_GRACE_MS to end;
 * then rec ends the recording itself. Returns 0 to go on, -EINTR to stop. */
static int outside_signal(struct rec_session *s)
{
	int sig;
	while ((sig = rec_take_signal())) {
		/* One that stops is passed on once (timeout(1) sends it to rec
		 * and to its process group: the program has it already);
		 * others (SIGUSR1...) each time, once the program runs. */
		if (rec_sig_stops(sig) && !s->stop_sig)
			s->stop_sig = sig;
		else if (!rec_sig_stops(sig))
			s->fwd_early |= 1ull << (sig - 1);
	}
	for (sig = 1; s->fwd_early && s->started && sig < REC_NSIG; sig++)
		if (s->fwd_early & 1ull << (sig - 1)) {
			s->fwd_early &= ~(1ull << (sig - 1));
			if (!s->leader_gone)
				kill(s->leader, sig);
		}
	if (s->stop_sig && !s->stop_forwarded && s->started) {
		s->stop_forwarded = 1;
		s->stop_deadline_ns = now_ns() + REC_STOP_GRACE_MS * 1000000ULL;
		if (!tracee_alive(s->leader)) {
			/* Nobody left to pass it to: the user wants out. */
			rec_fail(s, "thread %d: rec got SIG%s with the program's first thread gone: recording stopped",
				 s->leader, sigabbrev_np(s->stop_sig) ?: "?");
			return -EINTR;
		}
		kill(s->leader, s->stop_sig);
	}
	if (s->stop_deadline_ns && now_ns() >= s->stop_deadline_ns && !s->stop_sig) {
		s->timed_out = 1;
		rec_fail(s, "thread %d: the program still ran after %.3g s (--timeout): recording stopped", s->leader,
			 (double)s->opt->timeout_ns / 1e9);
		return -EINTR;
	}
	if (s->stop_deadline_ns && now_ns() >= s->stop_deadline_ns) {
		rec_fail(s, "thread %d: rec got SIG%s and the program did not end within %d ms: recording stopped",
			 s->leader, sigabbrev_np(s->stop_sig) ?: "?", REC_STOP_GRACE_MS);
		return -EINTR;
	}
	return 0;
}

int rec_run(struct rec_session *s)
{
	struct rec_task *first = rec_task_get(s, s->leader);
	if (!first)
		return -ENOMEM;
	first->state = T_RUNNING; /* released by rec_spawn */
	s->running = s->last = first;
	while (s->tasks) {
		int status, r = s->nheld && (!s->running || rec_exec_stop_of(s->running, NULL)) ? drain(s) : 0;
		if (!r)
			r = rec_schedule(s);
		if (r)
			return r;
		if ((r = outside_signal(s)))
			return r;
		pid_t tid = wait_next(s, &status);
		if (tid < 0) {
			if (errno == EINTR)
				continue; /* outside_signal looks at it */
			return errno == ECHILD ? 0 : -errno;
		}
		struct rec_task *t = rec_task_get(s, tid);
		if (!t)
			return -ENOMEM;
		if (s->running && s->running != t && t->state != T_NEW && !rec_exec_stop_of(s->running, t))
			r = rec_hold(s, tid, status);
		else
			r = dispatch(s, t, status);
		if (r || s->failed || s->w.err) {
			if (!s->failed)
				rec_fail(s, "thread %d: %s", t->tid, strerror(-(r ? r : s->w.err)));
			return r ? r : -EIO;
		}
		if (s->leader_gone && !s->ending && s->started && !s->opt->wait_all) {
			/* The program's first process ended: so does the recording
			 * (as rr's), the others killed, their ends recorded. */
			s->ending = 1;
			rec_kill_rest(s);
		}
	}
	return 0;
}
