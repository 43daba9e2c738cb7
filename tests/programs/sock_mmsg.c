// sock_mmsg: sendmmsg/recvmmsg on a UDP loopback pair.
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	int a = socket(AF_INET, SOCK_DGRAM, 0), b = socket(AF_INET, SOCK_DGRAM, 0);
	CK(a); CK(b);
	struct sockaddr_in ab = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CK(bind(b, (struct sockaddr *)&ab, sizeof ab));
	socklen_t len = sizeof ab;
	CK(getsockname(b, (struct sockaddr *)&ab, &len));
	CK(connect(a, (struct sockaddr *)&ab, sizeof ab));
	const char *msgs[3] = { "first", "second message", "3" };
	struct iovec iov[3];
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof mm);
	for (int i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ (void *)msgs[i], strlen(msgs[i]) };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int r = sendmmsg(a, mm, 3, 0);
	printf("sendmmsg -> %d lens %u %u %u\n", r, mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
	char bufs[4][32];
	struct iovec riov[4];
	struct mmsghdr rm[4];
	struct sockaddr_in from[4];
	memset(rm, 0, sizeof rm);
	memset(bufs, 0, sizeof bufs);
	for (int i = 0; i < 4; i++) {
		riov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
		rm[i].msg_hdr.msg_iov = &riov[i];
		rm[i].msg_hdr.msg_iovlen = 1;
		rm[i].msg_hdr.msg_name = &from[i];
		rm[i].msg_hdr.msg_namelen = sizeof from[i];
	}
	struct timespec to = { 1, 0 };
	r = recvmmsg(b, rm, 4, MSG_WAITFORONE, &to);
	printf("recvmmsg -> %d\n", r);
	for (int i = 0; i < r; i++)
		printf("  [%d] len %u '%s' from port %u\n", i, rm[i].msg_len, bufs[i], ntohs(from[i].sin_port));
	close(a); close(b);
	return 0;
}
