/* replay_preempt.c - finding a recorded preemption point again: the N-th
 * execution of an address (a hardware-breakpoint perf counter stops the
 * thread there), or the first execution of an rip where registers, x87/SSE
 * state and writable memory all equal the recorded ones. */
#include "replay.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../common/ptrace_util.h"

#define CATCH_SIG SIGSTKFLT          /* as the recorder's REC_CATCH_SIG */
#define MAX_HITS (50ull * 1000 * 1000) /* a state never met: divergence, not a hang */
#define FLAGS_IGNORED 0x10100ull     /* RF and TF, set by the debug machinery */

static int same_regs(const struct user_regs_struct *a, const struct user_regs_struct *b)
{
	struct user_regs_struct x = *a, y = *b;
	x.eflags &= ~FLAGS_IGNORED;
	y.eflags &= ~FLAGS_IGNORED;
	x.orig_rax = y.orig_rax = 0;
	return !memcmp(&x, &y, sizeof x);
}

/* Names the registers that differ from the recording, into buf. */
static const char *reg_diff(const struct user_regs_struct *a, const struct user_regs_struct *b, char *buf, size_t n)
{
	static const char *const names[] = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9",
					    "r8", "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs",
					    "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"};
	const unsigned long long *x = (const void *)a, *y = (const void *)b;
	size_t len = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0] && len < n; i++)
		if (x[i] != y[i] && i != 15)
			len += (size_t)snprintf(buf + len, n - len, " %s=%#llx (recorded %#llx)", names[i], x[i], y[i]);
	return buf;
}

static int set_dr(pid_t tid, int i, uint64_t v)
{
	size_t off = offsetof(struct user, u_debugreg) + (size_t)i * sizeof(long);
	return ptrace(PTRACE_POKEUSER, tid, off, v) < 0 ? -errno : 0;
}

static int stop_kind(struct replay_session *s, struct replay_task *t, int k, int status, int want_sig)
{
	if (k < 0)
		return k;
	if (k == STOP_SIGNAL && WSTOPSIG(status) == want_sig)
		return 0;
	if (k == STOP_GONE)
		replay_task_gone(s, t);
	return replay_diverged(s, t, "expected a preemption point, got %s",
			       k == STOP_SYSCALL ? "a syscall" : k == STOP_SIGNAL ? "a signal" : "the thread's end");
}

static int counted(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	int status, fd = bp_counter_open(t->tid, p->addr, p->count, CATCH_SIG);
	if (fd < 0)
		return replay_diverged(s, t, "cannot count executions of %#llx: %s", (unsigned long long)p->addr,
				       strerror(-fd));
	t->raised_sig = CATCH_SIG;
	int k = replay_run_task(t, &status);
	t->raised_sig = 0;
	close(fd);
	int r = stop_kind(s, t, k, status, CATCH_SIG);
	if (r || (r = regs_get(t->tid, &t->regs)))
		return r;
	char diff[512];
	if (!same_regs(&t->regs, &p->regs) || fpregs_hash(t->tid) != p->fphash)
		return replay_diverged(s, t, "at execution %llu of %#llx the registers differ from the recording:%s%s",
				       (unsigned long long)p->count, (unsigned long long)p->addr,
				       reg_diff(&t->regs, &p->regs, diff, sizeof diff),
				       fpregs_hash(t->tid) != p->fphash ? " (and x87/SSE state)" : "");
	return 0;
}

static int matched(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	int r = set_dr(t->tid, 0, p->regs.rip);
	if (!r)
		r = set_dr(t->tid, 7, 1); /* L0: execute, one byte */
	if (r)
		return replay_diverged(s, t, "cannot set a breakpoint at %#llx: %s", p->regs.rip, strerror(-r));
	for (uint64_t hits = 0; !r; hits++) {
		int status;
		if (hits == MAX_HITS) {
			r = replay_diverged(s, t, "the recorded state at %#llx never came back", p->regs.rip);
			break;
		}
		int k = replay_run_task(t, &status);
		if ((r = stop_kind(s, t, k, status, SIGTRAP)) || (r = regs_get(t->tid, &t->regs)))
			break;
		uint64_t mh;
		if (t->regs.rip == p->regs.rip && same_regs(&t->regs, &p->regs) && fpregs_hash(t->tid) == p->fphash &&
		    !mem_writable_hash(t->tid, &mh) && mh == p->memhash)
			break;
	}
	if (t->alive)
		set_dr(t->tid, 7, 0);
	if (!r) {
		/* The breakpoint left RF set; the recording stopped this thread
		 * without one, so its next instruction must count as executed. */
		t->regs.eflags &= ~0x10000ull;
		r = regs_set(t->tid, &t->regs);
	}
	return r;
}

int replay_preempt(struct replay_session *s, struct replay_task *t, const struct trace_preempt *p)
{
	if (t->at_syscall || t->in_clone)
		return replay_diverged(s, t, "a preemption recorded inside a syscall");
	return p->kind == PREEMPT_COUNTED ? counted(s, t, p) : matched(s, t, p);
}
