// brk_malloc: brk/sbrk directly, then malloc of many small blocks and of
// large blocks (mmap'd by glibc), realloc, calloc, free; prints addresses.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	void *b0 = sbrk(0);
	printf("sbrk(0) %p\n", b0);
	char *p = sbrk(8192);
	printf("sbrk(8192) -> %p now %p\n", (void *)p, sbrk(0));
	memset(p, 'x', 8192);
	int rc = brk((char *)sbrk(0) + 4096);
	printf("brk(+4096) -> %d now %p\n", rc, sbrk(0));
	void *old = sbrk(-4096);
	printf("sbrk(-4096) -> %p now %p\n", old, sbrk(0));

	void *small[200];
	uintptr_t x = 0;
	for (int i = 0; i < 200; i++) {
		small[i] = malloc(16 + i * 8);
		memset(small[i], i, 16 + i * 8);
		x ^= (uintptr_t)small[i];
	}
	printf("small blocks first %p last %p xor %lx\n", small[0], small[199], (unsigned long)x);
	for (int i = 0; i < 200; i += 2)
		free(small[i]);
	void *again = malloc(32);
	printf("reuse %p\n", again);
	char *big = malloc(8 << 20);
	memset(big, 1, 8 << 20);
	printf("big 8MiB %p\n", (void *)big);
	char *big2 = realloc(big, 16 << 20);
	printf("realloc 16MiB %p byte %d\n", (void *)big2, big2[(8 << 20) - 1]);
	int *z = calloc(100000, sizeof *z);
	long s = 0;
	for (int i = 0; i < 100000; i++)
		s += z[i];
	printf("calloc %p sum %ld\n", (void *)z, s);
	free(z);
	free(big2);
	void *al = aligned_alloc(4096, 3 * 4096);
	printf("aligned %p\n", al);
	free(al);
	for (int i = 1; i < 200; i += 2)
		free(small[i]);
	free(again);
	printf("sbrk(0) at end %p\n", sbrk(0));
	return 0;
}
