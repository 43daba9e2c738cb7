// sig_suspend_unblocked: sigsuspend (and the same in a thread) woken by a
// signal that was already unblocked before the call, so the temporary mask
// does not change whether it can be delivered: a SIGALRM from setitimer in
// the main thread, then a SIGUSR2 sent with pthread_kill to a thread that
// unblocked it with pthread_sigmask and waits in sigsuspend.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t alarms, usr2s;
static void on_alarm(int sig) { (void)sig; alarms++; }
static void on_usr2(int sig) { (void)sig; usr2s++; }

static void *waiter(void *arg)
{
	(void)arg;
	sigset_t s, cur;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	int rounds = 0;
	while (usr2s < 1) {
		sigsuspend(&cur);
		rounds++;
	}
	return (void *)(long)rounds;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);

	struct itimerval it = { { 0, 0 }, { 0, 5000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	sigset_t none;
	sigemptyset(&none);
	int r = sigsuspend(&none);
	printf("main sigsuspend -> %d %s alarms %d\n", r, errno == EINTR ? "EINTR" : strerror(errno), (int)alarms);

	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_t th;
	pthread_create(&th, NULL, waiter, NULL);
	struct timespec d = { 0, 5000000 };
	nanosleep(&d, NULL); // let the waiter reach sigsuspend
	pthread_kill(th, SIGUSR2);
	void *rounds;
	pthread_join(th, &rounds);
	printf("thread sigsuspend: usr2 %d in %ld rounds\n", (int)usr2s, (long)rounds);
	return 0;
}
