/* rec_loop.c - the recorder's event loop: waits for ptrace stops and
 * dispatches syscalls, exec, signals and exits. */
#include "rec.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <x86intrin.h>

#include "../common/ptrace_util.h"

const int rec_forwarded[REC_NFWD] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

/* The one mutable global: a signal sent to rec, to pass on to the program. */
static volatile sig_atomic_t pending_signal;

static void on_outside_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/* A terminal's Ctrl-C reaches the program by itself (same process
	 * group); a kill aimed at rec is passed on. */
	if (si->si_code == SI_USER || si->si_code == SI_QUEUE)
		pending_signal = sig;
}

void rec_catch_signals(struct rec_session *s)
{
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD); /* taken with sigtimedwait in wait_next */
	sigprocmask(SIG_BLOCK, &chld, &s->orig_sigmask);
	struct sigaction sa = {.sa_sigaction = on_outside_signal, .sa_flags = SA_SIGINFO};
	for (int i = 0; i < REC_NFWD; i++)
		sigaction(rec_forwarded[i], &sa, &s->orig_actions[i]);
}

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
			free(t);
			return;
		}
}

/* rdtsc and rdtscp fault (PR_SET_TSC); emulate them and record the value.
 * Returns 1 if the fault was one of them, 0 if not, -errno on error. */
static int emulate_tsc(struct rec_session *s, struct rec_task *t, const siginfo_t *si)
{
	struct user_regs_struct r;
	uint8_t code[16];
	unsigned id, size;
	if (si->si_signo != SIGSEGV || si->si_code != SI_KERNEL || regs_get(t->tid, &r))
		return 0;
	long n = mem_read(t->tid, r.rip, code, sizeof code);
	if (n <= 0 || disasm_one(code, (size_t)n, r.rip, &id, &size))
		return 0;
	struct trace_rdtsc rec = {.tid = (uint32_t)t->tid, .rip = r.rip, .insn_len = size};
	if (id == disasm_id_rdtsc()) {
		rec.tsc = __rdtsc();
	} else if (id == disasm_id_rdtscp()) {
		rec.is_rdtscp = 1;
		rec.tsc = __rdtscp(&rec.aux);
		r.rcx = rec.aux;
	} else {
		return 0;
	}
	r.rax = (uint32_t)rec.tsc;
	r.rdx = rec.tsc >> 32;
	r.rip += size;
	int ret = regs_set(t->tid, &r);
	if (ret)
		return ret;
	s->nrdtsc++;
	rec_mark(s, t->tid);
	trace_put_rdtsc(&s->w, &rec);
	return 1;
}

/* A signal stop: an rdtsc to emulate, or a signal to record and deliver
 * when the thread next runs. */
static int on_signal(struct rec_session *s, struct rec_task *t, int sig)
{
	siginfo_t si;
	if (t->state == T_NEW && sig == SIGSTOP) {
		t->state = T_READY; /* a new thread's first stop */
		return 0;
	}
	if (s->running == t)
		s->running = NULL;
	t->state = T_READY;
	t->resume_sig = sig;
	if (ptrace(PTRACE_GETSIGINFO, t->tid, 0, &si) < 0)
		return 0;
	if (!s->started)
		return 0;
	int r = emulate_tsc(s, t, &si);
	if (r < 0)
		return r;
	if (r == 1) {
		t->resume_sig = 0;
		if (ptrace(PTRACE_CONT, t->tid, 0, 0) < 0)
			return -errno;
		t->state = T_RUNNING;
		s->running = t;
		return 0;
	}
	struct user_regs_struct regs;
	struct trace_signal rec = {.tid = (uint32_t)t->tid, .signo = (uint32_t)sig, .code = si.si_code};
	if (!regs_get(t->tid, &regs))
		rec.rip = regs.rip;
	memcpy(rec.siginfo, &si, sizeof rec.siginfo);
	s->nsignals++;
	rec_mark(s, t->tid);
	return trace_put_signal(&s->w, &rec);
}

