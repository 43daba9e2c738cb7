// end_exit_group: a worker calls exit(5) (exit_group) while the other
// threads block in a futex (sem_wait), nanosleep and read of a pipe, and main
// in pthread_join; expected status 5.
#include "end_blocked.h"

static void end_now(void)
{
	printf("worker calls exit(5)\n");
	exit(5); /* flushes stdout, then exit_group */
}
