// reverse_target: what bench/gdb_reverse.sh reverse-executes: it computes
// for about SECONDS seconds (argument, default 10), making a syscall every
// millisecond or so and writing `marker` every 1000 rounds; finish() marks
// its end; never_called() is not called (with a second argument, once at
// the start).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

volatile long marker;
volatile double sink;

__attribute__((noinline)) void finish(long rounds)
{
	printf("rounds %ld marker %ld\n", rounds, marker);
}

__attribute__((noinline)) void never_called(void)
{
	printf("called\n");
}

int main(int argc, char **argv)
{
	if (argc > 2)
		never_called();
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long rounds = 0;
	do {
		double x = 0;
		for (int i = 0; i < 200000; i++)
			x += i * 0.5;
		sink = x;
		if (++rounds % 1000 == 0)
			marker = rounds;
		getppid();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	finish(rounds);
	return 0;
}
