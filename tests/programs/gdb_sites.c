// gdb_sites: two threads compute without syscalls long enough to be
// preempted at counting sites, calling lap() every 2^18 iterations;
// tests/suite-gdb.sh stops in gdb at a site replay installed (a breakpoint
// on it, a step through it) and the replay must still end as recorded.
// Prints the sums.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t sums[2];
static volatile long laps[2];

__attribute__((noinline)) void lap(long id)
{
	laps[id]++;
}

static void *work(void *arg)
{
	long id = (long)arg;
	uint64_t x = 88172645463325252ull + (uint64_t)id, s = 0;
	for (long i = 0; i < 40000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s += x >> 60;
		if ((i & 0x3ffff) == 0)
			lap(id);
	}
	sums[id] = s;
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("sums %llx %llx laps %ld %ld\n", (unsigned long long)sums[0], (unsigned long long)sums[1], laps[0],
	       laps[1]);
	return 0;
}
