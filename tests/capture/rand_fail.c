// rand_fail.c - fails depending on getrandom: one byte b; b % 4 == 0 exits
// 3, b % 4 == 1 aborts (SIGABRT, status 134), otherwise exits 0. It prints
// the byte first, so a replay shows the same one.
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>

int main(void)
{
	unsigned char b;
	if (getrandom(&b, 1, 0) != 1)
		return 2;
	printf("byte %u\n", b);
	fflush(stdout);
	if (b % 4 == 0)
		return 3;
	if (b % 4 == 1)
		abort();
	return 0;
}
