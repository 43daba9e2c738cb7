// sig_suspend: a signal raised while blocked stays pending and is delivered
// by sigsuspend (with an empty mask), then by sigprocmask unblocking; a
// SIGALRM from alarm() ends a second sigsuspend.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got, count;

static void handler(int sig) { got = sig; count++; }

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	sigset_t set, oset, wait;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &oset);
	raise(SIGUSR2);
	printf("raised while blocked, got %d\n", got);
	sigemptyset(&wait);
	int s = sigsuspend(&wait);
	printf("sigsuspend -> %d errno %d got %d count %d\n", s, errno, got, count);
	alarm(1);
	got = 0;
	s = sigsuspend(&wait);
	printf("sigsuspend for alarm -> %d errno %d got %d count %d\n", s, errno, got, count);
	raise(SIGUSR2);
	got = 0;
	sigprocmask(SIG_SETMASK, &oset, NULL);
	printf("unblocked: got %d count %d\n", got, count);
	return 0;
}
