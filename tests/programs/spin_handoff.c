/* spin_handoff: a thread spins on a flag, with no syscall in the loop,
 * until another thread (which first sleeps) sets it: the spinner must be
 * preempted for the setter to run at all on one virtual core. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int flag, ack;

static void *setter(void *arg)
{
	usleep(2000);
	atomic_store(&flag, 1);
	while (!atomic_load(&ack))
		;
	return arg;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, setter, NULL);
	while (!atomic_load(&flag))
		;
	atomic_store(&ack, 1);
	pthread_join(t, NULL);
	printf("handoff done: flag %d ack %d\n", atomic_load(&flag), atomic_load(&ack));
	return 0;
}
