// abort: calls abort(); expected status 134 (SIGABRT).
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("about to abort\n");
	fflush(stdout);
	abort();
}
