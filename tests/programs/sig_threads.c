// sig_threads: signals and threads. Three threads block in read() on one
// signalfd and share three queued process-directed signals; each then reads
// a thread-directed signal (pthread_sigqueue) meant for it alone. Per-thread
// masks (pthread_sigmask): a handled signal sent with pthread_kill, and one
// sent to the whole process, both stay pending until the one thread that
// unblocks it does so, and run there;
// that thread pthread_kill()s the main thread, which takes it with
// sigwaitinfo. Self signals: raise() and abort() with handlers (abort is
// left with siglongjmp). Prints si_code/si_pid/si_value seen each time.
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define NR 3
static int sfd_shared, sfd_thread;
static int got_shared[NR], got_own[NR], own_code[NR], shared_code[NR], shared_self[NR];

static void *reader(void *arg)
{
	int i = (int)(intptr_t)arg;
	struct signalfd_siginfo si;
	if (read(sfd_shared, &si, sizeof si) == sizeof si) {
		got_shared[i] = si.ssi_int;
		shared_code[i] = si.ssi_code;
		shared_self[i] = si.ssi_pid == (uint32_t)getpid();
	}
	if (read(sfd_thread, &si, sizeof si) == sizeof si) {
		got_own[i] = si.ssi_int;
		own_code[i] = si.ssi_code;
	}
	return NULL;
}

static const char *code_name(int c)
{
	switch (c) {
	case SI_USER: return "SI_USER";
	case SI_QUEUE: return "SI_QUEUE";
	case SI_TKILL: return "SI_TKILL";
	case SI_KERNEL: return "SI_KERNEL";
	default: return "other";
	}
}

#define MAXH 4
static volatile sig_atomic_t nh;
static pid_t h_tid[MAXH];
static int h_code[MAXH], h_self[MAXH];

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	if (nh < MAXH) {
		h_tid[nh] = gettid();
		h_code[nh] = si->si_code;
		h_self[nh] = si->si_pid == getpid();
	}
	nh++;
}

static pid_t w_tid;
static pthread_t main_th;
static int gate[2];

static void *waiter(void *arg)
{
	(void)arg;
	w_tid = gettid();
	char c;
	// wait until main has sent both SIGUSR2s, then take them by unblocking
	// SIGUSR2 in this thread only (the main thread keeps it blocked).
	if (read(gate[0], &c, 1) != 1)
		return NULL;
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	pthread_kill(main_th, SIGRTMIN + 2);
	return NULL;
}

static sigjmp_buf abrt_env;
static volatile int abrt_code, abrt_self, abrt_main;
static pid_t main_tid;

static void on_abrt(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	abrt_code = si->si_code;
	abrt_self = si->si_pid == getpid();
	abrt_main = gettid() == main_tid;
	siglongjmp(abrt_env, 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	main_th = pthread_self();
	main_tid = gettid();
	const int S1 = SIGRTMIN, S2 = SIGRTMIN + 1, S3 = SIGRTMIN + 2;

	sigset_t blk, old;
	sigemptyset(&blk);
	sigaddset(&blk, S1);
	sigaddset(&blk, S2);
	sigaddset(&blk, S3);
	sigaddset(&blk, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &blk, &old);

	// 1. one signalfd for process-directed S1, one for thread-directed S2.
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, S1);
	sfd_shared = signalfd(-1, &m, SFD_CLOEXEC);
	sigemptyset(&m);
	sigaddset(&m, S2);
	sfd_thread = signalfd(-1, &m, SFD_CLOEXEC);
	pthread_t th[NR];
	for (int i = 0; i < NR; i++)
		pthread_create(&th[i], NULL, reader, (void *)(intptr_t)i);
	for (int i = 0; i < NR; i++) {
		union sigval v = { .sival_int = 10 + i };
		sigqueue(getpid(), S1, v);
	}
	for (int i = 0; i < NR; i++) {
		union sigval v = { .sival_int = 100 + i };
		pthread_sigqueue(th[i], S2, v);
	}
	for (int i = 0; i < NR; i++)
		pthread_join(th[i], NULL);
	int sum = 0, mask = 0, codes_ok = 0;
	for (int i = 0; i < NR; i++) {
		sum += got_shared[i];
		if (got_shared[i] >= 10 && got_shared[i] < 10 + NR)
			mask |= 1 << (got_shared[i] - 10);
		codes_ok += shared_code[i] == SI_QUEUE && shared_self[i];
	}
	printf("signalfd shared by %d threads: values sum %d all distinct %d, SI_QUEUE from self %d/%d\n", NR, sum,
	       mask == (1 << NR) - 1, codes_ok, NR);
	for (int i = 0; i < NR; i++)
		printf("thread %d: own signal value %d code %s\n", i, got_own[i], code_name(own_code[i]));
	close(sfd_shared);
	close(sfd_thread);

	// 2. per-thread masks: SIGUSR2 is unblocked only in the waiter.
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR2, &sa, NULL);
	if (pipe(gate) < 0)
		return 1;
	pthread_t w;
	pthread_create(&w, NULL, waiter, NULL);
	printf("pthread_kill(waiter, SIGUSR2) -> %d\n", pthread_kill(w, SIGUSR2));
	printf("kill(self, SIGUSR2) -> %d\n", kill(getpid(), SIGUSR2));
	sigpending(&m);
	printf("pending for main (thread's own + process-wide): SIGUSR2 %d, handled so far %d\n",
	       sigismember(&m, SIGUSR2), (int)nh);
	if (write(gate[1], "g", 1) != 1)
		return 1;
	sigemptyset(&m);
	sigaddset(&m, S3);
	siginfo_t si;
	int s = sigwaitinfo(&m, &si);
	// (glibc's sigwaitinfo reports SI_TKILL as SI_USER)
	printf("main sigwaitinfo -> SIGRTMIN+%d code %s from self %d\n", s - SIGRTMIN, code_name(si.si_code),
	       si.si_pid == getpid());
	pthread_join(w, NULL);
	for (int i = 0; i < nh && i < MAXH; i++)
		printf("SIGUSR2 #%d: in waiter %d in main %d code %s from self %d\n", i, h_tid[i] == w_tid,
		       h_tid[i] == main_tid, code_name(h_code[i]), h_self[i]);

	// 3. raise() in the main thread with SIGUSR2 unblocked here.
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	printf("raise(SIGUSR2) -> %d\n", raise(SIGUSR2));
	if (nh == 3)
		printf("SIGUSR2 #2: in main %d code %s from self %d\n", h_tid[2] == main_tid, code_name(h_code[2]),
		       h_self[2]);
	printf("SIGUSR2 handled %d times\n", (int)nh);

	// 4. abort() with a SIGABRT handler that does not return.
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_abrt;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGABRT, &sa, NULL);
	if (sigsetjmp(abrt_env, 1) == 0) {
		abort();
	} else {
		printf("abort() caught: code %s from self %d in main thread %d\n", code_name(abrt_code), abrt_self,
		       abrt_main);
	}
	sigset_t cur;
	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	printf("after siglongjmp: SIGABRT blocked %d, SIGUSR2 blocked %d\n", sigismember(&cur, SIGABRT),
	       sigismember(&cur, SIGUSR2));
	return 0;
}
