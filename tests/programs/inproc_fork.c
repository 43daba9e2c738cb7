/* inproc_fork: buffered calls across process creation (docs/inprocess.md,
 * section 9). Each process makes ROUNDS rounds of clock_gettime
 * (CLOCK_MONOTONIC) and getpid, checks that the clock never goes back and
 * that getpid always gives its own pid, and sums what it read:
 * 1. the parent, before anything else;
 * 2. fork: the child (which checks getpid against the pid fork gave the
 *    parent, sent over a pipe, and getppid) and the parent at the same
 *    time; the child exits with a status made of its checksum;
 * 3. vfork + execve of /bin/true;
 * 4. vfork: the child calls getpid (in the parent's memory) and execs this
 *    program with "vchild PPID", which makes its rounds and exits with a
 *    status made of its checksum;
 * 5. execve of this program with "final PID": the same process, a new
 *    image, its rounds.
 * Prints each side's checks and checksums (they differ from run to run; a
 * replay must print the recording's). Exits 1 if a check fails. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 3000

extern char **environ;

struct calls {
	long back, pid_wrong; /* failed checks */
	uint64_t sum;         /* checksum of every value read */
};

static struct calls rounds(pid_t want)
{
	struct calls c = { 0, 0, 0xcbf29ce484222325ULL };
	long long last = 0;
	for (int i = 0; i < ROUNDS; i++) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		long long ns = t.tv_sec * 1000000000LL + t.tv_nsec;
		c.back += ns < last;
		last = ns;
		pid_t p = getpid();
		c.pid_wrong += p != want;
		c.sum = (c.sum ^ (uint64_t)ns) * 0x100000001b3ULL;
		c.sum = (c.sum ^ (uint64_t)p) * 0x100000001b3ULL;
	}
	return c;
}

/* prints the checks of C for WHO; returns nonzero if one failed */
static int report(const char *who, struct calls c)
{
	printf("%s: %d rounds: clock went back %ld times, getpid wrong %ld times, checksum %016llx\n", who, ROUNDS,
	       c.back, c.pid_wrong, (unsigned long long)c.sum);
	fflush(stdout);
	return c.back || c.pid_wrong;
}

/* the exit status of a child made of its rounds: the checksum's low 7
 * bits, plus 128 if a check failed */
static int status_of(struct calls c)
{
	return (int)(c.sum & 0x7f) | (c.back || c.pid_wrong ? 0x80 : 0);
}

static int wait_status(pid_t p)
{
	int st;
	if (waitpid(p, &st, 0) != p)
		return -1000;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

static int exec_mode(const char *mode, pid_t id)
{
	pid_t me = getpid();
	int bad = strcmp(mode, "vchild") == 0 ? getppid() != id : me != id;
	printf("[%s] %s\n", mode,
	       strcmp(mode, "vchild") == 0 ? (bad ? "getppid is NOT the parent" : "getppid is the parent")
					   : (bad ? "getpid CHANGED across execve" : "getpid is the pid before execve"));
	struct calls c = rounds(me);
	bad |= report(strcmp(mode, "vchild") == 0 ? "[vchild]" : "[final]", c);
	if (strcmp(mode, "vchild") == 0)
		return status_of(c) | (bad ? 0x80 : 0);
	printf("%s\n", bad ? "WRONG" : "all checks hold");
	return bad;
}

static void self_exec(const char *mode, pid_t id)
{
	char num[24];
	snprintf(num, sizeof num, "%d", (int)id);
	char *args[] = { "inproc_fork", (char *)mode, num, NULL };
	execve("/proc/self/exe", args, environ);
}

static volatile pid_t vfork_getpid; /* what the vfork child's getpid gave, in the parent's memory */

int main(int argc, char **argv)
{
	if (argc == 3)
		return exec_mode(argv[1], (pid_t)atoi(argv[2]));
	setvbuf(stdout, NULL, _IOLBF, 0);
	int bad = 0;
	pid_t me = getpid();
	bad |= report("parent before fork", rounds(me));

	int pfd[2];
	if (pipe(pfd) < 0) {
		perror("pipe");
		return 1;
	}
	pid_t c = fork();
	if (c < 0) {
		perror("fork");
		return 1;
	}
	if (c == 0) {
		pid_t mine;
		ssize_t n = read(pfd[0], &mine, sizeof mine);
		pid_t got = getpid();
		int cbad = n != sizeof mine || got != mine || getppid() != me;
		printf("child: getpid %s the pid fork returned, getppid %s the parent\n", got == mine ? "is" : "is NOT",
		       getppid() == me ? "is" : "is NOT");
		struct calls cc = rounds(got);
		cbad |= report("child", cc);
		_exit(status_of(cc) | (cbad ? 0x80 : 0));
	}
	if (write(pfd[1], &c, sizeof c) != sizeof c)
		bad = 1;
	struct calls pc = rounds(me);
	int st = wait_status(c);
	bad |= report("parent while the child ran", pc);
	printf("child exited %d (0x80 clear: its checks held)\n", st);
	bad |= st < 0 || (st & 0x80);

	char *true_args[] = { "true", NULL };
	pid_t v = vfork();
	if (v == 0) {
		execve("/bin/true", true_args, environ);
		_exit(127);
	}
	st = wait_status(v);
	printf("vfork + execve /bin/true exited %d\n", st);
	bad |= st != 0;

	v = vfork();
	if (v == 0) {
		vfork_getpid = getpid();
		self_exec("vchild", me);
		_exit(127);
	}
	st = wait_status(v);
	printf("vfork child's getpid %s the pid vfork returned; vfork + execve of itself exited %d (0x80 clear: its checks held)\n",
	       vfork_getpid == v ? "is" : "is NOT", st);
	bad |= vfork_getpid != v || st < 0 || (st & 0x80);
	bad |= report("parent after vfork", rounds(me));
	if (bad) {
		printf("WRONG\n");
		return 1;
	}
	self_exec("final", me);
	printf("execve of itself failed\n");
	return 1;
}
