/* threads_sync: mutexes, condition variables, a barrier, semaphores and
 * futex waits across 4 threads; the interleaving is printed. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static sem_t sem;
static int turn, order[64], norder;

static void *work(void *arg)
{
	long id = (long)arg;
	pthread_barrier_wait(&bar);
	for (int round = 0; round < 4; round++) {
		pthread_mutex_lock(&m);
		while (turn % 4 != id)
			pthread_cond_wait(&cv, &m);
		order[norder++] = (int)id;
		turn++;
		pthread_cond_broadcast(&cv);
		pthread_mutex_unlock(&m);
	}
	sem_post(&sem);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	pthread_barrier_init(&bar, NULL, 4);
	sem_init(&sem, 0, 0);
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, work, (void *)i);
	for (int i = 0; i < 4; i++)
		sem_wait(&sem);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < norder; i++)
		printf("%d", order[i]);
	printf("\nturns %d\n", turn);
	return 0;
}
