/* proc_vfork_exit: vfork children that end without a successful execve:
 * one calls _exit(66) right away, one after an execve that fails with
 * ENOENT (the usual "vfork; execve; _exit(127)" path of a missing
 * command). The parent checks their statuses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

extern char **environ;
static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

static int vfork_child(int mode)
{
	char *args[] = { "missing", NULL };
	fflush(stdout);
	pid_t c = vfork();
	CK(c);
	if (c == 0) {
		if (mode == 1) {
			execve("/nonexistent/missing", args, environ);
			_exit(errno == ENOENT ? 127 : 126);
		}
		_exit(66);
	}
	int st;
	CK(waitpid(c, &st, 0));
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int main(void)
{
	for (int mode = 0; mode < 2; mode++) {
		int s = vfork_child(mode);
		printf("vfork child %s: exited %d\n", mode ? "after a failed execve" : "calling _exit", s);
		check(s == (mode ? 127 : 66), "vfork child status");
	}
	return wrong;
}
