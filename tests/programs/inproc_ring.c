/* inproc_ring: megabytes of buffered reads and writes (docs/inprocess.md
 * section 6): past IL_SHARE_AFTER rec shares a process's ring with itself
 * and its trace writer drains it while the program goes on; the library
 * stops for rec at half a ring, and waits when the ring is full.
 * 1. the parent writes a file of MB MiB in 4 KiB writes and reads it back
 *    in 4 KiB reads (its ring gets shared);
 * 2. fork: the child (its ring its parent's shared one until rec gives it
 *    its own) and the parent read the file again at the same time, the
 *    child with pread; the child exits with a status made of its sum;
 * 3. two threads read it at the same time (one ring);
 * 4. vfork + execve of /bin/true (the child shares the parent's ring).
 * Prints each sum (the same in every run: the file's bytes are fixed). */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB 3
#define BS 4096

extern char **environ;

static char path[64];

static uint64_t mix(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* the file's bytes read in 4 KiB reads (with pread if positional) */
static uint64_t read_all(int positional)
{
	unsigned char b[BS];
	uint64_t h = 0xcbf29ce484222325ULL;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	for (off_t off = 0;; off += BS) {
		ssize_t n = positional ? pread(fd, b, BS, off) : read(fd, b, BS);
		if (n <= 0)
			break;
		h = mix(h, b, (size_t)n);
	}
	close(fd);
	return h;
}

static void *reader(void *arg)
{
	*(uint64_t *)arg = read_all(0);
	return NULL;
}

/* vfork + execve of /bin/true; its wait status */
static int spawn_true(void)
{
	static char *args[] = {"/bin/true", NULL};
	int st = -1;
	pid_t v = vfork();
	if (v == 0) {
		execve(args[0], args, environ);
		_exit(127);
	}
	if (v > 0)
		waitpid(v, &st, 0);
	return st;
}

int main(void)
{
	unsigned char b[BS];
	uint32_t x = 12345;
	snprintf(path, sizeof path, "/tmp/inproc_ring.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror("open");
		return 1;
	}
	uint64_t w = 0xcbf29ce484222325ULL;
	for (int i = 0; i < MB * 1024 * 1024 / BS; i++) {
		for (int k = 0; k < BS; k++) {
			x = x * 1103515245u + 12345u;
			b[k] = (unsigned char)('a' + (x >> 16) % 26);
		}
		if (write(fd, b, BS) != BS) {
			perror("write");
			return 1;
		}
		w = mix(w, b, BS);
	}
	close(fd);
	uint64_t r1 = read_all(0);
	printf("1. written %016llx, read %016llx%s\n", (unsigned long long)w, (unsigned long long)r1,
	       w == r1 ? "" : " DIFFERENT");
	fflush(stdout);

	pid_t c = fork();
	if (c == 0)
		_exit((int)(read_all(1) == w ? 0 : 1) | (int)(getpid() == getppid()) << 1);
	uint64_t r2 = read_all(0);
	int st;
	waitpid(c, &st, 0);
	printf("2. parent %s, child status %d\n", r2 == w ? "same" : "DIFFERENT", WIFEXITED(st) ? WEXITSTATUS(st) : -1);

	pthread_t th;
	uint64_t r3a = 0, r3b = 0;
	pthread_create(&th, NULL, reader, &r3a);
	reader(&r3b);
	pthread_join(th, NULL);
	printf("3. threads %s %s\n", r3a == w ? "same" : "DIFFERENT", r3b == w ? "same" : "DIFFERENT");

	st = spawn_true();
	uint64_t r4 = read_all(1);
	printf("4. vfork child status %d, read again %s\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
	       r4 == w ? "same" : "DIFFERENT");
	unlink(path);
	return !(w == r1 && r2 == w && WIFEXITED(st) && r3a == w && r3b == w && r4 == w);
}
