// sig_alarm_compute: a periodic SIGALRM (ITIMER_REAL, 2 ms) interrupts a compute loop without
// syscalls; the handler counts ticks and samples the loop's progress.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
static volatile unsigned long ticks, i;
static unsigned long at[64];
static void on_alarm(int sig) { (void)sig; if (ticks < 64) at[ticks] = i; ticks++; }
int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = {{0, 2000}, {0, 2000}};
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned long x = 1;
	while (ticks < 40) { i++; x = x * 6364136223846793005UL + i; }
	printf("ticks %lu x %lu\n", ticks, x);
	for (int k = 0; k < 40; k++) printf("tick %d at %lu\n", k, at[k]);
	return 0;
}
