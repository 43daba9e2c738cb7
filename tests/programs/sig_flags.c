// sig_flags: sigaction flags and masks during handlers. SA_RESETHAND (the
// handler is reset to SIG_DFL on entry, so a second raise kills a child);
// SA_NODEFER (a handler raising its own signal nests) versus the default
// (the raise waits until the handler returns); sa_mask holding a second
// signal pending until the handler returns; nesting of different signals;
// a handler editing uc_sigmask in its ucontext to change the mask restored
// by sigreturn; and SIG_IGN discarding a pending signal. Handlers append to
// a log that is printed afterwards. (Many pending signals unblocked at once:
// tests/pending/sig_pending_order.c.)
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static char logbuf[512];
static volatile int loglen, depth, maxdepth, count;

static void lograw(const char *s)
{
	while (*s && loglen < (int)sizeof logbuf - 1)
		logbuf[loglen++] = *s++;
	logbuf[loglen] = 0;
}

static void lognum(int n)
{
	char b[12];
	int i = sizeof b - 1;
	b[i] = 0;
	do
		b[--i] = (char)('0' + n % 10);
	while ((n /= 10) && i > 0);
	lograw(b + i);
}

static void logsig(int sig)
{
	if (sig >= SIGRTMIN) {
		lograw("RT");
		lognum(sig - SIGRTMIN);
	} else {
		lognum(sig);
	}
}

static void logreset(void)
{
	loglen = 0;
	logbuf[0] = 0;
	depth = maxdepth = count = 0;
}

static int blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

static void install(int sig, void (*fn)(int, siginfo_t *, void *), int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = fn;
	sa.sa_flags = flags | SA_SIGINFO;
	if (mask)
		sa.sa_mask = *mask;
	else
		sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

// Logs entry/exit as "[sig ... ]"; re-raises its own signal while count < 3.
static void rec_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	lograw("[");
	logsig(sig);
	if (++depth > maxdepth)
		maxdepth = depth;
	if (++count < 3)
		raise(sig);
	depth--;
	lograw("]");
}

static volatile int reset_seen_dfl, reset_self_blocked;
static void reset_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	struct sigaction cur;
	sigaction(sig, NULL, &cur);
	reset_seen_dfl = cur.sa_handler == SIG_DFL;
	reset_self_blocked = blocked(sig);
	count++;
}

static volatile int in_usr1_usr2_blocked, in_usr1_usr2_pending, in_usr1_rt_blocked;
static void masked_handler(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	lograw("[");
	logsig(sig);
	if (sig == SIGUSR1) {
		in_usr1_usr2_blocked = blocked(SIGUSR2);
		in_usr1_rt_blocked = blocked(SIGRTMIN);
		raise(SIGUSR2);
		sigset_t p;
		sigpending(&p);
		in_usr1_usr2_pending = sigismember(&p, SIGUSR2);
		lograw(in_usr1_usr2_pending ? " usr2-pending" : " usr2-ran");
	} else if (sig == SIGUSR2) {
		raise(SIGRTMIN);
	}
	lograw("]");
}

static void logonly(int sig, siginfo_t *si, void *uc)
{
	(void)si; (void)uc;
	lograw(" ");
	logsig(sig);
}

static void edit_mask(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)si;
	ucontext_t *u = uc;
	sigaddset(&u->uc_sigmask, SIGUSR2);
	count++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);

	// 1. SA_RESETHAND.
	install(SIGUSR1, reset_handler, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	struct sigaction cur;
	sigaction(SIGUSR1, NULL, &cur);
	printf("SA_RESETHAND: ran %d, SIG_DFL inside handler %d, self blocked inside %d, SIG_DFL after %d\n", count,
	       reset_seen_dfl, reset_self_blocked, cur.sa_handler == SIG_DFL);
	pid_t c = fork();
	if (c == 0) {
		count = 0;
		install(SIGUSR1, reset_handler, SA_RESETHAND, NULL);
		raise(SIGUSR1);
		raise(SIGUSR1); // default action now: terminate
		_exit(count);
	}
	int st;
	waitpid(c, &st, 0);
	printf("child raising twice: killed by SIGUSR1 %d\n", WIFSIGNALED(st) && WTERMSIG(st) == SIGUSR1);

	// 2. SA_NODEFER: nested; default: deferred until the handler returns.
	logreset();
	install(SIGUSR2, rec_handler, SA_NODEFER, NULL);
	raise(SIGUSR2);
	printf("SA_NODEFER: %s count %d max depth %d\n", logbuf, count, maxdepth);
	logreset();
	install(SIGUSR2, rec_handler, 0, NULL);
	raise(SIGUSR2);
	printf("default:    %s count %d max depth %d\n", logbuf, count, maxdepth);

	// 3. sa_mask: SIGUSR1's handler blocks SIGUSR2; SIGUSR2's handler does
	// not block SIGRTMIN, which therefore nests inside it.
	logreset();
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	install(SIGUSR1, masked_handler, 0, &m);
	install(SIGUSR2, masked_handler, 0, NULL);
	install(SIGRTMIN, masked_handler, 0, NULL);
	raise(SIGUSR1);
	printf("sa_mask {USR2}: %s (in USR1: USR2 blocked %d pending %d, RT0 blocked %d)\n", logbuf,
	       in_usr1_usr2_blocked, in_usr1_usr2_pending, in_usr1_rt_blocked);
	printf("after: USR1 blocked %d USR2 blocked %d\n", blocked(SIGUSR1), blocked(SIGUSR2));

	// 4. nesting of different signals, no sa_mask.
	logreset();
	install(SIGUSR1, masked_handler, 0, NULL);
	raise(SIGUSR1);
	printf("nested:         %s\n", logbuf);

	// 5. the handler edits uc_sigmask: SIGUSR2 stays blocked after return.
	logreset();
	install(SIGRTMIN + 3, edit_mask, 0, NULL);
	raise(SIGRTMIN + 3);
	printf("uc_sigmask edit: ran %d, USR2 blocked after return %d\n", count, blocked(SIGUSR2));
	sigprocmask(SIG_UNBLOCK, &m, NULL);
	printf("unblocked again: USR2 blocked %d\n", blocked(SIGUSR2));

	// 6. SIG_IGN discards a pending signal.
	logreset();
	sigset_t old;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	install(SIGUSR1, logonly, 0, NULL);
	sigprocmask(SIG_BLOCK, &m, &old);
	raise(SIGUSR1);
	sigset_t p;
	sigpending(&p);
	int before = sigismember(&p, SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	sigpending(&p);
	int after = sigismember(&p, SIGUSR1);
	install(SIGUSR1, logonly, 0, NULL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("SIG_IGN on pending: pending before %d after %d, delivered '%s'\n", before, after, logbuf);
	return 0;
}
