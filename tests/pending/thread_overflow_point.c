// thread_overflow_point.c - a thread recursing (4 KiB frames) until its
// stack overflows, caught by a SIGSEGV handler on an alternate stack, while
// the main thread joins it. rec takes a state-matched preemption point in
// the recursion (the main thread was ready at the new thread's first turn);
// with the in-process library replay finds the registers but not the
// memory hash at that pass, runs on to the overflow and reports "expected a
// preemption point, got a signal" (with --no-inprocess it replays).
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char altstack[65536];

static void on_segv(int s)
{
	(void)s;
	static const char m[] = "overflow caught\n";
	if (write(1, m, sizeof m - 1) < 0)
		_exit(1);
	_exit(7);
}

static int depth(int n)
{
	volatile char buf[4096];
	buf[0] = (char)n;
	return depth(n + 1) + buf[0];
}

static void *run(void *a)
{
	stack_t ss = {.ss_sp = altstack, .ss_size = sizeof altstack};
	sigaltstack(&ss, NULL);
	depth(0);
	return a;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	pthread_t t;
	pthread_create(&t, NULL, run, NULL);
	pthread_join(t, NULL);
	return 0;
}
