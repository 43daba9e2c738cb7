// seccomp_exec_thread: a filter installed with TSYNC, then a thread other than
// the first execs: the new image keeps the filter (getpriority: EACCES). rec's
// task of the exec'ing thread takes over the first one's, filters included.
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
static char *self;
static void *t(void *a) { (void)a; execl("/proc/self/exe", self, "x", (char *)0); return 0; }
int main(int argc, char **argv)
{
	if (argc > 1) { errno = 0; long r = syscall(SYS_getpriority, PRIO_PROCESS, 0); printf("after exec: %ld %d\n", r, errno); return 0; }
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EACCES),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog p = {4, f};
	self = argv[0];
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &p);
	pthread_t th;
	pthread_create(&th, 0, t, 0);
	pause();
}
