// end_kill_self: kill(getpid(), SIGTERM) from a worker while the other
// threads block in a futex (sem_wait), nanosleep and read of a pipe, and main
// in pthread_join; expected status 143 (SIGTERM).
#include "end_blocked.h"

static void end_now(void)
{
	printf("worker sends SIGTERM to its process\n");
	fflush(stdout);
	kill(getpid(), SIGTERM);
	for (;;)
		pause();
}
