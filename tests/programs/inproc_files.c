// inproc_files: a small file database, the file calls the in-process
// library records (docs/inprocess.md section 15): 60 rounds of openat,
// fcntl locks, lseek, write, read, fstat, newfstatat, statx, access,
// faccessat, readlink, readlinkat, getdents64, futex wakes and close in a
// private directory, printing what it read every 10 rounds; a forked child
// sees the parent's lock with F_GETLK. Output is the same every run.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

static unsigned sum(const char *p, long n)
{
	unsigned h = 5381;
	for (long i = 0; i < n; i++)
		h = h * 33 + (unsigned char)p[i];
	return h;
}

/* Entries of directory dfd's path, sorted names hashed. */
static int list(const char *dir, unsigned *hash)
{
	char names[32][256];
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return -1;
	while ((e = readdir(d)) && n < 32)
		if (e->d_name[0] != '.')
			snprintf(names[n++], sizeof names[0], "%s", e->d_name);
	closedir(d);
	qsort(names, (size_t)n, sizeof names[0], (int (*)(const void *, const void *))strcmp);
	*hash = 0;
	for (int i = 0; i < n; i++)
		*hash = *hash * 31 + sum(names[i], (long)strlen(names[i]));
	return n;
}

int main(void)
{
	char dir[] = "/tmp/heisen-ipf-XXXXXX", path[96], link[96], buf[4096], name[16];
	static int word;
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CK(dfd);
	snprintf(link, sizeof link, "%s/link", dir);
	CK(symlinkat("rec03", dfd, "link"));
	unsigned total = 0;
	for (int r = 0; r < 60; r++) {
		snprintf(name, sizeof name, "rec%02d", r % 8);
		int fd = openat(dfd, name, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
		CK(fd);
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		CK(fcntl(fd, F_SETLK, &fl));
		fl.l_type = F_WRLCK;
		CK(fcntl(fd, F_GETLK, &fl)); /* our own lock does not conflict */
		if (fl.l_type != F_UNLCK) { printf("round %d: F_GETLK type %d\n", r, fl.l_type); return 1; }
		CK(fcntl(fd, F_SETFD, FD_CLOEXEC));
		if (fcntl(fd, F_GETFD) != FD_CLOEXEC || (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDWR) { printf("round %d: flags\n", r); return 1; }
		off_t end = lseek(fd, 0, SEEK_END);
		CK(end);
		int n = snprintf(buf, sizeof buf, "round %d at %ld\n", r, (long)end);
		if (write(fd, buf, (size_t)n) != n) { printf("round %d: short write\n", r); return 1; }
		CK(lseek(fd, 0, SEEK_SET));
		long got = read(fd, buf, sizeof buf);
		CK(got);
		struct stat st, st2;
		struct statx sx;
		CK(fstat(fd, &st));
		CK(fstatat(dfd, name, &st2, 0));
		CK(statx(dfd, name, 0, STATX_SIZE, &sx));
		if (st.st_size != got || st2.st_size != got || (long)sx.stx_size != got || st.st_ino != st2.st_ino) {
			printf("round %d: sizes %ld %ld %ld, read %ld\n", r, (long)st.st_size, (long)st2.st_size, (long)sx.stx_size, got);
			return 1;
		}
		fl.l_type = F_UNLCK;
		CK(fcntl(fd, F_SETLK, &fl));
		CK(close(fd));
		snprintf(path, sizeof path, "%s/%s", dir, name);
		CK(access(path, R_OK | W_OK));
		CK(faccessat(dfd, name, R_OK, 0));
		if (access("/nonexistent-heisen", F_OK) == 0 || errno != ENOENT) { printf("round %d: access\n", r); return 1; }
		char l1[32] = {0}, l2[32] = {0};
		if (readlink(link, l1, sizeof l1) != 5 || readlinkat(dfd, "link", l2, sizeof l2) != 5 || strcmp(l1, l2)) { printf("round %d: readlink\n", r); return 1; }
		unsigned lh;
		int entries = list(dir, &lh);
		CK(entries);
		CK(syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0)); /* no waiter: 0 */
		total = total * 31 + sum(buf, got);
		if (r % 10 == 9)
			printf("round %d: %s read %ld bytes, %d entries (%08x), link -> %s, total %08x\n", r, name, got, entries, lh, l1, total);
	}

	/* a child sees the parent's lock */
	int fd = openat(dfd, "rec00", O_RDWR | O_CLOEXEC);
	CK(fd);
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	CK(fcntl(fd, F_SETLK, &fl));
	fflush(stdout);
	pid_t c = fork();
	CK(c);
	if (c == 0) {
		struct flock q = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		if (fcntl(fd, F_GETLK, &q) < 0)
			_exit(2);
		printf("child: F_GETLK type %s, start %ld, len %ld, by parent %s\n", q.l_type == F_RDLCK ? "read" : "other",
		       (long)q.l_start, (long)q.l_len, q.l_pid == getppid() ? "yes" : "no");
		q.l_type = F_WRLCK;
		printf("child: F_SETLK %s\n", fcntl(fd, F_SETLK, &q) < 0 && (errno == EAGAIN || errno == EACCES) ? "refused" : "TAKEN");
		fflush(stdout);
		_exit(0);
	}
	int status;
	CK(waitpid(c, &status, 0));
	printf("child exited %d\n", WEXITSTATUS(status));
	CK(close(fd));

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "rec%02d", i);
		CK(unlinkat(dfd, name, 0));
	}
	CK(unlinkat(dfd, "link", 0));
	CK(close(dfd));
	CK(rmdir(dir));
	printf("done\n");
	return 0;
}
