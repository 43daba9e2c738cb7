// sig_outside: waits for a signal sent from outside (tests/suite-outside.sh
// sends it to rec or to this program once it has printed "ready").
// MODE (argv[1]):
//   read        (default) SIGTERM handler; blocks in read(0). With stdin at
//               EOF (the programs suite gives /dev/null) it prints "eof, no
//               signal" and exits 0 by itself.
//   pause       SIGTERM handler; blocks in pause().
//   sigsuspend  SIGTERM blocked, then waits in sigsuspend with an empty mask.
//   intcount    SIGINT handler that counts; after the first SIGINT it waits
//               0.3 s more for a duplicate, then prints the count.
//   nohandler   no handler: blocks in read(0), SIGTERM kills it (143).
//   busy        SIGTERM handler sets a flag that a loop without syscalls
//               checks; prints the iteration the signal arrived at.
//   slowbusy    the same with ~20000 straight-line instructions per
//               iteration, so the loop makes few passes before the signal.
//   threads     three threads block in read, nanosleep and poll, main in
//               pthread_join; SIGTERM is blocked in main and the poller, so
//               the reader or the sleeper takes it; its handler wakes the
//               poller through a pipe.
//   deadlock    no handler: two threads each hold one mutex and wait for
//               the other's, main joins them (all in futex wait forever).
//   compute     no handler: a loop without syscalls (SIGTERM kills it).
//   ignore      SIGINT, SIGTERM and SIGHUP ignored; blocks in pause() (rec
//               must end it by itself).
// Every mode but read (and nohandler at EOF) gives up after 20 s: SIGALRM
// prints "no signal" and exits 3. Output goes through write(2) directly.
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, count;
static volatile unsigned long counter, at;
static __thread const char *me = "main";
static const char *volatile who;
static int wake[2];

static void say(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof buf - 1)
		n = sizeof buf - 1;
	if (write(1, buf, n) != n)
		_exit(9);
}

static void on_term(int sig)
{
	got = sig;
	count++;
	at = counter;
	who = me;
	say("handler: signal %d in %s\n", sig, me);
	if (wake[1] > 0 && write(wake[1], "x", 1) != 1)
		_exit(8);
}

static void on_alarm(int sig)
{
	(void)sig;
	say("no signal (gave up after 20 s)\n");
	_exit(3);
}

