/* cond_pingpong: two threads take turns through a mutex and a condition
 * variable; pthread_join waits on the threads' CLONE_CHILD_CLEARTID word. */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn;

static void *work(void *arg)
{
	long id = (long)arg;
	for (int r = 0; r < 20; r++) {
		pthread_mutex_lock(&m);
		while (turn % 2 != id)
			pthread_cond_wait(&cv, &m);
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&m);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("turns %d\n", turn);
	return 0;
}
