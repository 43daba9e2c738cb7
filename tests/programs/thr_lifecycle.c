/* thr_lifecycle: threads being born and dying. 8 waves of 8 threads
 * created and joined (each returns a value the joiner checks); a thread
 * created detached and one detached while it runs, both reporting through
 * a semaphore; a thread that exits (pthread_exit with a value) while two
 * others are blocked in read() on a pipe, which are then woken one byte at
 * a time; finally the main thread calls pthread_exit while three threads
 * still run: one joins the main thread, then they print in turns; the
 * process ends with the last one (status 0, or 1 after a WRONG line). */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CK(x) do { int r_ = (x); if (r_ != 0) { printf("FAIL %s: %s\n", #x, strerror(r_ < 0 ? errno : r_)); exit(1); } } while (0)

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		fflush(stdout);
		wrong = 1;
	}
}

static void *wave_fn(void *arg)
{
	long id = (long)arg;
	long s = 0;
	for (long i = 0; i <= id; i++)
		s += i * i;
	return (void *)(s + 1000 * id);
}

static sem_t done;
static int detached_ran[2];

static void *detached_fn(void *arg)
{
	long id = (long)arg;
	if (id == 1)
		usleep(1000); /* still running when pthread_detach is called */
	detached_ran[id] = 1;
	sem_post(&done);
	return NULL;
}

static int pfd[2];

static void *reader_fn(void *arg)
{
	(void)arg;
	char c = 0;
	ssize_t n = read(pfd[0], &c, 1);
	return (void *)(long)(n == 1 ? c : -1);
}

static void *quitter_fn(void *arg)
{
	(void)arg;
	pthread_exit((void *)77L);
}

/* the last phase: three threads print in turns after main is gone */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, alive = 3;
static pthread_t main_thread;

static void *survivor_fn(void *arg)
{
	long id = (long)arg;
	if (id == 0) {
		/* nobody takes a turn before main is gone */
		void *ret = (void *)1L;
		int r = pthread_join(main_thread, &ret);
		printf("survivor 0 joined the main thread: %d, value %ld\n", r, (long)ret);
		check(r == 0 && ret == NULL, "join of the main thread");
	}
	for (int round = 0; round < 3; round++) {
		pthread_mutex_lock(&m);
		while (turn % 3 != id)
			pthread_cond_wait(&cv, &m);
		printf("survivor %ld round %d (turn %d)\n", id, round, turn);
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&m);
	}
	pthread_mutex_lock(&m);
	int left = --alive;
	pthread_mutex_unlock(&m);
	if (left == 0) {
		printf("survivor %ld is the last thread; turns %d\n", id, turn);
		check(turn == 9, "survivor turns");
		fflush(stdout);
		if (wrong)
			exit(1);
	}
	return NULL;
}

int main(void)
{
	/* waves */
	long total = 0;
	for (int w = 0; w < 8; w++) {
		pthread_t t[8];
		for (long i = 0; i < 8; i++)
			CK(pthread_create(&t[i], NULL, wave_fn, (void *)(w * 8 + i)));
		long s = 0;
		for (long i = 0; i < 8; i++) {
			void *ret;
			CK(pthread_join(t[i], &ret));
			long id = w * 8 + i, want = 1000 * id + id * (id + 1) * (2 * id + 1) / 6;
			check((long)ret == want, "wave thread's return value");
			s += (long)ret;
		}
		total += s;
	}
	printf("8 waves of 8 threads joined, sum of results %ld\n", total);

	/* detached threads */
	sem_init(&done, 0, 0);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t d0, d1;
	CK(pthread_create(&d0, &a, detached_fn, (void *)0L));
	pthread_attr_destroy(&a);
	CK(pthread_create(&d1, NULL, detached_fn, (void *)1L));
	CK(pthread_detach(d1));
	CK(sem_wait(&done));
	CK(sem_wait(&done));
	printf("detached threads ran: %d %d\n", detached_ran[0], detached_ran[1]);
	check(detached_ran[0] && detached_ran[1], "detached threads");

	/* a thread exits while two others block in read() */
	CK(pipe(pfd));
	pthread_t r[2], q;
	for (int i = 0; i < 2; i++)
		CK(pthread_create(&r[i], NULL, reader_fn, NULL));
	usleep(1000);
	CK(pthread_create(&q, NULL, quitter_fn, NULL));
	void *ret;
	CK(pthread_join(q, &ret));
	printf("quitter exited with %ld while the readers block\n", (long)ret);
	check((long)ret == 77, "pthread_exit value");
	if (write(pfd[1], "xy", 2) != 2)
		check(0, "write to the readers");
	int sum = 0;
	for (int i = 0; i < 2; i++) {
		CK(pthread_join(r[i], &ret));
		sum += (int)(long)ret;
	}
	printf("readers woken by one byte each: sum %d\n", sum);
	check(sum == 'x' + 'y', "bytes the readers got");
	close(pfd[0]);
	close(pfd[1]);

	/* main leaves first */
	pthread_t s[3];
	main_thread = pthread_self();
	for (long i = 0; i < 3; i++)
		CK(pthread_create(&s[i], NULL, survivor_fn, (void *)i));
	printf("main thread exits%s\n", wrong ? " after WRONG" : "");
	fflush(stdout);
	if (wrong)
		exit(1);
	pthread_exit(NULL);
}
