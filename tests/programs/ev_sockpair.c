/* ev_sockpair: producer/consumer threads over socketpairs: a SOCK_STREAM
 * pair carrying 200 fixed-size records written in bursts with a small send
 * buffer (so the producer blocks), reassembled by the consumer from
 * whatever chunks read returns; a SOCK_SEQPACKET pair keeping message
 * boundaries, with replies flowing back; shutdown ends both. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

#define NREC 200
#define RECSZ 64
static int sv[2], sq[2];

static void *producer(void *arg)
{
	char burst[RECSZ * 8];
	for (int i = 0; i < NREC; i += 8) {
		for (int j = 0; j < 8; j++) {
			char *r = burst + j * RECSZ;
			memset(r, '.', RECSZ);
			int n = snprintf(r, RECSZ, "record %03d payload %08x", i + j, (unsigned)((i + j) * 2654435761u));
			r[n] = '.';
		}
		size_t off = 0;
		while (off < sizeof burst) {
			ssize_t w = write(sv[0], burst + off, sizeof burst - off);
			CK(w);
			off += (size_t)w;
		}
	}
	CK(shutdown(sv[0], SHUT_WR));
	return arg;
}

static void *seq_server(void *arg)
{
	char m[128];
	for (;;) {
		ssize_t n = recv(sq[1], m, sizeof m, 0);
		CK(n);
		if (n == 0)
			return arg;
		char reply[160];
		int rn = snprintf(reply, sizeof reply, "ack(%zd):%.*s", n, (int)n, m);
		CK(send(sq[1], reply, (size_t)rn, 0));
	}
}

int main(void)
{
	CK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	int small = 4096;
	CK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
	CK(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small));
	pthread_t p;
	CK(-pthread_create(&p, NULL, producer, NULL));
	char rec[RECSZ];
	size_t have = 0;
	int nrec = 0, bad = 0, reads = 0;
	uint32_t sum = 0;
	for (;;) {
		char chunk[300];
		ssize_t n = read(sv[1], chunk, sizeof chunk);
		CK(n);
		if (n == 0)
			break;
		reads++;
		for (ssize_t i = 0; i < n; i++) {
			rec[have++] = chunk[i];
			if (have == RECSZ) {
				int idx = -1;
				unsigned v = 0;
				if (sscanf(rec, "record %d payload %x", &idx, &v) != 2 || idx != nrec ||
				    v != (unsigned)(idx * 2654435761u))
					bad++;
				sum = sum * 31 + v;
				nrec++;
				have = 0;
			}
		}
	}
	pthread_join(p, NULL);
	printf("stream: %d records, %d bad, %zu leftover bytes, checksum %08x (%d reads)\n", nrec, bad, have,
	       sum, reads);

	CK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sq));
	CK(-pthread_create(&p, NULL, seq_server, NULL));
	const char *msgs[] = { "one", "two two", "three", "four four four four" };
	for (int i = 0; i < 4; i++) {
		CK(send(sq[0], msgs[i], strlen(msgs[i]), 0));
		char r[200];
		ssize_t n = recv(sq[0], r, sizeof r, 0);
		CK(n);
		printf("seqpacket reply %d: %.*s\n", i, (int)n, r);
	}
	/* two messages in a row stay two messages */
	CK(send(sq[0], "abc", 3, 0));
	CK(send(sq[0], "defgh", 5, 0));
	for (int i = 0; i < 2; i++) {
		char r[200];
		ssize_t n = recv(sq[0], r, sizeof r, 0);
		CK(n);
		printf("seqpacket burst reply %d: %.*s\n", i, (int)n, r);
	}
	CK(shutdown(sq[0], SHUT_WR));
	pthread_join(p, NULL);
	char r[8];
	errno = 0;
	ssize_t n = recv(sq[0], r, sizeof r, MSG_DONTWAIT);
	printf("seqpacket, server gone, peer open: recv %zd %s\n", n, errno == EAGAIN ? "EAGAIN" : "");
	close(sq[1]);
	printf("seqpacket, peer closed: recv %zd\n", recv(sq[0], r, sizeof r, MSG_DONTWAIT));
	close(sq[0]);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
