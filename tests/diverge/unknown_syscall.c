/* unknown_syscall.c - a syscall the kernel implements under a number heisen
 * does not know: getpid with a bit above the low 32 (the kernel reads only
 * those). rec must stop before it runs, with a message naming it, and the
 * trace so far must stay replayable. (Numbers the kernel lacks too are
 * recorded as its ENOSYS: tests/programs/sys_enosys.c.) */
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>

int main(void)
{
	printf("before\n");
	fflush(stdout);
	long r = syscall(0x100000000L + SYS_getpid);
	printf("after: %s\n", r == getpid() ? "our pid" : "other");
	return 0;
}
