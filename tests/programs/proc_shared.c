/* proc_shared: a MAP_SHARED|MAP_ANONYMOUS region shared by the parent and
 * two forked children: atomic counters, a process-shared pthread mutex (held
 * by a child while the parent's trylock gets EBUSY) and process-shared
 * semaphores (sem_init pshared=1) live in it. The parent sends each child
 * its orders over a pipe; the children answer over a socketpair. The order
 * in which the children took the mutex is printed; the totals are checked. */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)
#define NCHILD 2
#define ITERS 20

struct shm {
	long counter;           /* updated with __atomic builtins only */
	long plain;             /* updated under the mutex only */
	pthread_mutex_t m;
	sem_t items;            /* a child posts one every 5 iterations */
	sem_t locked;           /* child 0 posts it while holding m */
	int nlog;
	char log[NCHILD * ITERS + 1];
};

static int wrong;

static void check(int ok, const char *what)
{
	if (!ok) {
		printf("WRONG %s\n", what);
		wrong = 1;
	}
}

static void child(struct shm *s, int id, int rd, int sock)
{
	char buf[64] = {0};
	ssize_t n = read(rd, buf, sizeof buf - 1);
	if (n <= 0)
		_exit(100);
	close(rd);
	int iters = atoi(buf + 3); /* "go N" */
	if (id == 0) {
		/* hold the mutex until the parent has seen it is taken */
		pthread_mutex_lock(&s->m);
		sem_post(&s->locked);
		n = read(sock, buf, sizeof buf - 1); /* "release" */
		if (n <= 0)
			_exit(101);
		pthread_mutex_unlock(&s->m);
	}
	long seen = 0;
	for (int i = 0; i < iters; i++) {
		seen = __atomic_add_fetch(&s->counter, 1, __ATOMIC_SEQ_CST);
		pthread_mutex_lock(&s->m);
		s->plain++;
		if (s->nlog < NCHILD * ITERS)
			s->log[s->nlog++] = (char)('A' + id);
		pthread_mutex_unlock(&s->m);
		if (i % 5 == 4) {
			sem_post(&s->items);
			sched_yield();
		}
	}
	int len = snprintf(buf, sizeof buf, "child %d did %d, counter was %ld", id, iters, seen);
	if (write(sock, buf, (size_t)len) != len)
		_exit(102);
	_exit(10 + id);
}

int main(void)
{
	struct shm *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CK(s == MAP_FAILED ? -1 : 0);
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	int r = pthread_mutex_init(&s->m, &ma);
	check(r == 0, "pthread_mutex_init");
	pthread_mutexattr_destroy(&ma);
	CK(sem_init(&s->items, 1, 0));
	CK(sem_init(&s->locked, 1, 0));

	int to_child[NCHILD][2], sp[NCHILD][2];
	pid_t pid[NCHILD];
	fflush(stdout);
	for (int i = 0; i < NCHILD; i++) {
		CK(pipe(to_child[i]));
		CK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]));
		pid[i] = fork();
		CK(pid[i]);
		if (pid[i] == 0) {
			close(to_child[i][1]);
			close(sp[i][0]);
			for (int j = 0; j < i; j++) {
				close(to_child[j][1]);
				close(sp[j][0]);
			}
			child(s, i, to_child[i][0], sp[i][1]);
		}
		close(to_child[i][0]);
		close(sp[i][1]);
	}
	for (int i = 0; i < NCHILD; i++) {
		char msg[16];
		int len = snprintf(msg, sizeof msg, "go %d", ITERS);
		CK(write(to_child[i][1], msg, (size_t)len));
		close(to_child[i][1]);
	}

	/* child 0 holds the mutex now */
	CK(sem_wait(&s->locked));
	r = pthread_mutex_trylock(&s->m);
	printf("trylock while child 0 holds the mutex: %s\n", r == EBUSY ? "EBUSY" : strerror(r));
	check(r == EBUSY, "trylock of a held process-shared mutex");
	CK(write(sp[0][0], "release", 7));

	for (int k = 0; k < NCHILD * ITERS / 5; k++)
		CK(sem_wait(&s->items));
	errno = 0;
	r = sem_trywait(&s->items);
	printf("all %d items taken; sem_trywait -> %d %s\n", NCHILD * ITERS / 5, r,
	       r < 0 && errno == EAGAIN ? "EAGAIN" : "?");
	check(r < 0 && errno == EAGAIN, "sem_trywait on an empty semaphore");

	for (int i = 0; i < NCHILD; i++) {
		char buf[80] = {0};
		ssize_t n = read(sp[i][0], buf, sizeof buf - 1);
		check(n > 0, "reply from child");
		printf("reply %d: %s\n", i, buf);
		close(sp[i][0]);
		int st;
		CK(waitpid(pid[i], &st, 0));
		printf("child %d exited %d\n", i, WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
		check(WIFEXITED(st) && WEXITSTATUS(st) == 10 + i, "child exit status");
	}

	r = pthread_mutex_trylock(&s->m);
	check(r == 0, "trylock after the children are gone");
	int na = 0, nb = 0;
	for (int i = 0; i < s->nlog; i++) {
		na += s->log[i] == 'A';
		nb += s->log[i] == 'B';
	}
	s->log[s->nlog] = 0;
	printf("lock order: %s\n", s->log);
	printf("counter %ld plain %ld log %d (A %d, B %d)\n", __atomic_load_n(&s->counter, __ATOMIC_SEQ_CST),
	       s->plain, s->nlog, na, nb);
	check(s->counter == NCHILD * ITERS, "atomic counter total");
	check(s->plain == NCHILD * ITERS, "mutex-protected counter total");
	check(na == ITERS && nb == ITERS, "per-child lock counts");
	pthread_mutex_unlock(&s->m);
	pthread_mutex_destroy(&s->m);
	sem_destroy(&s->items);
	sem_destroy(&s->locked);
	munmap(s, sizeof *s);
	return wrong;
}
