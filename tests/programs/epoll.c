// epoll: epoll_create1/epoll_ctl/epoll_wait/epoll_pwait on a pipe and an
// eventfd; prints the events and their data.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void wait_show(int ep, int timeout, const char *what)
{
	struct epoll_event ev[8];
	memset(ev, 0, sizeof ev);
	int n = epoll_wait(ep, ev, 8, timeout);
	printf("%s: epoll_wait -> %d", what, n);
	for (int i = 0; i < n; i++)
		printf(" [data %llx events %x]", (unsigned long long)ev[i].data.u64, ev[i].events);
	printf("\n");
}

int main(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	CK(ep);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	CK(efd);
	int p[2];
	CK(pipe2(p, O_NONBLOCK));
	printf("epoll %d eventfd %d pipe %d %d\n", ep, efd, p[0], p[1]);
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = 0xe7e7e7e700000001ULL };
	CK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &e));
	e = (struct epoll_event){ .events = EPOLLIN | EPOLLRDHUP, .data.u64 = 0x9199e00000000002ULL };
	CK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e));
	errno = 0;
	int r = epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &e);
	printf("add twice -> %d errno %d\n", r, errno);

	wait_show(ep, 0, "nothing ready");
	uint64_t v = 5;
	CK(write(efd, &v, sizeof v));
	wait_show(ep, 1000, "eventfd written");
	CK(write(p[1], "xyz", 3));
	wait_show(ep, 1000, "both ready");
	v = 0;
	CK(read(efd, &v, sizeof v));
	printf("eventfd value %llu\n", (unsigned long long)v);
	errno = 0;
	ssize_t n = read(efd, &v, sizeof v);
	printf("eventfd read empty -> %zd errno %d\n", n, errno);

	e = (struct epoll_event){ .events = EPOLLOUT | EPOLLET, .data.u64 = 3 };
	CK(epoll_ctl(ep, EPOLL_CTL_MOD, efd, &e));
	sigset_t mask;
	sigemptyset(&mask);
	struct epoll_event ev[4];
	r = epoll_pwait(ep, ev, 4, 1000, &mask);
	printf("epoll_pwait after MOD -> %d\n", r);
	for (int i = 0; i < r; i++)
		printf("  data %llx events %x\n", (unsigned long long)ev[i].data.u64, ev[i].events);
	CK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	char buf[8];
	CK(read(p[0], buf, sizeof buf));
	close(p[1]);
	wait_show(ep, 1000, "pipe writer closed");
	CK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
	wait_show(ep, 10, "empty set, timeout 10ms");
	close(p[0]); close(efd); close(ep);
	return 0;
}
