// exit_255: prints a line and exits with status 255.
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	printf("exiting with 255\n");
	exit(255);
}
