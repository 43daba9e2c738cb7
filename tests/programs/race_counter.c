/* race_counter: 4 threads do an unsynchronized counter++ 10^6 times each;
 * the final value is racy natively, and must be the recorded one in replay. */
#include <pthread.h>
#include <stdio.h>

static volatile long counter;

static void *work(void *arg)
{
	for (int i = 0; i < 1000000; i++)
		counter++;
	return arg;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("counter %ld\n", counter);
	return 0;
}
