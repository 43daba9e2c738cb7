// sig_async_busy: a SIGALRM from a timer arrives while the program spins in
// a loop without any syscall; the handler records the loop counter, which
// replay must reproduce exactly. The loop is bounded so it always ends.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

static volatile unsigned long counter, at = ~0UL;
static volatile int fired;

static void on_alarm(int sig) { (void)sig; at = counter; fired = 1; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	unsigned long sum = 0;
	while (!fired && counter < 400000000UL) {
		counter++;
		sum += counter ^ (sum >> 3);
	}
	if (fired)
		printf("signal arrived at iteration %lu\n", at);
	else
		printf("no signal within the loop\n");
	printf("loop ended at %lu sum %lu\n", counter, sum);
	return 0;
}
