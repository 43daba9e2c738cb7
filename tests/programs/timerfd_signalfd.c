// timerfd_signalfd: a periodic timerfd read for its expiration counts, and
// a signalfd delivering a blocked SIGUSR1 with its siginfo.
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void)
{
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (t < 0) { perror("timerfd_create"); return 1; }
	struct itimerspec its = { { 0, 2000000 }, { 0, 2000000 } };
	printf("timerfd_settime -> %d\n", timerfd_settime(t, 0, &its, NULL));
	uint64_t exp = 0, total = 0;
	for (int i = 0; i < 3; i++) {
		ssize_t n = read(t, &exp, sizeof exp);
		total += exp;
		printf("read %zd expirations %llu\n", n, (unsigned long long)exp);
	}
	struct itimerspec cur;
	timerfd_gettime(t, &cur);
	printf("gettime interval %ld next %ld.%09ld total %llu\n", cur.it_interval.tv_nsec,
	       (long)cur.it_value.tv_sec, cur.it_value.tv_nsec, (unsigned long long)total);
	close(t);

	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR1);
	sigprocmask(SIG_BLOCK, &m, NULL);
	int s = signalfd(-1, &m, SFD_NONBLOCK);
	struct signalfd_siginfo si;
	errno = 0;
	ssize_t n = read(s, &si, sizeof si);
	printf("signalfd empty -> %zd errno %d\n", n, errno);
	union sigval v = { .sival_int = 77 };
	sigqueue(getpid(), SIGUSR1, v);
	struct pollfd pf = { s, POLLIN, 0 };
	printf("poll -> %d\n", poll(&pf, 1, 1000));
	n = read(s, &si, sizeof si);
	printf("signalfd read %zd signo %u code %d pid-is-self %d int %d\n", n, si.ssi_signo, si.ssi_code,
	       si.ssi_pid == (uint32_t)getpid(), si.ssi_int);
	close(s);
	return 0;
}
