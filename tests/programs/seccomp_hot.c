// seccomp_hot: a filter installed (TSYNC) while a second thread loops over
// calls rec has by then handed to the in-process library (getuid, read of
// /dev/zero, clock_gettime: hot sites, patched), and after it the same
// sites answered by the filter: getuid with EPERM, reads of fd 1000 with
// EBADF... as ERRNO 77, getegid with SECCOMP_RET_TRACE (no tracer of the
// program's: ENOSYS), others allowed. Counts of each outcome, which the
// filter fixes, are printed; the loops' clock readings are not.
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define RET(k) BPF_STMT(BPF_RET | BPF_K, (k))

static struct sock_filter filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
	RET(SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getuid, 0, 1),
	RET(SECCOMP_RET_ERRNO | EPERM),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getegid, 0, 1),
	RET(SECCOMP_RET_TRACE | 7),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_read, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1000, 0, 1),
	RET(SECCOMP_RET_ERRNO | 77),
	RET(SECCOMP_RET_ALLOW),
};

struct counts {
	long uid_ok, uid_eperm, egid_ok, egid_enosys, read_ok, read_77, other;
};

static int zero_fd;
static volatile int installed;

static void round_of_calls(struct counts *c)
{
	char buf[64];
	long r = syscall(SYS_getuid);
	if (r >= 0)
		c->uid_ok++;
	else if (errno == EPERM)
		c->uid_eperm++;
	else
		c->other++;
	r = syscall(SYS_getegid);
	if (r >= 0)
		c->egid_ok++;
	else if (errno == ENOSYS)
		c->egid_enosys++;
	else
		c->other++;
	r = read(installed ? 1000 : zero_fd, buf, sizeof buf);
	if (r == (long)sizeof buf)
		c->read_ok++;
	else if (r < 0 && errno == 77)
		c->read_77++;
	else
		c->other++;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
}

static int go[2], done[2];

static void *worker(void *arg)
{
	struct counts *c = arg;
	char ch;
	for (int i = 0; i < 3000; i++)
		round_of_calls(c);
	if (write(done[1], "r", 1) != 1 || read(go[0], &ch, 1) != 1)
		return NULL;
	for (int i = 0; i < 3000; i++)
		round_of_calls(c);
	return NULL;
}

static void print(const char *who, const struct counts *c)
{
	printf("%s: getuid ok %ld EPERM %ld; getegid ok %ld ENOSYS %ld; read ok %ld errno77 %ld; other %ld\n", who,
	       c->uid_ok, c->uid_eperm, c->egid_ok, c->egid_enosys, c->read_ok, c->read_77, c->other);
}

int main(void)
{
	struct counts mine = {0}, its = {0};
	char ch;
	zero_fd = open("/dev/zero", O_RDONLY);
	if (zero_fd < 0 || pipe(go) < 0 || pipe(done) < 0)
		return 2;
	pthread_t w;
	pthread_create(&w, NULL, worker, &its);
	for (int i = 0; i < 3000; i++)
		round_of_calls(&mine);
	if (read(done[0], &ch, 1) != 1)
		return 2;
	struct sock_fprog p = {sizeof filter / sizeof filter[0], filter};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &p) != 0) {
		perror("seccomp");
		return 2;
	}
	installed = 1;
	if (write(go[1], "g", 1) != 1)
		return 2;
	for (int i = 0; i < 3000; i++)
		round_of_calls(&mine);
	pthread_join(w, NULL);
	print("main", &mine);
	print("worker", &its);
	return 0;
}
