// sock_tcp: loopback TCP within one process: socket/bind/listen, a
// nonblocking connect completed with poll, accept4, send/recv/sendto/
// recvfrom, getsockname/getpeername/getsockopt/setsockopt, shutdown.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static void show(const char *what, const struct sockaddr_in *a)
{
	char ip[32];
	inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
	printf("%s %s:%u\n", what, ip, ntohs(a->sin_port));
}

int main(void)
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CK(l);
	int one = 1;
	CK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CK(bind(l, (struct sockaddr *)&a, sizeof a));
	CK(listen(l, 4));
	socklen_t len = sizeof a;
	CK(getsockname(l, (struct sockaddr *)&a, &len));
	show("listening on", &a);

	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CK(c);
	int r = connect(c, (struct sockaddr *)&a, sizeof a);
	printf("connect -> %d errno %s\n", r, r < 0 && errno == EINPROGRESS ? "EINPROGRESS" : r < 0 ? strerror(errno) : "-");
	struct pollfd pf = { l, POLLIN, 0 };
	r = poll(&pf, 1, 5000);
	printf("poll listener -> %d revents %x\n", r, pf.revents);
	struct sockaddr_in peer;
	len = sizeof peer;
	int s = accept4(l, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CK(s);
	printf("accept4 -> fd %d flags %o\n", s, fcntl(s, F_GETFL));
	show("accepted from", &peer);
	pf = (struct pollfd){ c, POLLOUT, 0 };
	r = poll(&pf, 1, 5000);
	printf("poll client -> %d revents %x\n", r, pf.revents);
	int err = -1;
	len = sizeof err;
	CK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	printf("SO_ERROR %d\n", err);

	struct sockaddr_in x;
	len = sizeof x;
	CK(getsockname(c, (struct sockaddr *)&x, &len));
	show("client local", &x);
	len = sizeof x;
	CK(getpeername(c, (struct sockaddr *)&x, &len));
	show("client peer", &x);
	len = sizeof x;
	CK(getpeername(s, (struct sockaddr *)&x, &len));
	show("server peer", &x);

	CK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
	int v = 0;
	len = sizeof v;
	CK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &v, &len));
	printf("TCP_NODELAY %d\n", v);
	len = sizeof v;
	CK(getsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, &len));
	printf("SO_RCVBUF %d\n", v);
	len = sizeof v;
	CK(getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &len));
	printf("SO_ACCEPTCONN %d type ", v);
	len = sizeof v;
	CK(getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &len));
	printf("%d\n", v);

	ssize_t n = sendto(c, "hello over tcp", 14, 0, NULL, 0);
	printf("sendto -> %zd\n", n);
	char buf[64];
	pf = (struct pollfd){ s, POLLIN, 0 };
	CK(poll(&pf, 1, 5000));
	len = sizeof x;
	n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&x, &len);
	printf("recvfrom -> %zd '%.*s' addrlen %u\n", n, (int)(n > 0 ? n : 0), buf, len);
	n = send(s, "reply", 5, MSG_NOSIGNAL);
	printf("send -> %zd\n", n);
	pf = (struct pollfd){ c, POLLIN, 0 };
	CK(poll(&pf, 1, 5000));
	n = recv(c, buf, 2, MSG_PEEK);
	printf("recv peek -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	n = recv(c, buf, sizeof buf, 0);
	printf("recv -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	errno = 0;
	n = recv(c, buf, sizeof buf, MSG_DONTWAIT);
	printf("recv empty -> %zd errno %d\n", n, errno);

	CK(shutdown(c, SHUT_WR));
	pf = (struct pollfd){ s, POLLIN, 0 };
	CK(poll(&pf, 1, 5000));
	n = read(s, buf, sizeof buf);
	printf("read after peer shutdown -> %zd\n", n);
	close(c); close(s); close(l);
	return 0;
}
