// san_threads.c - a threaded program with one bug for each sanitizer,
// built three times (tests/sanitize/README): four threads count under a
// mutex; before taking it, each first bumps `racy` with no lock (a data
// race whatever the schedule: no lock orders two threads' first steps),
// and the first also overflows a signed int; main leaks a block. The
// AddressSanitizer build reports the leak (LeakSanitizer, exit 1), the
// UndefinedBehaviorSanitizer build the overflow (exit 0), the
// ThreadSanitizer build the race (exit 66). stdout is the same in all.
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int counter;
static int racy;
static volatile int big = INT_MAX;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* A block nothing points to once this returns (noinline: no register or
 * stack slot of main's keeps its address). */
__attribute__((noinline)) static void lose_block(int v)
{
	char *volatile p = malloc(64);
	p[0] = (char)v;
	p = NULL;
}

static void *work(void *arg)
{
	racy++;
	if (arg)
		big = big + 1; /* signed overflow: UBSan's report */
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mu);
		counter++;
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, work, i == 0 ? &t[0] : NULL))
			return 2;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	lose_block(counter); /* LeakSanitizer's report */
	printf("counter %d\n", counter);
	fflush(stdout); /* LeakSanitizer ends the process without flushing */
	return counter == 4000 ? 0 : 1;
}
