// procmem_child: a write through /proc/CHILD/mem into a forked child's
// memory, which rec refuses (EPERM, one line on stderr: replay could not
// redo the write in the child); natively it succeeds. Its own
// /proc/self/mem stays writable (tests/programs/proc_mem_jit.c). Prints
// what the parent got and what the child then read, and exits 0 either way.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char word[8] = "before";

int main(void)
{
	int go[2], back[2];
	char path[64], ch;
	if (pipe(go) < 0 || pipe(back) < 0)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		if (write(back[1], "r", 1) != 1 || read(go[0], &ch, 1) != 1)
			_exit(2);
		_exit(strcmp(word, "after") ? 0 : 1); /* 1: the parent's write arrived */
	}
	if (read(back[0], &ch, 1) != 1)
		return 2;
	snprintf(path, sizeof path, "/proc/%d/mem", (int)c);
	int fd = open(path, O_RDWR);
	ssize_t n = fd < 0 ? -1 : pwrite(fd, "after", 6, (off_t)(uintptr_t)word);
	printf("pwrite to /proc/CHILD/mem: %s\n", n == 6 ? "written" : n < 0 ? strerrorname_np(errno) : "short");
	int self = open("/proc/self/mem", O_RDWR);
	n = self < 0 ? -1 : pwrite(self, "mine!", 6, (off_t)(uintptr_t)word);
	printf("pwrite to /proc/self/mem: %s, word now %s\n", n == 6 ? "written" : "failed", word);
	if (write(go[1], "g", 1) != 1)
		return 2;
	int st;
	waitpid(c, &st, 0);
	printf("child saw the write: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 1 ? "yes" : "no");
	return 0;
}
