/* peak_rss: `peak_rss FILE CMD [ARGS...]` runs CMD and writes to FILE the
 * peak resident set size of CMD's own process, in KiB (VmHWM of
 * /proc/PID/status, read every 5 ms until CMD exits: growth in its last
 * 5 ms is missed). Not its children's: GNU time's %M (the wait4 rusage)
 * is the largest of CMD and the children it waited for, so for rec it
 * would often be the recorded program's. Exits with CMD's status (128+N
 * when a signal N killed it). Used by bench/real.sh for rec's memory. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* VmHWM of pid in KiB, or -1 when it cannot be read (pid exiting). */
static long hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: peak_rss FILE CMD [ARGS...]\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("peak_rss: fork");
		return 125;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "peak_rss: %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	long peak = 0;
	int status = 0;
	const struct timespec tick = { 0, 5 * 1000 * 1000 };
	for (;;) {
		long k = hwm_kib(pid);
		if (k > peak)
			peak = k;
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			perror("peak_rss: waitpid");
			return 125;
		}
		nanosleep(&tick, NULL);
	}
	FILE *out = fopen(argv[1], "w");
	if (!out || fprintf(out, "%ld\n", peak) < 0 || fclose(out) != 0) {
		fprintf(stderr, "peak_rss: %s: %s\n", argv[1], strerror(errno));
		return 125;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
