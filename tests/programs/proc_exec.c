/* proc_exec: execve in children. The program re-executes itself through
 * /proc/self/exe with arguments that select a child mode, which prints its
 * argv and an environment variable and exits with a status of its own:
 * from a grandchild (the child reports the grandchild's status in its own);
 * after vfork (and vfork + execve of /bin/echo). Also an execve that fails
 * (ENOENT). (execve from a non-main thread and a vfork child that _exits
 * without exec: proc_exec_thread.c, proc_exec_threads.c, proc_vfork_exit.c) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

extern char **environ;
static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

/* argv: "child" TAG STATUS */
static int child_mode(int argc, char **argv)
{
	const char *v = getenv("PROC_EXEC_VAR");
	printf("  [exec'd %s] argc %d, PROC_EXEC_VAR=%s\n", argv[2], argc, v ? v : "(unset)");
	int st = atoi(argv[3]);
	fflush(stdout);
	return st;
}

static void self_exec(const char *tag, const char *status)
{
	char *args[] = { "proc_exec", "child", (char *)tag, (char *)status, NULL };
	execve("/proc/self/exe", args, environ);
}

static int wait_status(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) < 0)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

/* execve from a grandchild; the child exits with its status + 10 */
static void grandchild_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		pid_t g = fork();
		if (g < 0)
			_exit(100);
		if (g == 0) {
			setenv("PROC_EXEC_VAR", "from-grandchild", 1);
			self_exec("grandchild", "3");
			_exit(101);
		}
		_exit(wait_status(g) + 10);
	}
	int s = wait_status(c);
	printf("grandchild exec: child exited %d\n", s);
	check(s == 13, "grandchild's status through the child");
}

static void vfork_exec(void)
{
	char *echo_args[] = { "echo", "hello", "from", "vfork+execve", NULL };
	fflush(stdout);
	pid_t c = vfork();
	CK(c);
	if (c == 0) {
		execve("/bin/echo", echo_args, environ);
		_exit(127);
	}
	int s = wait_status(c);
	printf("vfork /bin/echo exited %d\n", s);
	check(s == 0, "/bin/echo status");

	char *env[] = { "PROC_EXEC_VAR=vfork-env", NULL };
	char *args[] = { "proc_exec", "child", "vfork", "5", NULL };
	fflush(stdout);
	c = vfork();
	CK(c);
	if (c == 0) {
		execve("/proc/self/exe", args, env);
		_exit(127);
	}
	s = wait_status(c);
	printf("vfork self exited %d\n", s);
	check(s == 5, "vfork self status");
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "child") == 0)
		return child_mode(argc, argv);
	setenv("PROC_EXEC_VAR", "parent", 1);
	errno = 0;
	char *args[] = { "x", NULL };
	int r = execve("/nonexistent/proc_exec", args, environ);
	printf("execve of a missing file -> %d %s\n", r, errno == ENOENT ? "ENOENT" : strerror(errno));
	check(r < 0 && errno == ENOENT, "execve ENOENT");
	grandchild_exec();
	vfork_exec();
	return wrong;
}
