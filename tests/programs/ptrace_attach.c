// ptrace_attach.c - a program that is its own debugger, as LeakSanitizer's
// StopTheWorld and crash reporters are: (1) a
// CLONE_VM | CLONE_UNTRACED child attaches to its parent, waits for its
// SIGSTOP stop, reads its registers (rsp inside the parent's stack) and a
// word of its memory, and detaches, while the parent yields until it is
// done; (2) the parent attaches to a forked child the same way. What it
// prints is the same natively and under rec and replay (rec emulates the
// tracer's side: recorder/rec_ptrace.c); it exits 1 if a step failed.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long marker = 0x5eed;
static volatile int done;
static uintptr_t stack_lo, stack_hi;
static char result[256];

static int tracer(void *arg)
{
	pid_t p = getppid();
	(void)arg;
	int st = 0;
	long a = ptrace(PTRACE_ATTACH, p, 0, 0);
	pid_t w = a == 0 ? waitpid(p, &st, __WALL) : -1;
	struct user_regs_struct r;
	memset(&r, 0, sizeof r);
	long g = ptrace(PTRACE_GETREGS, p, 0, &r);
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, p, (void *)&marker, 0);
	long d = ptrace(PTRACE_DETACH, p, 0, 0);
	snprintf(result, sizeof result, "attach %ld, wait %s, stop %s, regs %ld, rsp in its stack %s, peek %#lx, detach %ld",
		 a, w == p ? "ok" : "failed", WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : "other", g,
		 r.rsp >= stack_lo && r.rsp < stack_hi ? "yes" : "no", word, d);
	__atomic_store_n(&done, 1, __ATOMIC_RELEASE);
	return 0;
}

int main(void)
{
	int here;
	stack_hi = (uintptr_t)&here + 4096;
	stack_lo = (uintptr_t)&here - (1 << 20);
	size_t sz = 256 * 1024;
	char *stk = malloc(sz);
	pid_t c = clone(tracer, stk + sz, CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_UNTRACED | SIGCHLD, NULL);
	if (c < 0)
		return 2;
	prctl(PR_SET_PTRACER, c, 0, 0, 0);
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE))
		sched_yield();
	int st;
	waitpid(c, &st, __WALL);
	printf("self: %s\n", result);

	pid_t k = fork();
	if (k == 0) {
		for (int i = 0; i < 3; i++)
			sched_yield();
		_exit(7);
	}
	long a = ptrace(PTRACE_ATTACH, k, 0, 0);
	pid_t w = a == 0 ? waitpid(k, &st, __WALL) : -1;
	int stopped = w == k && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP;
	long d = ptrace(PTRACE_DETACH, k, 0, 0);
	waitpid(k, &st, 0);
	printf("child: attach %ld, stop %s, detach %ld, exit %d\n", a, stopped ? "SIGSTOP" : "other", d,
	       WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(stk);
	return strstr(result, "attach 0, wait ok, stop SIGSTOP, regs 0, rsp in its stack yes, peek 0x5eed, detach 0") &&
			       a == 0 && stopped && d == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7
		       ? 0
		       : 1;
}
