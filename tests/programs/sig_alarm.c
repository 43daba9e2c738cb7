// sig_alarm: asynchronous signals from timers: setitimer(ITIMER_REAL) and
// alarm delivered while the program waits in pause/nanosleep, and while it
// makes syscalls in a loop. Prints how many loop iterations ran.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int r = pause();
	printf("pause -> %d ticks %d\n", r, ticks);

	it = (struct itimerval){ { 0, 5000 }, { 0, 5000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	long loops = 0;
	while (ticks < 4) {
		getppid();
		loops++;
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	printf("syscall loop until 3 more ticks: %ld iterations\n", loops);

	it = (struct itimerval){ { 0, 0 }, { 0, 10000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec d = { 2, 0 }, rem = { 0, 0 };
	r = nanosleep(&d, &rem);
	printf("nanosleep interrupted -> %d rem %ld.%09ld ticks %d\n", r, (long)rem.tv_sec, rem.tv_nsec, ticks);
	struct itimerval cur;
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer %ld.%06ld\n", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
	return 0;
}
