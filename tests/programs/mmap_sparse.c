// mmap_sparse.c - huge sparse mappings: a 1 TiB memfd mapped shared
// (written at its middle and its last page), and a 64 GiB sparse file with
// one page of data in its middle, written before it is mapped privately and
// read through the mapping. rec stores only the data of such a file (its
// holes read as zeros in replay); storing them whole took minutes and
// ignored SIGTERM.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	size_t big = 1ull << 40;
	int fd = memfd_create("big", 0);
	if (fd < 0 || ftruncate(fd, (off_t)big)) {
		perror("memfd");
		return 1;
	}
	char *p = mmap(NULL, big, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap memfd");
		return 1;
	}
	strcpy(p + big / 2, "middle");
	strcpy(p + big - 4096, "end");
	printf("memfd: %s %s %d\n", p + big / 2, p + big - 4096, p[12345]);

	char path[] = "/tmp/heisen-sparse-XXXXXX";
	int sf = mkstemp(path);
	size_t size = 64ull << 30;
	if (sf < 0 || ftruncate(sf, (off_t)size) || pwrite(sf, "data in a hole", 15, (off_t)(size / 2)) != 15) {
		perror("sparse file");
		return 1;
	}
	unlink(path);
	const char *q = mmap(NULL, size, PROT_READ, MAP_PRIVATE, sf, 0);
	if (q == MAP_FAILED) {
		perror("mmap file");
		return 1;
	}
	printf("file: %s %d %d\n", q + size / 2, q[0], q[size - 1]);
	return strcmp(q + size / 2, "data in a hole") || strcmp(p + big / 2, "middle") ? 1 : 0;
}
