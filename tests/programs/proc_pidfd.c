/* proc_pidfd: process file descriptors. clone3 with CLONE_PIDFD (the kernel
 * writes the pidfd into clone_args.pidfd), clone() with CLONE_PIDFD (written
 * into the parent_tid argument): poll on a pidfd (nothing while the child
 * runs, POLLIN once it has exited), pidfd_send_signal killing the second
 * child with SIGTERM, and waitid P_PIDFD reaping each with its si_status.
 * pidfd_open (which heisen refuses with ENOSYS) may fail with ENOSYS. */
#include <errno.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

static int cfd, cwfd; /* the child reads its exit status from cfd */

static int child_main(void *arg)
{
	(void)arg;
	unsigned char b;
	close(cwfd);
	if (read(cfd, &b, 1) != 1)
		_exit(1);
	_exit(b);
}

/* releases the child with status v (0: none, it is killed), then polls its
 * pidfd and reaps it through it */
static void finish(const char *how, pid_t pid, int pidfd, int wfd, unsigned char v)
{
	struct pollfd pf = { pidfd, POLLIN, 0 };
	int r = poll(&pf, 1, 0);
	printf("%s: pidfd valid %d, poll while it runs -> %d\n", how, pidfd >= 0, r);
	check(pidfd >= 0 && r == 0, "pidfd of a running child");
	if (v) {
		CK(write(wfd, &v, 1));
	} else {
		r = (int)syscall(SYS_pidfd_send_signal, pidfd, SIGTERM, NULL, 0);
		printf("  pidfd_send_signal SIGTERM -> %d\n", r);
		check(r == 0, "pidfd_send_signal");
	}
	close(wfd);
	pf.revents = 0;
	r = poll(&pf, 1, 5000);
	printf("  poll after its end -> %d revents %s\n", r, pf.revents & POLLIN ? "POLLIN" : "-");
	check(r == 1 && (pf.revents & POLLIN), "pidfd readable at exit");
	siginfo_t si;
	memset(&si, 0, sizeof si);
	CK(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED));
	printf("  waitid P_PIDFD: pid ok %d code %s status %d\n", si.si_pid == pid,
	       si.si_code == CLD_EXITED ? "CLD_EXITED" : si.si_code == CLD_KILLED ? "CLD_KILLED" : "?", si.si_status);
	if (v)
		check(si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == v, "waitid P_PIDFD exit");
	else
		check(si.si_pid == pid && si.si_code == CLD_KILLED && si.si_status == SIGTERM, "waitid P_PIDFD kill");
	close(pidfd);
}

int main(void)
{
	int p[2];

	/* clone3 CLONE_PIDFD */
	CK(pipe(p));
	cfd = p[0];
	cwfd = p[1];
	int pidfd = -1;
	struct clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)&pidfd;
	ca.exit_signal = SIGCHLD;
	fflush(stdout);
	long c = syscall(SYS_clone3, &ca, sizeof ca);
	CK(c);
	if (c == 0)
		child_main(NULL);
	close(p[0]);
	finish("clone3 CLONE_PIDFD", (pid_t)c, pidfd, p[1], 17);

	/* clone() CLONE_PIDFD: the pidfd goes to parent_tid */
	CK(pipe(p));
	cfd = p[0];
	cwfd = p[1];
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pidfd = -1;
	fflush(stdout);
	int pid = clone(child_main, stack + sizeof stack, CLONE_PIDFD | SIGCHLD, NULL, &pidfd);
	CK(pid);
	close(p[0]);
	finish("clone CLONE_PIDFD", pid, pidfd, p[1], 0);

	/* pidfd_open: heisen refuses it (ENOSYS), natively it works */
	fflush(stdout);
	pid = fork();
	CK(pid);
	if (pid == 0)
		_exit(0);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	printf("pidfd_open -> %s\n", pidfd >= 0 ? "a pidfd" : errno == ENOSYS ? "ENOSYS" : strerror(errno));
	check(pidfd >= 0 || errno == ENOSYS, "pidfd_open");
	if (pidfd >= 0)
		close(pidfd);
	int st;
	CK(waitpid(pid, &st, 0));
	return wrong;
}
