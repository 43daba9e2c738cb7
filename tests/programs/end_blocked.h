/* end_blocked.h - shared by the end_*.c test programs: three threads block
 * in a futex (sem_wait), nanosleep and read of a pipe, main in
 * pthread_join, and a fourth thread, once they are all on their way to
 * blocking, calls the program's end_now() (defined by the including file):
 * how the process ends while its threads are in syscalls. */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void end_now(void);

static sem_t sem;
static int bp[2], rp[2];

static void ready(char c)
{
	if (write(rp[1], &c, 1) != 1)
		_exit(98);
}

static void *in_futex(void *a) { (void)a; ready('f'); sem_wait(&sem); _exit(97); }
static void *in_sleep(void *a)
{
	struct timespec ts = {30, 0};
	(void)a;
	ready('n');
	nanosleep(&ts, NULL);
	_exit(96);
}
static void *in_read(void *a)
{
	char c;
	(void)a;
	ready('r');
	if (read(bp[0], &c, 1) >= 0)
		_exit(95);
	_exit(94);
}

static void *ender(void *a)
{
	char c;
	(void)a;
	for (int k = 0; k < 3; k++)
		if (read(rp[0], &c, 1) != 1)
			_exit(93);
	usleep(2000); /* let them reach their blocking calls */
	end_now();
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	void *(*fn[4])(void *) = {in_futex, in_sleep, in_read, ender};
	if (sem_init(&sem, 0, 0) || pipe(bp) || pipe(rp))
		return 1;
	printf("starting 4 threads\n");
	fflush(stdout);
	for (int i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, fn[i], NULL))
			return 1;
	pthread_join(t[3], NULL);
	printf("not reached\n");
	return 0;
}
