// gdb_threads: what tests/suite-gdb.sh reverse-continues across thread
// switches on: four threads add to one counter under a lock, one addition
// each per round, rounds separated by a barrier, so consecutive writes of
// `total` come from different threads. Its output is deterministic.
#include <pthread.h>
#include <stdio.h>

#define NTHREADS 4
#define ROUNDS 3

volatile long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t round_end;

static void *adder(void *arg)
{
	long by = (long)arg;
	for (int r = 0; r < ROUNDS; r++) {
		pthread_mutex_lock(&lock);
		total = total + by;
		pthread_mutex_unlock(&lock);
		pthread_barrier_wait(&round_end);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	pthread_barrier_init(&round_end, NULL, NTHREADS);
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, adder, (void *)(1 + i * 10));
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	printf("total %ld\n", total);
	return 0;
}
