/* proc_wait: the wait family. waitid with no children (ECHILD); waitid
 * P_PID|WNOHANG on a live child (si_pid 0); WNOWAIT peeking twice at a
 * zombie before reaping it; waitid P_ALL collecting children that exit 0, 7
 * and 255 or are killed by SIGINT, SIGTERM, SIGUSR1 or their own
 * raise(SIGHUP), printing si_code/si_status; wait4 with struct rusage (only
 * the fields Linux leaves zero and whether ru_maxrss is set: no times) and
 * wait4(0) on the process group. (SIGKILL of a child blocked in a syscall
 * and SIGSTOP/SIGCONT seen by waitid: proc_kill_blocked.c, proc_wait_stop.c) */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

static const char *code_name(int c)
{
	switch (c) {
	case CLD_EXITED: return "CLD_EXITED";
	case CLD_KILLED: return "CLD_KILLED";
	case CLD_DUMPED: return "CLD_DUMPED";
	case CLD_STOPPED: return "CLD_STOPPED";
	case CLD_CONTINUED: return "CLD_CONTINUED";
	case CLD_TRAPPED: return "CLD_TRAPPED";
	case 0: return "0";
	default: return "?";
	}
}

/* a child that blocks reading fd, then exits with what it read */
static pid_t blocked_child(int *wfd)
{
	int p[2];
	CK(pipe(p));
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		close(p[1]);
		unsigned char v = 0;
		if (read(p[0], &v, 1) != 1)
			_exit(99);
		if (v > 128 && v < 128 + 32) /* 128 + N: raise(N) */
			raise(v - 128);
		_exit(v);
	}
	close(p[0]);
	*wfd = p[1];
	return c;
}

static void release(int wfd, unsigned char v)
{
	CK(write(wfd, &v, 1));
	close(wfd);
}

#define NKIDS 7
static const struct {
	const char *what;
	int exit_with;  /* >= 0: exit status; < 0: killed by the parent with -exit_with */
	int want_code, want_status;
} kids[NKIDS] = {
	{ "exit 0", 0, CLD_EXITED, 0 },
	{ "exit 7", 7, CLD_EXITED, 7 },
	{ "exit 255", 255, CLD_EXITED, 255 },
	{ "SIGINT", -SIGINT, CLD_KILLED, SIGINT },
	{ "SIGTERM", -SIGTERM, CLD_KILLED, SIGTERM },
	{ "SIGUSR1", -SIGUSR1, CLD_KILLED, SIGUSR1 },
	{ "raise SIGHUP", 128 + SIGHUP, CLD_KILLED, SIGHUP },
};

