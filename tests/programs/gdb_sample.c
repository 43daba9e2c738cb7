// gdb_sample: what tests/suite-gdb.sh debugs in replay: a struct, a global
// written by a function, a syscall in a function of its own, two threads
// (named "worker") waiting while main runs on, a global a read() fills; with
// the argument "crash", a write through NULL in crash_here(). Its output is
// deterministic.
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

struct point {
	int x, y;
	const char *name;
};

volatile int counter; /* first written by bump() */
volatile short inbox;  /* written by a read() */
static struct point origin = {3, 4, "origin"};
static pthread_barrier_t started, done;

__attribute__((noinline)) int area(struct point *p, int scale)
{
	volatile int w = p->x * scale;
	volatile int h = p->y * scale;
	int result = w * h;
	return result;
}

__attribute__((noinline)) void bump(int by)
{
	counter = counter + by;
}

__attribute__((noinline)) void say(const char *s)
{
	ssize_t n = write(1, s, strlen(s));
	(void)n;
}

__attribute__((noinline)) void checkpoint(int nthreads)
{
	__asm__ volatile("" ::"r"(nthreads) : "memory");
}

__attribute__((noinline)) void crash_here(int *p)
{
	*(volatile int *)p = 42;
}

static void *worker(void *arg)
{
	prctl(PR_SET_NAME, "worker");
	pthread_barrier_wait(&started);
	pthread_barrier_wait(&done);
	return arg;
}

int main(int argc, char **argv)
{
	char line[64];
	pthread_t th[2];
	int a = area(&origin, 2);
	snprintf(line, sizeof line, "area %d of %s\n", a, origin.name);
	say(line);
	bump(5);
	bump(7);
	int fds[2];
	if (pipe(fds) || write(fds[1], "ok", 2) != 2 || read(fds[0], (void *)&inbox, 2) != 2)
		return 1;
	pthread_barrier_init(&started, NULL, 3);
	pthread_barrier_init(&done, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, worker, NULL);
	pthread_barrier_wait(&started);
	checkpoint(2);
	pthread_barrier_wait(&done);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	if (argc > 1 && !strcmp(argv[1], "crash"))
		crash_here(NULL);
	printf("counter %d\n", counter);
	return 0;
}
