/* seccomp_refused.c - the seccomp uses rec cannot record fail at once with
 * EINVAL and one line from rec each: strict mode, a filter returning an
 * action computed at run time (ret A), a filter with a user-notification
 * listener. A plain filter installed after them works. The program goes
 * on and its output replays. (Natively the first one would succeed and
 * confine the program to read, write and exit: not run natively.) */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%s: %s\n", what, r < 0 ? strerror(errno) : "installed");
}

int main(void)
{
	struct sock_filter ret_a[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_IMM, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_filter allow[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EDOM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog pa = {2, ret_a}, pl = {4, allow};
	setvbuf(stdout, NULL, _IONBF, 0);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	show("strict mode", prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT));
	show("ret A", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &pa));
	show("listener", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &pl));
	show("plain filter", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &pl));
	errno = 0;
	long r = syscall(SYS_getppid);
	printf("getppid: %ld %s\n", r, strerror(errno));
	return 0;
}
