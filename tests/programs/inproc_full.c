/* inproc_full: more buffered calls between two other syscalls than the
 * library's ring holds (1 MiB per process, docs/inprocess.md, sections 4
 * and 6: a getpid entry takes 24 bytes, a clock_gettime entry 40), so the
 * ring fills up in the middle of a run: 50,000 getpid calls in a row
 * (1.2 MB of entries), a write, then 30,000 clock_gettime(CLOCK_MONOTONIC)
 * calls in a row (1.2 MB), a write. Checks that getpid never changes and
 * that the clock never goes back; prints the counts and a checksum of the
 * clock readings (it differs from run to run; a replay must print the
 * recording's). Exits 1 if a check fails. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define GETPIDS 50000
#define CLOCKS 30000

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid_t first = getpid();
	long same = 0;
	for (long i = 0; i < GETPIDS; i++)
		same += getpid() == first;
	printf("%d getpid calls in a row: %ld gave the pid %s\n", GETPIDS, same, same == GETPIDS ? "(all)" : "(NOT all)");

	long back = 0;
	long long last = 0;
	uint64_t sum = 0xcbf29ce484222325ULL;
	for (long i = 0; i < CLOCKS; i++) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long long ns = t.tv_sec * 1000000000LL + t.tv_nsec;
		back += ns < last;
		last = ns;
		sum = (sum ^ (uint64_t)ns) * 0x100000001b3ULL;
	}
	printf("%d clock_gettime calls in a row: the clock went back %ld times, checksum %016llx\n", CLOCKS, back,
	       (unsigned long long)sum);
	int bad = same != GETPIDS || back;
	printf("%s\n", bad ? "WRONG" : "all checks hold");
	return bad;
}
