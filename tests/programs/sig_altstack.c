// sig_altstack: fault handlers on an alternate signal stack (sigaltstack +
// SA_ONSTACK). The handler checks that its own frame lies inside the
// altstack and that sigaltstack reports SS_ONSTACK, then siglongjmps out.
// Recovered repeatedly from SIGSEGV (bad addresses), SIGFPE (integer divide
// by zero), SIGBUS (access past the end of a memfd mapping), SIGILL (ud2),
// and from a stack overflow in a thread with a small stack, which can only
// be handled on the thread's own altstack.
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define ALT_SIZE (64 * 1024)

static __thread sigjmp_buf env;
static __thread char *alt_lo;
static __thread volatile int onalt, ssonstack, fsig, fcode;
static __thread void *volatile faddr;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	char local;
	onalt = &local >= alt_lo && &local < alt_lo + ALT_SIZE;
	stack_t cur;
	sigaltstack(NULL, &cur);
	ssonstack = (cur.ss_flags & SS_ONSTACK) != 0;
	fsig = sig;
	fcode = si->si_code;
	faddr = si->si_addr;
	siglongjmp(env, 1);
}

static void setup_altstack(void)
{
	alt_lo = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (alt_lo == MAP_FAILED)
		abort();
	stack_t ss = { .ss_sp = alt_lo, .ss_size = ALT_SIZE, .ss_flags = 0 };
	if (sigaltstack(&ss, NULL) < 0)
		abort();
}

static void report(const char *what, int want_sig, int want_code)
{
	printf("%-22s sig %2d (%s) code %d (%s) onalt %d SS_ONSTACK %d\n", what, fsig, fsig == want_sig ? "ok" : "WRONG",
	       fcode, fcode == want_code ? "ok" : "WRONG", onalt, ssonstack);
	onalt = ssonstack = fsig = fcode = 0;
}

static volatile int zero;
static char *volatile bus_map;

static int depth;
static volatile int limit = 1 << 30;
static int recurse(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	depth = n;
	if (n >= limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

static void *overflow_thread(void *arg)
{
	(void)arg;
	setup_altstack();
	int ok = 0;
	for (volatile int i = 0; i < 2; i++) {
		if (sigsetjmp(env, 1) == 0) {
			recurse(0);
		} else {
			ok += fsig == SIGSEGV && onalt && ssonstack;
			onalt = ssonstack = fsig = 0;
		}
	}
	printf("stack overflow in thread: recovered twice, all on altstack %d, depth > 100 %d\n", ok == 2, depth > 100);
	return NULL;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	setup_altstack();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);

	static const uintptr_t bad[] = { 0, 8, 4096, 0x10000, 0xdead0000 };
	for (volatile unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (sigsetjmp(env, 1) == 0) {
			(void)*(volatile int *)bad[i];
			printf("not reached\n");
		} else {
			char what[32];
			snprintf(what, sizeof what, "SIGSEGV at %#lx", (unsigned long)(uintptr_t)faddr);
			report(what, SIGSEGV, SEGV_MAPERR);
		}
	}

	for (volatile int i = 0; i < 3; i++) {
		if (sigsetjmp(env, 1) == 0) {
			volatile int x = 100 + i;
			printf("%d / 0 = %d not reached\n", x, x / zero);
		} else {
			report("SIGFPE divide by zero", SIGFPE, FPE_INTDIV);
		}
	}

	int fd = memfd_create("sig_altstack", 0);
	if (fd < 0 || ftruncate(fd, 4096) < 0) { perror("memfd"); return 1; }
	bus_map = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (bus_map == MAP_FAILED) { perror("mmap"); return 1; }
	bus_map[10] = 'x';
	for (volatile int i = 1; i < 3; i++) {
		if (sigsetjmp(env, 1) == 0) {
			bus_map[i * 4096 + 5] = 'y';
			printf("not reached\n");
		} else {
			char what[48];
			snprintf(what, sizeof what, "SIGBUS at page %ld", (long)((char *)faddr - bus_map) / 4096);
			report(what, SIGBUS, BUS_ADRERR);
		}
	}
	printf("first page still readable: '%c'\n", bus_map[10]);

	for (volatile int i = 0; i < 2; i++) {
		if (sigsetjmp(env, 1) == 0) {
			__asm__ volatile("ud2");
			printf("not reached\n");
		} else {
			report("SIGILL ud2", SIGILL, ILL_ILLOPN);
		}
	}

	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	printf("after siglongjmp: SIGSEGV blocked %d SIGFPE blocked %d\n", sigismember(&cur, SIGSEGV),
	       sigismember(&cur, SIGFPE));

	pthread_attr_t at;
	pthread_attr_init(&at);
	pthread_attr_setstacksize(&at, 128 * 1024);
	pthread_t th;
	pthread_create(&th, &at, overflow_thread, NULL);
	pthread_join(th, NULL);
	stack_t ss;
	sigaltstack(NULL, &ss);
	printf("main altstack size %zu flags %d\n", ss.ss_size, ss.ss_flags);
	return 0;
}
