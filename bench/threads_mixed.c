/* threads_mixed.c - a multi-threaded workload for bench/run.sh: 4 threads
 * take N turns in a ring (mutex + condition variable handoffs: futex
 * syscalls), each computing for a while in its turn. Usage: threads_mixed [N] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long turn, rounds;
static volatile unsigned long work_sum;

static void *worker(void *arg)
{
	long id = (long)arg;
	for (;;) {
		pthread_mutex_lock(&m);
		while (turn < rounds * NTHREADS && turn % NTHREADS != id)
			pthread_cond_wait(&cv, &m);
		if (turn >= rounds * NTHREADS) {
			pthread_mutex_unlock(&m);
			return NULL;
		}
		unsigned long s = 0;
		for (unsigned long i = 0; i < 20000; i++) /* compute in its turn */
			s += i * (unsigned long)(turn + 1);
		work_sum += s;
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&m);
	}
}

int main(int argc, char **argv)
{
	pthread_t t[NTHREADS];
	rounds = argc > 1 ? atol(argv[1]) : 2000;
	for (long i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("turns %ld sum %lu\n", turn, work_sum);
	return 0;
}
