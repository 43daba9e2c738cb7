// gdb_ckpt: what tests/suite-gdb.sh goes back in time on through the
// replay's checkpoints: three threads add to one counter under a lock,
// ROUNDS times each, with a syscall (nanosleep) every round so the run has
// many events. first_round() marks each thread's first round, noted() each
// addition (inside the lock: `now` is the counter then), last_round() each
// thread's last round. main writes `phase` (1 before the threads, 2 after)
// and has clock_gettime fill `stamp` first (a syscall's write). Its output
// is deterministic.
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#define NTHREADS 3
#define ROUNDS 30

volatile long total;
volatile long phase;
struct timespec stamp;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((noinline)) void first_round(long by)
{
	__asm__ volatile("" : : "r"(by) : "memory");
}

__attribute__((noinline)) void noted(long by, int round, long now)
{
	__asm__ volatile("" : : "r"(by), "r"(round), "r"(now) : "memory");
}

__attribute__((noinline)) void last_round(long by)
{
	__asm__ volatile("" : : "r"(by) : "memory");
}

static void *adder(void *arg)
{
	long by = (long)arg;
	struct timespec zero = {0, 0};
	for (int r = 0; r < ROUNDS; r++) {
		if (r == 0)
			first_round(by);
		if (r == ROUNDS - 1)
			last_round(by);
		pthread_mutex_lock(&lock);
		total = total + by;
		noted(by, r, total);
		pthread_mutex_unlock(&lock);
		nanosleep(&zero, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t th[NTHREADS];
	long by = 1;
	clock_gettime(CLOCK_REALTIME, &stamp);
	phase = 1;
	for (int i = 0; i < NTHREADS; i++, by *= 100)
		pthread_create(&th[i], NULL, adder, (void *)by);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	phase = 2;
	printf("total %ld\n", total);
	return 0;
}
