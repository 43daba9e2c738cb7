// sig_frame_kernel: signal handlers print what the kernel alone put in
// their frame: the trap number, error code and fault address of the
// thread's last trap (uc_mcontext's trapno, err, cr2) and the XSAVE
// header's in-use bits. These come from the thread's history in the
// kernel, which the tracer's own traps (single steps, breakpoints, rdtsc
// faults) change, differently under rec and under replay: replay must
// show the recorded frame. Signals come by raise(), after an rdtsc, while
// two threads compute (preempted between passes), from another thread
// while this one computes, and from a fault.
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <x86intrin.h>

static volatile sig_atomic_t got;
static unsigned long long trapno, err, cr2, xbv;
static sigjmp_buf env;

static void note(void *ucv)
{
	ucontext_t *uc = ucv;
	trapno = (unsigned long long)uc->uc_mcontext.gregs[REG_TRAPNO];
	err = (unsigned long long)uc->uc_mcontext.gregs[REG_ERR];
	cr2 = (unsigned long long)uc->uc_mcontext.gregs[REG_CR2];
	xbv = 0;
	if (uc->uc_mcontext.fpregs)
		memcpy(&xbv, (const char *)uc->uc_mcontext.fpregs + 512, sizeof xbv); /* XSAVE header */
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si;
	note(uc);
	got++;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)si;
	note(uc);
	siglongjmp(env, 1);
}

static volatile unsigned long sink;

/* A long straight-line body (1,000 steps): a preemption point in it comes
 * back once per pass, so replay finds it after few passes, even with its
 * debug register alone (suite-gdb's gdb-dr-point). */
#define STEP x = (x ^ (x >> 29)) * 0xbf58476d1ce4e5b9ul;
#define STEP10 STEP STEP STEP STEP STEP STEP STEP STEP STEP STEP
#define STEP100 STEP10 STEP10 STEP10 STEP10 STEP10 STEP10 STEP10 STEP10 STEP10 STEP10
#define STEP1000 STEP100 STEP100 STEP100 STEP100 STEP100 STEP100 STEP100 STEP100 STEP100 STEP100

static void *compute(void *arg)
{
	unsigned long x = (unsigned long)arg;
	for (long i = 0; i < 30000; i++) {
		STEP1000
	}
	sink = x; /* after the loop: tests/gdb/dr_point.gdb breaks here */
	return NULL;
}

static void show(const char *what)
{
	printf("%-14s trapno %llu err %#llx cr2 %#llx xstate_bv %#llx\n", what, trapno, err, cr2, xbv);
}

/* its own loop: no counting site in it yet when the signal comes */
static __attribute__((noinline)) void compute_alone(void)
{
	unsigned long x = 7;
	for (long i = 0; i < 60000000; i++)
		x = (x ^ (x >> 7)) * 0x9e3779b97f4a7c15ul;
	sink = x;
}

static void *raiser(void *arg)
{
	(void)arg;
	raise(SIGUSR1); /* a new thread's first signal */
	show("new thread");
	return NULL;
}

static pthread_t main_thread;
static volatile int computing;

static void *poke(void *arg)
{
	(void)arg;
	while (!computing)
		sched_yield();
	struct timespec ts = {0, 2000000};
	nanosleep(&ts, NULL);
	pthread_kill(main_thread, SIGUSR1); /* while main computes */
	return NULL;
}

int main(void)
{
	main_thread = pthread_self();
	struct sigaction sa = {.sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, NULL);

	raise(SIGUSR1);
	show("first");
	sink = __rdtsc();
	raise(SIGUSR1);
	show("after rdtsc");
	for (int round = 0; round < 3; round++) {
		pthread_t a, b;
		pthread_create(&a, NULL, compute, (void *)1);
		pthread_create(&b, NULL, compute, (void *)2);
		compute((void *)3);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
		raise(SIGUSR1);
		show("after compute");
	}
	pthread_t p;
	pthread_create(&p, NULL, raiser, NULL);
	pthread_join(p, NULL);
	/* a signal from another thread, delivered while main computes */
	pthread_create(&p, NULL, poke, NULL);
	computing = 1;
	compute_alone();
	pthread_join(p, NULL);
	show("async");
	if (!sigsetjmp(env, 1))
		*(volatile int *)16 = 1;
	show("fault");
	raise(SIGUSR1);
	show("after fault");
	printf("%d signals handled\n", (int)got);
	return 0;
}
