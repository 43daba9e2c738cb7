// vm_write_child: process_vm_writev into a forked child's memory, which
// rec refuses (EPERM, one line on stderr: replay could not redo the write
// in the child); natively it succeeds. Prints what the parent got and
// what the child then read, and exits 0 either way.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char word[8] = "before";

int main(void)
{
	int go[2], back[2];
	if (pipe(go) < 0 || pipe(back) < 0)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		char ch;
		if (write(back[1], "r", 1) != 1 || read(go[0], &ch, 1) != 1)
			_exit(2);
		_exit(strcmp(word, "after") ? 0 : 1); /* 1: the parent's write arrived */
	}
	char ch;
	if (read(back[0], &ch, 1) != 1)
		return 2;
	struct iovec l = {"after", 6}, r = {word, 6};
	ssize_t n = process_vm_writev(c, &l, 1, &r, 1, 0);
	printf("process_vm_writev child: %s\n", n == 6 ? "written" : n < 0 ? strerrorname_np(errno) : "short");
	if (write(go[1], "g", 1) != 1)
		return 2;
	int st;
	waitpid(c, &st, 0);
	printf("child saw the write: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "yes" : "no");
	return 0;
}
