/* proc_clone: process and thread creation without glibc's fork and
 * pthread_create. clone3 called through syscall(), fork-like (SIGCHLD,
 * CLONE_PARENT_SETTID: the parent's word holds the child's pid when clone3
 * returns; the child's copy keeps the old value). Then raw clone() of three
 * thread-like children sharing everything (CLONE_VM|CLONE_FS|CLONE_FILES|
 * CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_CHILD_CLEARTID|
 * CLONE_PARENT_SETTID) on stacks of their own: they run only raw syscalls
 * (no TLS of their own), wait for a futex go word, add to a shared counter
 * and write to a pipe; the parent joins each by futex-waiting on its
 * CLEARTID word until the kernel zeroes it. (CLONE_PIDFD:
 * tests/pending/proc_pidfd.c) */
#include <errno.h>
#include <linux/futex.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

/* Raw syscalls for the thread-like children: they share the parent's TLS,
 * so they must not touch errno or anything else of glibc's. */
static long raw3(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

static long raw6(long nr, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define NT 3
#define STACK (64 * 1024)

static int go;                  /* futex: 0 until the parent has checked the tids */
static long counter;            /* atomics */
static int pipe_w;
static struct tinfo {
	int ptid;               /* CLONE_PARENT_SETTID */
	int ctid;               /* CLONE_CHILD_CLEARTID: zeroed and woken at exit */
	int id;
	int seen_tid, seen_pid; /* what the child's gettid/getpid returned */
	long sum;
} ti[NT];

static int thread_fn(void *arg)
{
	struct tinfo *t = arg;
	t->seen_tid = (int)raw3(SYS_gettid, 0, 0, 0);
	t->seen_pid = (int)raw3(SYS_getpid, 0, 0, 0);
	while (__atomic_load_n(&go, __ATOMIC_SEQ_CST) == 0)
		raw6(SYS_futex, (long)&go, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
	long s = 0;
	for (int i = 1; i <= 1000; i++) {
		s += i * (t->id + 1);
		if (i % 250 == 0)
			__atomic_add_fetch(&counter, 1, __ATOMIC_SEQ_CST);
	}
	t->sum = s;
	char msg[] = "thread-like child X done\n";
	msg[18] = (char)('0' + t->id);
	raw3(SYS_write, pipe_w, (long)msg, sizeof msg - 1);
	return 0; /* glibc's clone() then calls exit (not exit_group) */
}

static void clone3_fork(void)
{
	int ptid = -1;
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CLONE_PARENT_SETTID;
	ca.parent_tid = (uint64_t)(uintptr_t)&ptid;
	ca.exit_signal = SIGCHLD;
	fflush(stdout);
	long c = syscall(SYS_clone3, &ca, sizeof ca);
	CK(c);
	if (c == 0) {
		char msg[] = "clone3 child running\n";
		if (write(1, msg, sizeof msg - 1) < 0)
			_exit(1);
		_exit(ptid == -1 ? 42 : 43); /* its copy of ptid was taken before the write */
	}
	printf("clone3: parent_tid word matches the returned pid: %d\n", ptid == (int)c);
	check(ptid == (int)c, "CLONE_PARENT_SETTID");
	int st;
	CK(waitpid((pid_t)c, &st, 0));
	printf("clone3 child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 42, "clone3 child status");
}

static void raw_threads(void)
{
	int p[2];
	CK(pipe(p));
	pipe_w = p[1];
	const int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
			  CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID;
	char *stacks = mmap(NULL, NT * STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	CK(stacks == MAP_FAILED ? -1 : 0);
	int tid[NT];
	fflush(stdout);
	for (int i = 0; i < NT; i++) {
		ti[i].id = i;
		ti[i].ctid = -1; /* nonzero until the kernel clears it */
		tid[i] = clone(thread_fn, stacks + (i + 1) * STACK, flags, &ti[i], &ti[i].ptid, NULL, &ti[i].ctid);
		CK(tid[i]);
	}
	int ok = 1;
	for (int i = 0; i < NT; i++)
		ok &= ti[i].ptid == tid[i];
	printf("raw clone: %d thread-like children, parent_tid words match: %d\n", NT, ok);
	check(ok, "CLONE_PARENT_SETTID of the threads");
	__atomic_store_n(&go, 1, __ATOMIC_SEQ_CST);
	CK(syscall(SYS_futex, &go, FUTEX_WAKE_PRIVATE, NT, NULL, NULL, 0));
	for (int i = 0; i < NT; i++) {
		int v;
		/* CLONE_CHILD_CLEARTID wakes a shared futex: wait without _PRIVATE */
		while ((v = __atomic_load_n(&ti[i].ctid, __ATOMIC_SEQ_CST)) != 0) {
			long r = syscall(SYS_futex, &ti[i].ctid, FUTEX_WAIT, v, NULL, NULL, 0);
			check(r == 0 || errno == EAGAIN || errno == EINTR, "futex wait on the cleartid word");
		}
		printf("thread-like child %d joined: tid ok %d, same pid %d, sum %ld\n", i, ti[i].seen_tid == tid[i],
		       ti[i].seen_pid == getpid(), ti[i].sum);
		check(ti[i].seen_tid == tid[i] && ti[i].seen_pid == getpid(), "tid/pid seen by a thread");
		check(ti[i].sum == 500500L * (i + 1), "thread's sum");
	}
	close(p[1]);
	char buf[256] = {0};
	size_t got = 0;
	ssize_t n;
	while (got < sizeof buf - 1 && (n = read(p[0], buf + got, sizeof buf - 1 - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	int lines = 0;
	for (size_t k = 0; k < got; k++)
		lines += buf[k] == '\n';
	printf("their messages (%d lines, in the order they ran):\n%s", lines, buf);
	printf("counter %ld\n", counter);
	check(lines == NT && counter == 4 * NT, "messages and counter");
	munmap(stacks, NT * STACK);
	/* no SIGCHLD and nothing to wait for: they were threads */
	errno = 0;
	int r = waitpid(-1, NULL, WNOHANG);
	printf("waitpid after the threads -> %d %s\n", r, errno == ECHILD ? "ECHILD" : "?");
	check(r < 0 && errno == ECHILD, "no child processes left");
}

int main(void)
{
	clone3_fork();
	raw_threads();
	return wrong;
}
