// sig_timer_create: POSIX timers. A periodic SIGEV_SIGNAL timer whose
// handler sees si_code SI_TIMER and the timer's sival, while the main thread
// waits in sigsuspend; timer_getoverrun after expirations pile up while the
// signal is blocked; a SIGEV_THREAD_ID timer aimed at one thread, whose
// handler checks gettid() against the target; timer_gettime/timer_delete.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile sig_atomic_t hits, bad_code, bad_value, wrong_thread;
static volatile pid_t target_tid;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	hits++;
	if (si->si_code != SI_TIMER)
		bad_code++;
	if (si->si_value.sival_int != 1234)
		bad_value++;
	if (target_tid && gettid() != target_tid)
		wrong_thread++;
}

static void settime(timer_t t, long first_ns, long every_ns)
{
	struct itimerspec its = { { 0, every_ns }, { 0, first_ns } };
	if (timer_settime(t, 0, &its, NULL) < 0)
		perror("timer_settime");
}

static volatile sig_atomic_t ready;

static void *target(void *arg)
{
	(void)arg;
	target_tid = gettid();
	sigset_t none;
	sigemptyset(&none);
	__atomic_store_n(&ready, 1, __ATOMIC_SEQ_CST);
	// SIGRTMIN+1 is blocked in every thread; only here does it get through.
	while (hits < 4)
		sigsuspend(&none);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	int sig1 = SIGRTMIN, sig2 = SIGRTMIN + 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(sig1, &sa, NULL);
	sigaction(sig2, &sa, NULL);

	sigset_t both, old;
	sigemptyset(&both);
	sigaddset(&both, sig1);
	sigaddset(&both, sig2);
	sigprocmask(SIG_BLOCK, &both, &old);

	// 1. SIGEV_SIGNAL, periodic, taken through sigsuspend.
	struct sigevent sev;
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig1;
	sev.sigev_value.sival_int = 1234;
	timer_t t1;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t1) < 0) { perror("timer_create"); return 1; }
	settime(t1, 2000000, 2000000);
	sigset_t wait_mask = old;
	sigdelset(&wait_mask, sig1);
	int rounds = 0;
	while (hits < 3) {
		sigsuspend(&wait_mask);
		rounds++;
	}
	struct itimerspec cur;
	timer_gettime(t1, &cur);
	printf("SIGEV_SIGNAL: hits %d in %d sigsuspends, bad code %d bad value %d, interval %ld ns armed %d\n",
	       (int)hits, rounds, (int)bad_code, (int)bad_value, cur.it_interval.tv_nsec,
	       cur.it_value.tv_sec > 0 || cur.it_value.tv_nsec > 0);

	// 2. overruns: the signal stays blocked while the timer expires again
	// and again; only one signal is queued, the rest count as overruns.
	settime(t1, 1000000, 1000000);
	struct timespec d = { 0, 12000000 };
	nanosleep(&d, NULL);
	siginfo_t si;
	int s = sigwaitinfo(&both, &si);
	int ov = timer_getoverrun(t1);
	settime(t1, 0, 0);
	printf("sigwaitinfo -> SIGRTMIN+%d code SI_TIMER %d si_overrun %d, timer_getoverrun %d (>0 %d)\n",
	       s - SIGRTMIN, si.si_code == SI_TIMER, si.si_overrun, ov, ov > 0);
	timer_gettime(t1, &cur);
	printf("disarmed: %ld.%09ld\n", (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);
	printf("timer_delete -> %d\n", timer_delete(t1));
	errno = 0;
	int r = timer_getoverrun(t1);
	printf("timer_getoverrun after delete -> %d errno %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));

	// 3. SIGEV_THREAD_ID: the timer's signal goes to one thread only.
	hits = 0;
	pthread_t th;
	pthread_create(&th, NULL, target, NULL);
	while (!__atomic_load_n(&ready, __ATOMIC_SEQ_CST))
		sched_yield();
	memset(&sev, 0, sizeof sev);
	sev.sigev_notify = SIGEV_THREAD_ID;
	sev.sigev_signo = sig2;
	sev.sigev_value.sival_int = 1234;
	sev.sigev_notify_thread_id = target_tid;
	timer_t t2;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t2) < 0) { perror("timer_create THREAD_ID"); return 1; }
	settime(t2, 2000000, 2000000);
	pthread_join(th, NULL);
	settime(t2, 0, 0);
	timer_delete(t2);
	printf("SIGEV_THREAD_ID: hits %d, wrong thread %d, bad code %d bad value %d\n", (int)hits,
	       (int)wrong_thread, (int)bad_code, (int)bad_value);
	// a tick may have been pending for the dead thread; nothing must be
	// pending for the process.
	sigset_t pend;
	sigpending(&pend);
	printf("main pending SIGRTMIN+1 %d\n", sigismember(&pend, sig2));
	return 0;
}
