// mmap_file: a temp file with random content, mapped MAP_SHARED read-only
// (checksum), MAP_PRIVATE written (file unchanged). Writes through shared
// mappings are in mmap_shared.c.
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define SIZE (64 * 1024 + 100)

static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t file_sum(int fd)
{
	static unsigned char buf[SIZE];
	ssize_t n = pread(fd, buf, SIZE, 0);
	return n == SIZE ? fnv(buf, SIZE) : 0;
}

int main(void)
{
	char path[] = "/tmp/heisen-mmap-XXXXXX";
	int fd = mkstemp(path);
	CK(fd);
	static unsigned char data[SIZE];
	for (size_t off = 0; off < SIZE;) {
		ssize_t n = getrandom(data + off, SIZE - off, 0);
		CK(n);
		off += n;
	}
	CK(write(fd, data, SIZE));
	printf("written checksum %016llx first bytes %02x%02x%02x%02x\n", (unsigned long long)fnv(data, SIZE),
	       data[0], data[1], data[2], data[3]);

	unsigned char *ro = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	CK(ro == MAP_FAILED ? -1 : 0);
	printf("shared ro map %p checksum %016llx\n", (void *)ro, (unsigned long long)fnv(ro, SIZE));
	printf("last page bytes %02x %02x, tail beyond EOF %02x\n", ro[SIZE - 2], ro[SIZE - 1], ro[SIZE]);

	unsigned char *pv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	CK(pv == MAP_FAILED ? -1 : 0);
	for (size_t i = 0; i < SIZE; i += 4096)
		pv[i] ^= 0xff;
	printf("private map %p after write %016llx; file %016llx; shared view %016llx\n", (void *)pv,
	       (unsigned long long)fnv(pv, SIZE), (unsigned long long)file_sum(fd),
	       (unsigned long long)fnv(ro, SIZE));

	CK(munmap(pv, SIZE));
	CK(munmap(ro, SIZE));
	close(fd);
	CK(unlink(path));
	printf("done\n");
	return 0;
}
