// end_abort_join: a worker calls abort() while main waits in pthread_join
// and another thread blocks in read of a pipe; expected status 134 (SIGABRT).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int bp[2], rp[2];

static void *in_read(void *a)
{
	char c;
	(void)a;
	if (write(rp[1], "r", 1) != 1)
		_exit(98);
	if (read(bp[0], &c, 1) >= 0)
		_exit(97);
	_exit(96);
}

static void *aborter(void *a)
{
	char c;
	(void)a;
	if (read(rp[0], &c, 1) != 1)
		_exit(95);
	usleep(2000);
	printf("worker calls abort\n");
	fflush(stdout);
	abort();
}

int main(void)
{
	pthread_t r, w;
	if (pipe(bp) || pipe(rp))
		return 1;
	printf("main joins the worker\n");
	fflush(stdout);
	if (pthread_create(&r, NULL, in_read, NULL) || pthread_create(&w, NULL, aborter, NULL))
		return 1;
	pthread_join(w, NULL);
	printf("not reached\n");
	return 0;
}
