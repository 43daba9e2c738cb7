// sig_segv_mapin: SIGSEGV on a page the program maps in from its handler
// and then runs again, as lazy loaders and JIT trampolines do: a call to
// code not mapped yet (the handler maps a page there and writes a
// function into it), then a read of data not mapped yet (the handler maps
// it, filled), each retried after the handler returns.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CODE_AT 0x6f0000000000ULL
#define DATA_AT 0x6f0000100000ULL

static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	uintptr_t page = (uintptr_t)si->si_addr & ~(uintptr_t)4095;
	faults++;
	if (page == CODE_AT) {
		/* mov $7, %eax; ret */
		static const unsigned char f[] = {0xb8, 7, 0, 0, 0, 0xc3};
		void *p = mmap((void *)page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		memcpy(p, f, sizeof f);
		mprotect(p, 4096, PROT_READ | PROT_EXEC);
	} else if (page == DATA_AT) {
		int *p = mmap((void *)page, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		for (int i = 0; i < 1024; i++)
			p[i] = i * 3;
	} else {
		_exit(9);
	}
}

int main(void)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	int (*fn)(void) = (int (*)(void))(uintptr_t)CODE_AT;
	int a = fn();
	int b = fn();
	volatile int *d = (volatile int *)(uintptr_t)(DATA_AT + 400);
	int c = *d;
	printf("code mapped in: %d %d; data mapped in: %d; faults %d\n", a, b, c, faults);
	return 0;
}
