// thread_overflow_point.c - a thread recursing (4 KiB frames) until its
// stack overflows, caught by a SIGSEGV handler on an alternate stack, while
// the main thread joins it (a 64 MiB stack). rec takes a state-matched preemption point in
// the recursion (the main thread was ready at the new thread's first
// turn). The point's memory hash once took in the main thread's dead stack,
// where ld.so's lazy binding (XSAVEC) had left bytes that differ between rec
// and replay (what XSAVEC writes depends on which registers the CPU sees in
// their initial state, which depends on when the kernel switched the thread
// out): replay missed the point and reported "expected a preemption point,
// got a signal" at the overflow.
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static char altstack[65536];
static volatile int limit = 1 << 30;

static void on_segv(int s)
{
	(void)s;
	static const char m[] = "overflow caught\n";
	if (write(1, m, sizeof m - 1) < 0)
		_exit(1);
	_exit(7);
}

/* (gcc -O0's frames, as found) */
__attribute__((optimize("O0"))) static int depth(int n)
{
	volatile char buf[4096];
	buf[0] = (char)n;
	return n < limit ? depth(n + 1) + buf[0] : 0;
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
	/* a stack long enough for the recursion to outlast a turn (5 ms) */
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 20);
	pthread_t t;
	pthread_create(&t, &at, run, NULL);
	pthread_join(t, NULL);
	return 0;
}
