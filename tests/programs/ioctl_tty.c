// ioctl_tty: TCGETS/TCSETS/TIOCGWINSZ/TIOCSWINSZ/TIOCGPTN on a pty from
// posix_openpt, FIONREAD and FIONBIO on a pipe.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	int m = posix_openpt(O_RDWR | O_NOCTTY);
	CK(m);
	CK(grantpt(m));
	CK(unlockpt(m));
	const char *name = ptsname(m);
	printf("master fd %d slave %s\n", m, name ? name : "?");
	int s = open(name, O_RDWR | O_NOCTTY);
	CK(s);
	printf("isatty(master) %d isatty(slave) %d isatty(1) %d\n", isatty(m), isatty(s), isatty(1));

	struct termios t;
	CK(tcgetattr(s, &t));
	printf("TCGETS iflag %o oflag %o cflag %o lflag %o VMIN %d VTIME %d ospeed %u\n",
	       t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_cc[VMIN], t.c_cc[VTIME],
	       (unsigned)cfgetospeed(&t));
	cfmakeraw(&t);
	CK(tcsetattr(s, TCSANOW, &t));
	CK(tcgetattr(s, &t));
	printf("after cfmakeraw lflag %o\n", t.c_lflag);

	struct winsize ws = { .ws_row = 33, .ws_col = 101 };
	CK(ioctl(m, TIOCSWINSZ, &ws));
	memset(&ws, 0, sizeof ws);
	CK(ioctl(s, TIOCGWINSZ, &ws));
	printf("TIOCGWINSZ rows %d cols %d\n", ws.ws_row, ws.ws_col);
	errno = 0;
	int r = ioctl(1, TIOCGWINSZ, &ws);
	printf("TIOCGWINSZ on stdout -> %d errno %d\n", r, errno);

	CK(write(m, "typed\n", 6));
	int avail = -1;
	CK(ioctl(s, FIONREAD, &avail));
	printf("FIONREAD slave %d\n", avail);
	char buf[32];
	ssize_t n = read(s, buf, sizeof buf);
	printf("slave read %zd '%.*s'\n", n, (int)(n > 0 ? n - 1 : 0), buf);

	int p[2];
	CK(pipe(p));
	CK(write(p[1], "0123456789abc", 13));
	avail = -1;
	CK(ioctl(p[0], FIONREAD, &avail));
	printf("FIONREAD pipe %d\n", avail);
	int on = 1;
	CK(ioctl(p[0], FIONBIO, &on));
	n = read(p[0], buf, sizeof buf);
	printf("read %zd\n", n);
	errno = 0;
	n = read(p[0], buf, sizeof buf);
	printf("nonblocking read on empty -> %zd errno %d\n", n, errno);
	printf("fcntl flags %o\n", fcntl(p[0], F_GETFL));
	close(p[0]); close(p[1]); close(s); close(m);
	return 0;
}
