/* reconnect.c - a reconnect path closes a shared socket fd while another
 * worker has already loaded the old fd number and is about to write() to it.
 *
 * A log collector thread accepts connections on a unix socket (abstract
 * name, per process) and counts the fixed-size records it reads. The load
 * generator is NWORKERS workers sending NREC records each over one shared
 * connection. The collector takes at most ROTATE records per connection, so
 * the worker that sends the last one reconnects: it opens a new connection,
 * makes it the shared one and closes the old one, all under the lock.
 *
 * BUG: send_record() loads the shared fd before it takes the lock (only
 * writes were thought to need it). A worker that loaded the fd, then formats
 * its record and waits for the lock (a futex syscall) while the other
 * rotates the connection, writes to a closed fd: write() fails with EBADF
 * and the service aborts with a message. (If the number was reused meanwhile
 * by the collector's end of the new connection, write() fails with EPIPE:
 * the same abort, or, before the collector shut that end, the record goes
 * back to the client end nobody reads: the collector misses it, and the
 * service exits 1 with "records lost"; if by a newer client connection,
 * the record goes through.)
 * The window: from the load of svc.fd to write(), across the record's
 * formatting and the lock.
 * Without the race it prints the same two lines every run and exits 0.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NWORKERS 2
#define NREC 100   /* records per worker */
#define ROTATE 50  /* records per connection */
#define RECSZ 32   /* bytes per record */
#define FORMAT 200 /* formatting work per record (loop turns) */
#define THINK 4000 /* other work between two records (loop turns) */
#define PAUSE_US 200 /* and a pause (a worker paced by its input) */

static struct {
	pthread_mutex_t lock;
	int fd;   /* the shared connection */
	int sent; /* records sent on it so far, in all */
} svc = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct sockaddr_un addr = { .sun_family = AF_UNIX };
static volatile int workers_done; /* set once the last connection is closed */
static long received;              /* records the collector got */
static socklen_t addrlen;

static int connect_collector(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, addrlen) < 0) {
		perror("reconnect: connect to the collector");
		exit(1);
	}
	return fd;
}

/* Opens a new connection, then retires the old one (never without one). */
static void reconnect(void)
{
	int old = svc.fd;
	svc.fd = connect_collector();
	close(old);
}

static void send_record(int id, int n)
{
	char rec[RECSZ];
	volatile unsigned sum = 0;
	int fd = svc.fd; /* BUG: loaded outside the lock; reconnect() may close it */
	memset(rec, ' ', RECSZ);
	snprintf(rec, RECSZ, "worker %d record %d", id, n);
	for (int i = 0; i < FORMAT; i++) /* a checksum over the record */
		sum += rec[i % RECSZ] * i;
	rec[RECSZ - 1] = '\n';
	pthread_mutex_lock(&svc.lock);
	if (write(fd, rec, RECSZ) != RECSZ) {
		fprintf(stderr, "reconnect: worker %d: write to fd %d: %s\n", id, fd, strerror(errno));
		abort();
	}
	if (++svc.sent % ROTATE == 0)
		reconnect();
	pthread_mutex_unlock(&svc.lock);
}

static void *worker(void *arg)
{
	volatile long think = 0;
	for (int n = 0; n < NREC; n++) {
		send_record((int)(intptr_t)arg, n);
		for (int i = 0; i < THINK; i++)
			think += i;
		usleep(PAUSE_US);
	}
	return NULL;
}

/* The collector: reads each connection to its end, in the order they came,
 * until all records are in, or until the workers are done and no
 * connection is left to accept (records went astray); returns the number
 * of connections. */
static void *collector(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	long conns = 0, bytes = 0;
	char buf[4096];
	while (bytes < (long)NWORKERS * NREC * RECSZ) {
		struct pollfd p = { .fd = lfd, .events = POLLIN };
		int done = workers_done;
		if (poll(&p, 1, 100) == 0) {
			if (done)
				break;
			continue;
		}
		int fd = accept(lfd, NULL, NULL);
		ssize_t r;
		if (fd < 0) {
			perror("reconnect: accept");
			exit(1);
		}
		conns++;
		shutdown(fd, SHUT_WR); /* it never answers: a write to this end fails */
		while ((r = read(fd, buf, sizeof buf)) > 0)
			bytes += r;
		close(fd);
	}
	received = bytes / RECSZ;
	printf("reconnect: collector got %ld records\n", received);
	return (void *)conns;
}

int main(void)
{
	pthread_t col, w[NWORKERS];
	void *conns;
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	/* An abstract name of this process: no file, no clash between runs. */
	snprintf(addr.sun_path + 1, sizeof addr.sun_path - 1, "heisen-reconnect-%d", (int)getpid());
	addrlen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(addr.sun_path + 1);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, addrlen) < 0 || listen(lfd, 8) < 0) {
		perror("reconnect: listen");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN); /* a failed write is reported, not fatal */
	pthread_create(&col, NULL, collector, (void *)(intptr_t)lfd);
	svc.fd = connect_collector();
	for (int i = 0; i < NWORKERS; i++)
		pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i);
	for (int i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);
	close(svc.fd);
	workers_done = 1;
	pthread_join(col, &conns);
	if (received != NWORKERS * NREC) {
		fprintf(stderr, "reconnect: %ld of %d records lost\n", NWORKERS * NREC - received, NWORKERS * NREC);
		return 1;
	}
	printf("reconnect: %d records sent over %ld connections\n", NWORKERS * NREC, (long)conns);
	return 0;
}
