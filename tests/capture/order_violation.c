// order_violation.c - an order violation: main starts a worker, says so,
// then publishes the configuration the worker uses; the worker says hello
// and uses it. If the worker runs first, it finds no configuration and
// aborts (SIGABRT, status 134). Natively the thread's start is slow enough
// that it rarely happens.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct config {
	int verbose;
	char name[16];
};
static struct config *volatile config;

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(2);
}

static void *worker(void *arg)
{
	(void)arg;
	say("worker: started\n");
	struct config *c = config;
	if (!c) {
		say("worker: no configuration yet\n");
		abort();
	}
	say(c->verbose ? "worker: verbose\n" : "worker: quiet\n");
	return NULL;
}

int main(void)
{
	pthread_t t;
	if (pthread_create(&t, NULL, worker, NULL))
		return 2;
	say("main: worker started\n");
	static struct config c = {1, "demo"};
	config = &c;
	pthread_join(t, NULL);
	say("main: done\n");
	return 0;
}
