// segv_crash: writes through a NULL pointer; expected status 139 (SIGSEGV).
#include <stdio.h>

int main(void)
{
	printf("about to write through NULL\n");
	fflush(stdout);
	*(volatile int *)0 = 1;
	printf("not reached\n");
	return 0;
}
