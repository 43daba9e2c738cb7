// inproc_fdcache: an fd that comes to name another file is written to as
// that file (docs/inprocess.md section 15: the library's fd cache). fd 9
// is a regular file or a pipe, written to (the library then knows it is
// not rec's stdout), then becomes stdout by dup2, by close and F_DUPFD, by
// dup3, by close_range and F_DUPFD, and is written to again: replay must
// show those writes as the recording did. The pipes and the file are read
// back and their bytes printed.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define FD 9

/* Writes s to FD three times (the first at a syscall site may be traced,
 * the next ones are made by the library once the site is patched). */
static void put(const char *s)
{
	for (int i = 0; i < 3; i++)
		CK(write(FD, s, strlen(s)));
}

/* Prints what fd holds (a pipe's end or a file from its start). */
static void show(const char *what, int fd)
{
	char buf[256];
	long n = read(fd, buf, sizeof buf - 1);
	CK(n);
	buf[n] = 0;
	printf("%s: %ld bytes: %s", what, n, buf);
}

/* Makes fd 9 stdout again, as how says. */
static void to_stdout(const char *how)
{
	if (!strcmp(how, "dup2"))
		CK(dup2(1, FD));
	else if (!strcmp(how, "dup3"))
		CK(dup3(1, FD, 0));
	else {
		if (!strcmp(how, "close"))
			CK(close(FD));
		else
			CK(syscall(SYS_close_range, FD, FD, 0));
		if (fcntl(1, F_DUPFD, FD) != FD) {
			printf("F_DUPFD did not give fd %d\n", FD);
			exit(1);
		}
	}
	printf("fd %d is stdout (%s):\n", FD, how);
	put("  to stdout\n");
}

int main(void)
{
	char dir[] = "/tmp/heisen-ifc-XXXXXX", path[64];
	static const char *hows[] = {"dup2", "close", "dup3", "close_range"};
	int p[2];
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	snprintf(path, sizeof path, "%s/file", dir);
	for (int fd = 3; fd <= FD; fd++)
		close(fd);
	CK(pipe2(p, O_CLOEXEC)); /* 3, 4 */
	int f = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
	CK(f);
	/* from a file (stdout a file: written as a file, it would not be
	 * traced) and from a pipe (stdout a pipe or a tty: the same) */
	for (int i = 0; i < 8; i++) {
		if (i % 2) {
			CK(dup3(p[1], FD, O_CLOEXEC));
			put("to the pipe\n");
			show("pipe", p[0]);
		} else {
			CK(dup2(f, FD));
			put("to the file\n");
			CK(lseek(f, 0, SEEK_SET));
			show("file", f);
			CK(ftruncate(f, 0));
			CK(lseek(f, 0, SEEK_SET));
		}
		to_stdout(hows[i / 2]);
	}
	CK(unlink(path));
	CK(rmdir(dir));
	printf("done\n");
	return 0;
}
