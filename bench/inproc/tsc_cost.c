/* tsc_cost.c - experiment for docs/inprocess.md section 16: what the
 * in-process library could do to give a patched rdtsc its value while
 * PR_SET_TSC(PR_TSC_SIGSEGV) makes the instruction fault: toggle the
 * thread's TSC mode around a real rdtsc with two prctl calls, or make one
 * clock_gettime syscall and compute a value from it. Each cell is timed
 * natively and with TSC trapping on (the toggling cell only: the others
 * fault). A seccomp filter (4 instructions: allow everything, as the
 * library's untraced syscall passes rec's filter by its instruction
 * pointer) is installed for the second half. Prints ns per call.
 * Usage: tsc_cost [N] (default 200000 calls per cell).
 * Build: cc -D_GNU_SOURCE -O2 -o tsc_cost bench/inproc/tsc_cost.c (not built by make). */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static double now_ns(void)
{
	struct timespec ts;
	syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts); /* (the vDSO's reads the TSC) */
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ns per call of what (0 rdtsc, 1 prctl-toggled rdtsc, 2 clock_gettime
 * syscall, 3 getpid syscall), best of 5 runs of n. */
static double cell(int what, int n)
{
	double best = 1e30;
	volatile uint64_t sink = 0;
	for (int k = 0; k < 5; k++) {
		double t0 = now_ns();
		for (int i = 0; i < n; i++) {
			struct timespec ts;
			switch (what) {
			case 0:
				sink += __rdtsc();
				break;
			case 1:
				syscall(SYS_prctl, PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
				sink += __rdtsc();
				syscall(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0);
				break;
			case 2:
				syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
				sink += (uint64_t)ts.tv_nsec;
				break;
			default:
				sink += (uint64_t)syscall(SYS_getpid);
			}
		}
		double dt = (now_ns() - t0) / n;
		prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0);
		best = dt < best ? dt : best;
	}
	return best;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 200000;
	static const char *const names[] = {"rdtsc", "prctl+rdtsc+prctl", "clock_gettime syscall", "getpid syscall"};
	for (int f = 0; f < 2; f++) {
		if (f) {
			struct sock_filter insns[] = {
				BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 8), /* instruction_pointer, low half */
				BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
				BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
				BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			};
			struct sock_fprog prog = {sizeof insns / sizeof *insns, insns};
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
				perror("seccomp");
				return 1;
			}
		}
		for (int w = 0; w < 4; w++)
			printf("%-6s %-24s %7.1f ns\n", f ? "filter" : "plain", names[w], cell(w, n));
	}
	return 0;
}
