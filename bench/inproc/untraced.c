/* untraced.c - experiment for docs/inprocess.md: what a syscall costs
 * natively, traced the way rec traces it (a seccomp stop and a
 * syscall-exit stop, tracer and tracee on one CPU), traced with the seccomp
 * stop only, and made from the one instruction a seccomp filter lets
 * through untraced: the filter compares seccomp_data.instruction_pointer
 * (the address after the syscall instruction), both 32-bit halves, with
 * the return address of untraced_syscall below, and returns
 * SECCOMP_RET_ALLOW for it and SECCOMP_RET_TRACE for everything else
 * (libseccomp cannot test the instruction pointer: the filter is written
 * with the kernel's BPF macros). "untraced+buffer" also appends what an
 * in-process recorder would (a 32-byte header and the bytes read) to a
 * buffer. Prints us per call for getpid and for a 64-byte read of
 * /dev/zero. Usage: untraced [N] (default 20000 calls per cell).
 * Build: cc -D_GNU_SOURCE -O2 -o untraced bench/inproc/untraced.c (not built by make). */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* long untraced_syscall(nr, a0, a1, a2): the filter's one allowed site. */
long untraced_syscall(long nr, long a0, long a1, long a2);
extern const char untraced_syscall_ret[];
__asm__(".text\n.globl untraced_syscall\n.type untraced_syscall,@function\nuntraced_syscall:\n"
	"\tmov %rdi, %rax\n\tmov %rsi, %rdi\n\tmov %rdx, %rsi\n\tmov %rcx, %rdx\n\tsyscall\n"
	".globl untraced_syscall_ret\nuntraced_syscall_ret:\n\tret\n");

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static char buf[1 << 20];
static size_t pos;

/* One cell: n calls of getpid (what 0) or a 64-byte read of fd (what 1). */
static double cell(int n, int what, int fd, int untraced, int buffered)
{
	char b[64];
	double t0 = now_us();
	for (int i = 0; i < n; i++) {
		long r;
		if (untraced)
			r = what ? untraced_syscall(SYS_read, fd, (long)b, sizeof b) : untraced_syscall(SYS_getpid, 0, 0, 0);
		else
			r = what ? syscall(SYS_read, fd, b, sizeof b) : syscall(SYS_getpid);
		if (buffered) {
			if (pos + 32 + sizeof b > sizeof buf)
				pos = 0;
			uint64_t hdr[4] = {what ? SYS_read : SYS_getpid, (uint64_t)r, (uint64_t)b, what ? sizeof b : 0};
			memcpy(buf + pos, hdr, sizeof hdr);
			pos += sizeof hdr;
			if (what) {
				memcpy(buf + pos, b, sizeof b);
				pos += sizeof b;
			}
		}
	}
	return (now_us() - t0) / n;
}

static int install_filter(void)
{
	uint64_t ip = (uint64_t)untraced_syscall_ret;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, instruction_pointer) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof one, &one);
	int fd = open("/dev/zero", O_RDONLY);
	/* results[mode][what]; modes: native, untraced, untraced+buffer,
	 * traced 1 stop, traced 2 stops (rec) */
	double *res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *two_stops = (volatile int *)(res + 32);
	for (int w = 0; w < 2; w++)
		res[w] = cell(n, w, fd, 0, 0);
	pid_t child = fork();
	if (child == 0) {
		raise(SIGSTOP);
		if (install_filter())
			_exit(3);
		for (int w = 0; w < 2; w++) {
			res[2 + w] = cell(n, w, fd, 1, 0);
			res[4 + w] = cell(n, w, fd, 1, 1);
			res[6 + w] = cell(n, w, fd, 0, 0);
		}
		*two_stops = 1; /* (a traced syscall: the tracer reads the flag at its next stop) */
		syscall(SYS_getpid);
		for (int w = 0; w < 2; w++)
			res[8 + w] = cell(n, w, fd, 0, 0);
		_exit(0);
	}
	int st;
	waitpid(child, &st, WUNTRACED);
	ptrace(PTRACE_SEIZE, child, 0, PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL);
	kill(child, SIGCONT);
	while (waitpid(child, &st, __WALL) > 0 && WIFSTOPPED(st)) {
		int sig = WSTOPSIG(st), ev = st >> 16;
		if (ev == PTRACE_EVENT_SECCOMP && *two_stops)
			ptrace(PTRACE_SYSCALL, child, 0, 0); /* and stop again at its exit, as rec does */
		else
			ptrace(PTRACE_CONT, child, 0, ev || sig == (SIGTRAP | 0x80) || sig == SIGCONT || sig == SIGSTOP ? 0 : sig);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "untraced: the traced child failed (status %#x)\n", st);
		return 1;
	}
	const char *names[] = {"native", "untraced (filter allows)", "untraced + buffer append", "traced, seccomp stop only",
			       "traced, 2 stops (as rec)"};
	printf("%-28s %12s %12s   (us per call, %d calls, tracer and tracee on one CPU)\n", "", "getpid", "read 64 B", n);
	for (int m = 0; m < 5; m++)
		printf("%-28s %12.3f %12.3f\n", names[m], res[2 * m], res[2 * m + 1]);
	return 0;
}
