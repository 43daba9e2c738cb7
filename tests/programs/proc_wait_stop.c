/* proc_wait_stop: job control seen by the parent. A child blocked in read()
 * on a pipe is stopped with SIGSTOP and continued with SIGCONT, twice: once
 * observed with waitid WSTOPPED/WCONTINUED (CLD_STOPPED/CLD_CONTINUED and
 * si_status), once with waitpid WUNTRACED/WCONTINUED; then it is released
 * and exits 3. A SIGTERM sent to a stopped child stays pending (waitpid
 * WNOHANG finds nothing) until SIGCONT lets it kill the child. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	default: return "?";
	}
}

/* a child that blocks reading a pipe, then exits with what it read */
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
		_exit(v);
	}
	close(p[0]);
	*wfd = p[1];
	return c;
}

int main(void)
{
	siginfo_t si;
	int st, wfd;
	unsigned char v = 3;

	pid_t s = blocked_child(&wfd);
	CK(kill(s, SIGSTOP));
	memset(&si, 0, sizeof si);
	CK(waitid(P_PID, (id_t)s, &si, WSTOPPED));
	printf("stopped: %s %d\n", code_name(si.si_code), si.si_status);
	check(si.si_code == CLD_STOPPED && si.si_status == SIGSTOP, "WSTOPPED");
	CK(kill(s, SIGCONT));
	memset(&si, 0, sizeof si);
	CK(waitid(P_PID, (id_t)s, &si, WCONTINUED));
	printf("continued: %s %d\n", code_name(si.si_code), si.si_status);
	check(si.si_code == CLD_CONTINUED && si.si_status == SIGCONT, "WCONTINUED");
	CK(kill(s, SIGSTOP));
	CK(waitpid(s, &st, WUNTRACED));
	printf("waitpid WUNTRACED: stopped %d by %d\n", WIFSTOPPED(st), WIFSTOPPED(st) ? WSTOPSIG(st) : -1);
	check(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "WUNTRACED");
	CK(kill(s, SIGCONT));
	CK(waitpid(s, &st, WCONTINUED));
	printf("waitpid WCONTINUED: continued %d\n", WIFCONTINUED(st));
	check(WIFCONTINUED(st), "waitpid WCONTINUED");
	CK(write(wfd, &v, 1));
	close(wfd);
	CK(waitpid(s, &st, 0));
	printf("then exited %d\n", WEXITSTATUS(st));
	check(WIFEXITED(st) && WEXITSTATUS(st) == 3, "exit after continue");

	s = blocked_child(&wfd);
	CK(kill(s, SIGSTOP));
	CK(waitpid(s, &st, WUNTRACED));
	check(WIFSTOPPED(st), "second child stopped");
	CK(kill(s, SIGTERM));
	int r = waitpid(s, &st, WNOHANG);
	printf("SIGTERM to the stopped child: waitpid WNOHANG -> %d\n", r);
	check(r == 0, "SIGTERM pending while stopped");
	CK(kill(s, SIGCONT));
	CK(waitpid(s, &st, 0));
	printf("continued, then killed by SIGTERM: signaled %d sig %d\n", WIFSIGNALED(st),
	       WIFSIGNALED(st) ? WTERMSIG(st) : -1);
	check(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "SIGTERM of a stopped child");
	close(wfd);
	return wrong;
}
