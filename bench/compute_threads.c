/* compute_threads.c - a compute-bound threaded workload for bench/run.sh:
 * 4 threads, each running a different kernel with no syscall in its hot
 * loop (FNV-1a hashing of a buffer, a sieve of Eratosthenes, a matrix
 * multiply, a quicksort), each about 0.2 s of CPU natively on the 2-core
 * development VM at the default N (so about 0.8 s of CPU in all, and about
 * half that in wall time on 2 cores). Every buffer is allocated before the
 * threads start. Usage: compute_threads [N] (N rounds of each kernel; 0:
 * start and join the threads only). */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH_BYTES (1 << 20)
#define SIEVE_N 4000000
#define MAT_N 160
#define SORT_N 200000

struct job {
	long rounds;
	uint64_t result;
	void *buf, *buf2, *buf3;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* FNV-1a over a buffer of pseudo-random bytes, the hash of each round
 * seeding the next. */
static void *hash_kernel(void *arg)
{
	struct job *j = arg;
	unsigned char *b = j->buf;
	uint64_t s = 88172645463325252ull, h = 14695981039346656037ull;
	for (size_t i = 0; i < HASH_BYTES; i++)
		b[i] = (unsigned char)xorshift(&s);
	for (long r = 0; r < j->rounds * 20; r++)
		for (size_t i = 0; i < HASH_BYTES; i++)
			h = (h ^ b[i]) * 1099511628211ull;
	j->result = h;
	return NULL;
}

/* The number of primes below SIEVE_N, sieved again each round. */
static void *sieve_kernel(void *arg)
{
	struct job *j = arg;
	unsigned char *composite = j->buf;
	uint64_t count = 0;
	for (long r = 0; r < j->rounds * 3; r++) {
		memset(composite, 0, SIEVE_N);
		count = 0;
		for (long i = 2; i < SIEVE_N; i++) {
			if (composite[i])
				continue;
			count++;
			for (long k = i * i; k < SIEVE_N; k += i)
				composite[k] = 1;
		}
	}
	j->result = count;
	return NULL;
}

/* C = A * B on MAT_N x MAT_N doubles, A taking C's values each round. */
static void *matmul_kernel(void *arg)
{
	struct job *j = arg;
	double *a = j->buf, *b = j->buf2, *c = j->buf3;
	for (int i = 0; i < MAT_N * MAT_N; i++) {
		a[i] = (double)(i % 7) / 7.0;
		b[i] = (double)(i % 5) / 5.0 + 0.1;
	}
	for (long r = 0; r < j->rounds * 8; r++) {
		for (int x = 0; x < MAT_N; x++)
			for (int y = 0; y < MAT_N; y++) {
				double s = 0;
				for (int k = 0; k < MAT_N; k++)
					s += a[x * MAT_N + k] * b[k * MAT_N + y];
				c[x * MAT_N + y] = s;
			}
		for (int i = 0; i < MAT_N * MAT_N; i++)
			a[i] = c[i] / (1.0 + (c[i] < 0 ? -c[i] : c[i]));
	}
	double t = 0;
	for (int i = 0; i < MAT_N * MAT_N; i++)
		t += a[i];
	memcpy(&j->result, &t, sizeof t); /* the sum's bits */
	return NULL;
}

static void quicksort(uint32_t *v, long lo, long hi)
{
	while (hi - lo > 16) {
		uint32_t p = v[lo + (hi - lo) / 2];
		long i = lo, k = hi;
		while (i <= k) {
			while (v[i] < p)
				i++;
			while (v[k] > p)
				k--;
			if (i <= k) {
				uint32_t t = v[i];
				v[i++] = v[k];
				v[k--] = t;
			}
		}
		if (k - lo < hi - i) {
			quicksort(v, lo, k);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = k;
		}
	}
	for (long i = lo + 1; i <= hi; i++) {
		uint32_t t = v[i];
		long k = i;
		for (; k > lo && v[k - 1] > t; k--)
			v[k] = v[k - 1];
		v[k] = t;
	}
}

/* Sorts SORT_N pseudo-random words, refilled each round. */
static void *sort_kernel(void *arg)
{
	struct job *j = arg;
	uint32_t *v = j->buf;
	uint64_t s = 2463534242ull, sum = 0;
	for (long r = 0; r < j->rounds * 2; r++) {
		for (long i = 0; i < SORT_N; i++)
			v[i] = (uint32_t)xorshift(&s);
		quicksort(v, 0, SORT_N - 1);
		sum += v[SORT_N / 2];
	}
	j->result = sum;
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 8;
	void *(*kernel[4])(void *) = { hash_kernel, sieve_kernel, matmul_kernel, sort_kernel };
	const char *name[4] = { "fnv", "sieve", "matmul", "sort" };
	struct job job[4] = {
		{ .buf = malloc(HASH_BYTES) },
		{ .buf = malloc(SIEVE_N) },
		{ .buf = malloc(sizeof(double) * MAT_N * MAT_N), .buf2 = malloc(sizeof(double) * MAT_N * MAT_N),
		  .buf3 = malloc(sizeof(double) * MAT_N * MAT_N) },
		{ .buf = malloc(sizeof(uint32_t) * SORT_N) },
	};
	pthread_t t[4];
	for (int i = 0; i < 4; i++) {
		job[i].rounds = n;
		if (!job[i].buf || pthread_create(&t[i], NULL, kernel[i], &job[i])) {
			fprintf(stderr, "compute_threads: cannot start the %s thread\n", name[i]);
			return 1;
		}
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 4; i++)
		printf("%s %llu\n", name[i], (unsigned long long)job[i].result);
	return 0;
}
