// mem_process_vm: process_vm_readv and process_vm_writev on the program's
// own pid (scattered iovecs, a partial transfer, a bad address) and
// process_vm_readv of a forked child's memory; process_vm_writev to a
// reaped child (ESRCH). (Into another process: tests/diverge/vm_write_child.c.)
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static int bad;

static void expect(const char *what, long got, long want)
{
	printf("%s: %ld%s\n", what, got, got == want ? "" : " WRONG");
	if (got != want)
		bad = 1;
}

int main(void)
{
	static char src[64] = "the quick brown fox jumps over the lazy dog";
	char a[10] = {0}, b[20] = {0};
	struct iovec local[2] = {{a, 9}, {b, 19}};
	struct iovec remote[2] = {{src + 4, 10}, {src + 20, 18}};
	ssize_t n = process_vm_readv(getpid(), local, 2, remote, 2, 0);
	printf("readv self: %zd [%s] [%s]\n", n, a, b);
	expect("readv self bytes", n, 28);
	expect("readv self text", !strcmp(a, "quick bro") && !strcmp(b, "wjumps over the laz"), 1);
	char dst[32];
	memset(dst, '.', sizeof dst);
	dst[31] = 0;
	struct iovec wl[1] = {{"HELLO", 5}};
	struct iovec wr[2] = {{dst + 2, 2}, {dst + 10, 3}};
	n = process_vm_writev(getpid(), wl, 1, wr, 2, 0);
	printf("writev self: %zd [%s]\n", n, dst);
	expect("writev self", n == 5 && !memcmp(dst + 2, "HE", 2) && !memcmp(dst + 10, "LLO", 3), 1);
	struct iovec badr[2] = {{src, 4}, {(void *)8, 4}};
	struct iovec l2[1] = {{a, 8}};
	n = process_vm_readv(getpid(), l2, 1, badr, 2, 0);
	printf("readv partial: %zd\n", n);
	expect("readv partial", n, 4);
	n = process_vm_readv(getpid(), l2, 1, &badr[1], 1, 0);
	printf("readv fault: %zd %s\n", n, n < 0 ? strerrorname_np(errno) : "");
	expect("readv fault", n == -1 && errno == EFAULT, 1);
	n = process_vm_readv(getpid(), l2, 1, badr, 1, 7);
	expect("bad flags", n == -1 && errno == EINVAL, 1);
	/* a child's memory: it changes a static buffer, then waits */
	int pfd[2];
	if (pipe(pfd) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		strcpy(src, "child's own words");
		if (write(pfd[1], "r", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	char ch;
	if (read(pfd[0], &ch, 1) != 1)
		return 1;
	char got[32] = {0};
	struct iovec cl[1] = {{got, 17}}, cr[1] = {{src, 17}};
	n = process_vm_readv(c, cl, 1, cr, 1, 0);
	printf("readv child: %zd [%s]\n", n, got);
	expect("readv child", n == 17 && !strcmp(got, "child's own words"), 1);
	kill(c, SIGKILL);
	waitpid(c, NULL, 0);
	n = process_vm_writev(c, wl, 1, wr, 1, 0); /* reaped: no such process */
	printf("writev to a reaped child: %zd %s\n", n, n < 0 ? strerrorname_np(errno) : "");
	expect("writev to a reaped child", n == -1 && errno == ESRCH, 1);
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
