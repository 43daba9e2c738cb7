// urandom: reads /dev/urandom with read(2) and with stdio, /dev/random
// nonblocking; prints the bytes.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static void hex(const char *what, const unsigned char *b, long n)
{
	printf("%s (%ld):", what, n);
	for (long i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(void)
{
	unsigned char b[256];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0) { perror("open"); return 1; }
	hex("read 32", b, read(fd, b, 32));
	hex("read 7", b, read(fd, b, 7));
	close(fd);
	FILE *f = fopen("/dev/urandom", "rb");
	if (!f) { perror("fopen"); return 1; }
	size_t n = fread(b, 1, sizeof b, f);
	unsigned sum = 0;
	for (size_t i = 0; i < n; i++)
		sum = sum * 31 + b[i];
	printf("fread %zu bytes checksum %08x\n", n, sum);
	fclose(f);
	fd = open("/dev/random", O_RDONLY | O_NONBLOCK);
	if (fd >= 0) {
		hex("/dev/random 16", b, read(fd, b, 16));
		close(fd);
	}
	return 0;
}
