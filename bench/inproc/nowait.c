/* nowait.c - experiment for docs/inprocess.md: does preadv2(fd, iov, 1,
 * -1, RWF_NOWAIT) (a read at the current offset that must not block)
 * return EAGAIN on an empty pipe and an empty socket, and read a cached
 * regular file? And pwritev2 with RWF_NOWAIT on a full pipe and a full
 * socket? That is the unprivileged way of buffering a call that may
 * block: try it without blocking, untraced, and make the traced call only
 * on EAGAIN. Prints one line per case; exit 0 if all are as hoped.
 * Found on the development VM (kernel 6.18): all as hoped.
 * Build: cc -D_GNU_SOURCE -O2 -o nowait bench/inproc/nowait.c (not built by make). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static ssize_t try_read(const char *what, int fd)
{
	char b[8];
	struct iovec v = {b, sizeof b};
	errno = 0;
	ssize_t r = preadv2(fd, &v, 1, -1, RWF_NOWAIT);
	printf("%-8s preadv2 RWF_NOWAIT: %zd (%s)\n", what, r, r < 0 ? strerror(errno) : "read");
	return r < 0 ? -errno : r;
}

/* Fills fd (a pipe or socket) without blocking, then tries one more byte. */
static ssize_t try_write_full(const char *what, int fd)
{
	static char junk[4096];
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while (write(fd, junk, sizeof junk) > 0)
		;
	fcntl(fd, F_SETFL, fl);
	struct iovec v = {junk, 1};
	errno = 0;
	ssize_t r = pwritev2(fd, &v, 1, -1, RWF_NOWAIT);
	printf("%-8s pwritev2 RWF_NOWAIT when full: %zd (%s)\n", what, r, r < 0 ? strerror(errno) : "written");
	return r < 0 ? -errno : r;
}

int main(void)
{
	int p[2], s[2], ok = 1;
	if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s))
		return 2;
	int fd = open("/proc/self/exe", O_RDONLY);
	ok &= try_read("pipe", p[0]) == -EAGAIN;
	ok &= try_read("socket", s[0]) == -EAGAIN;
	ok &= try_read("file", fd) > 0;
	ok &= try_write_full("pipe", p[1]) == -EAGAIN;
	ok &= try_write_full("socket", s[1]) == -EAGAIN;
	return ok ? 0 : 1;
}
