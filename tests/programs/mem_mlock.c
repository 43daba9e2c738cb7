// mem_mlock: mlock, munlock, mlock2 (MLOCK_ONFAULT and a bad flag),
// mlockall (MCL_CURRENT|MCL_FUTURE, MCL_ONFAULT, bad flags), munlockall,
// with the pages' contents and VmLck from /proc/self/status after each.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PG 4096

static long vmlck(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "VmLck:", 6))
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static int bad;

static void show(const char *what, long r, long want)
{
	printf("%s -> %ld%s%s VmLck %ld kB\n", what, r, r < 0 ? " " : "", r < 0 ? strerrorname_np(errno) : "", vmlck());
	if (r != want)
		bad = 1;
}

int main(void)
{
	char *p = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	memset(p, 'm', 8 * PG);
	show("mlock 2 pages", mlock(p, 2 * PG), 0);
	show("munlock 1 page", munlock(p, PG), 0);
	show("mlock2 ONFAULT", syscall(SYS_mlock2, p + 4 * PG, 2 * PG, MLOCK_ONFAULT), 0);
	show("mlock2 bad flag", syscall(SYS_mlock2, p, PG, 0x100), -1);
	show("mlock unmapped", mlock((void *)0x10000, PG), -1);
	show("munlock all of it", munlock(p, 8 * PG), 0);
	show("mlockall bad", mlockall(0), -1);
	show("mlockall ONFAULT alone", mlockall(MCL_ONFAULT), -1);
	show("mlockall CURRENT|FUTURE", mlockall(MCL_CURRENT | MCL_FUTURE), 0);
	char *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("mapped after MCL_FUTURE: %s\n", q == MAP_FAILED ? "failed" : "ok");
	q[0] = 'q';
	show("munlockall", munlockall(), 0);
	show("mlockall CURRENT|ONFAULT", mlockall(MCL_CURRENT | MCL_ONFAULT), 0);
	show("munlockall", munlockall(), 0);
	printf("contents %c %c %c\n", p[0], p[5 * PG], q[0]);
	if (p[0] != 'm' || q[0] != 'q')
		bad = 1;
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
