// thread_overflow_noguard: a thread created without a guard page
// (pthread_attr_setguardsize 0) recurses until it runs off the end of its
// stack mapping; its SIGSEGV handler, on an alternate stack, reports and
// ends the process (status 7) while the main thread waits in join. With the
// guard page: tests/programs/thread_overflow_point.c.
#include <pthread.h>
#include <signal.h>
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

static volatile int limit = 1 << 30; /* never reached: the stack ends first */

__attribute__((optimize("O0"))) static int depth(int n)
{
	volatile char buf[4096];
	buf[0] = (char)n;
	return n < limit ? depth(n + 1) + buf[0] : 0;
}

static void *run(void *a)
{
	stack_t st = {.ss_sp = altstack, .ss_size = sizeof altstack};
	(void)a;
	sigaltstack(&st, NULL);
	depth(0);
	return NULL;
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_handler = on_segv;
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGSEGV, &sa, NULL);
	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 64 << 20); /* (a recursion longer than a turn: a point inside it) */
	pthread_attr_setguardsize(&at, 0);
	pthread_t t;
	pthread_create(&t, &at, run, NULL);
	pthread_join(t, NULL);
	return 0;
}
