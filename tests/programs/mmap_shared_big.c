// mmap_shared_big: a sparse file larger than a trace's file chunk (64 MiB),
// mapped MAP_SHARED, a few pages touched: the trace stores it in several
// file records and replay puts it together. HEISEN_BIGMAP_MB sets the size
// (default 80; 1536 checks a file larger than a trace frame may be).
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	const char *mb = getenv("HEISEN_BIGMAP_MB");
	size_t size = (size_t)(mb ? atol(mb) : 80) << 20;
	char path[] = "/tmp/heisen-bigmap-XXXXXX";
	int fd = mkstemp(path);
	CK(fd);
	CK(unlink(path));
	CK(ftruncate(fd, (off_t)size));
	/* A few bytes of content in the file before it is mapped, one of them
	 * past the first 64 MiB. */
	CK(pwrite(fd, "head", 4, 0));
	CK(pwrite(fd, "tail", 4, (off_t)size - 4));
	unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CK(m == MAP_FAILED ? -1 : 0);
	printf("mapped %zu MiB: starts '%.4s', ends '%.4s'\n", size >> 20, (char *)m, (char *)m + size - 4);
	uint64_t sum = 0;
	for (size_t off = 0; off < size; off += size / 7 & ~(size_t)4095) {
		m[off + 100] = (unsigned char)(off >> 20);
		sum += m[off + 100] + m[off + 101];
	}
	char buf[5] = {0};
	CK(pread(fd, buf, 4, (off_t)size - 4));
	printf("touched 8 pages, sum %llu; the file ends '%s'\n", (unsigned long long)sum, buf);
	CK(munmap(m, size));
	close(fd);
	return 0;
}