int main(void)
{
	siginfo_t si;
	int r, st;

	/* no children at all */
	errno = 0;
	r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	printf("waitid P_ALL without children -> %d %s\n", r, errno == ECHILD ? "ECHILD" : strerror(errno));
	check(r < 0 && errno == ECHILD, "waitid without children");

	/* a live child: WNOHANG finds nothing */
	int wfd;
	pid_t a = blocked_child(&wfd);
	memset(&si, 0xff, sizeof si);
	si.si_pid = 12345;
	r = waitid(P_PID, (id_t)a, &si, WEXITED | WNOHANG);
	printf("waitid P_PID WNOHANG on a live child -> %d si_pid %d\n", r, si.si_pid);
	check(r == 0 && si.si_pid == 0, "WNOHANG on a live child");
	r = waitpid(a, &st, WNOHANG);
	printf("waitpid WNOHANG on a live child -> %d\n", r);
	check(r == 0, "waitpid WNOHANG on a live child");

	/* let it exit 7; peek twice with WNOWAIT, then reap */
	release(wfd, 7);
	for (int i = 0; i < 2; i++) {
		memset(&si, 0, sizeof si);
		CK(waitid(P_PID, (id_t)a, &si, WEXITED | WNOWAIT));
		printf("WNOWAIT peek %d: signo %d code %s status %d pid ok %d\n", i, si.si_signo,
		       code_name(si.si_code), si.si_status, si.si_pid == a);
		check(si.si_signo == SIGCHLD && si.si_code == CLD_EXITED && si.si_status == 7 && si.si_pid == a,
		      "WNOWAIT peek");
	}
	memset(&si, 0, sizeof si);
	CK(waitid(P_PID, (id_t)a, &si, WEXITED));
	printf("reaped: code %s status %d uid %d\n", code_name(si.si_code), si.si_status, (int)si.si_uid);
	check(si.si_code == CLD_EXITED && si.si_status == 7, "reap after WNOWAIT");
	errno = 0;
	r = waitid(P_PID, (id_t)a, &si, WEXITED);
	printf("waitid on the reaped child -> %d %s\n", r, errno == ECHILD ? "ECHILD" : strerror(errno));
	check(r < 0 && errno == ECHILD, "waitid on a reaped child");

	/* several children ending in various ways, collected with P_ALL */
	pid_t pids[NKIDS];
	int wfds[NKIDS];
	for (int i = 0; i < NKIDS; i++)
		pids[i] = blocked_child(&wfds[i]);
	for (int i = 0; i < NKIDS; i++) {
		if (kids[i].exit_with >= 0) {
			release(wfds[i], (unsigned char)kids[i].exit_with);
		} else {
			CK(kill(pids[i], -kids[i].exit_with));
			close(wfds[i]);
		}
	}
	int got_code[NKIDS], got_status[NKIDS], nfound = 0;
	for (int k = 0; k < NKIDS; k++) {
		memset(&si, 0, sizeof si);
		CK(waitid(P_ALL, 0, &si, WEXITED));
		for (int i = 0; i < NKIDS; i++) {
			if (pids[i] == si.si_pid) {
				got_code[i] = si.si_code;
				got_status[i] = si.si_status;
				pids[i] = -1;
				nfound++;
			}
		}
	}
	check(nfound == NKIDS, "P_ALL found every child");
	for (int i = 0; i < NKIDS; i++) {
		printf("child '%s': %s %d\n", kids[i].what, code_name(got_code[i]), got_status[i]);
		check(got_code[i] == kids[i].want_code && got_status[i] == kids[i].want_status, kids[i].what);
	}
	errno = 0;
	r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG);
	printf("waitid P_ALL after all reaped -> %d %s\n", r, errno == ECHILD ? "ECHILD" : strerror(errno));

	/* wait4 with rusage */
	pid_t w = blocked_child(&wfd);
	struct rusage ru;
	memset(&ru, 0xff, sizeof ru);
	r = wait4(w, &st, WNOHANG, &ru);
	printf("wait4 WNOHANG on a live child -> %d\n", r);
	release(wfd, 42);
	memset(&ru, 0xff, sizeof ru);
	pid_t got = wait4(w, &st, 0, &ru);
	printf("wait4 -> pid ok %d status %d maxrss set %d ixrss %ld idrss %ld isrss %ld nswap %ld "
	       "msgsnd %ld msgrcv %ld nsignals %ld\n",
	       got == w, WEXITSTATUS(st), ru.ru_maxrss > 0, ru.ru_ixrss, ru.ru_idrss, ru.ru_isrss, ru.ru_nswap,
	       ru.ru_msgsnd, ru.ru_msgrcv, ru.ru_nsignals);
	check(got == w && WIFEXITED(st) && WEXITSTATUS(st) == 42, "wait4 status");
	check(ru.ru_maxrss > 0 && ru.ru_nswap == 0 && ru.ru_nsignals == 0, "wait4 rusage");

	/* wait4(0): any child in our process group, one killed by a signal */
	w = blocked_child(&wfd);
	CK(kill(w, SIGTERM));
	got = wait4(0, &st, 0, &ru);
	printf("wait4(0) -> pid ok %d signaled %d sig %d\n", got == w, WIFSIGNALED(st), WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	check(got == w && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "wait4(0) killed child");
	close(wfd);
	errno = 0;
	r = wait4(-1, &st, WNOHANG, &ru);
	printf("wait4(-1) with no children -> %d %s\n", r, errno == ECHILD ? "ECHILD" : strerror(errno));
	return wrong;
}
