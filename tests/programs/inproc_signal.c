/* inproc_signal: signals arriving among buffered calls (docs/inprocess.md,
 * section 8). A timer sends a signal every 100 us while the main thread
 * loops on clock_gettime(CLOCK_MONOTONIC) (and getpid every 16 rounds); the
 * handler calls clock_gettime and getpid itself (a buffered call in the
 * signal frame of another). Both sides check that the clock never goes back
 * across the other's readings and that getpid never changes.
 * 1. setitimer(ITIMER_REAL), SIGALRM every 100 us of real time. A recorder
 *    slower than 100 us a signal delivers them back to back and the loop
 *    may hardly run: the handler stops the timer at its 300th run.
 * 2. setitimer(ITIMER_PROF), SIGPROF every 100 us of the process's CPU time
 *    (in practice every clock tick): the loop runs between any two signals
 *    however slow the recorder; 50 runs.
 * 3. a one-shot SIGALRM without SA_RESTART interrupts a 1 s nanosleep made
 *    between two clock readings (EINTR).
 * Prints the counts and checks: the counts differ from run to run, a replay
 * must print the recording's. Exits 1 if a check fails. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define LIMIT_NS 10000000000LL /* a phase gives up after 10 s of readings */

static volatile sig_atomic_t ticks, stop_at, timer, handler_back, handler_pid_wrong;
static volatile long long last_ns; /* the latest reading of either side */
static pid_t pid;

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void arm(int which, long first_us, long every_us)
{
	struct itimerval it = { { 0, every_us }, { 0, first_us } };
	setitimer(which, &it, NULL);
}

static void on_signal(int sig)
{
	(void)sig;
	int e = errno;
	/* the main loop stores its reading after making it: a reading made now
	 * is later than the one stored */
	long long t = now_ns();
	if (t < last_ns)
		handler_back++;
	last_ns = t;
	if (getpid() != pid)
		handler_pid_wrong++;
	if (++ticks == stop_at)
		arm(timer, 0, 0);
	errno = e;
}

static void install(int sig, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* loops on clock_gettime until WANT signals of timer WHICH (SIG) ran the
 * handler; returns nonzero if a check failed */
static int phase(const char *name, int which, int sig, int want)
{
	install(sig, SA_RESTART);
	ticks = 0;
	stop_at = want;
	timer = which;
	long long start = now_ns(), t = start;
	last_ns = start;
	arm(which, 100, 100);
	long rounds = 0, main_back = 0, pid_wrong = 0;
	while (ticks < want && t - start < LIMIT_NS) {
		long long before = last_ns; /* a handler between here and the call only raises it */
		t = now_ns();
		if (t < before)
			main_back++;
		last_ns = t;
		if ((rounds & 15) == 0 && getpid() != pid)
			pid_wrong++;
		rounds++;
	}
	arm(which, 0, 0);
	int got = ticks;
	printf("%s: %d handler runs during %ld rounds of clock_gettime, the loop ended on %s\n", name, got, rounds,
	       got >= want ? "the count" : "the time limit: too few signals");
	printf("%s: the clock went back %ld times in the loop, %d in the handler; getpid wrong %ld times in the loop, %d in the handler\n",
	       name, main_back, (int)handler_back, pid_wrong, (int)handler_pid_wrong);
	return got < want || main_back || handler_back || pid_wrong || handler_pid_wrong;
}

int main(void)
{
	int bad = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid = getpid();
	bad |= phase("SIGALRM (ITIMER_REAL)", ITIMER_REAL, SIGALRM, 300);
	bad |= phase("SIGPROF (ITIMER_PROF)", ITIMER_PROF, SIGPROF, 50);

	install(SIGALRM, 0);
	ticks = 0;
	stop_at = 0;
	long long a = now_ns();
	arm(ITIMER_REAL, 2000, 0);
	struct timespec d = { 1, 0 }, rem = { 0, 0 };
	errno = 0;
	int rc = nanosleep(&d, &rem);
	int err = errno;
	long long b = now_ns();
	printf("nanosleep 1 s -> %d %s after %d signal(s), slept under 1 s: %s, remaining time set: %s\n", rc,
	       err == EINTR ? "EINTR" : strerror(err), (int)ticks, b - a < 1000000000LL ? "yes" : "NO",
	       rem.tv_sec > 0 || rem.tv_nsec > 0 ? "yes" : "NO");
	bad |= rc != -1 || err != EINTR || ticks != 1 || b < a || handler_back || handler_pid_wrong;
	printf("%s\n", bad ? "WRONG" : "all checks hold");
	return bad;
}
