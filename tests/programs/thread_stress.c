// thread_stress.c - thread churn whose output does not depend on the
// schedule: rounds of threads created, joined and detached (detached ones
// report through a condition variable), a mutex and condvar bounded queue
// between producers and consumers, threads that leave with pthread_exit from
// deep in their calls while the main thread waits, threads that exit at
// once while main is blocked in a join, child processes in which one thread
// calls exit() or _exit() while its siblings run or block, and at the end a
// worker's exit() while main blocks in a join that never returns.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long counter;
static int detached_left;

static void *bump(void *a)
{
	long n = (long)a;
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static void *bump_detached(void *a)
{
	bump(a);
	pthread_mutex_lock(&mu);
	detached_left--;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	return NULL;
}

/* Rounds of 8 threads, half joined, half detached. */
static void churn(void)
{
	for (int round = 0; round < 12; round++) {
		pthread_t t[4];
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		pthread_mutex_lock(&mu);
		detached_left += 4;
		pthread_mutex_unlock(&mu);
		for (int i = 0; i < 4; i++) {
			pthread_t d;
			if (pthread_create(&t[i], NULL, bump, (void *)(long)(100 + i)) ||
			    pthread_create(&d, &at, bump_detached, (void *)(long)(50 + i)))
				abort();
		}
		for (int i = 0; i < 4; i++)
			pthread_join(t[i], NULL);
		pthread_mutex_lock(&mu);
		while (detached_left)
			pthread_cond_wait(&cv, &mu);
		pthread_mutex_unlock(&mu);
		pthread_attr_destroy(&at);
	}
	printf("churn: counter %ld\n", counter);
}

#define QCAP 8
#define ITEMS 3000
static struct {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	long buf[QCAP];
	int head, n, producers_left;
} q = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0, 0};

static void *producer(void *a)
{
	long base = (long)a;
	for (long i = 0; i < ITEMS; i++) {
		pthread_mutex_lock(&q.mu);
		while (q.n == QCAP)
			pthread_cond_wait(&q.not_full, &q.mu);
		q.buf[(q.head + q.n++) % QCAP] = base + i;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.mu);
	}
	pthread_mutex_lock(&q.mu);
	q.producers_left--;
	pthread_cond_broadcast(&q.not_empty);
	pthread_mutex_unlock(&q.mu);
	return NULL;
}

static void *consumer(void *a)
{
	long sum = 0, got = 0;
	(void)a;
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (!q.n && q.producers_left)
			pthread_cond_wait(&q.not_empty, &q.mu);
		if (!q.n) {
			pthread_mutex_unlock(&q.mu);
			break;
		}
		sum += q.buf[q.head];
		q.head = (q.head + 1) % QCAP;
		q.n--;
		got++;
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.mu);
	}
	long *r = malloc(2 * sizeof *r);
	r[0] = sum;
	r[1] = got;
	return r;
}

static void queue(void)
{
	pthread_t p[4], c[4];
	q.producers_left = 4;
	for (int i = 0; i < 4; i++)
		if (pthread_create(&c[i], NULL, consumer, NULL) ||
		    pthread_create(&p[i], NULL, producer, (void *)(long)(i * 1000000)))
			abort();
	long sum = 0, got = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(p[i], NULL);
		long *r;
		pthread_join(c[i], (void **)&r);
		sum += r[0];
		got += r[1];
		free(r);
	}
	printf("queue: %ld items, sum %ld\n", got, sum);
}

/* pthread_exit from depth n of a recursion (its unwinding runs). */
static int deep(int n)
{
	volatile char pad[256];
	pad[0] = (char)n;
	if (!n)
		pthread_exit((void *)(long)7);
	return n < 0 ? 0 : deep(n - 1) + pad[0];
}

static void *exiter(void *a)
{
	return (void *)(long)deep((int)(long)a);
}

static void *quick(void *a)
{
	return a;
}

static void exits(void)
{
	long total = 0;
	for (int i = 0; i < 24; i++) {
		pthread_t t;
		void *r;
		if (pthread_create(&t, NULL, i % 2 ? exiter : quick, (void *)(long)(i * 3)))
			abort();
		pthread_join(t, &r);
		total += (long)r;
	}
	printf("exits: total %ld\n", total);
}

static void *blocker(void *a)
{
	(void)a;
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&cv, &mu); /* never signalled in the child */
	return NULL;
}

static void *spinner(void *a)
{
	volatile unsigned long x = 0;
	(void)a;
	for (;;)
		x++;
	return NULL;
}

static void *ender(void *a)
{
	long how = (long)a;
	bump((void *)200L);
	fflush(stdout);
	if (how)
		_exit(40 + (int)how);
	exit(30);
}

/* A child process whose thread ends it while the others run or block. */
static void child_exit(int how)
{
	pid_t p = fork();
	if (p < 0)
		abort();
	if (!p) {
		pthread_mutex_init(&mu, NULL);
		pthread_cond_init(&cv, NULL);
		pthread_t t[4];
		pthread_create(&t[0], NULL, blocker, NULL);
		pthread_create(&t[1], NULL, spinner, NULL);
		pthread_create(&t[2], NULL, bump, (void *)100000L);
		pthread_create(&t[3], NULL, ender, (void *)(long)how);
		pthread_join(t[0], NULL); /* never returns */
		_exit(1);
	}
	int st;
	if (waitpid(p, &st, 0) != p)
		abort();
	printf("child %d: %s %d\n", how, WIFEXITED(st) ? "exited" : "killed",
	       WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	churn();
	queue();
	exits();
	for (int how = 0; how < 3; how++)
		child_exit(how);
	/* main blocks in a join that never returns; a worker ends the process */
	pthread_t b, e;
	pthread_create(&b, NULL, blocker, NULL);
	pthread_create(&e, NULL, ender, (void *)0L);
	pthread_join(b, NULL);
	return 1;
}
