/* ptrace_refused.c - ptrace requests heisen does not emulate fail at once
 * with EPERM and a line from rec each (at most five), so a program's own
 * fallback runs: PTRACE_TRACEME (anti-debugging checks, a debugger's
 * child), PTRACE_SEIZE of a forked child. (An attach, wait, reads and
 * detach are emulated: tests/programs/ptrace_attach.c.) Natively both
 * succeed: not run natively. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	long r = ptrace(PTRACE_TRACEME, 0, 0, 0);
	printf("PTRACE_TRACEME: %s\n", r < 0 ? strerrorname_np(errno) : "traced");
	int go[2];
	if (pipe(go) < 0)
		return 2;
	pid_t c = fork();
	if (c == 0) {
		char ch;
		_exit(read(go[0], &ch, 1) == 1 ? 0 : 3);
	}
	r = ptrace(PTRACE_SEIZE, c, 0, 0);
	printf("PTRACE_SEIZE child: %s\n", r < 0 ? strerrorname_np(errno) : "seized");
	if (write(go[1], "g", 1) != 1)
		return 2;
	int st;
	waitpid(c, &st, 0);
	printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return 0;
}
