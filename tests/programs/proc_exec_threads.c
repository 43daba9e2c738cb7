/* proc_exec_threads: execve in multi-threaded processes, beyond
 * proc_exec_thread's case. In forked children: the first (main) thread
 * execs while a thread blocks in read(), one in a futex wait and another
 * computes; a thread's execve fails (ENOENT) while the others block in
 * read(): nothing dies, the others are woken and joined; a thread execs
 * after the main thread ended (pthread_exit: it is a zombie, whose tid
 * the exec'ing thread takes); the first thread and another exec at once
 * (one wins, the other dies inside its execve). Last, in the program's
 * first process itself, a thread other than the main one execs while the
 * main thread blocks in read(): the new image's status is the program's.
 * Each new image checks it has one thread and the process's pid, and
 * exits with the status asked for. */
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

/* argv: "child" TAG STATUS PID */
static int child_mode(char **argv)
{
	int st = atoi(argv[3]);
	int threads = threads_in_status();
	int same_pid = atoi(argv[4]) == getpid();
	int tid_pid = (int)syscall(SYS_gettid) == getpid();
	printf("  [exec'd %s] threads %d, pid kept %d, tid == pid %d\n", argv[2], threads, same_pid, tid_pid);
	if (threads != 1 || !same_pid || !tid_pid) {
		printf("WRONG state after execve in a threaded process (%s)\n", argv[2]);
		st = 1;
	}
	fflush(stdout);
	return st;
}

static char exe[4096]; /* (/proc/self/exe no longer resolves once the first thread ended) */

static int self_exec(const char *tag, const char *status)
{
	char pid[16];
	snprintf(pid, sizeof pid, "%d", getpid());
	char *args[] = { "proc_exec_threads", "child", (char *)tag, (char *)status, pid, NULL };
	return execve(exe, args, environ);
}

static int wait_status(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) < 0)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int block_fd;              /* a pipe's read end nobody writes to (CLOEXEC) */
static volatile unsigned long spins;
static pthread_barrier_t bar;

static void *blocker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	char c;
	ssize_t n = read(block_fd, &c, 1); /* until an execve ends the process's threads */
	(void)n;
	_exit(102);
}

static void *spinner(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	for (;;) /* computing until the execve ends it */
		spins = spins * 7 + 1;
	return NULL;
}

static pthread_mutex_t cond_m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond_c = PTHREAD_COND_INITIALIZER;

static void *cond_waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cond_m);
	pthread_barrier_wait(&bar);
	for (;;) /* in futex wait until the execve ends it */
		pthread_cond_wait(&cond_c, &cond_m);
	return NULL;
}

static void blocking_pipe(void)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC))
		_exit(104);
	block_fd = p[0];
}

/* The first thread execs while the others block and compute. */
static void leader_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		blocking_pipe();
		pthread_barrier_init(&bar, NULL, 4);
		pthread_t t[3];
		pthread_create(&t[0], NULL, blocker, NULL);
		pthread_create(&t[1], NULL, spinner, NULL);
		pthread_create(&t[2], NULL, cond_waiter, NULL);
		pthread_barrier_wait(&bar);
		for (int i = 0; i < 3; i++)
			sched_yield(); /* (the spinner runs) */
		self_exec("leader", "7");
		_exit(106);
	}
	int s = wait_status(c);
	printf("execve from the first thread with others running: process exited %d\n", s);
	check(s == 7, "status after execve from the first thread");
}

static int wake_w;

static void *reader(void *arg)
{
	char c = 0;
	pthread_barrier_wait(&bar);
	ssize_t n = read(block_fd, &c, 1); /* woken once the execve failed */
	*(int *)arg = n == 1 && c == 'w';
	return NULL;
}

static void *bad_execer(void *arg)
{
	pthread_barrier_wait(&bar);
	char *args[] = { "nothing", NULL };
	int r = execve("/nonexistent/heisen-exec-thread", args, environ);
	*(int *)arg = r == -1 && errno == ENOENT;
	if (write(wake_w, "ww", 2) != 2)
		*(int *)arg = 0;
	return NULL;
}

/* A thread's execve fails: every thread lives on. */
static void failed_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		int p[2];
		if (pipe(p))
			_exit(104);
		block_fd = p[0];
		wake_w = p[1];
		int ok[3] = { 0, 0, 0 };
		pthread_barrier_init(&bar, NULL, 4);
		pthread_t t[3];
		pthread_create(&t[0], NULL, reader, &ok[0]);
		pthread_create(&t[1], NULL, reader, &ok[1]);
		pthread_create(&t[2], NULL, bad_execer, &ok[2]);
		pthread_barrier_wait(&bar);
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		printf("  [failed execve] ENOENT %d, readers woken %d %d, threads %d\n", ok[2], ok[0], ok[1],
		       threads_in_status());
		fflush(stdout);
		_exit(ok[0] && ok[1] && ok[2] ? 5 : 1);
	}
	int s = wait_status(c);
	printf("failed execve from a thread: process exited %d\n", s);
	check(s == 5, "status after a failed execve from a thread");
}

static pid_t first_pid;

/* Whether the first thread of the process has ended (a zombie). */
static int first_ended(void)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", first_pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	const char *p = strrchr(buf, ')');
	return p && (p[2] == 'Z' || p[2] == 'X');
}

static void *late_execer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	while (!first_ended())
		usleep(1000);
	self_exec("after-main-ended", "8");
	_exit(103);
}

/* A thread execs after the first thread ended. */
static void zombie_leader_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		blocking_pipe();
		first_pid = getpid();
		pthread_barrier_init(&bar, NULL, 3);
		pthread_t t[2];
		pthread_create(&t[0], NULL, blocker, NULL);
		pthread_create(&t[1], NULL, late_execer, NULL);
		pthread_barrier_wait(&bar);
		pthread_exit(NULL);
	}
	int s = wait_status(c);
	printf("execve from a thread after the first one ended: process exited %d\n", s);
	check(s == 8, "status after execve from a thread, the first one ended");
}

static void *twin_execer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	self_exec("twins", "6");
	_exit(103);
}

/* The first thread and another exec at once: one execve wins, the other
 * thread is killed inside its own. */
static void twin_exec(void)
{
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		blocking_pipe();
		pthread_barrier_init(&bar, NULL, 3);
		pthread_t t[2];
		pthread_create(&t[0], NULL, blocker, NULL);
		pthread_create(&t[1], NULL, twin_execer, NULL);
		pthread_barrier_wait(&bar);
		self_exec("twins", "6");
		_exit(106);
	}
	int s = wait_status(c);
	printf("execve from two threads at once: process exited %d\n", s);
	check(s == 6, "status after execve from two threads at once");
}

static const char *final_status;

static void *final_execer(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&bar);
	self_exec("first-process", final_status);
	_exit(103);
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "child") == 0)
		return child_mode(argv);
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	CK(len);
	exe[len] = 0;
	leader_exec();
	failed_exec();
	zombie_leader_exec();
	twin_exec();
	/* The first process: a thread execs, its image's status is ours. */
	final_status = wrong ? "1" : "0";
	blocking_pipe();
	pthread_barrier_init(&bar, NULL, 3);
	pthread_t t[2];
	pthread_create(&t[0], NULL, blocker, NULL);
	pthread_create(&t[1], NULL, final_execer, NULL);
	printf("first process: a thread execs\n");
	fflush(stdout);
	pthread_barrier_wait(&bar);
	char ch;
	ssize_t n = read(block_fd, &ch, 1);
	(void)n;
	return 106;
}
