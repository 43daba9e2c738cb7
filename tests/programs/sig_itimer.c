// sig_itimer: setitimer(ITIMER_REAL) ticks while the main thread blocks in
// read() on an empty pipe: without SA_RESTART the read fails with EINTR;
// with SA_RESTART it is restarted after every tick until the handler, at
// the fifth tick, writes a byte into the pipe. Then SIGALRM is blocked and
// taken synchronously with sigwaitinfo and sigtimedwait (and a timeout).
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks, stop_at;
static int pfd[2];

static void on_alarm(int sig)
{
	(void)sig;
	ticks++;
	if (stop_at && ticks == stop_at) {
		int e = errno;
		if (write(pfd[1], "!", 1) != 1)
			ticks = -100;
		errno = e;
	}
}

static void arm(long first_us, long every_us)
{
	struct itimerval it = { { 0, every_us }, { 0, first_us } };
	setitimer(ITIMER_REAL, &it, NULL);
}

static void install(int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(pfd) < 0) { perror("pipe"); return 1; }
	char c = 0;

	// 1. no SA_RESTART: a one-shot tick makes the blocked read fail.
	install(0);
	arm(3000, 0);
	errno = 0;
	ssize_t n = read(pfd[0], &c, 1);
	printf("read without SA_RESTART -> %zd errno %s ticks %d\n", n, errno == EINTR ? "EINTR" : strerror(errno),
	       (int)ticks);

	// 2. periodic ticks; read interrupted on each one, until the handler
	// writes the byte. With SA_RESTART the read is transparently restarted.
	install(SA_RESTART);
	ticks = 0;
	stop_at = 5;
	arm(2000, 2000);
	errno = 0;
	n = read(pfd[0], &c, 1);
	int e = errno;
	arm(0, 0);
	printf("read with SA_RESTART -> %zd byte '%c' errno %d ticks %d\n", n, n == 1 ? c : '?', e, (int)ticks);

	// 3. same without SA_RESTART: the first tick ends the read; loop on EINTR
	// by hand, counting the interruptions.
	install(0);
	ticks = 0;
	stop_at = 4;
	int eintr = 0;
	arm(2000, 2000);
	for (;;) {
		errno = 0;
		n = read(pfd[0], &c, 1);
		if (n < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		break;
	}
	arm(0, 0);
	printf("manual restart loop -> %zd byte '%c' eintr %d ticks %d\n", n, n == 1 ? c : '?', eintr, (int)ticks);
	stop_at = 0;

	// 4. blocked SIGALRM taken with sigwaitinfo: the handler does not run.
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	sigprocmask(SIG_BLOCK, &set, &old);
	ticks = 0;
	arm(2000, 0);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	int s = sigwaitinfo(&set, &si);
	printf("sigwaitinfo -> %d (SIGALRM %d) si_code %d (SI_KERNEL %d) handler ticks %d\n", s, s == SIGALRM,
	       si.si_code, si.si_code == SI_KERNEL, (int)ticks);

	// 5. periodic timer, three sigtimedwait in a row, then disarmed: timeout.
	arm(2000, 2000);
	int got = 0;
	for (int i = 0; i < 3; i++) {
		struct timespec to = { 1, 0 };
		if (sigtimedwait(&set, &si, &to) == SIGALRM)
			got++;
	}
	arm(0, 0);
	// drain a tick that may have become pending just before disarming
	struct timespec zero = { 0, 0 };
	int drained = sigtimedwait(&set, &si, &zero) == SIGALRM;
	struct timespec to = { 0, 3000000 };
	errno = 0;
	s = sigtimedwait(&set, &si, &to);
	printf("sigtimedwait x3 got %d, drained %d, disarmed -> %d errno %s\n", got, drained, s,
	       errno == EAGAIN ? "EAGAIN" : strerror(errno));

	struct itimerval cur;
	getitimer(ITIMER_REAL, &cur);
	printf("getitimer disarmed %ld.%06ld interval %ld.%06ld\n", (long)cur.it_value.tv_sec,
	       (long)cur.it_value.tv_usec, (long)cur.it_interval.tv_sec, (long)cur.it_interval.tv_usec);
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("handler ticks after unblocking %d\n", (int)ticks);
	return 0;
}
