// sig_chld_blocked: SIGCHLD, from a child that exits while its parent is
// blocked, interrupting read (a pipe nobody writes), nanosleep, poll,
// select and sigsuspend, with a handler without SA_RESTART (each returns
// EINTR; sigsuspend returns) and with SA_RESTART (nanosleep, poll and
// select still return EINTR, as the kernel never restarts them).
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_chld(int s)
{
	(void)s;
	got++;
}

static void child(void)
{
	if (fork() == 0) {
		usleep(20000);
		_exit(0);
	}
}

int main(void)
{
	int p[2];
	if (pipe(p) < 0)
		return 2;
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {0};
		sa.sa_handler = on_chld;
		sa.sa_flags = restart ? SA_RESTART : 0;
		sigaction(SIGCHLD, &sa, NULL);
		for (int kind = restart; kind < 5; kind++) {
			char buf[8];
			long r = 0;
			struct timespec ts = {2, 0};
			got = 0;
			child();
			if (kind == 0) {
				r = read(p[0], buf, 1);
			} else if (kind == 1) {
				r = nanosleep(&ts, NULL);
			} else if (kind == 2) {
				struct pollfd pf = {p[0], POLLIN, 0};
				r = poll(&pf, 1, 2000);
			} else if (kind == 3) {
				fd_set s;
				FD_ZERO(&s);
				FD_SET(p[0], &s);
				struct timeval tv = {2, 0};
				r = select(p[0] + 1, &s, NULL, NULL, &tv);
			} else {
				sigset_t m;
				sigemptyset(&m);
				r = sigsuspend(&m);
			}
			int e = errno;
			while (wait(NULL) < 0 && errno == EINTR)
				;
			static const char *names[] = {"read", "nanosleep", "poll", "select", "sigsuspend"};
			printf("%s%s: %ld %s, handler ran: %s\n", names[kind], restart ? " (SA_RESTART)" : "", r,
			       r < 0 ? strerrorname_np(e) : "", got ? "yes" : "no");
		}
	}
	return 0;
}
