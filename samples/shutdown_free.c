/* shutdown_free.c - a shutdown path frees a shared results structure while a
 * writer is still in flight.
 *
 * A batch job: NWORKERS workers (the load) take items from a shared counter,
 * compute a result for each, count it done, and store the result in the
 * shared results table. The coordinator (main) checks the count every
 * POLL_US microseconds (usleep); once all NITEMS are done it shuts down: it
 * prints the summary, scrubs the table and frees it, then joins the workers.
 *
 * BUG: a worker counts an item done before it has stored the result. When
 * the coordinator sees the last count and shuts down before that worker has
 * taken the lock to store it, the worker writes into freed memory. To
 * make the use-after-free visible every time it happens, results_add()
 * checks the table's magic word (scrubbed before the free) and aborts with a
 * message.
 * The window: from the worker's count of its last item to its lock in
 * results_add(), across the time stamp and the checksum of the result (and
 * a futex wait when the other worker holds the lock); the coordinator must
 * wake from its nanosleep and take the lock inside it.
 * Without the race it prints the same two lines every run and exits 0.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NWORKERS 2
#define NITEMS 64
#define WORK 20000     /* computation per item (loop turns) */
#define CHECKSUM 10000 /* checksumming of a result before it is stored (loop turns) */
#define POLL_US 50     /* the coordinator's polling period */
#define LIVE 0x5eed1e55u

struct results {
	long sum;
	long *v;
	int n;
	unsigned magic; /* LIVE while the table may be written (past free()'s own words) */
};

static pthread_mutex_t res_lock = PTHREAD_MUTEX_INITIALIZER;
static struct results *res; /* the shared table */
static atomic_int next_item;
static atomic_int done; /* items done */

static void results_add(struct results *r, long v)
{
	pthread_mutex_lock(&res_lock);
	if (r->magic != LIVE) {
		fprintf(stderr, "shutdown_free: results_add: table %p used after it was freed\n", (void *)r);
		abort();
	}
	r->v[r->n++] = v;
	r->sum += v;
	pthread_mutex_unlock(&res_lock);
}

static void results_free(struct results *r)
{
	free(r->v);
	explicit_bzero(r, sizeof *r); /* scrub (a plain memset before free() is optimized away) */
	free(r);
}

static void *worker(void *arg)
{
	int i;
	while ((i = atomic_fetch_add(&next_item, 1)) < NITEMS) {
		volatile long v = i;
		for (int k = 0; k < WORK; k++)
			v = (v * 1103515245 + 12345) % 1000003;
		atomic_fetch_add(&done, 1); /* BUG: counted before it is stored */
		struct timespec stamp; /* when the result was made (kept with it) */
		clock_gettime(CLOCK_MONOTONIC, &stamp);
		volatile long check = stamp.tv_nsec & 1;
		for (int k = 0; k < CHECKSUM; k++) /* a checksum kept beside the result */
			check += (v >> (k % 16)) & 1;
		results_add(res, v);
	}
	return arg;
}

int main(void)
{
	pthread_t w[NWORKERS];
	res = calloc(1, sizeof *res);
	res->v = calloc(NITEMS, sizeof *res->v);
	res->magic = LIVE;
	for (int i = 0; i < NWORKERS; i++)
		pthread_create(&w[i], NULL, worker, NULL);
	while (atomic_load(&done) < NITEMS) /* wait for the job, checking now and then */
		usleep(POLL_US);
	/* Every item is done: shut down. */
	pthread_mutex_lock(&res_lock);
	printf("shutdown_free: %d results stored\n", res->n);
	printf("shutdown_free: sum %ld\n", res->sum);
	results_free(res);
	pthread_mutex_unlock(&res_lock);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);
	return 0;
}
