// proc_pidns.c - processes in a new PID namespace (unshare(CLONE_NEWPID)):
// the first child is the namespace's init (pid 1), forks a child that it
// kills and reaps, then three that block and that the kernel kills
// (SIGKILL) when the init exits; the parent, outside, reaps the init. The
// recording must follow the namespace's pids and the kernel's kills.
// Without the privilege to unshare it says so and exits 0.
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	if (unshare(CLONE_NEWPID)) {
		printf("unshare: %s\n", errno == EPERM ? "not permitted here" : strerror(errno));
		return 0;
	}
	pid_t c = fork();
	if (c == 0) {
		pid_t g = fork();
		if (g == 0) {
			pause();
			_exit(5);
		}
		kill(g, SIGTERM);
		int st;
		waitpid(g, &st, 0);
		printf("in the namespace: pid %d; child %d %s %d\n", getpid(), g, WIFSIGNALED(st) ? "killed by" : "exited",
		       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		for (int i = 0; i < 3; i++)
			if (fork() == 0) {
				pause();
				_exit(5);
			}
		printf("its init leaves 3 children blocked\n");
		fflush(stdout);
		_exit(3); /* the kernel kills the others */
	}
	int st;
	waitpid(c, &st, 0);
	printf("the init exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return WIFEXITED(st) && WEXITSTATUS(st) == 3 ? 0 : 1;
}
