// read_huge: prints "before", then reads 1100 MiB from /dev/zero in one
// read(): more than one trace record can hold, so rec must stop there.
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	size_t size = (size_t)1100 << 20;
	printf("before\n");
	fflush(stdout);
	char *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/dev/zero", O_RDONLY);
	if (buf == MAP_FAILED || fd < 0)
		return 1;
	ssize_t n = read(fd, buf, size);
	printf("read %zd\n", n);
	return 0;
}
