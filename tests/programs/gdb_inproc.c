/* gdb_inproc: getpid and clock_gettime called often enough that rec
 * records them inside the process (their glibc sites patched to call the
 * in-process library): gdb must show the program's own code at those
 * sites and step over a buffered call as over a syscall (suite-gdb:
 * gdb-inproc). Prints what each call returned. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	long pid[5], ns = 0;
	struct timespec ts;
	for (int i = 0; i < 5; i++)
		pid[i] = getpid();
	for (int i = 0; i < 5; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ns += ts.tv_nsec % 1000;
	}
	printf("pid %ld %ld %ld %ld %ld\n", pid[0], pid[1], pid[2], pid[3], pid[4]);
	printf("ns %ld\n", ns);
	return 0;
}
