// sys_enosys: syscall numbers the kernel does not implement (-1, a hole of
// the x86-64 table, just above it, far above it, with the x32 bit, with
// bits above the low 32 that the kernel ignores) answer ENOSYS, recorded
// as the kernel answered and fed back in replay. Each goes through glibc's
// syscall(), one site called often enough that rec patches it to the
// in-process library: the later rounds reach the library too. Two threads
// make such calls at once at the end (sysenter records of wide numbers).
// (A number the kernel implements and heisen does not know stops the
// recording: tests/diverge/unknown_syscall.c.)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HIGH 0x100000000L /* ignored by the kernel, which reads the low 32 bits */

static void try(const char *what, long nr)
{
	errno = 0;
	long r = syscall(nr, 1, 2, 3, 4, 5, 6);
	printf("%-12s syscall(%#lx) -> %ld errno %d%s\n", what, nr, r, errno, errno == ENOSYS ? " (ENOSYS)" : "");
}

/* Makes 3000 calls of number arg (a long); returns how many got ENOSYS. */
static void *loop(void *arg)
{
	long nr = (long)arg, n = 0;
	for (int i = 0; i < 3000; i++) {
		errno = 0;
		if (syscall(nr) == -1 && errno == ENOSYS)
			n++;
	}
	return (void *)n;
}

static void on_usr1(int sig)
{
	(void)sig;
}

int main(void)
{
	const struct { const char *what; long nr; } calls[] = {
		{"minus one", -1},
		{"negative", -1000},
		{"hole", 380},        /* between pkey_free (331) and pidfd_send_signal (424) */
		{"above table", 511}, /* heisen's table size is 512; the kernel's ends far below */
		{"thousand", 1000},
		{"big", 100000},
		{"x32 bit", 0x40000000L + 1000}, /* no x32 syscall has this number */
		{"high bits", HIGH + 1000},
	};
	for (int round = 0; round < 5; round++) {
		for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
			try(calls[i].what, calls[i].nr);
		printf("getpid works: %d\n", (int)syscall(SYS_getpid) > 0);
	}
	/* rt_sigaction with a high bit: the kernel runs it, rec lets it run
	 * unrecorded (as rt_sigaction), replay runs it too */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } old = {0};
	long r = syscall(HIGH + SYS_rt_sigaction, SIGUSR1, NULL, &old, 8L);
	printf("high-bit rt_sigaction -> %ld, handler found %d\n", r, old.handler == (void *)on_usr1);
	pthread_t th;
	void *theirs = NULL;
	if (pthread_create(&th, NULL, loop, (void *)(0x40000000L + 7)))
		return 1;
	long mine = (long)loop((void *)-1L);
	pthread_join(th, &theirs);
	printf("threads: %ld and %ld of 3000 calls got ENOSYS\n", mine, (long)theirs);
	return 0;
}
