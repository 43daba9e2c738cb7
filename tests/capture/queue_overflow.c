// queue_overflow.c - a bounded queue without backpressure: the producer
// checks for room only by assertion. It fails (abort, status 134) only if
// the consumer does not run while the producer makes CAP pushes in a row;
// a fair scheduler that switches at every syscall never lets that happen,
// a thread starved for a while does. Each push and each pop logs through a
// syscall (getppid stands for it).
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CAP 6
#define ITEMS 40
static atomic_int count, done, consumer_up;

static void *consumer(void *arg)
{
	(void)arg;
	atomic_store(&consumer_up, 1);
	while (!atomic_load(&done) || atomic_load(&count) > 0) {
		if (atomic_load(&count) > 0)
			atomic_fetch_sub(&count, 1);
		if (getppid() < 0)
			_exit(2);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, consumer, NULL);
	while (!atomic_load(&consumer_up))
		if (getppid() < 0)
			return 2;
	for (int i = 0; i < ITEMS; i++) {
		if (atomic_fetch_add(&count, 1) >= CAP) {
			static const char m[] = "queue overflow\n";
			if (write(1, m, sizeof m - 1) < 0)
				return 2;
			abort();
		}
		if (getppid() < 0)
			return 2;
	}
	atomic_store(&done, 1);
	pthread_join(t, NULL);
	printf("%d items passed\n", ITEMS);
	return 0;
}
