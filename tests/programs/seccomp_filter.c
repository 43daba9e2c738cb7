// seccomp_filter: a program's own seccomp filters take effect under rec and
// in replay. The filters (classic BPF, stacked) answer:
// - getpriority with EACCES (SECCOMP_RET_ERRNO), mkdir of mode 0701 with 0
//   (a fake success: no directory appears), mprotect of a marked length
//   with ENOMEM (a call replay re-runs when it runs: here it must not);
// - uname with SIGSYS (SECCOMP_RET_TRAP, data 42), whose handler checks the
//   kernel's siginfo and registers and emulates the call (rax = 1234);
// - the second filter, installed with TSYNC while a thread waits: its
//   sched_getscheduler fails with ESRCH (the thread got it too); stacked,
//   the filters' actions as the kernel ranks them: uname still traps (the
//   second says EPERM), getpriority gets the second's ENXIO (ties: newer);
// - getsid in a thread: SECCOMP_RET_KILL_THREAD (the thread alone dies,
//   main joins it); getpgid in a forked child: SECCOMP_RET_KILL_PROCESS.
// A forked child keeps the filters (getpriority: EACCES) and across its
// exec: the new image has no SIGSYS handler, its uname kills it (SIGSYS).
// PR_GET_SECCOMP says 0 before, 2 after.

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#define MARK_LEN (12345 * 4096UL)
#define DIR_NAME "/tmp/heisen-seccomp-fake-dir"

#define LD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LD_ARG(i) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[i]))
#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))

static struct sock_filter first[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	LD_NR,
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
	RET(SECCOMP_RET_ERRNO | EACCES),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
	RET(SECCOMP_RET_TRAP | 42),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getsid, 0, 1),
	RET(SECCOMP_RET_KILL_THREAD),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpgid, 0, 1),
	RET(SECCOMP_RET_KILL_PROCESS),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 0, 3),
	LD_ARG(1),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0701, 0, 1),
	RET(SECCOMP_RET_ERRNO | 0),
	LD_NR,
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 0, 3),
	LD_ARG(1),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)MARK_LEN, 0, 1),
	RET(SECCOMP_RET_ERRNO | ENOMEM),
	RET(SECCOMP_RET_ALLOW),
};

static struct sock_filter second[] = {
	LD_NR,
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_sched_getscheduler, 0, 1),
	RET(SECCOMP_RET_ERRNO | ESRCH),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_uname, 0, 1),
	RET(SECCOMP_RET_ERRNO | EPERM), /* the first filter's trap wins: higher precedence */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpriority, 0, 1),
	RET(SECCOMP_RET_ERRNO | ENXIO), /* this one wins: as strict, and newer */
	RET(SECCOMP_RET_LOG),
};

static volatile sig_atomic_t sys_code, sys_nr, sys_errno, sys_arch, sys_addr_ok, sys_rax_ok;

static void on_sigsys(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	(void)sig;
	sys_code = si->si_code;
	sys_nr = si->si_syscall;
	sys_errno = si->si_errno;
	sys_arch = si->si_arch == AUDIT_ARCH_X86_64;
	sys_addr_ok = (greg_t)(uintptr_t)si->si_call_addr == uc->uc_mcontext.gregs[REG_RIP];
	sys_rax_ok = uc->uc_mcontext.gregs[REG_RAX] == SYS_uname;
	uc->uc_mcontext.gregs[REG_RAX] = 1234;
}

static int go_fd[2];

static void *waiter(void *arg)
{
	char c;
	(void)arg;
	if (read(go_fd[0], &c, 1) != 1)
		return (void *)-1L;
	errno = 0;
	long r = syscall(SYS_sched_getscheduler, 0);
	return (void *)(long)(r < 0 ? errno : 0);
}

static void *getsid_thread(void *arg)
{
	(void)arg;
	syscall(SYS_getsid, 0);
	return (void *)1L; /* never: the filter kills this thread */
}

static void report(const char *what, long r)
{
	printf("%-28s -> %ld (%s)\n", what, r, r < 0 ? strerror(errno) : "ok");
}

