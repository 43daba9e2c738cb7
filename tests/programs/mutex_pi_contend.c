/* mutex_pi_contend: a PTHREAD_PRIO_INHERIT mutex under contention from 4
 * threads that yield the CPU while holding it, so glibc takes and releases
 * it with FUTEX_LOCK_PI/FUTEX_UNLOCK_PI; the count must come out exact, and
 * trylock by the owner and unlock by a non-owner fail as they should. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CK(x) do { int r_ = (x); if (r_ != 0) { printf("FAIL %s: %s\n", #x, strerror(r_)); exit(1); } } while (0)

static const char *ename(int e)
{
	switch (e) {
	case 0: return "0";
	case EBUSY: return "EBUSY";
	case EOWNERDEAD: return "EOWNERDEAD";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EDEADLK: return "EDEADLK";
	default: return strerror(e);
	}
}

/* --- PI contention --- */
static pthread_mutex_t pi;
static long counter;
static int per_thread[4], contended[4];
static pthread_barrier_t bar;

static void *pi_worker(void *arg)
{
	int id = (int)(long)arg;
	pthread_barrier_wait(&bar);
	for (int i = 0; i < 300; i++) {
		int r = pthread_mutex_trylock(&pi);
		if (r == EBUSY) {
			contended[id]++;
			r = pthread_mutex_lock(&pi);
		}
		if (r != 0) {
			printf("FAIL lock: %s\n", ename(r));
			exit(1);
		}
		counter++;
		per_thread[id]++;
		if (i % 16 == 0)
			sched_yield(); /* give up the CPU while holding the lock */
		CK(pthread_mutex_unlock(&pi));
	}
	return NULL;
}

int main(void)
{
	pthread_mutexattr_t a;
	CK(pthread_mutexattr_init(&a));
	CK(pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT));
	int proto = -1;
	CK(pthread_mutexattr_getprotocol(&a, &proto));
	printf("protocol set: %s\n", proto == PTHREAD_PRIO_INHERIT ? "PTHREAD_PRIO_INHERIT" : "other");
	CK(pthread_mutex_init(&pi, &a));
	pthread_mutexattr_destroy(&a);

	pthread_barrier_init(&bar, NULL, 4);
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		CK(pthread_create(&t[i], NULL, pi_worker, (void *)i));
	for (int i = 0; i < 4; i++)
		CK(pthread_join(t[i], NULL));
	printf("pi: counter %ld, per thread %d %d %d %d, contended %d %d %d %d\n", counter, per_thread[0],
	       per_thread[1], per_thread[2], per_thread[3], contended[0], contended[1], contended[2],
	       contended[3]);
	CK(pthread_mutex_lock(&pi));
	printf("pi: relock by owner: %s\n", ename(pthread_mutex_trylock(&pi)));
	CK(pthread_mutex_unlock(&pi));
	printf("pi: unlock not owned: %s\n", ename(pthread_mutex_unlock(&pi)));
	CK(pthread_mutex_destroy(&pi));
	return 0;
}
