/* inproc_rdtsc: rdtsc and rdtscp in tight loops (docs/inprocess.md,
 * section 16), which rec patches to call the in-process library after
 * their first fault. Two threads each run ROUNDS rounds of an rdtsc and
 * an rdtscp with the flags set four ways (carry, zero, overflow, the
 * direction flag) and every other general register holding a known
 * value; each checks that the values never go back, that the
 * instructions changed only what they change (the low halves of rax and
 * rdx, rdtscp's ecx, the upper halves zeroed) and kept the flags and the
 * other registers. A SIGALRM handler (every ms) reads the TSC too. Then a
 * forked child reads it before its first syscall (where rec's library is
 * not on yet in that process: its rdtsc faults there). It prints the
 * checks and the number of reads, never a TSC value (a replay must print
 * what the recording and a native run print). Exits 1 if a check fails.
 * Usage: inproc_rdtsc [ROUNDS] */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

static long rounds = 5000;
static volatile sig_atomic_t handler_back;

struct result {
	long back;      /* values that went back */
	long clobbered; /* registers or flags an instruction changed wrongly */
	long reads;
};

/* The registers an rdtsc or rdtscp must keep, and the flags before and
 * after it. */
struct regs {
	uint64_t rbx, rcx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t flags;
};

#define SEED(r, k)                                                                                                   \
	do {                                                                                                         \
		uint64_t s_ = 0x0101010101010101ull * (k);                                                           \
		(r).rbx = s_ ^ 1, (r).rcx = s_ ^ 2, (r).rsi = s_ ^ 3, (r).rdi = s_ ^ 4, (r).r8 = s_ ^ 5;             \
		(r).r9 = s_ ^ 6, (r).r10 = s_ ^ 7, (r).r11 = s_ ^ 8, (r).r12 = s_ ^ 9, (r).r13 = s_ ^ 10;            \
		(r).r14 = s_ ^ 11, (r).r15 = s_ ^ 12;                                                                \
	} while (0)

/* One rdtsc (rdtscp if p) with the registers of *in and the flags of
 * `cmp a, b` (with the direction flag set if df), into *out; the value
 * in *v, rdtscp's ecx in *aux. 1 if rax's, rdx's (or rcx's) upper halves
 * were not zero. */
static int one(int p, uint64_t a, uint64_t b, int df, const struct regs *in, struct regs *out, uint64_t *v,
	       uint64_t *aux)
{
	uint64_t rax = b, rdx = a, f0, f1;
	struct regs r = *in;
	/* (below the red zone: the pushes would write over the compiler's) */
#define ONE(insn)                                                                                                    \
	__asm__ volatile("lea -128(%%rsp), %%rsp\n\t"                                                              \
			 "testl %[df], %[df]\n\t"                                                                   \
			 "jz 2f\n\t"                                                                                \
			 "std\n\t"                                                                                  \
			 "2:\n\t"                                                                                   \
			 "cmp %%rdx, %%rax\n\t"                                                                     \
			 "pushfq\n\t"                                                                               \
			 "popq %[f0]\n\t"                                                                           \
			 "cmp %%rdx, %%rax\n\t" insn "\n\t"                                                         \
			 "pushfq\n\t"                                                                               \
			 "popq %[f1]\n\t"                                                                           \
			 "cld\n\t"                                                                                  \
			 "lea 128(%%rsp), %%rsp\n\t"                                                                \
			 : "+a"(rax), "+d"(rdx), "+c"(r.rcx), "+S"(r.rsi), "+D"(r.rdi), "+b"(r.rbx), [f0] "=&r"(f0), \
			   [f1] "=&r"(f1)                                                                             \
			 : [df] "r"(df)                                                                               \
			 : "r8", "r9", "r10", "r11", "memory", "cc")
	if (p)
		ONE("rdtscp");
	else
		ONE("rdtsc");
	*out = r;
	out->flags = f1;
	*v = rax | rdx << 32;
	*aux = r.rcx;
	return (rax >> 32) || (rdx >> 32) || (p && (r.rcx >> 32)) || f0 != f1;
}

