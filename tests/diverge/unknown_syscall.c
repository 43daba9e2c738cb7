/* unknown_syscall.c - a syscall number heisen does not know: rec must stop
 * with a message naming it, and the trace so far must stay replayable. */
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	printf("before\n");
	fflush(stdout);
	syscall(1000, 1, 2, 3);
	printf("after\n");
	return 0;
}
