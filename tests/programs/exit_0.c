// exit_0: prints a line and exits with status 0.
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("exiting with 0\n");
	exit(0);
}
