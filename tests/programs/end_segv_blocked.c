// end_segv_blocked: a worker writes through NULL while the other threads
// block in a futex (sem_wait), nanosleep and read of a pipe, and main in
// pthread_join; expected status 139 (SIGSEGV), with the lines printed before.
#include "end_blocked.h"

static void end_now(void)
{
	printf("worker writes through NULL\n");
	fflush(stdout);
	*(volatile int *)0 = 1;
}
