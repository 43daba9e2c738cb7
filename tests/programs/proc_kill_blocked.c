/* proc_kill_blocked: SIGKILL of processes blocked in syscalls. Children
 * blocked in read() on a pipe, in nanosleep, in waitpid for their own child,
 * in a futex wait (sem_wait) and a child whose three threads are all blocked
 * in read() are each killed with SIGKILL; the parent checks that waitpid
 * reports WTERMSIG == SIGKILL for every one of them. (The grandchild of the
 * one killed in waitpid, orphaned, ends at EOF once the parent closes the
 * pipe.) */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static int wrong;
static int blockfd; /* read end of a pipe nobody writes to */
static int readyfd; /* write end: a child says it is about to block */

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

static void ready(void)
{
	char c = 'r';
	if (write(readyfd, &c, 1) != 1)
		_exit(98);
}

static void *reader(void *arg)
{
	char c;
	(void)arg;
	ready();
	if (read(blockfd, &c, 1) >= 0)
		_exit(97);
	return NULL;
}

int main(void)
{
	static const char *what[] = { "read", "nanosleep", "waitpid", "sem_wait", "3 threads in read" };
	enum { N = 5 };
	int bp[2], rp[2];
	CK(pipe(bp));
	CK(pipe(rp));
	blockfd = bp[0];
	readyfd = rp[1];
	sem_t *sem = mmap(NULL, sizeof *sem, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CK(sem == MAP_FAILED ? -1 : 0);
	CK(sem_init(sem, 1, 0));
	pid_t pid[N];
	for (int i = 0; i < N; i++) {
		fflush(stdout);
		pid[i] = fork();
		CK(pid[i]);
		if (pid[i] != 0)
			continue;
		close(bp[1]); /* the orphaned grandchild must see EOF at the end */
		close(rp[0]);
		char c;
		switch (i) {
		case 0:
			ready();
			if (read(blockfd, &c, 1) >= 0)
				_exit(1);
			break;
		case 1: {
			struct timespec ts = { 30, 0 };
			ready();
			nanosleep(&ts, NULL);
			break;
		}
		case 2: {
			pid_t g = fork();
			if (g == 0) {
				if (read(blockfd, &c, 1) >= 0)
					_exit(1);
				_exit(2);
			}
			ready();
			waitpid(g, NULL, 0);
			break;
		}
		case 3:
			ready();
			sem_wait(sem);
			break;
		case 4: {
			pthread_t t[2];
			for (int k = 0; k < 2; k++)
				if (pthread_create(&t[k], NULL, reader, NULL))
					_exit(96);
			reader(NULL);
			break;
		}
		}
		_exit(90);
	}
	close(rp[1]);
	/* 1 + 1 + 1 + 1 + 3 readiness bytes */
	for (int k = 0; k < 7; k++) {
		char c;
		CK(read(rp[0], &c, 1));
	}
	usleep(2000); /* let them reach their blocking calls */
	for (int i = 0; i < N; i++) {
		int st;
		CK(kill(pid[i], SIGKILL));
		CK(waitpid(pid[i], &st, 0));
		printf("child blocked in %s: signaled %d sig %d\n", what[i], WIFSIGNALED(st),
		       WIFSIGNALED(st) ? WTERMSIG(st) : -1);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, what[i]);
	}
	/* the orphaned grandchild of child 2 still blocks in read: end it */
	close(bp[1]);
	close(bp[0]);
	sem_destroy(sem);
	return wrong;
}
