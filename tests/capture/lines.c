// lines.c - N threads (main included) each write M lines to stdout with
// write(2), then the last one to finish ends the process (the others wait
// in pause). Every syscall after the threads start is a write to stdout,
// which keeps rec's virtual core until it returns: the order of the lines
// is exactly the order of rec's scheduling decisions at syscall returns.
//   lines [N [M]]   (default 4 threads, 20 lines)
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int nthreads = 4, nlines = 20;
static atomic_int finished;

static void *worker(void *arg)
{
	long id = (long)arg;
	char buf[32];
	for (int i = 0; i < nlines; i++) {
		int n = snprintf(buf, sizeof buf, "t%ld %d\n", id, i);
		if (write(1, buf, (size_t)n) != n)
			_exit(2);
	}
	if (atomic_fetch_add(&finished, 1) == nthreads - 1)
		_exit(0);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		nlines = atoi(argv[2]);
	if (nthreads < 1 || nthreads > 64 || nlines < 0)
		return 2;
	for (long i = 1; i < nthreads; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, (void *)i))
			return 2;
	}
	worker((void *)0L);
	return 0;
}
