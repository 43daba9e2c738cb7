/* craft_clone.c - the program behind the crafted-newtask attack on replay
 * (tests/suite-confine.sh): a clone that fails (CLONE_SIGHAND without
 * CLONE_VM), then a file created at PATH. A copy of its trace claims the
 * clone made a new task; replay must report the divergence at the clone
 * and run nothing after it. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	long r = syscall(SYS_clone, CLONE_SIGHAND | SIGCHLD, 0, 0, 0, 0);
	printf("clone returned %ld (errno %d)\n", r, r < 0 ? errno : 0);
	fflush(stdout);
	int fd = open(argv[1], O_CREAT | O_WRONLY, 0644);
	return r < 0 && fd >= 0 ? 0 : 1;
}