/* r8-r11 through an rdtsc, given and read back (the asm above leaves
 * them to the compiler). 1 if one changed. */
static int high_regs(int p)
{
	register uint64_t r8 __asm__("r8") = 0x0808080808080808ull;
	register uint64_t r9 __asm__("r9") = 0x0909090909090909ull;
	register uint64_t r10 __asm__("r10") = 0x1010101010101010ull;
	register uint64_t r11 __asm__("r11") = 0x1111111111111111ull;
	uint64_t a, d, c = 0xcccccccccccccccc;
	if (p)
		__asm__ volatile("rdtscp" : "=a"(a), "=d"(d), "+c"(c), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11));
	else
		__asm__ volatile("rdtsc" : "=a"(a), "=d"(d), "+r"(r8), "+r"(r9), "+r"(r10), "+r"(r11));
	return r8 != 0x0808080808080808ull || r9 != 0x0909090909090909ull || r10 != 0x1010101010101010ull ||
	       r11 != 0x1111111111111111ull || (!p && c != 0xcccccccccccccccc);
}

static void *work(void *arg)
{
	struct result *res = arg;
	uint64_t last = 0;
	static const uint64_t cmps[4][3] = {
		{1, 0, 0},                       /* 0 - 1: CF SF AF PF */
		{0, 0, 0},                       /* ZF PF */
		{1, 0x8000000000000000ull, 0},   /* OF */
		{0, 5, 1},                       /* DF */
	};
	for (long i = 0; i < rounds; i++) {
		for (int p = 0; p < 2; p++) {
			const uint64_t *c = cmps[i % 4];
			struct regs in, out;
			uint64_t v, aux;
			SEED(in, (uint64_t)(i % 200) + 1);
			if (one(p, c[0], c[1], (int)c[2], &in, &out, &v, &aux))
				res->clobbered++;
			out.flags = in.flags = 0;
			if (out.rbx != in.rbx || out.rsi != in.rsi || out.rdi != in.rdi || (!p && out.rcx != in.rcx))
				res->clobbered++;
			if (v < last)
				res->back++;
			last = v;
			res->reads++;
		}
		if (high_regs((int)(i & 1)))
			res->clobbered++;
		uint64_t v = __rdtsc();
		if (v < last)
			res->back++;
		last = v;
		res->reads += 2;
	}
	return NULL;
}

static void on_alarm(int sig)
{
	static __thread uint64_t last; /* (per thread: a handler in the other may run between a read and its check) */
	uint64_t v = __rdtsc();
	(void)sig;
	if (v < last)
		handler_back = 1;
	last = v;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		rounds = atol(argv[1]);
	struct result r[2];
	pthread_t th[2];
	memset(r, 0, sizeof r);
	signal(SIGALRM, on_alarm);
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, work, &r[i])) {
			perror("pthread_create");
			return 1;
		}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	int bad = 0;
	for (int i = 0; i < 2; i++) {
		printf("thread %d: %ld reads, went back %ld times, registers or flags changed %ld times\n", i, r[i].reads,
		       r[i].back, r[i].clobbered);
		bad |= r[i].back || r[i].clobbered || r[i].reads != rounds * 4;
	}
	printf("handler's reads went back: %s\n", handler_back ? "yes" : "no");
	bad |= handler_back;

	/* A child reads the TSC at once, then in a loop. */
	fflush(stdout);
	pid_t c = fork();
	if (c == 0) {
		struct result cr = {0};
		uint64_t a = __rdtsc(), b = __rdtsc();
		if (b < a)
			cr.back++;
		work(&cr);
		_exit(cr.back || cr.clobbered ? 1 : 0);
	}
	int st = 0;
	waitpid(c, &st, 0);
	printf("child: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "FAIL");
	bad |= !(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
