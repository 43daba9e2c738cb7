// sig_pending_order: eight signals (SIGHUP, SIGUSR1 twice, SIGUSR2, SIGTERM,
// SIGRTMIN, SIGRTMIN+1 twice) raised while blocked, then unblocked at once.
// With a full sa_mask the handlers run one after another from the lowest
// signal (standard ones coalesced, real-time ones queued: 7 runs); with an
// empty sa_mask every frame is pushed before any handler runs, so they run
// from the highest down. Prints the order and exits 1 if a signal was lost.
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int order[32];
static volatile int n;

static void handler(int sig)
{
	if (n < 32)
		order[n] = sig;
	n++;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const int sigs[] = { SIGRTMIN + 1, SIGRTMIN + 1, SIGRTMIN, SIGTERM, SIGUSR2, SIGUSR1, SIGUSR1, SIGHUP };
	const int nsigs = sizeof sigs / sizeof sigs[0];
	const int up[] = { SIGHUP, SIGUSR1, SIGUSR2, SIGTERM, SIGRTMIN, SIGRTMIN + 1, SIGRTMIN + 1 };
	const int nup = sizeof up / sizeof up[0];
	int bad = 0;
	for (int pass = 0; pass < 2; pass++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = handler;
		if (pass == 0)
			sigfillset(&sa.sa_mask);
		else
			sigemptyset(&sa.sa_mask);
		sigset_t set, old;
		sigemptyset(&set);
		for (int i = 0; i < nsigs; i++) {
			sigaction(sigs[i], &sa, NULL);
			sigaddset(&set, sigs[i]);
		}
		n = 0;
		sigprocmask(SIG_BLOCK, &set, &old);
		for (int i = 0; i < nsigs; i++)
			raise(sigs[i]);
		int before = n;
		sigprocmask(SIG_SETMASK, &old, NULL);
		printf("sa_mask %s: %d before unblocking, then", pass == 0 ? "full " : "empty", before);
		for (int i = 0; i < n && i < 32; i++) {
			if (order[i] >= SIGRTMIN)
				printf(" RT%d", order[i] - SIGRTMIN);
			else
				printf(" %d", order[i]);
		}
		int ok = n == nup;
		for (int i = 0; ok && i < nup; i++)
			ok = order[i] == up[pass == 0 ? i : nup - 1 - i];
		printf(" -> %s\n", ok ? "ok" : "WRONG");
		bad += !ok;
	}
	return bad ? 1 : 0;
}
