// mem_mremap_join: two mmaps side by side with the same protections (which
// the kernel joins into one mapping), then mremap of the joined range:
// grown in place, shrunk, moved; for anonymous, shared and private file
// mappings, and a pair with different protections that stays two (mremap:
// EFAULT). Replay opens its copy of the file once per mmap: two mappings.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static int bad;

static void expect(const char *what, int ok)
{
	printf("%s: %s\n", what, ok ? "ok" : "WRONG");
	if (!ok)
		bad = 1;
}

/* Two mappings of n pages each, side by side in a free 4n-page hole. */
static int file_flags = MAP_SHARED;

static char *pair(int fd, int prot2)
{
	char *h = mmap(NULL, 16 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(h, 16 * PG);
	int fl = fd < 0 ? MAP_PRIVATE | MAP_ANONYMOUS : file_flags;
	char *a = mmap(h, 2 * PG, PROT_READ | PROT_WRITE, fl | MAP_FIXED_NOREPLACE, fd, 0);
	char *b = mmap(h + 2 * PG, 2 * PG, prot2, fl | MAP_FIXED_NOREPLACE, fd, fd < 0 ? 0 : 2 * PG);
	if (a != h || b != h + 2 * PG) {
		printf("FAIL pair: %s\n", strerror(errno));
		exit(1);
	}
	return a;
}

static int maps_count(char *lo, char *hi)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof line, f)) {
		unsigned long s, e;
		if (sscanf(line, "%lx-%lx", &s, &e) == 2 && s < (unsigned long)hi && e > (unsigned long)lo)
			n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void one(const char *kind, int fd)
{
	printf("%s:\n", kind);
	char *a = pair(fd, PROT_READ | PROT_WRITE);
	for (int i = 0; i < 4; i++)
		a[i * PG] = (char)('A' + i);
	expect("joined into one mapping", maps_count(a, a + 4 * PG) == 1);
	char *g = mremap(a, 4 * PG, 6 * PG, 0); /* grow in place: the hole is free */
	expect("grown in place", g == a);
	if (g == a) {
		g[5 * PG] = 'F';
		expect("contents after growing", a[0] == 'A' && a[3 * PG] == 'D');
	}
	char *s = mremap(a, 6 * PG, 3 * PG, 0);
	expect("shrunk", s == a && a[2 * PG] == 'C');
	char *dst = mmap(NULL, 8 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m = mremap(a, 3 * PG, 5 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG);
	expect("moved", m == dst + PG && m[0] == 'A' && m[PG] == 'B' && m[2 * PG] == 'C');
	if (m != MAP_FAILED)
		m[4 * PG] = 'E';
	munmap(dst, 8 * PG);
	/* the same with different protections: two mappings, EFAULT */
	char *c = pair(fd, PROT_READ);
	expect("different protections stay two", maps_count(c, c + 4 * PG) == 2);
	errno = 0;
	char *f = mremap(c, 4 * PG, 6 * PG, MREMAP_MAYMOVE);
	printf("mremap across two: %s\n", f == MAP_FAILED ? strerrorname_np(errno) : "moved");
	expect("mremap across two fails", f == MAP_FAILED && errno == EFAULT);
	munmap(c, 4 * PG);
	/* grow with MAYMOVE when the next page is taken */
	char *d = pair(fd, PROT_READ | PROT_WRITE);
	d[0] = 'x';
	char *blk = mmap(d + 4 * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	char *mv = mremap(d, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
	expect("grown by moving", blk == d + 4 * PG && mv != MAP_FAILED && mv != d && mv[0] == 'x');
	munmap(blk, PG);
	munmap(mv, 8 * PG);
}

int main(void)
{
	one("anonymous", -1);
	char path[] = "/tmp/heisen-mremap-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	if (fd < 0 || ftruncate(fd, 8 * PG) < 0)
		return 1;
	one("shared file", fd);
	file_flags = MAP_PRIVATE;
	one("private file", fd);
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
