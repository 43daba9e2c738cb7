/* turn_latency.c - how long a computing thread keeps the core once another
 * thread needs it (bench/run.sh runs it under rec). One thread computes
 * without syscalls; another sleeps 1 ms at a time, N times, and measures
 * how late each wake-up is. Under rec the sleeper runs only once the
 * computing thread has left the (virtual) core: the worst lateness is the
 * longest its turn lasted past the sleeper's wake-up, at most its whole
 * timeslice plus the time to stop it. Time is read with rdtsc (rec
 * emulates it without giving the core away, as a clock_gettime syscall
 * would), calibrated against CLOCK_MONOTONIC over 50 ms at the start. Prints the median and the worst
 * lateness in milliseconds. Usage: turn_latency [N] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <x86intrin.h>

static volatile int done;
static volatile uint64_t sink;

static void *compute(void *arg)
{
	uint64_t x = 88172645463325252ull + (uintptr_t)arg;
	while (!done) {
		for (int i = 0; i < 1000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink += x;
	}
	return NULL;
}

static double mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static double tsc_per_ms;

static double now_ms(void)
{
	return (double)__rdtsc() / tsc_per_ms;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200;
	double *late = calloc((size_t)(n > 0 ? n : 1), sizeof *late);
	double m0 = mono_ms();
	uint64_t c0 = __rdtsc();
	struct timespec cal = {0, 50000000};
	nanosleep(&cal, NULL);
	tsc_per_ms = (double)(__rdtsc() - c0) / (mono_ms() - m0);
	pthread_t t;
	pthread_create(&t, NULL, compute, NULL);
	for (int i = 0; i < n; i++) {
		struct timespec d = {0, 1000000};
		double t0 = now_ms();
		nanosleep(&d, NULL);
		late[i] = now_ms() - t0 - 1.0;
	}
	done = 1;
	pthread_join(t, NULL);
	qsort(late, (size_t)n, sizeof *late, cmp);
	printf("wake-up lateness over %d sleeps: median %.2f ms, worst %.2f ms\n", n, n ? late[n / 2] : 0.0,
	       n ? late[n - 1] : 0.0);
	free(late);
	return 0;
}
