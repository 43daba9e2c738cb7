/* inproc_clock: the calls in-process recording buffers first (docs/
 * inprocess.md, section 13, stage 1), made through glibc in two threads:
 * each thread runs ROUNDS rounds of clock_gettime(CLOCK_MONOTONIC),
 * getpid, gettid, gettimeofday and time (5 calls a round: 100,000 in all
 * by default), checking that the monotonic clock never goes back, that
 * the ids never change, that the two threads' tids differ and that time()
 * agrees with gettimeofday. Then getrandom (blocking and GRND_NONBLOCK) and
 * the other id calls, repeated. It prints the checks, the ids and a
 * checksum of every value read: the checksum differs from run to run, but a
 * replay must print the recording's. Exits 1 if a check fails.
 * Usage: inproc_clock [ROUNDS] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long rounds = 10000;

struct result {
	int index;
	pid_t pid, tid;
	long back, pid_changed, tid_changed, time_off; /* failed checks */
	uint64_t sum;                                  /* checksum of every value read */
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * 0x100000001b3ULL;
}

static void *work(void *arg)
{
	struct result *r = arg;
	struct timespec last = { 0, 0 }, t;
	uint64_t h = 0xcbf29ce484222325ULL;
	r->pid = getpid();
	r->tid = gettid();
	for (long i = 0; i < rounds; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec < last.tv_sec || (t.tv_sec == last.tv_sec && t.tv_nsec < last.tv_nsec))
			r->back++;
		last = t;
		pid_t pid = getpid(), tid = gettid();
		r->pid_changed += pid != r->pid;
		r->tid_changed += tid != r->tid;
		struct timeval tv;
		gettimeofday(&tv, NULL);
		time_t now = time(NULL);
		/* time() may be a clock tick behind gettimeofday's seconds, never ahead
		 * of a later one */
		struct timeval tv2;
		if (now < tv.tv_sec - 1 || (i % 64 == 0 && (gettimeofday(&tv2, NULL), now > tv2.tv_sec)))
			r->time_off++;
		h = mix(h, (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec);
		h = mix(h, (uint64_t)pid << 32 | (uint32_t)tid);
		h = mix(h, (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec);
		h = mix(h, (uint64_t)now);
	}
	r->sum = h;
	return NULL;
}

static void hex(const char *what, const unsigned char *b, ssize_t n)
{
	printf("%s -> %zd:", what, n);
	for (ssize_t i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv)
{
	int bad = 0;
	if (argc > 1)
		rounds = atol(argv[1]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	pid_t pid = getpid();
	struct result r[2] = { { .index = 0 }, { .index = 1 } };
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, work, &r[i]) != 0) {
			printf("pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 2; i++) {
		printf("thread %d: %ld rounds (5 calls each): clock went back %ld times, pid changed %ld, tid changed %ld, time() off %ld\n",
		       i, rounds, r[i].back, r[i].pid_changed, r[i].tid_changed, r[i].time_off);
		bad |= r[i].back || r[i].pid_changed || r[i].tid_changed || r[i].time_off || r[i].pid != pid;
	}
	printf("threads see the process's pid: %s; their tids differ from each other and from the pid: %s\n",
	       r[0].pid == pid && r[1].pid == pid ? "yes" : "NO",
	       r[0].tid != r[1].tid && r[0].tid != pid && r[1].tid != pid ? "yes" : "NO");
	bad |= r[0].tid == r[1].tid || r[0].tid == pid || r[1].tid == pid;
	printf("pid %d, tids %d %d\n", pid, r[0].tid, r[1].tid);
	printf("checksums of the values read: %016llx %016llx\n", (unsigned long long)r[0].sum,
	       (unsigned long long)r[1].sum);

	unsigned char a[16], b[32];
	ssize_t na = getrandom(a, sizeof a, 0), nb = getrandom(b, sizeof b, GRND_NONBLOCK);
	hex("getrandom 16", a, na);
	hex("getrandom 32 GRND_NONBLOCK", b, nb);
	int differ = na == 16 && nb == 32 && (a[0] != b[0] || a[1] != b[1] || a[2] != b[2] || a[3] != b[3]);
	printf("two draws differ: %s\n", differ ? "yes" : "NO");
	bad |= !differ;
	unsigned char z;
	ssize_t n0 = getrandom(&z, 0, GRND_NONBLOCK);
	printf("getrandom of 0 bytes -> %zd\n", n0);
	bad |= n0 != 0;

	pid_t ppid = getppid();
	uid_t uid = getuid(), euid = geteuid();
	gid_t gid = getgid(), egid = getegid();
	int same = 0;
	for (int i = 0; i < 100; i++)
		same += getppid() == ppid && getuid() == uid && geteuid() == euid && getgid() == gid &&
			getegid() == egid;
	printf("getppid %d getuid %u geteuid %u getgid %u getegid %u; the same 100 times more: %d\n", ppid, uid,
	       euid, gid, egid, same);
	bad |= same != 100;
	printf("%s\n", bad ? "WRONG" : "all checks hold");
	return bad;
}