static void on_gone(struct rec_session *s, struct rec_task *t, int status)
{
	struct trace_exit x = {.tid = (uint32_t)t->tid};
	if (WIFEXITED(status)) {
		x.how = EXIT_HOW_EXITED;
		x.code = WEXITSTATUS(status);
	} else {
		x.how = EXIT_HOW_SIGNALED;
		x.code = WTERMSIG(status);
	}
	if (s->started) {
		rec_mark(s, t->tid);
		trace_put_exit(&s->w, &x);
	}
	if (t->tid == s->leader)
		s->status = x.how == EXIT_HOW_EXITED ? x.code : 128 + x.code;
	pid_t tid = t->tid;
	task_remove(s, t);
	rec_vfork_release(s, tid);
}

static int cont(pid_t tid, int req)
{
	return ptrace(req, tid, 0, 0) < 0 ? -errno : 0;
}

/* Dispatches one ptrace stop of t; returns 0 or -errno. */
static int on_stop(struct rec_session *s, struct rec_task *t, int status)
{
	int sig = WSTOPSIG(status), ev = status >> 16;
	char buf[64];
	switch (ev) {
	case 0:
		if (sig == (SIGTRAP | 0x80))
			return rec_syscall_exit(s, t);
		return on_signal(s, t, sig);
	case PTRACE_EVENT_SECCOMP:
		if (s->running == t)
			s->running = NULL;
		return rec_syscall_entry(s, t);
	case PTRACE_EVENT_EXEC: {
		s->started = 1;
		int r = rec_exec_snapshot(s, t);
		if (!r)
			r = rec_vfork_release(s, t->tid);
		if (r)
			return r;
		trace_flush(&s->w);
		return cont(t->tid, PTRACE_SYSCALL);
	}
	case PTRACE_EVENT_EXIT:
		if (s->running == t)
			s->running = NULL;
		t->state = T_EXITING;
		return cont(t->tid, PTRACE_CONT);
	case PTRACE_EVENT_STOP:
		if (t->state == T_NEW) {
			t->state = T_READY; /* a new thread's first stop */
			return 0;
		}
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			return cont(t->tid, PTRACE_LISTEN);
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
static pid_t wait_next(struct rec_session *s, int *status)
{
	pid_t tid = waitpid(-1, status, __WALL | WNOHANG);
	if (tid != 0)
		return tid;
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	struct timespec ts = {0, FLUSH_IDLE_MS * 1000000L};
	if (s->w.rec.len && sigtimedwait(&chld, NULL, &ts) < 0 && errno == EAGAIN)
		trace_flush(&s->w);
	return waitpid(-1, status, __WALL);
}

int rec_run(struct rec_session *s)
{
	struct rec_task *first = rec_task_get(s, s->leader);
	if (!first)
		return -ENOMEM;
	first->state = T_RUNNING; /* released by rec_spawn */
	s->running = s->last = first;
	while (s->tasks) {
		int status, r = rec_schedule(s);
		if (r)
			return r;
		pid_t tid = wait_next(s, &status);
		if (tid < 0) {
			if (errno == EINTR) {
				if (pending_signal)
					kill(s->leader, pending_signal);
				pending_signal = 0;
				continue;
			}
			return errno == ECHILD ? 0 : -errno;
		}
		struct rec_task *t = rec_task_get(s, tid);
		if (!t)
			return -ENOMEM;
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			on_gone(s, t, status);
			continue;
		}
		r = on_stop(s, t, status);
		if (r == -ESRCH)
			continue; /* killed under us: its exit status follows */
		if (r || s->failed || s->w.err) {
			if (!s->failed)
				rec_fail(s, "thread %d: %s", t->tid, strerror(-(r ? r : s->w.err)));
			return r ? r : -EIO;
		}
	}
	return 0;
}