static void handle(int sig, void (*fn)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn; /* no SA_RESTART: blocking calls return EINTR */
	sigaction(sig, &sa, NULL);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int mode_read(int with_handler)
{
	char c;
	if (with_handler)
		handle(SIGTERM, on_term);
	say("ready\n");
	ssize_t n = read(0, &c, 1);
	int e = errno;
	say("read -> %zd errno %s got %d count %d\n", n, n < 0 ? strerrorname_np(e) : "-", got, count);
	if (n == 0)
		say("eof, no signal\n");
	return got == SIGTERM ? 0 : n == 0 ? 0 : 1;
}

static int mode_pause(void)
{
	handle(SIGTERM, on_term);
	say("ready\n");
	int r = pause();
	say("pause -> %d errno %s got %d count %d\n", r, strerrorname_np(errno), got, count);
	return got == SIGTERM ? 0 : 1;
}

static int mode_sigsuspend(void)
{
	sigset_t set, empty;
	handle(SIGTERM, on_term);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigemptyset(&empty);
	say("ready\n");
	int r = sigsuspend(&empty);
	say("sigsuspend -> %d errno %s got %d count %d\n", r, strerrorname_np(errno), got, count);
	return got == SIGTERM ? 0 : 1;
}

static int mode_intcount(void)
{
	handle(SIGINT, on_term);
	say("ready\n");
	while (!count)
		pause();
	/* A second copy (rec forwarding what the process group already got)
	 * would arrive within this 0.3 s. */
	double end = now() + 0.3;
	int sleeps = 0;
	for (double t = now(); t < end; t = now()) {
		struct timespec ts = {0, (long)((end - t) * 1e9)};
		nanosleep(&ts, NULL);
		sleeps++;
	}
	say("SIGINT received %d time(s)\n", count);
	return count == 1 ? 0 : 1;
}

/* 20000 straight-line instructions, no loop inside. */
static unsigned long slow_step(unsigned long x)
{
	__asm__ volatile(".rept 10000\n\tadd $3, %0\n\txor $5, %0\n\t.endr" : "+r"(x));
	return x;
}

static int mode_busy(int slow)
{
	handle(SIGTERM, on_term);
	unsigned long sum = 0, limit = slow ? 2000000UL : 20000000000UL;
	say("ready\n");
	/* Bounded (minutes natively for busy), in case no signal comes. */
	while (!got && counter < limit) {
		counter++;
		sum = slow ? slow_step(sum) : sum + (counter ^ (sum >> 3));
	}
	if (got)
		say("signal %d at iteration %lu (of %lu)\n", got, at, counter);
	else
		say("no signal within the loop\n");
	say("sum %lu\n", sum);
	return got ? 0 : 1;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	me = "reader";
	say("reader ready\n");
	for (;;) {
		ssize_t n = read(0, &c, 1);
		say("reader: read -> %zd errno %s\n", n, n < 0 ? strerrorname_np(errno) : "-");
		if (n == 0)
			return NULL;
	}
}

static void *sleeper(void *arg)
{
	(void)arg;
	me = "sleeper";
	say("sleeper ready\n");
	for (int i = 0; i < 3; i++) {
		struct timespec ts = {30, 0};
		int r = nanosleep(&ts, NULL);
		say("sleeper: nanosleep -> %d errno %s\n", r, r ? strerrorname_np(errno) : "-");
	}
	return NULL;
}

static void *poller(void *arg)
{
	(void)arg;
	me = "poller";
	struct pollfd p = {.fd = wake[0], .events = POLLIN};
	say("poller ready\n");
	int r = poll(&p, 1, 25000);
	say("poller: poll -> %d, signal %d handled in %s\n", r, got, who ? who : "none");
	return NULL;
}

static int mode_threads(void)
{
	pthread_t t[3];
	sigset_t set;
	if (pipe(wake))
		return 2;
	handle(SIGTERM, on_term);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_create(&t[0], NULL, reader, NULL);
	pthread_create(&t[1], NULL, sleeper, NULL);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the poller inherits it */
	pthread_create(&t[2], NULL, poller, NULL);
	pthread_join(t[2], NULL);
	say("main: poller joined, count %d\n", count);
	return got == SIGTERM ? 0 : 1;
}

static pthread_mutex_t locks[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_barrier_t both;

static void *crosslock(void *arg)
{
	long i = (long)arg;
	pthread_mutex_lock(&locks[i]);
	pthread_barrier_wait(&both); /* each holds its own: now the deadlock */
	pthread_mutex_lock(&locks[1 - i]);
	say("no deadlock in thread %ld\n", i);
	return NULL;
}

static int mode_deadlock(void)
{
	pthread_t t[2];
	pthread_barrier_init(&both, NULL, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, crosslock, (void *)i);
	say("ready\n");
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 1;
}

static int mode_compute(void)
{
	unsigned long sum = 0;
	say("ready\n");
	while (counter < 20000000000UL) {
		counter++;
		sum = sum * 31 + (counter ^ (sum >> 7));
	}
	say("sum %lu\n", sum);
	return 1;
}

static int mode_ignore(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	say("ready\n");
	pause();
	return 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "read";
	if (strcmp(mode, "read") && strcmp(mode, "nohandler")) {
		handle(SIGALRM, on_alarm);
		alarm(20);
	}
	if (!strcmp(mode, "read"))
		return mode_read(1);
	if (!strcmp(mode, "nohandler"))
		return mode_read(0);
	if (!strcmp(mode, "pause"))
		return mode_pause();
	if (!strcmp(mode, "sigsuspend"))
		return mode_sigsuspend();
	if (!strcmp(mode, "intcount"))
		return mode_intcount();
	if (!strcmp(mode, "busy"))
		return mode_busy(0);
	if (!strcmp(mode, "slowbusy"))
		return mode_busy(1);
	if (!strcmp(mode, "threads"))
		return mode_threads();
	if (!strcmp(mode, "deadlock"))
		return mode_deadlock();
	if (!strcmp(mode, "ignore"))
		return mode_ignore();
	if (!strcmp(mode, "compute"))
		return mode_compute();
	say("unknown mode %s\n", mode);
	return 2;
}
