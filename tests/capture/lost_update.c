// lost_update.c - a check-then-act race with a syscall in its window: N
// threads each take M tickets by reading a shared counter, logging the
// ticket (getppid stands for the logging call) and storing counter+1. Two
// threads that read the same value hand out one ticket twice: the program
// reports the count and exits 1.
//   lost_update [N [M]]   (default 2 threads, 50 tickets each)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int nthreads = 2, ntickets = 50;
static volatile int counter;

static void *taker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ntickets; i++) {
		int v = counter;
		if (getppid() < 0) /* the "log" call between the read and the write */
			_exit(2);
		counter = v + 1;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	if (argc > 1)
		nthreads = atoi(argv[1]);
	if (argc > 2)
		ntickets = atoi(argv[2]);
	if (nthreads < 1 || nthreads > 64)
		return 2;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, taker, NULL);
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("tickets %d of %d\n", counter, nthreads * ntickets);
	return counter == nthreads * ntickets ? 0 : 1;
}
