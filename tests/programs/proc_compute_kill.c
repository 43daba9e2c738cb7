/* proc_compute_kill: two processes that compute between buffered syscalls
 * (clock_gettime, getppid), so rec switches them mid-computation (a
 * process that shares no memory ends its turn where rec stops it, with no
 * point in the trace: docs/scheduling.md), and the parent kills the child
 * with SIGKILL while the child is switched out, its ring holding calls
 * not yet drained. The child also makes bursts of buffered calls, where
 * rec's interrupt may stop it inside the in-process library. The parent
 * prints what it computed and how the child ended; replay must run both
 * to the same ends. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile uint64_t sink;

/* About a millisecond of work, with a result that depends on all of it. */
static uint64_t work(uint64_t x)
{
	for (int i = 0; i < 400000; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull + (x >> 29);
	return x;
}

int main(void)
{
	int p[2];
	char c;
	if (pipe(p) < 0)
		return 1;
	pid_t child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		struct timespec ts;
		uint64_t x = 1;
		if (write(p[1], "s", 1) != 1)
			_exit(2);
		for (;;) {
			sink = x = work(x);
			for (int i = 0; i < 200; i++) {
				clock_gettime(CLOCK_MONOTONIC, &ts);
				x ^= (uint64_t)getppid();
			}
		}
	}
	if (read(p[0], &c, 1) != 1)
		return 1;
	uint64_t x = 7;
	for (int i = 0; i < 40; i++) {
		struct timespec ts;
		x = work(x);
		clock_gettime(CLOCK_MONOTONIC, &ts);
	}
	kill(child, SIGKILL);
	int st;
	if (waitpid(child, &st, 0) != child)
		return 1;
	printf("parent computed %016llx\n", (unsigned long long)x);
	printf("child %s %d\n", WIFSIGNALED(st) ? "killed by signal" : "exited", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	return 0;
}
