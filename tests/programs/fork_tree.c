/* fork_tree: a process tree three levels deep; children exchange data
 * over pipes, signal their parents and exit with their own statuses. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

static int level(int depth)
{
	int p[2];
	if (pipe(p) < 0)
		return 1;
	pid_t c = fork();
	if (c == 0) {
		close(p[0]);
		char msg[64];
		int n = snprintf(msg, sizeof msg, "hello from depth %d pid %d", depth + 1, getpid());
		if (write(p[1], msg, (size_t)n) != n)
			_exit(1);
		close(p[1]);
		kill(getppid(), SIGUSR1);
		_exit(depth < 2 ? level(depth + 1) : 10 + depth);
	}
	close(p[1]);
	char buf[64] = {0};
	ssize_t n = read(p[0], buf, sizeof buf - 1);
	close(p[0]);
	int st;
	waitpid(c, &st, 0);
	printf("depth %d: read %zd bytes \\\"%s\\\", child %d exited %d, usr1 %d\n", depth, n, buf, c,
	       WEXITSTATUS(st), (int)got_usr1);
	fflush(stdout);
	return WEXITSTATUS(st) + 1;
}

int main(void)
{
	signal(SIGUSR1, on_usr1);
	int r = level(0);
	printf("tree status %d\n", r);
	return 0;
}