static void status(const char *what, int st)
{
	if (WIFSIGNALED(st))
		printf("%s: killed by signal %d (%s)\n", what, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		printf("%s: exited %d\n", what, WEXITSTATUS(st));
}

int main(int argc, char **argv)
{
	if (argc > 1) {
		/* the exec'd child: the filters came along */
		errno = 0;
		report("exec'd getpriority", (long)syscall(SYS_getpriority, PRIO_PROCESS, 0));
		printf("exec'd PR_GET_SECCOMP %d\n", prctl(PR_GET_SECCOMP));
		fflush(stdout);
		struct utsname u;
		uname(&u); /* SIGSYS, no handler: killed */
		printf("exec'd child survived uname\n");
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	struct rlimit no_core = {0, 0};
	setrlimit(RLIMIT_CORE, &no_core);
	rmdir(DIR_NAME);
	printf("PR_GET_SECCOMP before: %d\n", prctl(PR_GET_SECCOMP));
	struct sigaction sa = {0};
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSYS, &sa, NULL);
	if (pipe(go_fd) < 0)
		return 2;
	pthread_t w;
	pthread_create(&w, NULL, waiter, NULL);

	struct sock_fprog p1 = {sizeof first / sizeof first[0], first};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &p1) < 0) {
		perror("prctl(PR_SET_SECCOMP)");
		return 2;
	}
	printf("PR_GET_SECCOMP after: %d\n", prctl(PR_GET_SECCOMP));
	errno = 0;
	report("getpriority", (long)syscall(SYS_getpriority, PRIO_PROCESS, 0));
	report("getppid (allowed)", getppid() > 0 ? 0 : -1);
	report("mkdir 0701", mkdir(DIR_NAME, 0701));
	struct stat st;
	report("stat of that directory", stat(DIR_NAME, &st));
	void *m = mmap(NULL, MARK_LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report("mprotect of the marked length", mprotect(m, MARK_LEN, PROT_READ));
	((volatile char *)m)[4096] = 1; /* still writable: the mprotect never ran */
	report("mprotect of another length", mprotect(m, 4096, PROT_READ));
	long u = syscall(SYS_uname, NULL);
	printf("uname -> %ld; SIGSYS code %d nr %d errno %d arch %d call_addr==rip %d rax==nr %d\n", u, (int)sys_code,
	       (int)sys_nr, (int)sys_errno, (int)sys_arch, (int)sys_addr_ok, (int)sys_rax_ok);

	/* the second filter on both threads at once */
	struct sock_fprog p2 = {sizeof second / sizeof second[0], second};
	errno = 0;
	report("seccomp(TSYNC)", syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &p2));
	errno = 0;
	report("getpriority, stacked", (long)syscall(SYS_getpriority, PRIO_PROCESS, 0));
	sys_code = 0;
	u = syscall(SYS_uname, NULL);
	printf("uname, stacked -> %ld; SIGSYS code %d\n", u, (int)sys_code);
	if (write(go_fd[1], "g", 1) != 1)
		return 2;
	void *wr;
	pthread_join(w, &wr);
	printf("waiter's sched_getscheduler errno: %s\n", strerror((int)(long)wr));

	pthread_t k;
	void *kr = NULL;
	pthread_create(&k, NULL, getsid_thread, NULL);
	pthread_join(k, &kr);
	(void)kr;
	printf("getsid thread joined\n");

	pid_t c = fork();
	if (c == 0) {
		errno = 0;
		report("child getpriority", (long)syscall(SYS_getpriority, PRIO_PROCESS, 0));
		syscall(SYS_getpgid, 0);
		_exit(5);
	}
	int s1;
	waitpid(c, &s1, 0);
	status("child calling getpgid", s1);

	c = fork();
	if (c == 0) {
		char self[] = "/proc/self/exe";
		execl(self, argv[0], "exec", (char *)NULL);
		_exit(4);
	}
	waitpid(c, &s1, 0);
	status("exec'd child", s1);
	printf("done\n");
	return 0;
}
