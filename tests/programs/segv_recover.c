// segv_recover: a SIGSEGV handler that siglongjmps out of a NULL dereference
// (twice), and out of a write to a read-only page; prints the fault info.
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static sigjmp_buf env;
static volatile void *addr;
static volatile int scode;
static char *volatile ro;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig; (void)uc;
	addr = si->si_addr;
	scode = si->si_code;
	siglongjmp(env, 1);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	for (volatile int i = 0; i < 2; i++) {
		if (sigsetjmp(env, 1) == 0) {
			printf("dereferencing NULL+%d\n", i * 8);
			volatile int *p = (volatile int *)(long)(i * 8);
			printf("value %d\n", *p);
			printf("not reached\n");
		} else {
			printf("recovered: si_addr %p si_code %d (MAPERR %d)\n", (void *)addr, scode, scode == SEGV_MAPERR);
		}
	}
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (ro == MAP_FAILED)
		return 1;
	if (sigsetjmp(env, 1) == 0) {
		((volatile char *)ro)[100] = 1;
		printf("not reached\n");
	} else {
		printf("recovered: offset %ld si_code %d (ACCERR %d)\n", (long)((char *)addr - ro), scode, scode == SEGV_ACCERR);
	}
	printf("still alive\n");
	return 0;
}
