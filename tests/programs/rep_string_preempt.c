// rep_string_preempt.c - two threads computing in long `rep stosb` and
// `rep movsb` runs (glibc's memset and memcpy of big blocks): preemption
// interrupts land in the middle of a rep string instruction, where rip has
// not moved but rcx and rdi have; rec must not take a preemption point
// there (replay stops only at instruction starts). Prints each thread's
// checksum: the same natively, under rec and in replay. Blocks of 24 MiB:
// a run takes longer than rec waits for a counting site, so most of the
// thread switches are state-matched points (3-4 a recording; the rec
// without this fix put one inside a rep in 6 of 6 recordings).
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK (24u << 20)
#define ROUNDS 60

static void *worker(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint8_t *a = malloc(BLOCK), *b = malloc(BLOCK);
	uint64_t sum = 0;
	if (!a || !b)
		return NULL;
	for (unsigned r = 0; r < ROUNDS; r++) {
		memset(a, (int)(r + id), BLOCK);
		memcpy(b, a, BLOCK);
		sum = sum * 31 + b[(r * 7919u) % BLOCK] + a[BLOCK - 1 - r];
	}
	printf("thread %lu: %llu\n", (unsigned long)id, (unsigned long long)sum);
	free(a);
	free(b);
	return NULL;
}

int main(void)
{
	pthread_t t[2];
	for (uintptr_t i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
