/* conn_pool.c - a connection pool whose get() is a check-then-act without a lock.
 *
 * A key-value server thread answers on NCONN unix-socket connections
 * (socketpairs). The load generator is NWORKERS client workers: each takes a
 * connection from the pool, sends "GET key", reads the length-prefixed reply
 * "key=value", checks it and puts the connection back.
 *
 * BUG: pool_get() tests c->busy, then checks the connection's health with
 * poll() (a syscall), and only then sets c->busy. Two workers that both pass
 * the test before either sets the flag share one connection: both requests
 * reach the server, and the two workers' reads of the replies interleave.
 * One reads the other's body as a length header; read_reply() returns NULL
 * for the impossible length, and the caller, sure that the server frames its
 * replies, dereferences it: SIGSEGV. (When each reads a whole reply, it may
 * be the other's: the key check aborts with a message.)
 * The window: from the busy test to the store in pool_get(), across poll()
 * and the plain loads around it.
 * Without the race it prints the same two lines every run and exits 0.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NCONN 2
#define NWORKERS 2
#define NREQ 8     /* requests per worker */
#define THINK 30000 /* a worker's work between two requests (loop turns) */

struct conn {
	int fd;            /* the client end */
	volatile int busy; /* taken by a worker */
};

static struct conn pool[NCONN];
static int server_fd[NCONN];

/* Reads exactly n bytes; -1 on EOF or error. */
static int read_full(int fd, void *buf, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

/* A connection is usable unless the server hung up on it. */
static int conn_healthy(struct conn *c)
{
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	return poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR));
}

static struct conn *pool_get(void)
{
	for (;;) {
		for (int i = 0; i < NCONN; i++) {
			struct conn *c = &pool[i];
			if (c->busy)
				continue;
			if (!conn_healthy(c))
				continue;
			c->busy = 1; /* BUG: another worker may have passed the test too */
			return c;
		}
		sched_yield();
	}
}

static void pool_put(struct conn *c) { c->busy = 0; }

static long value_of(const char *key)
{
	long h = 7;
	for (; *key; key++)
		h = (h * 31 + *key) % 100003;
	return h;
}

/* The server: one request "len GET key" in, one reply "len key=value" out,
 * header and body in two writes. Ends when every client end is closed. */
static void *server(void *arg)
{
	struct pollfd p[NCONN];
	int open = NCONN;
	for (int i = 0; i < NCONN; i++)
		p[i] = (struct pollfd){ .fd = server_fd[i], .events = POLLIN };
	while (open > 0 && poll(p, NCONN, -1) > 0) {
		for (int i = 0; i < NCONN; i++) {
			uint32_t len;
			char req[64], body[64];
			if (!(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			if (read_full(p[i].fd, &len, 4) < 0 || len >= sizeof req || read_full(p[i].fd, req, len) < 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open--;
				continue;
			}
			req[len] = 0;
			len = snprintf(body, sizeof body, "%s=%ld", req + 4, value_of(req + 4));
			if (write(p[i].fd, &len, 4) != 4 || write(p[i].fd, body, len) != (ssize_t)len)
				abort();
		}
	}
	return arg;
}

struct reply {
	char key[32];
	long value;
};

/* Reads one reply; NULL on a framing error. */
static struct reply *read_reply(int fd, struct reply *out)
{
	uint32_t len;
	char body[64];
	if (read_full(fd, &len, 4) < 0 || len >= sizeof body || read_full(fd, body, len) < 0)
		return NULL;
	body[len] = 0;
	char *eq = strchr(body, '=');
	if (!eq || eq - body >= (long)sizeof out->key)
		return NULL;
	memcpy(out->key, body, eq - body);
	out->key[eq - body] = 0;
	out->value = atol(eq + 1);
	return out;
}

static void *worker(void *arg)
{
	int id = (int)(intptr_t)arg;
	long sum = 0;
	volatile long think = 0;
	/* the workers start staggered, as after a real service's warm-up
	 * (started together, they collide on their first request natively
	 * half the time) */
	for (int i = 0; i < THINK * id * 5; i++)
		think += i;
	for (int n = 0; n < NREQ; n++) {
		char req[64], key[32];
		struct reply buf;
		snprintf(key, sizeof key, "user%d:%d", id, n);
		uint32_t len = snprintf(req + 4, sizeof req - 4, "GET %s", key);
		memcpy(req, &len, 4);
		struct conn *c = pool_get();
		if (write(c->fd, req, 4 + len) != (ssize_t)(4 + len))
			abort();
		struct reply *r = read_reply(c->fd, &buf);
		if (strcmp(r->key, key) != 0) { /* r is NULL after a framing error */
			fprintf(stderr, "worker %d: asked for %s, got the reply for %s\n", id, key, r->key);
			abort();
		}
		pool_put(c);
		sum += r->value;
		for (int i = 0; i < THINK; i++)
			think += i;
	}
	return (void *)sum;
}

int main(void)
{
	pthread_t srv, w[NWORKERS];
	for (int i = 0; i < NCONN; i++) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
			perror("socketpair");
			return 1;
		}
		pool[i].fd = sv[0];
		server_fd[i] = sv[1];
	}
	pthread_create(&srv, NULL, server, NULL);
	for (int i = 0; i < NWORKERS; i++)
		pthread_create(&w[i], NULL, worker, (void *)(intptr_t)i);
	long total = 0;
	for (int i = 0; i < NWORKERS; i++) {
		void *sum;
		pthread_join(w[i], &sum);
		total += (long)sum;
	}
	for (int i = 0; i < NCONN; i++)
		close(pool[i].fd);
	pthread_join(srv, NULL);
	printf("conn_pool: %d requests served over %d connections\n", NWORKERS * NREQ, NCONN);
	printf("conn_pool: sum of values %ld\n", total);
	return 0;
}
