/* syscall_heavy.c - a syscall-bound workload for bench/run.sh: N rounds
 * of write(1 byte) into a pipe and read(1 byte) back, so 2N tiny syscalls
 * (default N = 100000: 200k syscalls). Usage: syscall_heavy [N] */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	int fd[2];
	char c = 'x';
	long sum = 0;
	if (pipe(fd) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		c = (char)('a' + i % 26);
		if (write(fd[1], &c, 1) != 1 || read(fd[0], &c, 1) != 1)
			return 1;
		sum += c;
	}
	printf("%ld round trips, checksum %ld\n", n, sum);
	return 0;
}
