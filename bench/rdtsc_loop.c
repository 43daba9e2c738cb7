/* rdtsc_loop.c - an rdtsc-bound workload for bench/run.sh: N reads of
 * the TSC in a tight loop (a spin-wait or a profiler's timestamps), every
 * eighth an rdtscp. Under rec every rdtsc faults (PR_SET_TSC) until rec
 * patches its site to call the in-process library (docs/inprocess.md
 * section 16). Prints the count and whether the values ever went back,
 * never a value. Usage: rdtsc_loop [N] (default 1,000,000) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <x86intrin.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, back = 0;
	uint64_t last = 0;
	unsigned aux;
	for (long i = 0; i < n; i++) {
		uint64_t t = (i & 7) == 7 ? __rdtscp(&aux) : __rdtsc();
		back += t < last;
		last = t;
	}
	printf("%ld reads, went back %ld times\n", n, back);
	return back != 0;
}
