// preempt_compute: 4 threads compute without syscalls (no spin: each makes progress), sharing a
// racy counter; they run in turns between syscalls, and the result replays exactly.
#include <pthread.h>
#include <stdio.h>
static volatile unsigned long shared;
static void *run(void *a) { unsigned long x = (unsigned long)a; for (unsigned long k = 0; k < 60000000; k++) { x = x * 2862933555777941757UL + 3037000493UL; if ((k & 1023) == 0) shared++; } return (void *)x; }
int main(void)
{
	pthread_t t[4]; void *r[4];
	for (long k = 0; k < 4; k++) pthread_create(&t[k], NULL, run, (void *)k);
	for (int k = 0; k < 4; k++) pthread_join(t[k], &r[k]);
	printf("shared %lu r %lx %lx %lx %lx\n", shared, (unsigned long)r[0], (unsigned long)r[1], (unsigned long)r[2], (unsigned long)r[3]);
	return 0;
}
