/* mutex_robust: robust mutexes, plain and PTHREAD_PRIO_INHERIT, whose owner
 * thread exits holding them: the kernel walks the dead thread's robust list
 * and marks the lock word FUTEX_OWNER_DIED, so the next locker (one that
 * comes later, or one already blocked in the lock, for PI in FUTEX_LOCK_PI)
 * gets EOWNERDEAD; pthread_mutex_consistent makes it usable again,
 * unlocking without it makes it ENOTRECOVERABLE. */
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

/* --- robust --- */
static sem_t locked, go_die;
static int waiter_result = -1;

static void *die_holding(void *arg)
{
	pthread_mutex_t *m = arg;
	CK(pthread_mutex_lock(m));
	sem_post(&locked);
	sem_wait(&go_die);
	return NULL; /* exits holding m */
}

static void *blocked_locker(void *arg)
{
	pthread_mutex_t *m = arg;
	waiter_result = pthread_mutex_lock(m);
	if (waiter_result == EOWNERDEAD) {
		CK(pthread_mutex_consistent(m));
		CK(pthread_mutex_unlock(m));
	}
	return NULL;
}

static void init_robust(pthread_mutex_t *m, int proto)
{
	pthread_mutexattr_t a;
	CK(pthread_mutexattr_init(&a));
	CK(pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST));
	CK(pthread_mutexattr_setprotocol(&a, proto));
	CK(pthread_mutex_init(m, &a));
	pthread_mutexattr_destroy(&a);
}

static void owner_dies(pthread_mutex_t *m)
{
	pthread_t t;
	CK(pthread_create(&t, NULL, die_holding, m));
	sem_wait(&locked);
	sem_post(&go_die);
	CK(pthread_join(t, NULL));
}

static void robust_case(const char *name, int proto)
{
	pthread_mutex_t m;
	init_robust(&m, proto);

	/* owner exits, then main locks */
	owner_dies(&m);
	int r = pthread_mutex_lock(&m);
	printf("%s: lock after owner exit: %s", name, ename(r));
	printf(", consistent: %s", ename(pthread_mutex_consistent(&m)));
	printf(", unlock: %s", ename(pthread_mutex_unlock(&m)));
	r = pthread_mutex_lock(&m);
	printf(", relock: %s", ename(r));
	printf(", unlock: %s\n", ename(pthread_mutex_unlock(&m)));

	/* owner exits while another thread is blocked in lock */
	pthread_t owner, waiter;
	CK(pthread_create(&owner, NULL, die_holding, &m));
	sem_wait(&locked);
	CK(pthread_create(&waiter, NULL, blocked_locker, &m));
	usleep(2000);
	sem_post(&go_die);
	CK(pthread_join(owner, NULL));
	CK(pthread_join(waiter, NULL));
	printf("%s: blocked locker got %s", name, ename(waiter_result));
	r = pthread_mutex_lock(&m);
	printf(", then main lock: %s", ename(r));
	printf(", unlock: %s\n", ename(pthread_mutex_unlock(&m)));

	/* owner exits, next locker does not make it consistent */
	owner_dies(&m);
	r = pthread_mutex_lock(&m);
	printf("%s: lock after owner exit: %s", name, ename(r));
	printf(", unlock without consistent: %s", ename(pthread_mutex_unlock(&m)));
	printf(", lock: %s", ename(pthread_mutex_lock(&m)));
	printf(", trylock: %s\n", ename(pthread_mutex_trylock(&m)));
	printf("%s: destroy: %s\n", name, ename(pthread_mutex_destroy(&m)));
}

int main(void)
{
	sem_init(&locked, 0, 0);
	sem_init(&go_die, 0, 0);
	robust_case("robust", PTHREAD_PRIO_NONE);
	robust_case("robust-pi", PTHREAD_PRIO_INHERIT);
	return 0;
}
