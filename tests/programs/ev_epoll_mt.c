/* ev_epoll_mt: three threads block in epoll_wait on the same epoll fd,
 * which watches four eventfds and two pipes with EPOLLIN|EPOLLONESHOT; the
 * main thread makes them ready one after another, the thread that gets an
 * event drains the fd and re-arms it with EPOLL_CTL_MOD. ONESHOT must hand
 * each fd to one thread at a time; the totals must add up. A level-
 * triggered quit eventfd then wakes all three. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

#define NSRC 6  /* 0..3 eventfds, 4..5 pipes */
#define NMSG 30
static int ep, src_rd[NSRC], src_wr[NSRC], quit_fd;
static int busy[NSRC], overlap, handled[3], per_src[NSRC];
static long consumed;
static char log_line[NMSG * 4 + 64];
static pthread_mutex_t log_m = PTHREAD_MUTEX_INITIALIZER;

static void arm(int s, int op)
{
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = (uint32_t)s };
	CK(epoll_ctl(ep, op, src_rd[s], &e));
}

static void *handler(void *arg)
{
	int id = (int)(long)arg;
	for (;;) {
		struct epoll_event ev;
		int n = epoll_wait(ep, &ev, 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		CK(n);
		if (ev.data.u32 == 99)
			return NULL; /* quit: level-triggered, so every thread sees it */
		int s = (int)ev.data.u32;
		if (__atomic_exchange_n(&busy[s], 1, __ATOMIC_SEQ_CST))
			__atomic_add_fetch(&overlap, 1, __ATOMIC_SEQ_CST);
		long got = 0;
		if (s < 4) {
			uint64_t v;
			CK(read(src_rd[s], &v, sizeof v));
			got = (long)v;
		} else {
			unsigned char buf[64];
			ssize_t r = read(src_rd[s], buf, sizeof buf);
			CK(r);
			for (ssize_t i = 0; i < r; i++)
				got += buf[i];
		}
		pthread_mutex_lock(&log_m);
		handled[id]++;
		per_src[s]++;
		size_t len = strlen(log_line);
		snprintf(log_line + len, sizeof log_line - len, " %c%d", 'a' + id, s);
		pthread_mutex_unlock(&log_m);
		__atomic_store_n(&busy[s], 0, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&consumed, got, __ATOMIC_SEQ_CST);
		arm(s, EPOLL_CTL_MOD);
	}
}

int main(void)
{
	ep = epoll_create1(EPOLL_CLOEXEC);
	CK(ep);
	for (int s = 0; s < NSRC; s++) {
		if (s < 4) {
			src_rd[s] = src_wr[s] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
			CK(src_rd[s]);
		} else {
			int p[2];
			CK(pipe2(p, O_NONBLOCK | O_CLOEXEC));
			src_rd[s] = p[0];
			src_wr[s] = p[1];
		}
		arm(s, EPOLL_CTL_ADD);
	}
	quit_fd = eventfd(0, EFD_CLOEXEC);
	CK(quit_fd);
	struct epoll_event qe = { .events = EPOLLIN, .data.u32 = 99 };
	CK(epoll_ctl(ep, EPOLL_CTL_ADD, quit_fd, &qe));

	pthread_t t[3];
	for (long i = 0; i < 3; i++)
		CK(-pthread_create(&t[i], NULL, handler, (void *)i));

	long sent = 0;
	for (int k = 0; k < NMSG; k++) {
		int s = k % NSRC;
		if (s < 4) {
			uint64_t v = (uint64_t)k + 1;
			CK(write(src_wr[s], &v, sizeof v));
		} else {
			unsigned char b = (unsigned char)(k + 1);
			CK(write(src_wr[s], &b, 1));
		}
		sent += k + 1;
		if (k % 3 == 2)
			usleep(200);
	}
	while (__atomic_load_n(&consumed, __ATOMIC_SEQ_CST) < sent)
		usleep(200);

	/* all drained: nothing may be pending on the six sources */
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, 8, 0);
	printf("pending after drain: %d\n", n);

	uint64_t one = 1;
	CK(write(quit_fd, &one, sizeof one));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("sent %ld consumed %ld, overlapping handlers %d\n", sent, consumed, overlap);
	printf("per thread %d %d %d (total %d), per source %d %d %d %d %d %d\n", handled[0], handled[1],
	       handled[2], handled[0] + handled[1] + handled[2], per_src[0], per_src[1], per_src[2],
	       per_src[3], per_src[4], per_src[5]);
	printf("order:%s\n", log_line);

	/* a disarmed ONESHOT fd reports nothing until re-armed */
	struct epoll_event e = { .events = EPOLLIN | EPOLLONESHOT, .data.u32 = 0 };
	CK(epoll_ctl(ep, EPOLL_CTL_DEL, quit_fd, NULL));
	CK(epoll_ctl(ep, EPOLL_CTL_MOD, src_rd[0], &e));
	uint64_t v = 7;
	CK(write(src_wr[0], &v, sizeof v));
	n = epoll_wait(ep, ev, 8, 0);
	printf("ready once: %d (data %u)\n", n, n > 0 ? ev[0].data.u32 : 0);
	CK(write(src_wr[0], &v, sizeof v));
	n = epoll_wait(ep, ev, 8, 0);
	printf("same fd before re-arm: %d\n", n);
	CK(epoll_ctl(ep, EPOLL_CTL_MOD, src_rd[0], &e));
	n = epoll_wait(ep, ev, 8, 0);
	printf("after re-arm: %d\n", n);
	for (int s = 0; s < NSRC; s++) {
		close(src_rd[s]);
		if (s >= 4)
			close(src_wr[s]);
	}
	close(quit_fd);
	close(ep);
	return 0;
}
