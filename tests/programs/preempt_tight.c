/* preempt_tight: 4 threads in tight loops made of 2- and 3-byte
 * instructions (none of 5 bytes or more: nothing there can be patched with
 * a jump), each about 50-150 ms natively:
 * - threads 0 and 1 poll a shared flag in an asm loop (inc; cmp; jae;
 *   cmpb $0,(flag); je), counting in a register, up to a bound;
 * - thread 2 runs `while (!flag) counter++` on volatiles, up to a bound
 *   (addressed through registers: its loop is short instructions too);
 * - thread 3 counts in a register (inc; cmp; jne) to a fixed number.
 * The first of threads 0-2 to reach its bound raises the flag, which stops
 * the others: their counts are racy natively (the recorded ones in replay);
 * thread 3's is fixed. Every loop ends by itself, preempted or not. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#define POLL_BOUND 150000000ul
#define C_BOUND 100000000ul
#define FIXED_COUNT 300000000ul

static volatile uint8_t flag;
static volatile unsigned long counter;
static unsigned long result[4];

static void *poll_asm(void *arg)
{
	long id = (long)arg;
	unsigned long n = 0;
	__asm__ volatile("1:\n\t"
			 "inc %0\n\t"     /* 3 bytes */
			 "cmp %1, %0\n\t" /* 3 bytes */
			 "jae 2f\n\t"     /* 2 bytes */
			 "cmpb $0, (%2)\n\t" /* 3 bytes */
			 "je 1b\n"        /* 2 bytes */
			 "2:"
			 : "+r"(n)
			 : "r"(POLL_BOUND), "r"(&flag)
			 : "cc", "memory");
	if (n >= POLL_BOUND)
		flag = 1;
	result[id] = n;
	return NULL;
}

static void *poll_c(void *arg)
{
	long id = (long)arg;
	volatile uint8_t *f = &flag;
	volatile unsigned long *c = &counter;
	unsigned long bound = C_BOUND;
	__asm__("" : "+r"(f), "+r"(c), "+r"(bound)); /* in registers: short instructions */
	while (!*f && *c < bound)
		(*c)++;
	*f = 1;
	result[id] = *c;
	return NULL;
}

static void *count_asm(void *arg)
{
	long id = (long)arg;
	unsigned long n = 0;
	__asm__ volatile("1:\n\t"
			 "inc %0\n\t"     /* 3 bytes */
			 "cmp %1, %0\n\t" /* 3 bytes */
			 "jne 1b"         /* 2 bytes */
			 : "+r"(n)
			 : "r"(FIXED_COUNT)
			 : "cc");
	result[id] = n;
	return NULL;
}

int main(void)
{
	void *(*fn[4])(void *) = { poll_asm, poll_asm, poll_c, count_asm };
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, fn[i], (void *)i)) {
			fprintf(stderr, "preempt_tight: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	printf("poll_asm %lu %lu, poll_c %lu (racy)\n", result[0], result[1], result[2]);
	printf("count_asm %lu\n", result[3]);
	return result[3] == FIXED_COUNT && flag ? 0 : 1;
}
