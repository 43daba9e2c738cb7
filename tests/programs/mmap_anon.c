// mmap_anon: anonymous mmap, mremap (grow, move, shrink), mprotect, madvise
// (MADV_DONTNEED zeroes private pages), munmap, MAP_FIXED; prints addresses
// and checksums.
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define MB (1024 * 1024)

static uint64_t sum(const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i += 64)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

int main(void)
{
	unsigned char *a = mmap(NULL, MB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CK(a == MAP_FAILED ? -1 : 0);
	for (size_t i = 0; i < MB; i++)
		a[i] = (unsigned char)(i * 7 + (i >> 12));
	printf("mmap %p sum %016llx\n", (void *)a, (unsigned long long)sum(a, MB));
	unsigned char *b = mremap(a, MB, 4 * MB, MREMAP_MAYMOVE);
	CK(b == MAP_FAILED ? -1 : 0);
	printf("mremap grow %p (moved %d) sum of old part %016llx new part zero %d\n", (void *)b, b != a,
	       (unsigned long long)sum(b, MB), b[3 * MB] == 0);
	b[4 * MB - 1] = 42;
	unsigned char *c = mremap(b, 4 * MB, 2 * MB, 0);
	CK(c == MAP_FAILED ? -1 : 0);
	printf("mremap shrink %p\n", (void *)c);
	CK(mprotect(c, MB, PROT_READ));
	printf("mprotect read-only ok, byte %u\n", c[12345]);
	CK(mprotect(c, MB, PROT_READ | PROT_WRITE));
	c[0] = 1;
	CK(madvise(c, MB, MADV_DONTNEED));
	printf("after MADV_DONTNEED sum %016llx c[0] %u c[MB+7] %u\n", (unsigned long long)sum(c, MB), c[0], c[MB + 7]);
	CK(madvise(c + MB, MB, MADV_WILLNEED));
	unsigned char vec[4];
	/* heisen refuses mincore (page residency differs in replay): ENOSYS */
	int mc = mincore(c, 4 * 4096, vec);
	printf("mincore %s\n", mc == 0 ? "ok" : errno == ENOSYS ? "refused" : "FAILED");

	unsigned char *f = mmap(c + MB, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("MAP_FIXED %p (at requested %d) zero %d\n", (void *)f, f == c + MB, f[0] == 0 && f[4095] == 0);
	CK(munmap(c, 2 * MB));
	unsigned char *g = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE | MAP_NORESERVE, -1, 0);
	CK(g == MAP_FAILED ? -1 : 0);
	memset(g, 0x5a, 3 * 4096);
	CK(munmap(g + 4096, 4096));
	printf("hole punched in %p, ends %02x %02x\n", (void *)g, g[0], g[2 * 4096]);
	errno = 0;
	void *bad = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0);
	printf("mmap bad fd -> %p errno %d\n", bad, errno);
	unsigned char *gs = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN, -1, 0);
	printf("growsdown %p\n", (void *)gs);
	void *sh = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CK(sh == MAP_FAILED ? -1 : 0);
	memcpy(sh, "shared anon", 12);
	printf("shared anon %p '%s'\n", sh, (char *)sh);
	return 0;
}
