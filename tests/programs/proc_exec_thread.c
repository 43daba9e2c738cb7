/* proc_exec_thread: execve from a non-main thread of a multi-threaded
 * process. A forked child starts three threads; two of them and its main
 * thread block in read() on a pipe nobody writes to, the third re-executes
 * the program through /proc/self/exe. The other threads vanish: the new
 * image checks it has one thread, the process's pid (tid == pid), that a
 * non-CLOEXEC pipe survived (and reads a byte from it) and that a CLOEXEC
 * one was closed, and exits 9, which the parent checks.
 * rec records the three others' ends after the exec record (the kernel
 * kills them as the execve runs), and replay's own execve of its stub,
 * from the same thread, kills its threads as the kernel did; the exec'ing
 * thread takes the process's id. (More cases: proc_exec_threads.c) */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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

static int threads_in_status(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* argv: "child" TAG STATUS [PID KEEPFD GONEFD] */
static int child_mode(int argc, char **argv)
{
	const char *v = getenv("PROC_EXEC_VAR");
	printf("  [exec'd %s] argc %d, PROC_EXEC_VAR=%s\n", argv[2], argc, v ? v : "(unset)");
	int st = atoi(argv[3]);
	if (argc >= 7) {
		int threads = threads_in_status();
		int same_pid = atoi(argv[4]) == getpid();
		int keep = fcntl(atoi(argv[5]), F_GETFD);
		errno = 0;
		int gone = fcntl(atoi(argv[6]), F_GETFD);
		int gone_errno = errno;
		printf("  [exec'd %s] threads %d, pid kept %d, tid == pid %d, non-CLOEXEC fd open %d, "
		       "CLOEXEC fd closed %d\n",
		       argv[2], threads, same_pid, (int)syscall(SYS_gettid) == getpid(), keep >= 0,
		       gone < 0 && gone_errno == EBADF);
		if (threads != 1 || !same_pid || keep < 0 || gone >= 0) {
			printf("WRONG state after execve from a thread\n");
			st = 1;
		}
		char c = 0;
		if (read(atoi(argv[5]), &c, 1) != 1 || c != 'k') {
			printf("WRONG byte through the inherited pipe\n");
			st = 1;
		}
	}
	fflush(stdout);
	return st;
}

static void self_exec(const char *tag, const char *status, char *extra[3])
{
	char *args[8] = { "proc_exec", "child", (char *)tag, (char *)status, NULL };
	if (extra) {
		args[4] = extra[0];
		args[5] = extra[1];
		args[6] = extra[2];
		args[7] = NULL;
	}
	execve("/proc/self/exe", args, environ);
}

static int wait_status(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) < 0)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int keep_r, keep_w, gone_r;
static pthread_barrier_t bar;

static void *blocker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	char c;
	ssize_t n = read(gone_r, &c, 1); /* nobody writes: blocked until the exec */
	(void)n;
	_exit(102);
}

static void *execer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	char pid[16], kfd[16], gfd[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	snprintf(kfd, sizeof kfd, "%d", keep_r);
	snprintf(gfd, sizeof gfd, "%d", gone_r);
	char *extra[3] = { pid, kfd, gfd };
	setenv("PROC_EXEC_VAR", "from-thread", 1);
	self_exec("thread", "9", extra);
	_exit(103);
}

/* a child with 4 threads, one of which (not the main one) calls execve */
static void thread_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		int k[2], g[2];
		if (pipe(k) || pipe2(g, O_CLOEXEC))
			_exit(104);
		keep_r = k[0];
		keep_w = k[1];
		gone_r = g[0];
		if (write(keep_w, "k", 1) != 1)
			_exit(105);
		pthread_barrier_init(&bar, NULL, 4);
		pthread_t t[3];
		for (int i = 0; i < 2; i++)
			pthread_create(&t[i], NULL, blocker, NULL);
		pthread_create(&t[2], NULL, execer, NULL);
		pthread_barrier_wait(&bar);
		char ch;
		ssize_t n = read(gone_r, &ch, 1); /* the main thread blocks too */
		(void)n;
		_exit(106);
	}
	int s = wait_status(c);
	printf("execve from a thread: process exited %d\n", s);
	check(s == 9, "status after execve from a thread");
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "child") == 0)
		return child_mode(argc, argv);
	thread_exec();
	return wrong;
}
