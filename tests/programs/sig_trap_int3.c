// sig_trap_int3.c - signals the program raises by its own instructions:
// an int3 (SIGTRAP, si_code SI_KERNEL) and a privileged instruction (hlt:
// a general protection fault, SIGSEGV with SI_KERNEL), both handled (the
// SIGSEGV handler steps over the hlt), between a raise(SIGTRAP) and a
// kill(SIGTRAP). Each must be delivered at its instruction, in rec as in a
// native run (they were held as asynchronous and came at a later syscall)
// and in replay.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int hits, order[8];

static void on_trap(int s, siginfo_t *si, void *uc)
{
	(void)s;
	(void)uc;
	order[hits++] = si->si_code;
}

static void on_segv(int s, siginfo_t *si, void *uc)
{
	(void)s;
	ucontext_t *u = uc;
	u->uc_mcontext.gregs[REG_RIP] += 1; /* over the hlt */
	order[hits++] = 1000 + si->si_code;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_trap;
	sigaction(SIGTRAP, &sa, NULL);
	sa.sa_sigaction = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	raise(SIGTRAP);
	int before = hits;
	__asm__ volatile("int3" ::: "memory");
	int after_int3 = hits; /* the handler ran before the next instruction */
	__asm__ volatile("hlt" ::: "memory");
	int after_hlt = hits;
	kill(getpid(), SIGTRAP);
	printf("codes %d %d %d %d; int3 at its instruction: %s, hlt at its instruction: %s\n", order[0], order[1],
	       order[2], order[3], after_int3 == before + 1 ? "yes" : "no", after_hlt == after_int3 + 1 ? "yes" : "no");
	return hits == 4 && after_int3 == before + 1 && after_hlt == after_int3 + 1 ? 0 : 1;
}
