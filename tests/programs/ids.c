// ids: process and user ids, through glibc and raw syscalls.
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	printf("getpid %d raw %ld\n", getpid(), syscall(SYS_getpid));
	printf("gettid %d raw %ld\n", gettid(), syscall(SYS_gettid));
	printf("getppid %d\n", getppid());
	printf("getuid %u geteuid %u getgid %u getegid %u\n", getuid(), geteuid(), getgid(), getegid());
	uid_t r, e, s;
	gid_t gr, ge, gs;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	printf("getresuid %u %u %u getresgid %u %u %u\n", r, e, s, gr, ge, gs);
	gid_t groups[64];
	int n = getgroups(64, groups);
	printf("getgroups -> %d:", n);
	for (int i = 0; i < n; i++)
		printf(" %u", groups[i]);
	printf("\n");
	printf("getpgrp %d getpgid(0) %d getsid(0) %d\n", getpgrp(), getpgid(0), getsid(0));
	printf("set_tid_address -> %ld\n", syscall(SYS_set_tid_address, NULL));
	return 0;
}
