// mem_mincore: mincore's vector for touched and untouched anonymous pages
// and a file's cached pages, and its errors (unaligned, unmapped, bad vector).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096
#define N 8

int main(void)
{
	int bad = 0;
	unsigned char vec[N + 1];
	char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 1, p[3 * PG] = 1, p[7 * PG] = 1;
	memset(vec, 0xee, sizeof vec);
	int r = mincore(p, N * PG, vec);
	printf("anon: %d", r);
	for (int i = 0; i <= N; i++)
		printf(" %x", vec[i]);
	printf("\n");
	if (r != 0 || !(vec[0] & 1) || !(vec[3] & 1) || (vec[1] & 1) || vec[N] != 0xee)
		bad = 1;
	r = mincore(p + 1, PG, vec);
	printf("unaligned: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	if (r != -1 || errno != EINVAL)
		bad = 1;
	munmap(p + 4 * PG, PG);
	r = mincore(p, N * PG, vec);
	printf("with a hole: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	if (r != -1 || errno != ENOMEM)
		bad = 1;
	r = mincore(p, PG, (unsigned char *)8);
	printf("bad vector: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	if (r != -1 || errno != EFAULT)
		bad = 1;
	char path[] = "/tmp/heisen-mincore-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	char buf[2 * PG];
	memset(buf, 'x', sizeof buf);
	if (fd < 0 || write(fd, buf, sizeof buf) != (ssize_t)sizeof buf)
		return 1;
	char *f = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	r = mincore(f, 2 * PG, vec);
	printf("file pages just written: %d %x %x\n", r, vec[0] & 1, vec[1] & 1);
	if (r != 0 || !(vec[0] & 1))
		bad = 1;
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
