/* sig_futex_note: Go's notesleep/notewakeup under sysmon's preemption
 * signal. Each round the main thread wakes a worker, makes an mprotect
 * call (it keeps rec's one virtual core: the worker's wake-up is recorded
 * meanwhile and the main thread goes on first), then sleeps on a note word
 * until the worker sets it. The worker sets the note, interrupts the
 * sleep with a signal (an SA_RESTART handler: the futex call restarts)
 * and wakes it. The note's value the main thread read is its futex's
 * argument: a replay that ran the worker's store before the main thread's
 * read (its futex entry placed after the worker's) diverges. */
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define ROUNDS 2000

static int go_word, note;
static pid_t pid, main_tid;
static volatile sig_atomic_t handled;

static long futex(int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

static int ld(int *p) { return __atomic_load_n(p, __ATOMIC_SEQ_CST); }
static void st(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }

static void on_usr1(int sig)
{
	(void)sig;
	handled = handled + 1;
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 1; i <= ROUNDS; i++) {
		int v;
		while ((v = ld(&go_word)) != i)
			futex(&go_word, FUTEX_WAIT_PRIVATE, v);
		st(&note, i);
		syscall(SYS_tgkill, pid, main_tid, SIGUSR1); /* no other call first */
		futex(&note, FUTEX_WAKE_PRIVATE, 1);
	}
	return NULL;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGUSR1, &sa, NULL);
	pid = getpid();
	main_tid = (pid_t)syscall(SYS_gettid);
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return 1;
	pthread_t w;
	pthread_create(&w, NULL, worker, NULL);
	for (int i = 1; i <= ROUNDS; i++) {
		st(&go_word, i);
		futex(&go_word, FUTEX_WAKE_PRIVATE, 1);
		mprotect(page, 4096, PROT_READ | PROT_WRITE);
		int v;
		while ((v = ld(&note)) != i)
			futex(&note, FUTEX_WAIT_PRIVATE, v);
	}
	pthread_join(w, NULL);
	printf("%d rounds, signals handled: %s\n", ROUNDS, handled ? "yes" : "no");
	return 0;
}
