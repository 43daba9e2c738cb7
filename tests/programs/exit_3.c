// exit_3: prints a line and exits with status 3.
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("exiting with 3\n");
	exit(3);
}
