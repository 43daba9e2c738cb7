// file_io: open/read/write/lseek/pread/pwrite/readv/writev/fsync/fdatasync/
// ftruncate in a mkdtemp directory, printing every result; cleans up.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define CK(x) do { long r_ = (long)(x); if (r_ < 0) { printf("FAIL %s: %s\n", #x, strerror(errno)); exit(1); } } while (0)

int main(void)
{
	char dir[] = "/tmp/heisen-fio-XXXXXX", path[64], buf[128];
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	printf("dir %s\n", dir);
	snprintf(path, sizeof path, "%s/data", dir);

	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0644);
	CK(fd);
	printf("open -> fd %d\n", fd);
	ssize_t n = write(fd, "hello, heisen\n", 14);
	printf("write -> %zd\n", n);
	printf("lseek(0, SEEK_CUR) -> %ld\n", (long)lseek(fd, 0, SEEK_CUR));
	printf("lseek(0, SEEK_SET) -> %ld\n", (long)lseek(fd, 0, SEEK_SET));
	memset(buf, 0, sizeof buf);
	n = read(fd, buf, 5);
	printf("read -> %zd '%.*s'\n", n, (int)n, buf);
	n = pwrite(fd, "PWRITE", 6, 100);
	printf("pwrite@100 -> %zd\n", n);
	printf("lseek(0, SEEK_END) -> %ld\n", (long)lseek(fd, 0, SEEK_END));
	memset(buf, 0, sizeof buf);
	n = pread(fd, buf, sizeof buf, 7);
	printf("pread@7 -> %zd", n);
	for (ssize_t i = 0; i < n; i++)
		printf(" %02x", (unsigned char)buf[i]);
	printf("\n");

	char a[4] = "AAAA", b[6] = "BBBBBB";
	struct iovec wv[2] = { { a, sizeof a }, { b, sizeof b } };
	CK(lseek(fd, 20, SEEK_SET));
	n = writev(fd, wv, 2);
	printf("writev -> %zd\n", n);
	char ra[3] = {0}, rb[9] = {0};
	struct iovec rv[2] = { { ra, sizeof ra }, { rb, sizeof rb } };
	CK(lseek(fd, 19, SEEK_SET));
	n = readv(fd, rv, 2);
	printf("readv -> %zd [%02x %02x %02x] [%.8s]\n", n, (unsigned char)ra[0],
	       (unsigned char)ra[1], (unsigned char)ra[2], rb);
	n = preadv(fd, rv, 2, 0);
	printf("preadv@0 -> %zd [%.3s] [%.8s]\n", n, ra, rb);

	printf("fsync -> %d\n", fsync(fd));
	printf("fdatasync -> %d\n", fdatasync(fd));
	struct stat st;
	CK(fstat(fd, &st));
	printf("size before ftruncate %ld\n", (long)st.st_size);
	printf("ftruncate(10) -> %d\n", ftruncate(fd, 10));
	CK(fstat(fd, &st));
	printf("size after ftruncate %ld ino %lu\n", (long)st.st_size, (unsigned long)st.st_ino);
	memset(buf, 0, sizeof buf);
	n = pread(fd, buf, sizeof buf, 0);
	printf("pread after truncate -> %zd '%.*s'\n", n, (int)n, buf);
	n = read(fd, buf, sizeof buf);
	printf("read at EOF -> %zd\n", n);

	int fd2 = open(path, O_WRONLY | O_APPEND);
	CK(fd2);
	n = write(fd2, "tail\n", 5);
	printf("append fd %d write -> %zd, offset %ld\n", fd2, n, (long)lseek(fd2, 0, SEEK_CUR));
	CK(close(fd2));
	errno = 0;
	int bad = open("/nonexistent/heisen", O_RDONLY);
	printf("open nonexistent -> %d errno %d\n", bad, errno);
	errno = 0;
	n = read(12345, buf, 1);
	printf("read bad fd -> %zd errno %d\n", n, errno);

	CK(close(fd));
	printf("unlink -> %d\n", unlink(path));
	printf("rmdir -> %d\n", rmdir(dir));
	return 0;
}
