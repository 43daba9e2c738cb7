// prctl_tsc: PR_GET_TSC says what the program set (PR_TSC_ENABLE at
// start), rdtsc counts forward, PR_SET_TSC(PR_TSC_ENABLE) succeeds.
#include <stdio.h>
#include <sys/prctl.h>
#include <x86intrin.h>

int main(void)
{
	int mode = -1, bad = 0;
	int r = prctl(PR_GET_TSC, &mode, 0, 0, 0);
	printf("PR_GET_TSC -> %d, mode %d\n", r, mode);
	if (r != 0 || mode != PR_TSC_ENABLE)
		bad = 1;
	unsigned long long t0 = __rdtsc(), t1 = __rdtsc();
	printf("rdtsc forward: %d\n", t1 > t0);
	if (!(t1 > t0))
		bad = 1;
	r = prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
	printf("PR_SET_TSC(ENABLE) -> %d\n", r);
	if (r != 0)
		bad = 1;
	mode = -1;
	r = prctl(PR_GET_TSC, &mode, 0, 0, 0);
	printf("PR_GET_TSC again -> %d, mode %d\n", r, mode);
	if (r != 0 || mode != PR_TSC_ENABLE)
		bad = 1;
	r = prctl(PR_GET_TSC, (int *)8, 0, 0, 0);
	printf("PR_GET_TSC bad pointer -> %d\n", r);
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
