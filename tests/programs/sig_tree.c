// sig_tree: signals across a process tree. The parent P forks children A
// and B; A forks a grandchild G. P kill()s A; A sigqueue()s its sibling B;
// B and G sigqueue() values back to P, which takes them with sigwaitinfo and
// checks si_pid/si_code/si_value; A signals G. Children are reaped by a
// SIGCHLD handler looping on waitpid(WNOHANG). Then SIGPIPE: a child with
// the default action writing to a pipe without readers is killed by it
// (P sees WTERMSIG == SIGPIPE, CLD_KILLED); with SIGPIPE ignored the write
// fails with EPIPE instead. Only P prints; children report through their
// exit statuses.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXR 8
static volatile sig_atomic_t nreaped, nchld_calls, last_chld_code;
static pid_t reaped_pid[MAXR];
static int reaped_st[MAXR];

static void on_chld(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	int e = errno, st;
	pid_t p;
	nchld_calls++;
	last_chld_code = si->si_code;
	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		if (nreaped < MAXR) {
			reaped_pid[nreaped] = p;
			reaped_st[nreaped] = st;
		}
		nreaped++;
	}
	errno = e;
}

// Waits (in the child) for signal sig; returns a bit mask of checks passed:
// 1 sender is want_pid, 2 si_code is want_code, 4 value (if SI_QUEUE).
static int expect(int sig, pid_t want_pid, int want_code, int want_val)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	siginfo_t si;
	if (sigwaitinfo(&s, &si) != sig)
		return 0;
	int ok = 0;
	ok |= si.si_pid == want_pid;
	ok |= (si.si_code == want_code) << 1;
	ok |= (want_code != SI_QUEUE || si.si_value.sival_int == want_val) << 2;
	return ok;
}

static int status_of(pid_t p)
{
	for (int i = 0; i < nreaped && i < MAXR; i++)
		if (reaped_pid[i] == p)
			return reaped_st[i];
	return -1;
}

static void wait_reaped(sigset_t *unblocked, int n)
{
	while (nreaped < n)
		sigsuspend(unblocked);
}

static void describe(const char *who, int st)
{
	if (st == -1)
		printf("%s: not reaped\n", who);
	else if (WIFEXITED(st))
		printf("%s: exited %d\n", who, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		printf("%s: killed by signal %d (SIGPIPE %d)\n", who, WTERMSIG(st), WTERMSIG(st) == SIGPIPE);
	else
		printf("%s: status %#x\n", who, st);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const pid_t P = getpid();
	const int RT = SIGRTMIN;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_chld;
	sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	// Everything is taken synchronously: block the signals we exchange (the
	// children inherit the mask) and SIGCHLD outside sigsuspend.
	sigset_t blk, old;
	sigemptyset(&blk);
	sigaddset(&blk, SIGUSR1);
	sigaddset(&blk, SIGUSR2);
	sigaddset(&blk, RT);
	sigaddset(&blk, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blk, &old);
	sigset_t chld_ok = blk;
	sigdelset(&chld_ok, SIGCHLD);

	pid_t B = fork();
	if (B == 0) {
		// B: wait for A's queued value, then report to P with a value.
		pid_t A_pid = 0;
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, RT);
		siginfo_t si;
		int ok = 0;
		if (sigwaitinfo(&s, &si) == RT) {
			A_pid = si.si_pid;
			ok = (si.si_code == SI_QUEUE) | (si.si_value.sival_int == 1000) << 1 | (getppid() == P) << 2;
		}
		union sigval v = { .sival_int = 2000 + ok };
		sigqueue(P, RT, v);
		_exit(A_pid > 0 && A_pid != P ? 30 : 31);
	}
	pid_t A = fork();
	if (A == 0) {
		pid_t G = fork();
		if (G == 0) {
			// G: wait for A's SIGUSR2, then queue a value to its grandparent.
			int ok = expect(SIGUSR2, getppid(), SI_USER, 0);
			union sigval v = { .sival_int = 3000 + ok };
			sigqueue(P, RT, v);
			_exit(7);
		}
		int ok = expect(SIGUSR1, P, SI_USER, 0);
		union sigval v = { .sival_int = 1000 };
		sigqueue(B, RT, v);
		kill(G, SIGUSR2);
		int st;
		// SIGCHLD is blocked and the handler would be inherited anyway.
		if (waitpid(G, &st, 0) != G)
			_exit(99);
		_exit(20 + (WIFEXITED(st) ? WEXITSTATUS(st) : 50) + (ok == 7 ? 0 : 10));
	}

	printf("P: kill(A, SIGUSR1) -> %d\n", kill(A, SIGUSR1));
	int vals[2] = { 0, 0 }, from_b = 0, from_other = 0;
	for (int i = 0; i < 2; i++) {
		sigset_t s;
		sigemptyset(&s);
		sigaddset(&s, RT);
		siginfo_t si;
		if (sigwaitinfo(&s, &si) != RT)
			break;
		vals[i] = si.si_value.sival_int;
		if (si.si_code != SI_QUEUE)
			vals[i] = -vals[i];
		if (si.si_pid == B)
			from_b++;
		else if (si.si_pid != A)
			from_other++; // G: a pid P never saw
	}
	if (vals[0] > vals[1]) {
		int t = vals[0];
		vals[0] = vals[1];
		vals[1] = t;
	}
	printf("P: queued values %d %d (B ok bits %d, G ok bits %d), from B %d, from G %d\n", vals[0], vals[1],
	       vals[0] - 2000, vals[1] - 3000, from_b, from_other);

	wait_reaped(&chld_ok, 2);
	describe("A", status_of(A));
	describe("B", status_of(B));
	printf("reaped %d (SIGCHLD code CLD_EXITED %d)\n", (int)nreaped, last_chld_code == CLD_EXITED);

	// SIGPIPE with the default action, in a child.
	int p[2];
	if (pipe(p) < 0)
		return 1;
	close(p[0]);
	pid_t C = fork();
	if (C == 0) {
		signal(SIGPIPE, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		ssize_t n = write(p[1], "x", 1);
		_exit(n < 0 ? 40 : 41);
	}
	close(p[1]);
	wait_reaped(&chld_ok, 3);
	describe("C (SIGPIPE default)", status_of(C));
	printf("SIGCHLD code CLD_KILLED %d\n", last_chld_code == CLD_KILLED);

	// SIGPIPE ignored, in a child and in P.
	if (pipe(p) < 0)
		return 1;
	close(p[0]);
	pid_t D = fork();
	if (D == 0) {
		signal(SIGPIPE, SIG_IGN);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		errno = 0;
		ssize_t n = write(p[1], "x", 1);
		_exit(n < 0 && errno == EPIPE ? 42 : 43);
	}
	wait_reaped(&chld_ok, 4);
	describe("D (SIGPIPE ignored, 42 = EPIPE)", status_of(D));
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	ssize_t n = write(p[1], "x", 1);
	printf("P: write to pipe without readers -> %zd %s\n", n, errno == EPIPE ? "EPIPE" : strerror(errno));
	close(p[1]);

	errno = 0;
	pid_t w = waitpid(-1, NULL, WNOHANG);
	printf("P: waitpid with no children -> %d %s\n", w, errno == ECHILD ? "ECHILD" : strerror(errno));
	printf("SIGCHLD handler calls %d\n", (int)nchld_calls);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return 0;
}
