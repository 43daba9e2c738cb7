/* compute_heavy.c - a CPU-bound workload for bench/run.sh: a loop of
 * integer arithmetic with almost no syscalls (about 0.5 s natively on the
 * 2-core development VM with the default N). Usage: compute_heavy [N] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 200000000;
	uint64_t x = 88172645463325252ull, sum = 0;
	for (long i = 0; i < n; i++) {
		x ^= x << 13; /* xorshift64 */
		x ^= x >> 7;
		x ^= x << 17;
		sum += x >> 60;
	}
	printf("%ld steps, checksum %llu\n", n, (unsigned long long)sum);
	return 0;
}
