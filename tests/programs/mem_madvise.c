// mem_madvise: madvise with every advice value a program may pass, valid
// and invalid (MADV_HWPOISON and MADV_SOFT_OFFLINE too, refused without
// CAP_SYS_ADMIN), on private and shared, anonymous and file mappings; each
// on fresh mappings, printing the result and the pages' first bytes after.
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/capability.h>

#define PG 4096
#define NPG 4

static const char *kinds[] = {"anon-private", "anon-shared", "file-private", "file-shared", "memfd-shared"};

static char *map_kind(int k, int fd, int mfd)
{
	switch (k) {
	case 0: return mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	case 1: return mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	case 2: return mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	case 3: return mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	default: return mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	}
}

static sigjmp_buf jb;

static void on_fault(int sig)
{
	siglongjmp(jb, sig);
}

/* The page's first byte, '0' for zero, 'G' if reading it faults (a guard). */
static char peek(volatile char *q)
{
	if (sigsetjmp(jb, 1))
		return 'G';
	return *q ? *q : '0';
}

/* Without CAP_SYS_ADMIN (a root test run has it), MADV_HWPOISON and
 * MADV_SOFT_OFFLINE fail with EPERM rather than poisoning a page. */
static int drop_caps(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};
	return (int)syscall(SYS_capset, &h, d);
}

int main(void)
{
	signal(SIGSEGV, on_fault);
	signal(SIGBUS, on_fault);
	if (drop_caps() < 0)
		return printf("FAIL capset: %s\n", strerror(errno)), 1;
	static const int advs[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
				   21, 22, 23, 24, 25, 26, 99, 100, 101, 102, 103, 104, 1000, -1};
	char path[] = "/tmp/heisen-madv-XXXXXX";
	int fd = mkstemp(path);
	int mfd = memfd_create("madv", 0);
	if (fd < 0 || mfd < 0)
		return printf("FAIL open: %s\n", strerror(errno)), 1;
	unlink(path);
	int bad = 0;
	for (size_t a = 0; a < sizeof advs / sizeof advs[0]; a++) {
		printf("advice %d:", advs[a]);
		for (int k = 0; k < 5; k++) {
			char page[PG];
			memset(page, 'f', PG);
			for (int i = 0; i < NPG; i++) /* the file's content: 'f' */
				if (pwrite(fd, page, PG, (off_t)i * PG) != PG || pwrite(mfd, page, PG, (off_t)i * PG) != PG)
					return printf("FAIL pwrite\n"), 1;
			char *p = map_kind(k, fd, mfd);
			if (p == MAP_FAILED)
				return printf("FAIL mmap %s: %s\n", kinds[k], strerror(errno)), 1;
			for (int i = 0; i < NPG; i++)
				p[i * PG] = (char)('a' + i);
			errno = 0;
			int r = madvise(p + PG, 2 * PG, advs[a]);
			int e = r < 0 ? errno : 0;
			char seen[NPG + 1];
			for (int i = 0; i < NPG; i++)
				seen[i] = peek(p + i * PG);
			seen[NPG] = 0;
			printf(" %s=%d/%s", kinds[k], r, seen);
			if (e)
				printf("(%s)", strerrorname_np(e));
			/* what the kernel must do natively */
			if (advs[a] == 5 && r != -1)
				bad = 1;
			if (advs[a] == MADV_DONTNEED && r == 0 && k == 0 && strcmp(seen, "a00d"))
				bad = 1;
			if (advs[a] == MADV_DONTNEED && r == 0 && k == 2 && strcmp(seen, "affd"))
				bad = 1;
			if (advs[a] == MADV_NORMAL && (r != 0 || strcmp(seen, "abcd")))
				bad = 1;
			munmap(p, NPG * PG);
		}
		printf("\n");
	}
	/* MADV_DONTFORK and MADV_WIPEONFORK seen by a child */
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 'x', p[PG] = 'y';
	int r1 = madvise(p, PG, MADV_WIPEONFORK);
	printf("wipeonfork %d\n", r1);
	pid_t c = fork();
	if (c == 0)
		_exit(p[0] == 0 && p[PG] == 'y' ? 0 : 3);
	int st;
	waitpid(c, &st, 0);
	printf("child saw wiped page: %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
	if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0))
		bad = 1;
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
