// hang.c - a program that never ends by itself, for rec's --timeout and
// for stopping rec from outside (SIGTERM, SIGINT) while it hangs.
//   hang MODE
//   mutex     two threads lock two mutexes in opposite order (deadlock);
//             main joins them
//   read      two threads block in read on a pipe nobody writes; main joins
//   sleep     two threads in nanosleep (an hour); main joins
//   spin      two threads each wait, spinning, for a flag the other sets
//             only after it got its own (livelock without syscalls)
//   mixed     one thread of each of the above kinds at once
// Each thread prints "waiting: KIND" (write(2), unbuffered) before it hangs,
// and main prints "ready" once all have.
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t locks[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_barrier_t both;
static int pipefd[2];
static atomic_int flags[2], started;

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		exit(2);
}

static void *crosslock(void *arg)
{
	long i = (long)arg;
	pthread_mutex_lock(&locks[i]);
	say("waiting: mutex\n");
	atomic_fetch_add(&started, 1);
	pthread_barrier_wait(&both);
	pthread_mutex_lock(&locks[1 - i]);
	say("no deadlock\n");
	return NULL;
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	say("waiting: read\n");
	atomic_fetch_add(&started, 1);
	if (read(pipefd[0], &c, 1) >= 0)
		say("read returned\n");
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec ts = {3600, 0};
	(void)arg;
	say("waiting: sleep\n");
	atomic_fetch_add(&started, 1);
	nanosleep(&ts, NULL);
	return NULL;
}

static void *spinner(void *arg)
{
	long i = (long)arg;
	say("waiting: spin\n");
	atomic_fetch_add(&started, 1);
	/* each sets its flag only once the other's is set: neither ever is */
	while (!atomic_load_explicit(&flags[1 - i], memory_order_relaxed))
		;
	atomic_store(&flags[i], 1);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "mutex";
	void *(*fn[2])(void *) = {NULL, NULL};
	int n = 2;
	pthread_t t[4];
	if (pipe(pipefd))
		return 2;
	pthread_barrier_init(&both, NULL, 2);
	if (!strcmp(mode, "mutex"))
		fn[0] = fn[1] = crosslock;
	else if (!strcmp(mode, "read"))
		fn[0] = fn[1] = reader;
	else if (!strcmp(mode, "sleep"))
		fn[0] = fn[1] = sleeper;
	else if (!strcmp(mode, "spin"))
		fn[0] = fn[1] = spinner;
	else if (strcmp(mode, "mixed")) {
		fprintf(stderr, "usage: hang mutex|read|sleep|spin|mixed\n");
		return 2;
	}
	if (!strcmp(mode, "mixed")) {
		void *(*all[4])(void *) = {crosslock, reader, sleeper, spinner};
		pthread_create(&t[0], NULL, crosslock, (void *)0L);
		pthread_create(&t[1], NULL, crosslock, (void *)1L);
		pthread_create(&t[2], NULL, all[1], NULL);
		pthread_create(&t[3], NULL, all[2], NULL);
		n = 4;
		while (atomic_load(&started) < n)
			usleep(1000);
		say("ready\n");
		/* main spins too: waits for a flag no one sets */
		spinner((void *)0L);
	} else {
		for (long i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, fn[i], (void *)i);
		while (atomic_load(&started) < n)
			usleep(1000);
		say("ready\n");
	}
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	return 1;
}
