/* fork_reap: forks N children one after another (default 2000); each exits
 * at once with a status of its own and is reaped before the next fork, in
 * turn by waitpid, wait4 with rusage, waitid (P_PID and P_ALL) and
 * waitpid(-1, NULL). Checks each status, that every child was reaped (a
 * last waitpid(-1) gives ECHILD) and prints a summary. Replay emulates the
 * waits: it must reap the real children too, or they stay zombies (with
 * SPIN, after the loop the program prints "forked N, spinning" and
 * computes without syscalls for about SPIN hundred million iterations, so
 * tests/suite-long.sh can count zombies meanwhile).
 * Usage: fork_reap [N [SPIN]] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000, spin = argc > 2 ? atoi(argv[2]) : 0, bad = 0;
	long sum = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			printf("fork %d: %s\n", i, strerror(errno));
			return 1;
		}
		if (pid == 0)
			_exit(i % 100);
		int status = -1;
		siginfo_t si;
		struct rusage ru;
		pid_t got = -1;
		switch (i % 5) {
		case 0: got = waitpid(pid, &status, 0); break;
		case 1: got = wait4(pid, &status, 0, &ru); break;
		case 2:
			memset(&si, 0, sizeof si);
			got = waitid(P_PID, (id_t)pid, &si, WEXITED) ? -1 : si.si_pid;
			status = si.si_code == CLD_EXITED ? si.si_status << 8 : -1;
			break;
		case 3:
			memset(&si, 0, sizeof si);
			got = waitid(P_ALL, 0, &si, WEXITED) ? -1 : si.si_pid;
			status = si.si_code == CLD_EXITED ? si.si_status << 8 : -1;
			break;
		case 4: got = waitpid(-1, NULL, 0); status = (i % 100) << 8; break;
		}
		if (got != pid || !WIFEXITED(status) || WEXITSTATUS(status) != i % 100) {
			if (bad++ < 5)
				printf("child %d (pid %d): wait gave %d, status %#x\n", i, pid, got, status);
		}
		sum += WEXITSTATUS(status);
	}
	errno = 0;
	pid_t last = waitpid(-1, NULL, WNOHANG);
	printf("%d children forked and reaped, %d wrong, status sum %ld, then waitpid: %d %s\n", n, bad, sum, last,
	       last < 0 ? strerrorname_np(errno) : "");
	if (spin) {
		printf("forked %d, spinning\n", n);
		fflush(stdout);
		volatile unsigned long x = 0;
		for (unsigned long i = 0; i < (unsigned long)spin * 100000000UL; i++)
			x += i;
		printf("spun\n");
	}
	return bad || last != -1 ? 1 : 0;
}
