/* desched.c - experiment for docs/inprocess.md: can a tracer learn, without
 * a PMU, that a ptraced thread blocked in a syscall, and how fast? A perf
 * software event PERF_COUNT_SW_CONTEXT_SWITCHES with sample_period 1 on the
 * thread, O_ASYNC and F_SETSIG, so that its first context switch (the
 * thread blocking in read() on an empty pipe) sends a signal.
 *   mode "self" (rr's syscallbuf): the thread opens the event on itself,
 *     owner itself; it enables it (ioctl) before the read; the signal
 *     interrupts the read and the tracer sees a signal-delivery stop; it
 *     disables the event through its copy of the fd (pidfd_getfd), writes
 *     the pipe and resumes with the signal suppressed: the read restarts.
 *   mode "tracer": the tracer opens the event on the thread (pid = its tid)
 *     with itself as owner and waits for the signal with sigtimedwait; the
 *     thread is never interrupted.
 * Prints the latency from the thread's last instruction before read() to
 * the tracer's notice (CLOCK_MONOTONIC, us), median and 90th percentile over
 * N rounds, and how many notices were spurious. Both on one CPU, as rec runs.
 * Usage: desched self|tracer [N]. Exit 0 if the notices came, 1 if not.
 * Environment: EXCLUDE_KERNEL set: open the event with exclude_kernel, as an
 * unprivileged user must under perf_event_paranoid 2.
 * Found on the development VM (kernel 6.18, paranoid 2, no PMU), as root:
 * "self" notices 300/300 blocked reads, 29-46 us after the read began
 * (median), with one spurious stop per round (the switch into the desched
 * stop itself, queued before the tracer disables the event); "tracer"
 * gets one signal and then none (not understood; not pursued). As an
 * ordinary user: without exclude_kernel perf_event_open fails with EACCES;
 * with it the event never fires (a context switch happens in the kernel).
 * See docs/inprocess.md, "Blocking calls".
 * Build: cc -D_GNU_SOURCE -O2 -o desched bench/inproc/desched.c (not built by make). */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SIG_DESCHED SIGPWR

struct shared {
	volatile uint64_t t0;   /* ns, just before read() */
	volatile int fd;        /* the thread's own event fd (mode self) */
	volatile int round;
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_switches(pid_t tid, pid_t owner)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	a.sample_period = 1;
	a.disabled = 1;
	a.exclude_kernel = getenv("EXCLUDE_KERNEL") != NULL; /* what an unprivileged user must ask for under perf_event_paranoid 2 */
	int fd = (int)syscall(SYS_perf_event_open, &a, tid, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct f_owner_ex own = {F_OWNER_TID, owner};
	if (fcntl(fd, F_SETOWN_EX, &own) || fcntl(fd, F_SETSIG, SIG_DESCHED) ||
	    fcntl(fd, F_SETFL, O_ASYNC)) {
		int e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int self = argc > 1 && !strcmp(argv[1], "self");
	int n = argc > 2 ? atoi(argv[2]) : 200;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu(), &one);
	sched_setaffinity(0, sizeof one, &one);
	struct shared *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int p[2];
	if (sh == MAP_FAILED || pipe(p))
		return 2;
	sh->fd = -1;
	sh->t0 = 0;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIG_DESCHED);
	sigprocmask(SIG_BLOCK, &set, NULL); /* the tracer waits for it (mode tracer) */
	pid_t child = fork();
	if (child == 0) {
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(SIGSTOP);
		if (self && (sh->fd = open_switches(0, (pid_t)syscall(SYS_gettid))) < 0) {
			fprintf(stderr, "desched: perf_event_open on itself: %s\n", strerror(-sh->fd));
			_exit(3);
		}
		char c;
		for (int i = 0; i < n; i++) {
			if (self)
				ioctl(sh->fd, PERF_EVENT_IOC_ENABLE, 0);
			sh->t0 = now_ns();
			if (read(p[0], &c, 1) != 1)
				_exit(4);
			if (self)
				ioctl(sh->fd, PERF_EVENT_IOC_DISABLE, 0);
		}
		_exit(0);
	}
	int st, fd = -1, spurious = 0, got = 0;
	uint64_t *lat = calloc((size_t)n, sizeof *lat);
	waitpid(child, &st, WUNTRACED);
	if (ptrace(PTRACE_SEIZE, child, 0, 0)) {
		perror("desched: PTRACE_SEIZE");
		return 2;
	}
	kill(child, SIGCONT);
	if (!self) {
		if ((fd = open_switches(child, (pid_t)syscall(SYS_gettid))) < 0) {
			fprintf(stderr, "desched: perf_event_open on the tracee: %s\n", strerror(-fd));
			kill(child, SIGKILL);
			return 1;
		}
		ioctl(fd, PERF_EVENT_IOC_REFRESH, 1);
		/* the SIGCONT's signal-delivery stop */
		if (waitpid(child, &st, __WALL) < 0 || !WIFSTOPPED(st) || ptrace(PTRACE_CONT, child, 0, 0))
			return 2;
	}
	for (int i = 0; i < n; i++) {
		uint64_t t1;
		if (self) {
			for (;;) { /* to the desched signal's stop */
				if (waitpid(child, &st, __WALL) < 0 || WIFEXITED(st) || WIFSIGNALED(st))
					goto done;
				int sig = WSTOPSIG(st);
				if (sig == SIG_DESCHED) {
					t1 = now_ns();
					break;
				}
				ptrace(PTRACE_CONT, child, 0, sig == SIGCONT || sig == SIGSTOP || (st >> 16) ? 0 : sig);
			}
			if (fd < 0) {
				int pfd = (int)syscall(SYS_pidfd_open, child, 0);
				fd = (int)syscall(SYS_pidfd_getfd, pfd, sh->fd, 0);
				if (fd < 0) {
					perror("desched: pidfd_getfd");
					return 2;
				}
			}
			ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
		} else {
			struct timespec to = {1, 0};
			siginfo_t si;
			if (sigtimedwait(&set, &si, &to) < 0)
				goto done;
			t1 = now_ns();
		}
		/* Is the thread really in read() on the empty pipe? */
		char path[64], stat[512];
		snprintf(path, sizeof path, "/proc/%d/stat", child);
		FILE *f = fopen(path, "r");
		int asleep = f && fgets(stat, sizeof stat, f) && (strstr(stat, ") S ") || strstr(stat, ") t "));
		if (f)
			fclose(f);
		if (!asleep || !sh->t0) { /* switched out but not blocked (a ptrace stop, a preemption) */
			spurious++;
			if (self)
				ptrace(PTRACE_CONT, child, 0, 0);
			else
				ioctl(fd, PERF_EVENT_IOC_REFRESH, 1);
			i--;
			continue;
		}
		lat[got++] = t1 - sh->t0;
		sh->t0 = 0;
		if (!self) /* one more overflow's signal (an event that overflowed once stays quiet) */
			ioctl(fd, PERF_EVENT_IOC_REFRESH, 1);
		if (write(p[1], "x", 1) != 1)
			return 2;
		if (self)
			ptrace(PTRACE_CONT, child, 0, 0);
	}
done:
	kill(child, SIGKILL);
	qsort(lat, (size_t)got, sizeof *lat, cmp);
	if (!got) {
		printf("desched %s: no notice came\n", self ? "self" : "tracer");
		return 1;
	}
	printf("desched %s: %d/%d blocked reads noticed, latency median %.1f us, p90 %.1f us, %d spurious\n",
	       self ? "self" : "tracer", got, n, lat[got / 2] / 1e3, lat[got * 9 / 10] / 1e3, spurious);
	return 0;
}
