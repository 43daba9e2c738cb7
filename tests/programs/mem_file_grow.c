// mem_file_grow: private and shared mappings of a file that end beyond
// the file's end: a read past EOF gets SIGBUS; after ftruncate grows the
// file (and pwrite fills it) the same pages read the file's new content,
// a write through the shared mapping reaches the file, and shrinking the
// file again makes those pages fault, private copies included.
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PG 4096

static sigjmp_buf jb;
static volatile sig_atomic_t bus_code;

static void on_bus(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	bus_code = si->si_code;
	siglongjmp(jb, sig);
}

/* The byte at q, or -SIGNAL if reading it faults. */
static int peek(volatile char *q)
{
	int sig = sigsetjmp(jb, 1);
	if (sig)
		return -sig;
	return (unsigned char)*q;
}

static int bad;

static void expect(const char *what, int got, int want)
{
	printf("%s: %d%s\n", what, got, got == want ? "" : " WRONG");
	if (got != want)
		bad = 1;
}

int main(void)
{
	struct sigaction sa = {.sa_sigaction = on_bus, .sa_flags = SA_SIGINFO};
	sigaction(SIGBUS, &sa, NULL);
	char path[] = "/tmp/heisen-grow-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return 1;
	unlink(path);
	char buf[PG + 100];
	memset(buf, 'a', sizeof buf);
	if (pwrite(fd, buf, sizeof buf, 0) != (ssize_t)sizeof buf)
		return 1;
	char *pv = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	char *sh = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (pv == MAP_FAILED || sh == MAP_FAILED)
		return 1;
	expect("private, last byte of the file", peek(pv + PG + 99), 'a');
	expect("private, past EOF in the last page", peek(pv + PG + 100), 0);
	expect("private, the page past EOF", peek(pv + 2 * PG), -SIGBUS);
	expect("SIGBUS si_code", bus_code, BUS_ADRERR);
	expect("shared, the page past EOF", peek(sh + 3 * PG), -SIGBUS);
	sh[PG + 200] = 's'; /* in the last page, past EOF: not in the file */
	if (ftruncate(fd, 3 * PG) < 0)
		return 1;
	memset(buf, 'b', PG);
	if (pwrite(fd, buf, PG, 2 * PG) != PG)
		return 1;
	expect("private, the page after growing", peek(pv + 2 * PG), 'b');
	expect("shared, the page after growing", peek(sh + 2 * PG), 'b');
	/* the kernel zeroes the old last page's tail when the file grows */
	expect("shared, written past the old EOF", peek(sh + PG + 200), 0);
	expect("private sees the same page (never copied)", peek(pv + PG + 200), 0);
	expect("still past EOF", peek(sh + 3 * PG), -SIGBUS);
	sh[2 * PG + 1] = 'w';
	char c = 0;
	expect("pread of the shared write", pread(fd, &c, 1, 2 * PG + 1) == 1 ? c : -1, 'w');
	pv[2 * PG + 2] = 'p'; /* a private copy now */
	expect("private write stays private", pread(fd, &c, 1, 2 * PG + 2) == 1 ? c : -1, 'b');
	/* shrink: pages past the new EOF fault again, private copies too */
	if (ftruncate(fd, PG) < 0)
		return 1;
	expect("shared after shrinking", peek(sh + 2 * PG), -SIGBUS);
	expect("private copy unmapped by shrinking", peek(pv + 2 * PG + 2), -SIGBUS);
	printf(bad ? "FAIL\n" : "ok\n");
	return bad;
}
