/* copy4k: rr's `cp` benchmark, a file copy in 4 KiB reads and writes
 * (bench/real.sh). `copy4k SRC DST` copies SRC to DST with read(2) and
 * write(2) of 4096 bytes and prints the bytes copied and a checksum of
 * them; `copy4k --make FILE MB` first writes FILE: MB MiB of text-like
 * lines (numbers from a fixed pseudo-random sequence, which LZ4 compresses
 * about as well as source or log files), the same bytes every time. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { BS = 4096 };

/* Writes all of buf to fd; 0 or -errno. */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes FILE: mb MiB of lines of pseudo-random numbers. */
static int make_file(const char *path, long mb)
{
	static char buf[1 << 16];
	uint64_t x = 88172645463325252ULL, left = (uint64_t)mb << 20;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), rc = 0;
	if (fd < 0)
		return -errno;
	while (left > 0 && rc == 0) {
		size_t n = 0;
		while (n < sizeof buf - 64) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			n += (size_t)snprintf(buf + n, 64, "%06u %s %u\n", (unsigned)(x % 1000000),
					      (x >> 20) % 3 ? "ok" : "retry", (unsigned)(x >> 40) % 100);
		}
		if (n > left)
			n = (size_t)left;
		rc = write_all(fd, buf, n);
		left -= n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	return rc;
}

int main(int argc, char **argv)
{
	static char buf[BS];
	if (argc == 4 && strcmp(argv[1], "--make") == 0) {
		int rc = make_file(argv[2], atol(argv[3]));
		if (rc < 0)
			fprintf(stderr, "copy4k: %s: %s\n", argv[2], strerror(-rc));
		return rc < 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: copy4k SRC DST | copy4k --make FILE MB\n");
		return 2;
	}
	int in = open(argv[1], O_RDONLY), out = -1, rc = 0;
	if (in < 0 || (out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		fprintf(stderr, "copy4k: %s: %s\n", in < 0 ? argv[1] : argv[2], strerror(errno));
		return 1;
	}
	uint64_t total = 0, sum = 0;
	for (;;) {
		ssize_t n = read(in, buf, BS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = n < 0 ? -errno : 0;
			break;
		}
		for (ssize_t i = 0; i < n; i += 64)
			sum = sum * 31 + (unsigned char)buf[i];
		if ((rc = write_all(out, buf, (size_t)n)) < 0)
			break;
		total += (uint64_t)n;
	}
	if (close(out) < 0 && rc == 0)
		rc = -errno;
	close(in);
	if (rc < 0) {
		fprintf(stderr, "copy4k: %s\n", strerror(-rc));
		return 1;
	}
	printf("%llu bytes, checksum %016llx\n", (unsigned long long)total, (unsigned long long)sum);
	return 0;
}
