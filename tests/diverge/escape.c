/* escape.c - one syscall of a family that acts outside a replay, made
 * right after a getppid() (the marker tests/suite-confine.sh hands replay's
 * test hook HEISEN_TEST_UNCONFINED_AFTER, which lets the program run its
 * syscalls itself from there on, as a buggy replay would). The sandbox
 * must kill the replayed program at that syscall.
 *   escape FAMILY PATH   (PATH: an existing file the family may change) */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char made[4200];
	if (argc != 3 || strlen(argv[2]) > 4000)
		return 2;
	snprintf(made, sizeof made, "%s.new", argv[2]);
	const char *f = argv[1];
	long r = -1;
	syscall(SYS_getppid); /* the marker */
	if (!strcmp(f, "create"))
		r = syscall(SYS_openat, AT_FDCWD, made, O_CREAT | O_WRONLY, 0644);
	else if (!strcmp(f, "unlink"))
		r = syscall(SYS_unlink, argv[2]);
	else if (!strcmp(f, "chmod"))
		r = syscall(SYS_chmod, argv[2], 04777);
	else if (!strcmp(f, "mknod"))
		r = syscall(SYS_mknod, made, S_IFCHR | 0666, makedev(1, 3));
	else if (!strcmp(f, "truncate"))
		r = syscall(SYS_truncate, argv[2], 0);
	else if (!strcmp(f, "read"))
		r = syscall(SYS_openat, AT_FDCWD, argv[2], O_RDONLY);
	else if (!strcmp(f, "socket"))
		r = syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	else if (!strcmp(f, "kill"))
		r = syscall(SYS_kill, 1, 0);
	else if (!strcmp(f, "clone")) {
		r = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			syscall(SYS_exit, 0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
	} else if (!strcmp(f, "exec")) {
		char *args[] = {"true", NULL};
		r = syscall(SYS_execve, "/bin/true", args, NULL);
	} else if (!strcmp(f, "ptrace"))
		r = syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0);
	else
		return 2;
	printf("%s: %ld\n", f, r);
	return 0;
}
