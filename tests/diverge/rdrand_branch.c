/* rdrand_branch.c - rdrand cannot be trapped, so a program that picks its
 * syscalls by rdrand makes replay diverge; replay must say so (exit 125). */
#include <immintrin.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((target("rdrnd"))) static unsigned pick(void)
{
	unsigned v = 0;
	while (!_rdrand32_step(&v))
		;
	return v;
}

int main(void)
{
	for (int i = 0; i < 32; i++) {
		if (pick() & 1)
			getpid();
		else
			getppid();
	}
	printf("done\n");
	return 0;
}
