// sock_udp: UDP on 127.0.0.1: sendto/recvfrom with source addresses,
// connected UDP send/recv, MSG_DONTWAIT on an empty socket.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int bound(struct sockaddr_in *a)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	CK(s);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CK(bind(s, (struct sockaddr *)a, sizeof *a));
	socklen_t len = sizeof *a;
	CK(getsockname(s, (struct sockaddr *)a, &len));
	return s;
}

int main(void)
{
	struct sockaddr_in aa, ab, from;
	int a = bound(&aa), b = bound(&ab);
	printf("a port %u b port %u\n", ntohs(aa.sin_port), ntohs(ab.sin_port));
	ssize_t n = sendto(a, "udp hello", 9, 0, (struct sockaddr *)&ab, sizeof ab);
	printf("sendto -> %zd\n", n);
	struct pollfd pf = { b, POLLIN, 0 };
	printf("poll -> %d\n", poll(&pf, 1, 5000));
	char buf[64];
	socklen_t len = sizeof from;
	memset(&from, 0, sizeof from);
	n = recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
	printf("recvfrom -> %zd '%.*s' from port %u (is a: %d) len %u\n", n, (int)(n > 0 ? n : 0), buf,
	       ntohs(from.sin_port), from.sin_port == aa.sin_port, len);

	CK(connect(b, (struct sockaddr *)&aa, sizeof aa));
	n = send(b, "back", 4, 0);
	printf("send connected -> %zd\n", n);
	pf.fd = a;
	printf("poll -> %d\n", poll(&pf, 1, 5000));
	n = recv(a, buf, sizeof buf, 0);
	printf("recv -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
	errno = 0;
	n = recvfrom(a, buf, sizeof buf, MSG_DONTWAIT, NULL, NULL);
	printf("recvfrom empty -> %zd errno %d\n", n, errno);
	len = sizeof from;
	CK(getpeername(b, (struct sockaddr *)&from, &len));
	printf("peer of b port %u\n", ntohs(from.sin_port));
	errno = 0;
	len = sizeof from;
	int r = getpeername(a, (struct sockaddr *)&from, &len);
	printf("getpeername unconnected -> %d errno %d\n", r, errno);
	close(a); close(b);
	return 0;
}
