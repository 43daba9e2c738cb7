/* ev_threads: eventfds and a timerfd shared between threads: a producer
 * thread adds 1..20 to a counter-mode eventfd that the main thread drains
 * (the reads return sums); three threads take tokens one at a time from an
 * EFD_SEMAPHORE eventfd; one thread reads a periodic timerfd while two
 * others work and print. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int efd_count, efd_sem, tfd;

static void *producer(void *arg)
{
	for (uint64_t v = 1; v <= 20; v++) {
		CK(write(efd_count, &v, sizeof v));
		if (v % 4 == 0)
			usleep(200);
	}
	return arg;
}

#define TOKENS 12
static int taken, per_consumer[3];

static void *sem_consumer(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		uint64_t v;
		CK(read(efd_sem, &v, sizeof v));
		if (v != 1) {
			printf("FAIL semaphore read %llu\n", (unsigned long long)v);
			exit(1);
		}
		if (__atomic_add_fetch(&taken, 1, __ATOMIC_SEQ_CST) > TOKENS)
			return NULL; /* a stop token */
		per_consumer[id]++;
	}
}

static uint64_t expirations;
static int timer_reads;

static void *timer_reader(void *arg)
{
	while (expirations < 5) {
		uint64_t n;
		CK(read(tfd, &n, sizeof n));
		expirations += n;
		timer_reads++;
	}
	return arg;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	unsigned long h = 5381;
	for (int step = 0; step < 4; step++) {
		for (int i = 0; i < 20000; i++)
			h = h * 33 + (unsigned long)(i ^ id);
		printf("worker %d step %d hash %08lx\n", id, step, h & 0xffffffff);
		fflush(stdout);
		usleep(300);
	}
	return arg;
}

int main(void)
{
	pthread_t t[3];

	/* counter mode */
	efd_count = eventfd(0, EFD_CLOEXEC);
	CK(efd_count);
	CK(-pthread_create(&t[0], NULL, producer, NULL));
	uint64_t sum = 0;
	int reads = 0;
	while (sum < 210) {
		uint64_t v;
		CK(read(efd_count, &v, sizeof v));
		sum += v;
		reads++;
	}
	pthread_join(t[0], NULL);
	printf("counter eventfd: sum %llu in %d reads\n", (unsigned long long)sum, reads);
	uint64_t big = 0xfffffffffffffffeULL;
	CK(write(efd_count, &big, sizeof big)); /* counter now at its maximum */
	CK(fcntl(efd_count, F_SETFL, O_NONBLOCK));
	uint64_t one = 1;
	errno = 0;
	long r = write(efd_count, &one, sizeof one);
	printf("write to a full counter, nonblocking: %ld %s\n", r, errno == EAGAIN ? "EAGAIN" : strerror(errno));
	CK(read(efd_count, &big, sizeof big));
	printf("read back %llx\n", (unsigned long long)big);
	close(efd_count);

	/* semaphore mode */
	efd_sem = eventfd(0, EFD_SEMAPHORE | EFD_CLOEXEC);
	CK(efd_sem);
	for (long i = 0; i < 3; i++)
		CK(-pthread_create(&t[i], NULL, sem_consumer, (void *)i));
	uint64_t v = 5;
	CK(write(efd_sem, &v, sizeof v));
	usleep(500);
	v = 7;
	CK(write(efd_sem, &v, sizeof v));
	while (__atomic_load_n(&taken, __ATOMIC_SEQ_CST) < TOKENS)
		usleep(200);
	v = 3; /* one stop token each */
	CK(write(efd_sem, &v, sizeof v));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("semaphore eventfd: tokens taken %d+%d+%d = %d\n", per_consumer[0], per_consumer[1],
	       per_consumer[2], per_consumer[0] + per_consumer[1] + per_consumer[2]);
	close(efd_sem);

	/* timerfd read by one thread while two others run */
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	CK(tfd);
	struct itimerspec its = { .it_interval = { 0, 1000000 }, .it_value = { 0, 1000000 } };
	CK(timerfd_settime(tfd, 0, &its, NULL));
	CK(-pthread_create(&t[0], NULL, timer_reader, NULL));
	CK(-pthread_create(&t[1], NULL, worker, (void *)1L));
	CK(-pthread_create(&t[2], NULL, worker, (void *)2L));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("timerfd: %llu expirations in %d reads\n", (unsigned long long)expirations, timer_reads);
	struct itimerspec cur;
	its = (struct itimerspec){ 0 };
	CK(timerfd_settime(tfd, 0, &its, &cur));
	printf("timerfd: interval was %ld ns, disarmed\n", cur.it_interval.tv_nsec);
	close(tfd);
	return 0;
}
