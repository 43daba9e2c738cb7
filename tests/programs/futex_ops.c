/* futex_ops: futex(2) called directly: FUTEX_WAIT/WAKE between threads
 * (private) and between processes over a MAP_SHARED|MAP_ANONYMOUS word
 * (shared), EAGAIN and relative timeouts, FUTEX_CMP_REQUEUE moving three
 * waiters from one word to another before waking them there,
 * FUTEX_WAIT_BITSET/WAKE_BITSET waking one waiter of three by its bit, an
 * absolute CLOCK_MONOTONIC bitset timeout that expires, and FUTEX_WAKE_OP,
 * whose atomic update of the second word the program reads back. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static long futex(int *uaddr, int op, int val, const void *ts_or_val2, int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts_or_val2, uaddr2, val3);
}

static int ld(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void st(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

static const char *res(long r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof buf, "%ld", r);
	else
		snprintf(buf, sizeof buf, "-1 %s", errno == EAGAIN ? "EAGAIN" : errno == ETIMEDOUT ? "ETIMEDOUT"
			 : errno == EINVAL ? "EINVAL" : strerror(errno));
	return buf;
}

/* --- ping-pong between two threads on one private word --- */
static int turn;
static char trail[64];
static int ntrail;

static void *pingpong(void *arg)
{
	int me = (int)(long)arg;
	for (int r = 0; r < 8; r++) {
		int t;
		while ((t = ld(&turn)) % 2 != me)
			futex(&turn, FUTEX_WAIT_PRIVATE, t, NULL, NULL, 0);
		trail[ntrail++] = me ? 'b' : 'a';
		st(&turn, t + 1);
		futex(&turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

/* --- requeue: waiters on A, moved to B --- */
static int word_a, word_b, released, arrived;

static void *requeue_waiter(void *arg)
{
	__atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
	while (!ld(&released))
		futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return arg;
}

/* --- bitset: three waiters on one word, each with its own bit --- */
static int word_w, go_bits, bit_ready, bit_wakes[3];

static void *bitset_waiter(void *arg)
{
	int i = (int)(long)arg, bit = 1 << i;
	__atomic_add_fetch(&bit_ready, 1, __ATOMIC_SEQ_CST);
	while (!(ld(&go_bits) & bit))
		if (futex(&word_w, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, bit) == 0)
			bit_wakes[i]++;
	return NULL;
}

/* --- wake_op --- */
static int op1, op2 = 5, op_ready, y_saw;

static void *op_waiter_x(void *arg)
{
	__atomic_add_fetch(&op_ready, 1, __ATOMIC_SEQ_CST);
	while (!ld(&op1))
		futex(&op1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return arg;
}

static void *op_waiter_y(void *arg)
{
	__atomic_add_fetch(&op_ready, 1, __ATOMIC_SEQ_CST);
	while (ld(&op2) == 5)
		futex(&op2, FUTEX_WAIT_PRIVATE, 5, NULL, NULL, 0);
	y_saw = ld(&op2);
	return arg;
}

static void wait_count(int *ctr, int n)
{
	while (ld(ctr) < n)
		usleep(200);
	usleep(2000); /* give them time to block in the kernel */
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_t t[3];

	/* 1. immediate results */
	int w = 0;
	errno = 0;
	printf("wait on changed value: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0)));
	struct timespec rel = { 0, 2 * 1000 * 1000 };
	printf("wait 2ms relative: %s\n", res(futex(&w, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0)));
	printf("wake with no waiter: %s\n", res(futex(&w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)));

	/* 2. private ping-pong */
	CK(-pthread_create(&t[0], NULL, pingpong, (void *)0L));
	CK(-pthread_create(&t[1], NULL, pingpong, (void *)1L));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("ping-pong: %.*s turn %d\n", ntrail, trail, turn);

	/* 3. shared futex between processes */
	int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CK(sh == MAP_FAILED ? -1 : 0);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		while (!ld(&sh[0]))
			futex(&sh[0], FUTEX_WAIT, 0, NULL, NULL, 0);
		st(&sh[1], ld(&sh[0]) * 10);
		futex(&sh[1], FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(7);
	}
	usleep(1000);
	st(&sh[0], 42);
	long woke = futex(&sh[0], FUTEX_WAKE, 1, NULL, NULL, 0);
	while (!ld(&sh[1]))
		futex(&sh[1], FUTEX_WAIT, 0, NULL, NULL, 0);
	int stt;
	CK(waitpid(c, &stt, 0));
	printf("shared: wake returned %ld, child answered %d, child exit %d\n", woke, sh[1], WEXITSTATUS(stt));
	munmap(sh, 4096);

	/* 4. CMP_REQUEUE */
	for (long i = 0; i < 3; i++)
		CK(-pthread_create(&t[i], NULL, requeue_waiter, (void *)i));
	wait_count(&arrived, 3);
	printf("requeue with wrong cmpval: %s\n",
	       res(futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &word_b, 1)));
	int moved = 0, tries = 0;
	while (moved < 3) {
		long r = futex(&word_a, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)(long)INT_MAX, &word_b, 0);
		CK(r);
		moved += (int)r;
		tries++;
		if (moved < 3)
			usleep(500);
	}
	printf("requeue: moved %d waiters A->B\n", moved);
	printf("wake on A after requeue: %s\n", res(futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
	st(&released, 1);
	printf("wake on B: %s\n", res(futex(&word_b, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0)));
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("requeue waiters joined (%d requeue calls)\n", tries);

	/* 5. WAIT_BITSET / WAKE_BITSET */
	for (long i = 0; i < 3; i++)
		CK(-pthread_create(&t[i], NULL, bitset_waiter, (void *)i));
	wait_count(&bit_ready, 3);
	printf("wake bitset 8 (nobody): %s\n", res(futex(&word_w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 8)));
	__atomic_or_fetch(&go_bits, 2, __ATOMIC_SEQ_CST);
	printf("wake bitset 2: %s\n", res(futex(&word_w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 2)));
	pthread_join(t[1], NULL);
	printf("after bit 2: wakes %d %d %d\n", bit_wakes[0], bit_wakes[1], bit_wakes[2]);
	usleep(1000);
	__atomic_or_fetch(&go_bits, 5, __ATOMIC_SEQ_CST);
	printf("wake bitset 5: %s\n", res(futex(&word_w, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, NULL, NULL, 5)));
	pthread_join(t[0], NULL);
	pthread_join(t[2], NULL);
	printf("after bits 1|4: wakes %d %d %d\n", bit_wakes[0], bit_wakes[1], bit_wakes[2]);

	struct timespec now, dl;
	CK(clock_gettime(CLOCK_MONOTONIC, &dl));
	dl.tv_nsec += 3 * 1000 * 1000;
	if (dl.tv_nsec >= 1000000000) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000;
	}
	long r = futex(&word_w, FUTEX_WAIT_BITSET_PRIVATE, 0, &dl, NULL, FUTEX_BITSET_MATCH_ANY);
	printf("bitset wait, absolute monotonic deadline +3ms: %s\n", res(r));
	CK(clock_gettime(CLOCK_MONOTONIC, &now));
	printf("clock past deadline: %s\n",
	       now.tv_sec > dl.tv_sec || (now.tv_sec == dl.tv_sec && now.tv_nsec >= dl.tv_nsec) ? "yes" : "no");
	printf("wake bitset 0: %s\n", res(futex(&word_w, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0)));

	/* 6. WAKE_OP: op2 += 3 (was 5), wake one on op1, and one on op2 if old > 4 */
	CK(-pthread_create(&t[0], NULL, op_waiter_x, NULL));
	CK(-pthread_create(&t[1], NULL, op_waiter_y, NULL));
	wait_count(&op_ready, 2);
	st(&op1, 1);
	r = futex(&op1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &op2,
		  FUTEX_OP(FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4));
	printf("wake_op add 3, cmp gt 4: %s, op2 now %d\n", res(r), ld(&op2));
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	printf("waiter on op2 saw %d\n", y_saw);
	r = futex(&op1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &op2,
		  FUTEX_OP((FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT), 4, FUTEX_OP_CMP_EQ, 99));
	printf("wake_op or 1<<4, cmp eq 99: %s, op2 now %d\n", res(r), ld(&op2));
	r = futex(&op1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1L, &op2,
		  FUTEX_OP(FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_NE, 0));
	printf("wake_op xor 0xff, cmp ne 0: %s, op2 now %d\n", res(r), ld(&op2));
	return 0;
}
