// inproc_nbshare: a socket's O_NONBLOCK changed by another process that
// shares it (docs/inprocess.md section 15: the library keeps a socket's
// O_NONBLOCK in its fd cache; rec clears every process's cache where a
// traced call may change it). The parent reads a non-blocking socket
// until the library knows it (EAGAIN each time), a child made by fork
// makes it blocking (fcntl F_SETFL, then ioctl FIONBIO in a second round),
// tells the parent and writes a byte a little later: the parent's next
// read must wait for that byte, as natively, not return EAGAIN.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

/* Reads one byte of fd: the byte, or an error's name. */
static const char *get(int fd)
{
	static char c[2];
	long n = read(fd, c, 1);
	return n == 1 ? c : n == 0 ? "end of file" : strerror(errno);
}

int main(void)
{
	int sv[2], p[2], zero = 0;
	CK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv));
	CK(pipe(p));
	for (int round = 0; round < 2; round++) {
		const char *how = round ? "ioctl FIONBIO" : "fcntl F_SETFL";
		CK(fcntl(sv[0], F_SETFL, O_NONBLOCK));
		int again = 0;
		for (int i = 0; i < 5; i++) /* (a site's first calls are traced) */
			again += !strcmp(get(sv[0]), strerror(EAGAIN));
		printf("round %d: %d of 5 reads of the non-blocking socket: EAGAIN\n", round, again);
		fflush(stdout);
		pid_t pid = fork();
		CK(pid);
		if (pid == 0) {
			if (round)
				CK(ioctl(sv[0], FIONBIO, &zero));
			else
				CK(fcntl(sv[0], F_SETFL, 0));
			CK(write(p[1], "k", 1));
			usleep(100000);
			CK(write(sv[1], round ? "y" : "x", 1));
			_exit(0);
		}
		char k;
		CK(read(p[0], &k, 1));
		printf("round %d: after the child's %s, a read gets: %s\n", round, how, get(sv[0]));
		int st;
		CK(waitpid(pid, &st, 0));
		printf("round %d: child exited %d\n", round, WEXITSTATUS(st));
	}
	return 0;
}
