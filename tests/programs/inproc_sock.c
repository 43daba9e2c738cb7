/* inproc_sock: the socket and epoll calls in-process recording buffers
 * (docs/inprocess.md, section 15), as a Go net/http server makes them, in
 * C: a non-blocking TCP listener on 127.0.0.1 watched by epoll; accept4
 * on it first finds nothing (EAGAIN), then, ROUNDS times, a non-blocking
 * client connects (EINPROGRESS or at once), the listener's readiness is
 * awaited with epoll_wait (timeout 0, then -1) and epoll_pwait (no mask,
 * and a mask), the connection is accepted with its peer address, both
 * ends exchange a message and are closed. Along the way: setsockopt and
 * getsockopt (SO_ERROR, SO_TYPE, TCP_NODELAY, and an option length shorter
 * than the value), getsockname and getpeername (a full buffer, and one
 * shorter than the address: the length says the full size, the bytes past
 * the buffer keep their canary), bad length pointers (EFAULT). It prints
 * what a user sees, the same in every run (no port numbers), and a
 * checksum of the addresses and lengths returned that does not depend on
 * the port either. Exits 1 if a check fails.
 * Usage: inproc_sock [ROUNDS] */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CK(x)                                                                                                          \
	do {                                                                                                           \
		long r_ = (long)(x);                                                                                   \
		if (r_ < 0) {                                                                                          \
			printf("FAIL %s: %s\n", #x, strerror(errno));                                                  \
			exit(1);                                                                                       \
		}                                                                                                      \
	} while (0)

static int fails;

static void check(int ok, const char *what, long round)
{
	if (!ok) {
		printf("FAIL round %ld: %s\n", round, what);
		fails++;
	}
}

/* Waits until fd (in epoll set ep) reports events; returns them. How:
 * 0, a non-blocking look then a blocking epoll_wait; 1, epoll_pwait with
 * no mask; 2, epoll_pwait with a mask. */
static uint32_t wait_for(int ep, int fd, int how, const sigset_t *mask)
{
	struct epoll_event ev[4];
	for (;;) {
		int n = how ? epoll_pwait(ep, ev, 4, -1, how == 2 ? mask : NULL) : epoll_wait(ep, ev, 4, 0);
		CK(n);
		if (!n)
			n = epoll_wait(ep, ev, 4, -1);
		CK(n);
		for (int i = 0; i < n; i++)
			if (ev[i].data.fd == fd)
				return ev[i].events;
	}
}

static struct sockaddr_in la = {.sin_family = AF_INET};

/* A client that connects after 20 ms, while main waits in epoll_wait. */
static void *late_client(void *arg)
{
	int fd;
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
	CK(fd = socket(AF_INET, SOCK_STREAM, 0));
	CK(connect(fd, (struct sockaddr *)&la, sizeof la));
	*(int *)arg = fd;
	return NULL;
}

int main(int argc, char **argv)
{
	long rounds = argc > 1 ? atol(argv[1]) : 100;
	uint64_t sum = 0;
	int one = 1, ep, lfd;
	la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	socklen_t len = sizeof la;
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);

	CK(lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	CK(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	CK(bind(lfd, (struct sockaddr *)&la, sizeof la));
	CK(listen(lfd, 16));
	CK(getsockname(lfd, (struct sockaddr *)&la, &len));
	printf("listener: family %s, length %u\n", la.sin_family == AF_INET ? "AF_INET" : "other", (unsigned)len);
	CK(ep = epoll_create1(EPOLL_CLOEXEC));
	struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
	CK(epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev));

	struct sockaddr_in peer;
	socklen_t plen = sizeof peer;
	int r = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK);
	printf("accept4 before a client: %d (%s)\n", r, r < 0 && errno == EAGAIN ? "EAGAIN" : "unexpected");
	struct epoll_event ev[4];
	printf("epoll_wait before a client: %d\n", epoll_wait(ep, ev, 4, 0));
	printf("epoll_wait for 10 ms before a client: %d\n", epoll_wait(ep, ev, 4, 10));
	/* blocks (nothing ready) until another thread connects */
	pthread_t th;
	int late = -1;
	CK(-pthread_create(&th, NULL, late_client, &late));
	r = epoll_wait(ep, ev, 4, -1);
	printf("epoll_wait until a thread connects: %d, %s\n", r, r == 1 && ev[0].data.fd == lfd ? "the listener" : "unexpected");
	CK(-pthread_join(th, NULL));
	plen = sizeof peer;
	int afd0 = accept4(lfd, (struct sockaddr *)&peer, &plen, 0);
	printf("accept4: %s, length %u\n", afd0 >= 0 ? "a connection" : strerror(errno), (unsigned)plen);
	close(afd0);
	close(late);
	r = getsockname(lfd, (struct sockaddr *)&peer, (socklen_t *)8);
	printf("getsockname, bad length pointer: %d (%s)\n", r, r < 0 && errno == EFAULT ? "EFAULT" : "unexpected");
	int v;
	r = getsockopt(lfd, SOL_SOCKET, SO_TYPE, &v, (socklen_t *)8);
	printf("getsockopt, bad length pointer: %d (%s)\n", r, r < 0 && errno == EFAULT ? "EFAULT" : "unexpected");

	for (long i = 0; i < rounds; i++) {
		int cfd, afd;
		CK(cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
		CK(setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
		r = connect(cfd, (struct sockaddr *)&la, sizeof la);
		check(r == 0 || errno == EINPROGRESS, "connect: neither 0 nor EINPROGRESS", i);
		struct epoll_event cev = {.events = EPOLLOUT, .data.fd = cfd};
		CK(epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev));
		check(wait_for(ep, lfd, (int)(i % 3), &mask) & EPOLLIN, "listener not readable", i);
		check(wait_for(ep, cfd, 0, NULL) & EPOLLOUT, "client not writable", i);
		int err = -1;
		socklen_t elen = sizeof err;
		CK(getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &elen));
		check(err == 0 && elen == sizeof err, "SO_ERROR", i);
		CK(epoll_ctl(ep, EPOLL_CTL_DEL, cfd, NULL));

		/* the peer address into a buffer larger than it */
		struct sockaddr_storage ss;
		memset(&ss, 0xee, sizeof ss);
		plen = sizeof ss;
		CK(afd = accept4(lfd, (struct sockaddr *)&ss, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC));
		check(plen == sizeof(struct sockaddr_in) && ss.ss_family == AF_INET, "accept4's address", i);
		check(((unsigned char *)&ss)[plen] == 0xee, "accept4 wrote past the address", i);
		struct sockaddr_in me, them;
		socklen_t mlen = sizeof me, tlen = sizeof them;
		CK(getsockname(cfd, (struct sockaddr *)&me, &mlen));
		CK(getpeername(afd, (struct sockaddr *)&them, &tlen));
		check(me.sin_port == them.sin_port && me.sin_port == ((struct sockaddr_in *)&ss)->sin_port,
		      "the client's port differs at both ends", i);
		/* a buffer shorter than the address: 8 of its 16 bytes, the
		 * length says 16, the rest keeps its canary */
		unsigned char small[16];
		memset(small, 0xcc, sizeof small);
		socklen_t slen = 8;
		CK(getpeername(cfd, (struct sockaddr *)small, &slen));
		check(slen == sizeof(struct sockaddr_in), "short getpeername's length", i);
		check(small[8] == 0xcc && small[15] == 0xcc, "short getpeername wrote past its buffer", i);
		check(memcmp(small, &la, 8) == 0, "short getpeername's bytes", i);
		/* an option length shorter than the option */
		int nd = 0x55555555;
		socklen_t ndlen = 1;
		CK(getsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &nd, &ndlen));
		check(ndlen == 1 && (nd & 0xff) == 1 && (nd >> 8) == 0x555555, "short getsockopt", i);

		char buf[32];
		int n = snprintf(buf, sizeof buf, "hello %ld", i);
		CK(write(cfd, buf, (size_t)n));
		struct epoll_event aev = {.events = EPOLLIN, .data.fd = afd};
		CK(epoll_ctl(ep, EPOLL_CTL_ADD, afd, &aev));
		check(wait_for(ep, afd, 1, NULL) & EPOLLIN, "accepted socket not readable", i);
		char got[32] = {0};
		check(read(afd, got, sizeof got) == n && memcmp(got, buf, (size_t)n) == 0, "the message", i);
		r = (int)read(afd, got, sizeof got);
		check(r < 0 && errno == EAGAIN, "a second read did not find EAGAIN", i);
		CK(epoll_ctl(ep, EPOLL_CTL_DEL, afd, NULL));

		sum = sum * 31 + plen + mlen + tlen + slen + ndlen + (uint64_t)(me.sin_port == them.sin_port);
		sum = sum * 31 + (uint64_t)ss.ss_family + them.sin_addr.s_addr + small[0] + (uint64_t)nd;
		close(afd);
		close(cfd);
	}
	printf("%ld rounds: %d failed checks, checksum %llx\n", rounds, fails, (unsigned long long)sum);
	return fails ? 1 : 0;
}
