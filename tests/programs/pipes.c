// pipes: pipe2, poll, select, dup/dup2/dup3, fcntl F_GETFL/F_SETFL/F_GETFD/
// F_DUPFD_CLOEXEC/F_GETPIPE_SZ, EOF and POLLHUP.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	int p[2];
	CK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
	printf("pipe2 -> %d %d\n", p[0], p[1]);
	printf("F_GETFL r %o w %o F_GETFD %d\n", fcntl(p[0], F_GETFL), fcntl(p[1], F_GETFL),
	       fcntl(p[0], F_GETFD));
	printf("F_GETPIPE_SZ %d\n", fcntl(p[0], F_GETPIPE_SZ));

	struct pollfd pf[2] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 } };
	int r = poll(pf, 2, 0);
	printf("poll empty -> %d revents %x %x\n", r, pf[0].revents, pf[1].revents);
	char buf[64];
	errno = 0;
	ssize_t n = read(p[0], buf, sizeof buf);
	printf("read empty nonblocking -> %zd errno %d\n", n, errno);

	CK(write(p[1], "ping", 4));
	pf[0].revents = pf[1].revents = 0;
	r = poll(pf, 2, 1000);
	printf("poll after write -> %d revents %x %x\n", r, pf[0].revents, pf[1].revents);

	fd_set rs, ws;
	FD_ZERO(&rs); FD_ZERO(&ws);
	FD_SET(p[0], &rs); FD_SET(p[1], &ws);
	struct timeval tv = { 1, 0 };
	r = select(p[1] + 1, &rs, &ws, NULL, &tv);
	printf("select -> %d r %d w %d\n", r, FD_ISSET(p[0], &rs), FD_ISSET(p[1], &ws));

	int d = dup(p[0]);
	printf("dup -> %d F_GETFD %d\n", d, fcntl(d, F_GETFD));
	int d2 = dup2(p[1], 20);
	printf("dup2 -> %d\n", d2);
	int d3 = dup3(p[0], 21, O_CLOEXEC);
	printf("dup3 -> %d F_GETFD %d\n", d3, fcntl(d3, F_GETFD));
	int d4 = fcntl(p[0], F_DUPFD_CLOEXEC, 30);
	printf("F_DUPFD_CLOEXEC -> %d F_GETFD %d\n", d4, fcntl(d4, F_GETFD));
	errno = 0;
	r = dup3(p[0], p[0], 0);
	printf("dup3 same fd -> %d errno %d\n", r, errno);

	int fl = fcntl(d, F_GETFL);
	CK(fcntl(d, F_SETFL, fl & ~O_NONBLOCK));
	printf("F_SETFL: flags now %o (shared with %d: %o)\n", fcntl(d, F_GETFL), p[0], fcntl(p[0], F_GETFL));
	CK(fcntl(d, F_SETFD, FD_CLOEXEC));
	printf("F_SETFD -> %d\n", fcntl(d, F_GETFD));

	CK(write(d2, "-pong", 5));
	n = read(d, buf, sizeof buf);
	printf("read via dup -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);

	close(p[1]);
	close(d2);
	pf[0].revents = 0;
	r = poll(pf, 1, 1000);
	printf("poll after close of writers -> %d revents %x\n", r, pf[0].revents);
	n = read(d3, buf, sizeof buf);
	printf("read at EOF -> %zd\n", n);
	struct timespec ts = { 0, 1000000 };
	FD_ZERO(&rs); FD_SET(d4, &rs);
	r = pselect(d4 + 1, &rs, NULL, NULL, &ts, NULL);
	printf("pselect at EOF -> %d\n", r);
	close(p[0]); close(d); close(d3); close(d4);
	errno = 0;
	r = close(d4);
	printf("close twice -> %d errno %d\n", r, errno);
	return 0;
}
