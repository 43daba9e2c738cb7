// sock_unix: a socketpair(AF_UNIX) passing a file descriptor (SCM_RIGHTS)
// and credentials (SCM_CREDENTIALS) with sendmsg/recvmsg; SO_PEERCRED;
// a SOCK_DGRAM pair with MSG_PEEK and MSG_TRUNC.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	int sv[2], p[2];
	CK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	printf("socketpair -> %d %d\n", sv[0], sv[1]);
	int one = 1;
	CK(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one));
	CK(pipe(p));

	struct ucred pc;
	socklen_t len = sizeof pc;
	CK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &pc, &len));
	printf("SO_PEERCRED pid %d uid %u gid %u\n", pc.pid, pc.uid, pc.gid);

	char data[] = "fd and creds";
	struct iovec iov = { data, sizeof data };
	union { char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))]; struct cmsghdr align; } u;
	memset(&u, 0, sizeof u);
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &p[1], sizeof(int));
	cm = CMSG_NXTHDR(&mh, cm);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred cr = { getpid(), getuid(), getgid() };
	memcpy(CMSG_DATA(cm), &cr, sizeof cr);
	ssize_t n = sendmsg(sv[0], &mh, 0);
	printf("sendmsg -> %zd\n", n);

	char rbuf[64] = {0};
	union { char buf[256]; struct cmsghdr align; } ru;
	memset(&ru, 0xaa, sizeof ru);
	struct iovec riov = { rbuf, sizeof rbuf };
	struct msghdr rm = { .msg_iov = &riov, .msg_iovlen = 1, .msg_control = ru.buf, .msg_controllen = sizeof ru.buf };
	n = recvmsg(sv[1], &rm, MSG_CMSG_CLOEXEC);
	printf("recvmsg -> %zd '%s' controllen %zu flags %x\n", n, rbuf, (size_t)rm.msg_controllen, rm.msg_flags);
	int passed = -1;
	for (cm = CMSG_FIRSTHDR(&rm); cm; cm = CMSG_NXTHDR(&rm, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			memcpy(&passed, CMSG_DATA(cm), sizeof passed);
			printf("SCM_RIGHTS fd %d\n", passed);
		} else if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred got;
			memcpy(&got, CMSG_DATA(cm), sizeof got);
			printf("SCM_CREDENTIALS pid %d uid %u gid %u (pid matches: %d)\n", got.pid, got.uid,
			       got.gid, got.pid == getpid());
		} else {
			printf("cmsg level %d type %d\n", cm->cmsg_level, cm->cmsg_type);
		}
	}
	if (passed >= 0) {
		CK(write(passed, "through passed fd", 17));
		n = read(p[0], rbuf, sizeof rbuf);
		printf("pipe read -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), rbuf);
		close(passed);
	}

	int dg[2];
	CK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, dg));
	CK(send(dg[0], "datagram-one", 12, 0));
	CK(send(dg[0], "two", 3, 0));
	n = recv(dg[1], rbuf, 4, MSG_PEEK | MSG_TRUNC);
	printf("peek trunc -> %zd '%.4s'\n", n, rbuf);
	memset(rbuf, 0, sizeof rbuf);
	struct iovec iv2 = { rbuf, 5 };
	struct msghdr m2 = { .msg_iov = &iv2, .msg_iovlen = 1 };
	n = recvmsg(dg[1], &m2, 0);
	printf("recvmsg short buffer -> %zd '%s' MSG_TRUNC %d\n", n, rbuf, !!(m2.msg_flags & MSG_TRUNC));
	n = recv(dg[1], rbuf, sizeof rbuf, 0);
	printf("recv -> %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), rbuf);
	close(dg[0]); close(dg[1]); close(sv[0]); close(sv[1]); close(p[0]); close(p[1]);
	return 0;
}
