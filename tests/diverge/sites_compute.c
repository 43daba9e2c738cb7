/* sites_compute: two threads compute (xorshift) without syscalls for long
 * enough to be preempted many times at counting sites; prints their sums.
 * suite-divergence.sh edits the count of one site preemption and the code
 * bytes of a site record: replay must report both as divergences. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

static uint64_t sums[2];

static void *work(void *arg)
{
	long id = (long)arg;
	uint64_t x = 88172645463325252ull + (uint64_t)id, s = 0;
	for (long i = 0; i < 60000000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		s += x >> 60;
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
	printf("%llu %llu\n", (unsigned long long)sums[0], (unsigned long long)sums[1]);
	return 0;
}
