// signals: sigaction with SA_SIGINFO + raise(SIGUSR1), kill to self,
// sigprocmask blocking and sigpending, sigaltstack with SA_ONSTACK,
// SIG_IGN, EPIPE, rt_sigqueueinfo values, sigtimedwait.
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, code, onalt, val;
static volatile pid_t from;
static char *alt;

static void handler(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	int local;
	got = sig;
	code = si->si_code;
	from = si->si_pid;
	val = si->si_value.sival_int;
	onalt = (char *)&local >= alt && (char *)&local < alt + SIGSTKSZ * 4;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, &old) < 0) { perror("sigaction"); return 1; }
	printf("old SIGUSR1 handler default %d\n", old.sa_handler == SIG_DFL);

	printf("raise -> %d\n", raise(SIGUSR1));
	printf("handled sig %d code %d from self %d onalt %d\n", got, code, from == getpid(), onalt);
	got = 0;
	printf("kill self -> %d\n", kill(getpid(), SIGUSR1));
	printf("handled sig %d code %d (SI_USER %d) from self %d\n", got, code, code == SI_USER, from == getpid());

	sigset_t set, oset, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	if (sigaction(SIGUSR2, &sa, NULL) < 0) return 1;
	sigprocmask(SIG_BLOCK, &set, &oset);
	got = 0;
	raise(SIGUSR2);
	sigpending(&pend);
	printf("blocked: got %d pending SIGUSR2 %d\n", got, sigismember(&pend, SIGUSR2));
	sigprocmask(SIG_SETMASK, &oset, NULL);
	printf("unblocked: got %d\n", got);

	alt = malloc(SIGSTKSZ * 4);
	stack_t ss = { .ss_sp = alt, .ss_size = SIGSTKSZ * 4, .ss_flags = 0 }, oss;
	printf("sigaltstack -> %d\n", sigaltstack(&ss, &oss));
	printf("old altstack flags %d\n", oss.ss_flags);
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	got = 0;
	raise(SIGUSR1);
	printf("with SA_ONSTACK: got %d onalt %d\n", got, onalt);
	sigaltstack(NULL, &oss);
	printf("altstack now %p flags %d\n", oss.ss_sp, oss.ss_flags);

	union sigval sv = { .sival_int = 4242 };
	got = 0;
	printf("sigqueue -> %d\n", sigqueue(getpid(), SIGUSR1, sv));
	printf("queued: got %d code %d (SI_QUEUE %d) value %d\n", got, code, code == SI_QUEUE, val);

	sigprocmask(SIG_BLOCK, &set, &oset);
	raise(SIGUSR2);
	siginfo_t si;
	struct timespec to = { 1, 0 };
	int s = sigtimedwait(&set, &si, &to);
	printf("sigtimedwait -> %d code %d\n", s, si.si_code);
	to.tv_sec = 0; to.tv_nsec = 1000000;
	errno = 0;
	s = sigtimedwait(&set, &si, &to);
	printf("sigtimedwait nothing -> %d errno %d\n", s, errno);

	sigprocmask(SIG_SETMASK, &oset, NULL);

	signal(SIGUSR1, SIG_IGN);
	printf("raise ignored -> %d\n", raise(SIGUSR1));
	signal(SIGPIPE, SIG_IGN);
	int p[2];
	if (pipe(p) < 0) return 1;
	close(p[0]);
	errno = 0;
	ssize_t n = write(p[1], "x", 1);
	printf("write to closed pipe -> %zd errno %d (EPIPE %d)\n", n, errno, errno == EPIPE);
	return 0;
}
