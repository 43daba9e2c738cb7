/* syscall_loop: N cheap syscalls (getppid; default 20000), for the long-run
 * checks of tests/suite-long.sh and bench/replay_rss.sh (replay's memory
 * must not grow with the number of events). Prints how many it made and
 * whether every answer was the same. Usage: syscall_loop [N] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000, same = 0;
	pid_t first = getppid();
	for (long i = 0; i < n; i++)
		same += getppid() == first;
	printf("%ld getppid calls, %ld the same\n", n, same);
	return same == n ? 0 : 1;
}
