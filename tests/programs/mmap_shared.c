// mmap_shared: MAP_SHARED file mappings must stay coherent with each other
// and with the file: a write through one shared mapping shows in another
// and in pread; a pwrite shows in the mappings; a private mapping keeps its
// copied page.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define SIZE (3 * 4096)

int main(void)
{
	char path[] = "/tmp/heisen-mshared-XXXXXX";
	int fd = mkstemp(path);
	CK(fd);
	unsigned char data[SIZE];
	CK(getrandom(data, sizeof data, 0));
	CK(write(fd, data, sizeof data));
	unsigned char *ro = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
	unsigned char *pv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	unsigned char *sw = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4096);
	CK(ro == MAP_FAILED || pv == MAP_FAILED || sw == MAP_FAILED ? -1 : 0);
	printf("maps ro %p private %p shared rw %p; first byte %02x\n", (void *)ro, (void *)pv, (void *)sw, ro[0]);
	pv[4096 + 10] = 'P';
	memcpy(sw + 10, "written through a shared mapping", 32);
	CK(msync(sw, 8192, MS_SYNC));
	char buf[33] = {0};
	CK(pread(fd, buf, 32, 4096 + 10));
	printf("pread sees: '%s'\n", buf);
	printf("other shared map sees: '%.32s'\n", (char *)ro + 4096 + 10);
	printf("private map (copied page) sees: '%c' then original bytes %d\n", pv[4096 + 10],
	       memcmp(pv + 4096 + 11, data + 4096 + 11, 31) == 0);
	CK(pwrite(fd, "PWRITTEN", 8, 8192 + 100));
	printf("after pwrite: shared ro '%.8s' shared rw '%.8s'\n", (char *)ro + 8192 + 100, (char *)sw + 4096 + 100);
	CK(ftruncate(fd, 4096));
	printf("truncated file; first page still mapped: %02x\n", ro[0]);
	munmap(sw, 8192);
	munmap(pv, SIZE);
	munmap(ro, SIZE);
	close(fd);
	CK(unlink(path));
	return 0;
}
